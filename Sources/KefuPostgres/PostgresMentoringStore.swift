import Foundation
import KefuCore
import KefuLedger
import KefuStorage
import PostgresNIO

/// MentoringStore on PostgreSQL: the `mentorship`, `transcript_annotation`, `transcript_override` and
/// `transcript_signoff` tables (statements in ``PostgresMentoringRows``), and the queue's reads of `scenario_run` and
/// `exam_attempt`; every method one transaction.
struct PostgresMentoringStore: MentoringStore {
    /// The database.
    let database: PostgresDatabase

    /// Mentorships, oldest first, of a person (as apprentice or mentor) or everyone.
    func mentorships(of person: PersonID?, activeOnly: Bool) async throws -> [MentorshipRecord] {
        let logger = database.logger
        return try await database.read { conn in
            try await PostgresMentoringRows.mentorships(person: person, activeOnly: activeOnly, conn, logger)
        }
    }

    /// Everyone, the active pairs and the ledger, read in one snapshot.
    func assignmentSnapshot() async throws -> MentoringSnapshot {
        let logger = database.logger
        return try await database.read { conn in
            let people = try await conn.query(
                "SELECT \(unescaped: PostgresPeopleStore.columns) FROM person ORDER BY id COLLATE \"C\"", logger: logger
            ).all(PostgresPeopleStore.Row.self).map(PostgresPeopleStore.person)
            return MentoringSnapshot(
                people: people,
                active: try await PostgresMentoringRows.mentorships(person: nil, activeOnly: true, conn, logger),
                ledger: try await PostgresLedgerStore.entries(person: nil, conn, logger))
        }
    }

    /// Ends pairs and stores new ones in one transaction; a second active mentor refuses the whole batch.
    func recordAssignment(
        ending endings: [MentorshipEnding], adding pairs: [MentorshipRecord], at time: String
    ) async throws -> [MentorshipRecord] {
        let logger = database.logger
        return try await database.write { conn in
            try await PostgresMentoringRows.assign(ending: endings, adding: pairs, at: time, conn, logger)
        }
    }

    /// One scenario run, or nil.
    func run(_ id: RunID) async throws -> ScenarioRunRecord? {
        let logger = database.logger
        return try await database.read { conn in try await PostgresScenarioRows.run(id, conn, logger) }
    }

    /// The notes, overrides and sign-off state of a run's transcript.
    func review(of run: RunID) async throws -> TranscriptReviewRecord {
        let logger = database.logger
        return try await database.read { conn in try await PostgresMentoringRows.review(of: run, conn, logger) }
    }

    /// Stores a note on a transcript turn; returns it with its id.
    func addAnnotation(_ annotation: TranscriptAnnotation) async throws -> TranscriptAnnotation {
        let logger = database.logger
        return try await database.write { conn in
            let (id, at) = try await PostgresMentoringRows.stamp(
                conn.query(
                    """
                    INSERT INTO transcript_annotation (run_id, turn, mentor_id, note, at)
                    VALUES (\(annotation.runID.rawValue), \(annotation.turn), \(annotation.mentorID.rawValue),
                        \(annotation.note), \(annotation.at)::timestamptz)
                    RETURNING id, kefu_time(at)
                    """, logger: logger))
            var stored = annotation
            (stored.id, stored.at) = (id, at)
            return stored
        }
    }

    /// Stores a mentor's verdict beside the automatic one; returns it with its id.
    func addOverride(_ override: TranscriptOverride) async throws -> TranscriptOverride {
        let logger = database.logger
        var stored = override
        (stored.id, stored.at) = try await database.write { conn in
            try await PostgresMentoringRows.stamp(
                conn.query(
                    """
                    INSERT INTO transcript_override (run_id, turn, check_id, automatic, verdict, reason, mentor_id, at)
                    VALUES (\(override.runID.rawValue), \(override.turn), \(override.checkID), \(override.automatic),
                        \(override.verdict), \(override.reason), \(override.mentorID.rawValue),
                        \(override.at)::timestamptz)
                    RETURNING id, kefu_time(at)
                    """, logger: logger))
        }
        return stored
    }

    /// Signs a transcript off once: the `signoff` evidence row and its link to the run; returns the evidence id.
    func signOff(_ signOff: TranscriptSignOff) async throws -> Int64 {
        let logger = database.logger
        return try await database.write { conn in
            let signed = try await conn.query(
                "SELECT EXISTS (SELECT 1 FROM transcript_signoff WHERE run_id = \(signOff.run.rawValue))",
                logger: logger
            ).first(Bool.self)
            if signed == true { throw StorageError(.conflict, "transcript \(signOff.run) is already signed off") }
            let id = try await PostgresPeopleStore.insertSignOff(
                SignOff(
                    personID: signOff.personID.rawValue, mentorID: signOff.mentorID.rawValue,
                    certification: signOff.certification.rawValue, signedAt: signOff.signedAt, note: signOff.note),
                conn, logger)
            _ = try await conn.query(
                """
                INSERT INTO transcript_signoff (run_id, mentor_id, signoff_id, at)
                VALUES (\(signOff.run.rawValue), \(signOff.mentorID.rawValue), \(id), \(signOff.signedAt)::timestamptz)
                """, logger: logger)
            return id
        }
    }

    /// A mentor's queue of work.
    func queue(mentor: PersonID) async throws -> MentorQueueRecord {
        let logger = database.logger
        return try await database.read { conn in try await PostgresMentoringRows.queue(mentor: mentor, conn, logger) }
    }
}
