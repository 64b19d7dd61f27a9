import Foundation
import GRDB
import KefuCore
import KefuLedger
// Transitional: the record types moved to KefuStorage stay visible to files that import only KefuStore.
import KefuStorage

/// MentoringStore on SQLite: the `mentorship`, `transcript_annotation`, `transcript_override` and
/// `transcript_signoff` tables, and the queue's reads of `scenario_run` and `exam_attempt`.
struct SQLiteMentoringStore: MentoringStore {
    let database: KefuDatabase

    func mentorships(of person: PersonID?, activeOnly: Bool) async throws -> [MentorshipRecord] {
        try await mentoringRead(database) { db in try Self.mentorships(person: person, activeOnly: activeOnly, db) }
    }

    func assignmentSnapshot() async throws -> MentoringSnapshot {
        try await mentoringRead(database) { [database] db in
            MentoringSnapshot(
                people: try Row.fetchAll(db, sql: "SELECT * FROM person ORDER BY id").map(KefuDatabase.person),
                active: try Self.mentorships(person: nil, activeOnly: true, db),
                ledger: try database.entries(db))
        }
    }

    func recordAssignment(
        ending endings: [MentorshipEnding], adding pairs: [MentorshipRecord], at time: String
    ) async throws -> [MentorshipRecord] {
        try await mentoringWrite(database) { db in
            for ending in endings {
                try db.execute(
                    sql: "UPDATE mentorship SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
                    arguments: [time, ending.reason, ending.id.rawValue])
            }
            var stored: [MentorshipRecord] = []
            for pair in pairs {
                let reasons = String(decoding: try JSONEncoder().encode(pair.reasons), as: UTF8.self)
                do {
                    try db.execute(
                        sql:
                            "INSERT INTO mentorship (apprentice_id, mentor_id, assigned_at, score, reasons) VALUES (?, ?, ?, ?, ?)",
                        arguments: [
                            pair.apprenticeID.rawValue, pair.mentorID.rawValue, pair.assignedAt, pair.score, reasons,
                        ])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw StorageError(
                        .conflict,
                        "`\(pair.apprenticeID)` already has a mentor (assigned meanwhile?); nothing was stored — assign again"
                    )
                }
                var record = pair
                record.id = MentorshipID(db.lastInsertedRowID)
                stored.append(record)
            }
            return stored
        }
    }

    func run(_ id: RunID) async throws -> ScenarioRunRecord? {
        try await mentoringRead(database) { db in
            try Row.fetchOne(db, sql: "SELECT * FROM scenario_run WHERE id = ?", arguments: [id.rawValue]).map(Self.run)
        }
    }

