import Foundation
import KefuCore
import KefuStorage
import Logging
import PostgresNIO

/// The mentoring tables' statements on PostgreSQL, each inside the caller's transaction (`conn`).
enum PostgresMentoringRows {
    /// The `mentorship` columns ``mentorships(_:)`` decodes, in order.
    static let columns = """
        id, apprentice_id, mentor_id, kefu_time(assigned_at), score, reasons::text, kefu_time(ended_at), end_reason
        """

    /// Every row of `rows` (selected with ``columns``) decoded as a mentorship.
    static func mentorships(_ rows: PostgresRowSequence) async throws -> [MentorshipRecord] {
        try await rows.all((Int64, String, String, String, Double, String, String?, String?).self).map { row in
            MentorshipRecord(
                id: MentorshipID(row.0), apprenticeID: PersonID(row.1), mentorID: PersonID(row.2), assignedAt: row.3,
                score: row.4, reasons: (try? JSONDecoder().decode([String].self, from: Data(row.5.utf8))) ?? [],
                endedAt: row.6, endReason: row.7)
        }
    }

    /// Mentorships, oldest first: of `person` (as apprentice or mentor) when given, only active ones when asked.
    static func mentorships(
        person: PersonID?, activeOnly: Bool, _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> [MentorshipRecord] {
        try await mentorships(
            conn.query(
                """
                SELECT \(unescaped: columns) FROM mentorship
                WHERE (\(person?.rawValue)::text IS NULL OR apprentice_id = \(person?.rawValue)
                    OR mentor_id = \(person?.rawValue))
                AND (NOT \(activeOnly) OR ended_at IS NULL)
                ORDER BY id
                """, logger: logger))
    }

    /// Ends `endings` at `time`, then stores `pairs` (refused, with nothing stored, when an apprentice would have
    /// two active mentors); returns the new pairs as stored, in the order given.
    static func assign(
        ending endings: [MentorshipEnding], adding pairs: [MentorshipRecord], at time: String,
        _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> [MentorshipRecord] {
        if !endings.isEmpty {
            _ = try await conn.query(
                """
                UPDATE mentorship SET ended_at = \(time)::timestamptz, end_reason = e.reason
                FROM unnest(\(endings.map(\.id.rawValue))::bigint[], \(endings.map(\.reason))::text[]) AS e(id, reason)
                WHERE mentorship.id = e.id AND mentorship.ended_at IS NULL
                """, logger: logger)
        }
        guard !pairs.isEmpty else { return [] }
        let apprentices = pairs.map(\.apprenticeID.rawValue)
        var taken = Set(
            try await conn.query(
                "SELECT apprentice_id FROM mentorship WHERE ended_at IS NULL AND apprentice_id = ANY(\(apprentices))",
                logger: logger
            ).all(String.self))
        for apprentice in apprentices where !taken.insert(apprentice).inserted {
            throw StorageError(
                .conflict,
                "`\(apprentice)` already has a mentor (assigned meanwhile?); nothing was stored — assign again")
        }
        let reasons = try pairs.map { String(decoding: try JSONEncoder().encode($0.reasons), as: UTF8.self) }
        let stored = try await mentorships(
            conn.query(
                """
                INSERT INTO mentorship (apprentice_id, mentor_id, assigned_at, score, reasons)
                SELECT a, m, t::timestamptz, s, r::jsonb
                FROM unnest(\(apprentices)::text[], \(pairs.map(\.mentorID.rawValue))::text[],
                    \(pairs.map(\.assignedAt))::text[], \(pairs.map(\.score))::float8[], \(reasons)::text[])
                    AS p(a, m, t, s, r)
                RETURNING \(unescaped: columns)
                """, logger: logger))
        let byApprentice = Dictionary(stored.map { ($0.apprenticeID, $0) }, uniquingKeysWith: { first, _ in first })
        return pairs.compactMap { byApprentice[$0.apprenticeID] }
    }

    /// The id and time (as stored) an `INSERT … RETURNING id, kefu_time(at)` gives back.
    static func stamp(_ rows: PostgresRowSequence) async throws -> (Int64, String) {
        guard let row = try await rows.first((Int64, String).self) else {
            throw StorageError(.unavailable, "the new row was not returned; try again")
        }
        return row
    }

    /// The notes, overrides and sign-off state of one run's transcript.
    static func review(
        of run: RunID, _ conn: PostgresConnection, _ logger: Logger
    ) async throws
        -> TranscriptReviewRecord
    {
        let notes = try await conn.query(
            """
            SELECT id, run_id, turn, mentor_id, note, kefu_time(at) FROM transcript_annotation
            WHERE run_id = \(run.rawValue) ORDER BY id
            """, logger: logger
        ).all((Int64, Int64, Int, String, String, String).self).map {
            TranscriptAnnotation(
                id: $0.0, runID: RunID($0.1), turn: $0.2, mentorID: PersonID($0.3), note: $0.4, at: $0.5)
        }
        let overrides = try await conn.query(
            """
            SELECT id, run_id, turn, check_id, automatic, verdict, reason, mentor_id, kefu_time(at)
            FROM transcript_override WHERE run_id = \(run.rawValue) ORDER BY id
            """, logger: logger
        ).all((Int64, Int64, Int, String, String, String, String, String, String).self).map {
            var override = TranscriptOverride(
                id: $0.0, runID: RunID($0.1), turn: $0.2, checkID: $0.3, automatic: $0.4, verdict: .pass,
                reason: $0.6, mentorID: PersonID($0.7), at: $0.8)
            override.verdict = $0.5
            return override
        }
        let signed = try await conn.query(
            "SELECT EXISTS (SELECT 1 FROM transcript_signoff WHERE run_id = \(run.rawValue))", logger: logger
        ).first(Bool.self)
        return TranscriptReviewRecord(annotations: notes, overrides: overrides, isSignedOff: signed ?? false)
    }

    /// A mentor's queue: active apprentices, their finished runs not signed off, their attempts waiting for a grader.
    static func queue(
        mentor: PersonID, _ conn: PostgresConnection, _ logger: Logger
    ) async throws
        -> MentorQueueRecord
    {
        let apprentices = try await conn.query(
            "SELECT apprentice_id FROM mentorship WHERE mentor_id = \(mentor.rawValue) AND ended_at IS NULL",
            logger: logger
        ).all(String.self)
        let runs = try await PostgresScenarioRows.records(
            conn.query(
                """
                SELECT \(unescaped: PostgresScenarioRows.aliasedColumns) FROM scenario_run r
                JOIN mentorship m ON m.apprentice_id = r.person_id AND m.mentor_id = \(mentor.rawValue)
                    AND m.ended_at IS NULL
                WHERE r.status <> 'in-progress' AND NOT EXISTS (SELECT 1 FROM transcript_signoff s WHERE s.run_id = r.id)
                ORDER BY r.id
                """, logger: logger))
        let attempts = try await conn.query(
            """
            SELECT a.id, a.person_id, a.blueprint, a.marking::text,
                ARRAY(SELECT g.position::bigint FROM exam_manual_grade g WHERE g.attempt_id = a.id)
            FROM exam_attempt a
            JOIN mentorship m ON m.apprentice_id = a.person_id AND m.mentor_id = \(mentor.rawValue)
                AND m.ended_at IS NULL
            WHERE a.status = 'submitted' ORDER BY a.id
            """, logger: logger
        ).all((Int64, String, String, String?, [Int64]).self).map {
            MentoredExamAttempt(
                id: ExamAttemptID($0.0), personID: PersonID($0.1), blueprint: BlueprintID($0.2), marking: $0.3,
                gradedPositions: Set($0.4.map { Int($0) }))
        }
        return MentorQueueRecord(apprentices: Set(apprentices.map { PersonID($0) }), runs: runs, examAttempts: attempts)
    }
}
