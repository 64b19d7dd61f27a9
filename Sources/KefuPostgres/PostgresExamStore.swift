import Foundation
import KefuCore
import KefuLedger
import KefuStorage
import PostgresNIO

/// ExamStore on PostgreSQL: the `exam_*` tables (statements in ``PostgresExamRows`` and ``PostgresExamSaves``),
/// every method one transaction. Records come back as stored (moments in Kefu's UTC form, documents as PostgreSQL
/// renders them), so a record a write returns equals the one a later read gives.
struct PostgresExamStore: ExamStore {
    /// The database.
    let database: PostgresDatabase

    /// Starts an attempt: the history (and the person's existence) read, `make` applied, the row inserted and a
    /// fixed seed used up, in one transaction.
    func startAttempt(
        person: PersonID, blueprint: BlueprintID, make: @escaping @Sendable (ExamHistory) throws -> ExamAttemptRecord
    ) async throws -> ExamAttemptRecord {
        let logger = database.logger
        return try await database.write { conn in
            let (history, exists) = try await PostgresExamRows.history(
                person: person, blueprint: blueprint, conn, logger)
            guard exists else { throw StorageError(.notFound, "no person `\(person)`") }
            var record = try make(history)
            record.attemptNumber = history.attempts.count + 1
            record.cycle = history.cycle
            let stored = try await PostgresExamRows.insert(record, conn, logger)
            if history.fixedSeed != nil {
                try await conn.query(
                    """
                    UPDATE exam_fixed_seed SET used_by = \(stored.id.rawValue) WHERE person_id = \(person.rawValue)
                    AND blueprint = \(blueprint.rawValue) AND used_by IS NULL
                    """, logger: logger)
            }
            return stored
        }
    }

    /// Fixes the seed of the person's next attempt, replacing an unused one.
    func fixSeed(_ seed: FixedSeed) async throws {
        let logger = database.logger
        try await database.write { conn in
            guard try await PostgresPeopleStore.exists(seed.person.rawValue, conn, logger) else {
                throw StorageError(.notFound, "no person `\(seed.person)`")
            }
            try await conn.query(
                """
                DELETE FROM exam_fixed_seed WHERE person_id = \(seed.person.rawValue)
                AND blueprint = \(seed.blueprint.rawValue) AND used_by IS NULL
                """, logger: logger)
            _ = try await conn.query(
                """
                INSERT INTO exam_fixed_seed (person_id, blueprint, seed, fixed_by, at)
                VALUES (\(seed.person.rawValue), \(seed.blueprint.rawValue), \(Int64(bitPattern: seed.seed)),
                    \(seed.fixedBy), \(seed.at)::timestamptz)
                """, logger: logger)
        }
    }

    /// The person's history of a blueprint.
    func history(person: PersonID, blueprint: BlueprintID) async throws -> ExamHistory {
        let logger = database.logger
        return try await database.read { conn in
            try await PostgresExamRows.history(person: person, blueprint: blueprint, conn, logger).history
        }
    }

    /// Saves a batch of answers in one transaction of two statements; per save, nil or why it was refused.
    func saveResponses(_ saves: [ResponseSave]) async throws -> [StorageError?] {
        let logger = database.logger
        return try await database.write { conn in try await PostgresExamSaves.save(saves, conn, logger) }
    }

    /// Remembers the question shown, while the attempt is in progress.
    func savePosition(attempt: ExamAttemptID, position: Int) async throws {
        let logger = database.logger
        try await database.write { conn in
            _ = try await conn.query(
                """
                UPDATE exam_attempt SET position = \(position) WHERE id = \(attempt.rawValue)
                AND status = 'in-progress'
                """, logger: logger)
        }
    }

    /// Submits or regrades an attempt (see ``PostgresExamResults``).
    func recordResult(_ write: ExamResultWrite) async throws -> ExamAttemptRecord {
        let logger = database.logger
        return try await database.write { conn in try await PostgresExamResults.record(write, conn, logger) }
    }

    /// One attempt, or nil.
    func attempt(_ id: ExamAttemptID) async throws -> ExamAttemptRecord? {
        let logger = database.logger
        // On every answer save: one statement, no transaction (as on SQLite).
        return try await database.readNow { conn in try await PostgresExamRows.attempt(id, conn, logger) }
    }

    /// Attempts, oldest first, filtered when given.
    func attempts(
        person: PersonID?, blueprint: BlueprintID?, status: ExamAttemptStatus?
    ) async throws -> [ExamAttemptRecord] {
        let logger = database.logger
        return try await database.read { conn in
            try await PostgresExamRows.attempts(person: person, blueprint: blueprint, status: status, conn, logger)
        }
    }

    /// The saved answers of an attempt, by position.
    func responses(attempt: ExamAttemptID) async throws -> [StoredResponse] {
        let logger = database.logger
        return try await database.readNow { conn in
            try await conn.query(
                """
                SELECT position, response::text, flagged, kefu_time(saved_at) FROM exam_response
                WHERE attempt_id = \(attempt.rawValue) ORDER BY position
                """, logger: logger
            ).all((Int, String?, Bool, String).self).map {
                StoredResponse(position: $0.0, response: $0.1, flagged: $0.2, savedAt: $0.3)
            }
        }
    }

    /// Marks given by people for an attempt, by position.
    func manualGrades(attempt: ExamAttemptID) async throws -> [ManualGrade] {
        let logger = database.logger
        return try await database.read { conn in try await PostgresExamRows.manualGrades(attempt: attempt, conn, logger)
        }
    }

    /// Stores a person's mark for one answer (replacing an earlier one); returns every mark of the attempt.
    func addManualGrade(attempt: ExamAttemptID, _ grade: ManualGrade) async throws -> [ManualGrade] {
        let logger = database.logger
        return try await database.write { conn in
            try await PostgresExamResults.addManualGrade(attempt: attempt, grade, conn, logger)
            return try await PostgresExamRows.manualGrades(attempt: attempt, conn, logger)
        }
    }

    /// Clears the open retraining flag of a person for a blueprint; false when there was none.
    func clearRetraining(
        person: PersonID, blueprint: BlueprintID, by supervisor: PersonID, at time: String, note: String
    ) async throws -> Bool {
        let logger = database.logger
        return try await database.write { conn in
            let cleared = try await conn.query(
                """
                WITH cleared AS (
                    UPDATE exam_retraining SET cleared_by = \(supervisor.rawValue), cleared_at = \(time)::timestamptz,
                        note = \(note)
                    WHERE person_id = \(person.rawValue) AND blueprint = \(blueprint.rawValue) AND cleared_at IS NULL
                    RETURNING 1)
                SELECT count(*) FROM cleared
                """, logger: logger
            ).first(Int.self)
            return (cleared ?? 0) > 0
        }
    }

    /// Open retraining flags, oldest first.
    func openRetrainingFlags() async throws -> [RetrainingFlag] {
        let logger = database.logger
        return try await database.read { conn in
            try await conn.query(
                """
                SELECT person_id, blueprint, kefu_time(flagged_at), reason FROM exam_retraining
                WHERE cleared_at IS NULL ORDER BY id
                """, logger: logger
            ).all((String, String, String, String).self).map {
                RetrainingFlag(person: PersonID($0.0), blueprint: BlueprintID($0.1), since: $0.2, reason: $0.3)
            }
        }
    }
}