    func review(of run: RunID) async throws -> TranscriptReviewRecord {
        try await mentoringRead(database) { db in
            let notes = try Row.fetchAll(
                db, sql: "SELECT * FROM transcript_annotation WHERE run_id = ? ORDER BY id", arguments: [run.rawValue]
            ).map {
                TranscriptAnnotation(
                    id: $0["id"], runID: RunID($0["run_id"] as Int64), turn: $0["turn"],
                    mentorID: PersonID($0["mentor_id"] as String),
                    note: $0["note"], at: $0["at"])
            }
            let overrides = try Row.fetchAll(
                db, sql: "SELECT * FROM transcript_override WHERE run_id = ? ORDER BY id", arguments: [run.rawValue]
            ).map {
                var o = TranscriptOverride(
                    id: $0["id"], runID: RunID($0["run_id"] as Int64), turn: $0["turn"], checkID: $0["check_id"],
                    automatic: $0["automatic"], verdict: .pass, reason: $0["reason"],
                    mentorID: PersonID($0["mentor_id"] as String), at: $0["at"])
                o.verdict = $0["verdict"]
                return o
            }
            let signed =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM transcript_signoff WHERE run_id = ?)",
                    arguments: [run.rawValue]) ?? false
            return TranscriptReviewRecord(annotations: notes, overrides: overrides, isSignedOff: signed)
        }
    }

    func addAnnotation(_ annotation: TranscriptAnnotation) async throws -> TranscriptAnnotation {
        try await mentoringWrite(database) { db in
            try db.execute(
                sql: "INSERT INTO transcript_annotation (run_id, turn, mentor_id, note, at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    annotation.runID.rawValue, annotation.turn, annotation.mentorID.rawValue, annotation.note,
                    annotation.at,
                ])
            var stored = annotation
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    func addOverride(_ override: TranscriptOverride) async throws -> TranscriptOverride {
        try await mentoringWrite(database) { db in
            try db.execute(
                sql:
                    "INSERT INTO transcript_override (run_id, turn, check_id, automatic, verdict, reason, mentor_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    override.runID.rawValue, override.turn, override.checkID, override.automatic, override.verdict,
                    override.reason,
                    override.mentorID.rawValue, override.at,
                ])
            var stored = override
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    func signOff(_ signOff: TranscriptSignOff) async throws -> Int64 {
        try await mentoringWrite(database) { db in
            if try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM transcript_signoff WHERE run_id = ?)",
                arguments: [signOff.run.rawValue]) ?? false
            {
                throw StorageError(.conflict, "transcript \(signOff.run) is already signed off")
            }
            try db.execute(
                sql:
                    "INSERT INTO signoff (person_id, mentor_id, certification, signed_at, note) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    signOff.personID.rawValue, signOff.mentorID.rawValue, signOff.certification.rawValue,
                    signOff.signedAt, signOff.note,
                ])
            let id = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO transcript_signoff (run_id, mentor_id, signoff_id, at) VALUES (?, ?, ?, ?)",
                arguments: [signOff.run.rawValue, signOff.mentorID.rawValue, id, signOff.signedAt])
            return id
        }
    }

    func queue(mentor: PersonID) async throws -> MentorQueueRecord {
        try await mentoringRead(database) { db in
            let apprentices = Set(
                try String.fetchAll(
                    db, sql: "SELECT apprentice_id FROM mentorship WHERE mentor_id = ? AND ended_at IS NULL",
                    arguments: [mentor.rawValue]
                ).map { PersonID($0) })
            let runs = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.* FROM scenario_run r JOIN mentorship m ON m.apprentice_id = r.person_id AND m.mentor_id = ? AND m.ended_at IS NULL
                    WHERE r.status != 'in-progress' AND NOT EXISTS (SELECT 1 FROM transcript_signoff s WHERE s.run_id = r.id)
                    ORDER BY r.id
                    """, arguments: [mentor.rawValue]
            ).map(Self.run)
            let attempts = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.person_id, a.blueprint, a.marking,
                           (SELECT group_concat(g.position) FROM exam_manual_grade g WHERE g.attempt_id = a.id) AS graded
                    FROM exam_attempt a JOIN mentorship m ON m.apprentice_id = a.person_id AND m.mentor_id = ? AND m.ended_at IS NULL
                    WHERE a.status = 'submitted' ORDER BY a.id
                    """, arguments: [mentor.rawValue]
            ).map { row in
                MentoredExamAttempt(
                    id: ExamAttemptID(row["id"] as Int64), personID: PersonID(row["person_id"] as String),
                    blueprint: BlueprintID(row["blueprint"] as String), marking: row["marking"],
                    gradedPositions: Set(
                        ((row["graded"] as String?) ?? "").split(separator: ",").compactMap { Int($0) }))
            }
            return MentorQueueRecord(apprentices: apprentices, runs: runs, examAttempts: attempts)
        }
    }

    static func mentorships(person: PersonID?, activeOnly: Bool, _ db: Database) throws -> [MentorshipRecord] {
        var sql = "SELECT * FROM mentorship"
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let person {
            conditions.append("(apprentice_id = ? OR mentor_id = ?)")
            arguments += [person.rawValue, person.rawValue]
        }
        if activeOnly { conditions.append("ended_at IS NULL") }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(arguments)).map { row in
            let reasons = (try? JSONDecoder().decode([String].self, from: Data((row["reasons"] as String).utf8))) ?? []
            return MentorshipRecord(
                id: MentorshipID(row["id"] as Int64), apprenticeID: PersonID(row["apprentice_id"] as String),
                mentorID: PersonID(row["mentor_id"] as String), assignedAt: row["assigned_at"], score: row["score"],
                reasons: reasons, endedAt: row["ended_at"], endReason: row["end_reason"])
        }
    }

    static func run(_ row: Row) -> ScenarioRunRecord { ScenarioRunRecord(row: row) }
}

/// Runs `body` in a read transaction off the cooperative pool, translating database errors.
func mentoringRead<T: Sendable>(
    _ database: KefuDatabase, _ body: @escaping @Sendable (Database) throws -> T
) async throws -> T {
    do { return try await database.pool.read(body) } catch let error as DatabaseError {
        throw mentoringStorageError(error)
    }
}

/// Runs `body` in one write transaction off the cooperative pool, translating database errors.
func mentoringWrite<T: Sendable>(
    _ database: KefuDatabase, _ body: @escaping @Sendable (Database) throws -> T
) async throws -> T {
    if database.isReadOnly { throw StorageError(.readOnly, "the database was opened read-only") }
    do { return try await database.writeRetryingOnce { try await database.pool.write(body) } } catch let error
        as DatabaseError
    {
        throw mentoringStorageError(error)
    }
}

/// A `DatabaseError` as a ``StorageError`` (no bound values in the message).
func mentoringStorageError(_ error: DatabaseError) -> StorageError {
    switch error.resultCode {
    case .SQLITE_CONSTRAINT:
        return StorageError(.conflict, "the database refused the change: \(error.message ?? "constraint failed")")
    case .SQLITE_READONLY: return StorageError(.readOnly, "the database was opened read-only")
    default:
        return StorageError(
            .unavailable, "the database failed: \(error.message ?? "SQLite error \(error.resultCode.rawValue)")")
    }
}
