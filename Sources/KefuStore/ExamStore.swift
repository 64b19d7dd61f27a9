import Foundation
import GRDB
public import KefuCore
public import KefuStorage

extension ExamAttemptRecord {
    init(row: Row) {
        self.init(
            id: ExamAttemptID(row["id"] as Int64), personID: PersonID(row["person_id"] as String),
            blueprint: BlueprintID(row["blueprint"] as String),
            contentVersion: row["content_version"], language: row["language"], attemptNumber: row["attempt_number"],
            cycle: row["cycle"],
            seed: UInt64(bitPattern: row["seed"] as Int64),
            status: ExamAttemptStatus(rawValue: row["status"]) ?? .inProgress,
            submitReason: (row["submit_reason"] as String?).flatMap(ExamSubmitReason.init(rawValue:)),
            startedAt: row["started_at"],
            deadline: row["deadline"], submittedAt: row["submitted_at"], gradedAt: row["graded_at"],
            position: row["position"], paper: row["paper"],
            total: row["total"], maximum: row["maximum"], percent: row["percent"], passed: row["passed"],
            marking: row["marking"],
            attemptID: (row["attempt_id"] as Int64?).map { AttemptID(rawValue: $0) })
    }
}

/// The exam tables' statements, each inside the caller's transaction (`db`).
enum ExamSQL {
    static func start(
        person: PersonID, blueprint: BlueprintID, make: (ExamHistory) throws -> ExamAttemptRecord, _ db: Database
    ) throws -> ExamAttemptRecord {
        guard try KefuDatabase.exists(person.rawValue, db) else {
            throw StorageError(.notFound, "no person `\(person)`")
        }
        let history = try self.history(person: person, blueprint: blueprint, db)
        var record = try make(history)
        record.attemptNumber = history.attempts.count + 1
        record.cycle = history.cycle
        try db.execute(
            sql: """
                INSERT INTO exam_attempt (person_id, blueprint, content_version, language, attempt_number, cycle, seed, status, started_at,
                    deadline, position, paper, maximum)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'in-progress', ?, ?, 0, ?, ?)
                """,
            arguments: [
                record.personID.rawValue, record.blueprint.rawValue, record.contentVersion, record.language,
                record.attemptNumber, record.cycle,
                Int64(bitPattern: record.seed), record.startedAt, record.deadline, record.paper, record.maximum,
            ])
        record.id = ExamAttemptID(db.lastInsertedRowID)
        if history.fixedSeed != nil {
            try db.execute(
                sql: "UPDATE exam_fixed_seed SET used_by = ? WHERE person_id = ? AND blueprint = ? AND used_by IS NULL",
                arguments: [record.id.rawValue, person.rawValue, blueprint.rawValue])
        }
        record.status = .inProgress
        record.position = 0
        return record
    }

    static func history(person: PersonID, blueprint: BlueprintID, _ db: Database) throws -> ExamHistory {
        let attempts = try Row.fetchAll(
            db, sql: "SELECT * FROM exam_attempt WHERE person_id = ? AND blueprint = ? ORDER BY id",
            arguments: [person.rawValue, blueprint.rawValue]
        ).map(ExamAttemptRecord.init)
        let cleared =
            try Int.fetchOne(
                db,
                sql:
                    "SELECT COUNT(*) FROM exam_retraining WHERE person_id = ? AND blueprint = ? AND cleared_at IS NOT NULL",
                arguments: [person.rawValue, blueprint.rawValue]) ?? 0
        let open =
            try Int.fetchOne(
                db,
                sql:
                    "SELECT COUNT(*) FROM exam_retraining WHERE person_id = ? AND blueprint = ? AND cleared_at IS NULL",
                arguments: [person.rawValue, blueprint.rawValue]) ?? 0
        let fixed = try Row.fetchOne(
            db,
            sql:
                "SELECT seed, fixed_by, at FROM exam_fixed_seed WHERE person_id = ? AND blueprint = ? AND used_by IS NULL",
            arguments: [person.rawValue, blueprint.rawValue]
        ).map {
            FixedSeed(
                person: person, blueprint: blueprint, seed: UInt64(bitPattern: $0["seed"]), fixedBy: $0["fixed_by"],
                at: $0["at"])
        }
        return ExamHistory(attempts: attempts, cycle: cleared, isFlagged: open > 0, fixedSeed: fixed)
    }

    static func saveResponses(_ saves: [ResponseSave], _ db: Database) throws -> [StorageError?] {
        var statuses: [ExamAttemptID: String?] = [:]
        var outcomes: [StorageError?] = []
        for save in saves {
            if statuses[save.attempt] == nil {
                statuses[save.attempt] = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT status FROM exam_attempt WHERE id = ?"),
                    arguments: [save.attempt.rawValue])
            }
            if let refusal = save.refusal(status: statuses[save.attempt] ?? nil) {
                outcomes.append(refusal)
                continue
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO exam_response (attempt_id, position, response, flagged, saved_at) VALUES (?, ?, ?, COALESCE(?, 0), ?)
                    ON CONFLICT (attempt_id, position) DO UPDATE SET response = excluded.response,
                        flagged = COALESCE(?, exam_response.flagged), saved_at = excluded.saved_at
                    """
            ).execute(
                arguments: [
                    save.attempt.rawValue, save.position, save.response, save.flagged, save.savedAt, save.flagged,
                ])
            try db.cachedStatement(sql: "UPDATE exam_attempt SET position = ? WHERE id = ?").execute(
                arguments: [save.current, save.attempt.rawValue])
            outcomes.append(nil)
        }
        return outcomes
    }

    static func savePosition(attempt: ExamAttemptID, position: Int, _ db: Database) throws {
        try db.execute(
            sql: "UPDATE exam_attempt SET position = ? WHERE id = ? AND status = 'in-progress'",
            arguments: [position, attempt.rawValue])
    }

    static func recordResult(_ write: ExamResultWrite, _ db: Database) throws -> ExamAttemptRecord {
        let record = write.record
        guard
            let status = try String.fetchOne(
                db, sql: "SELECT status FROM exam_attempt WHERE id = ?", arguments: [record.id.rawValue])
        else {
            throw StorageError(.notFound, "no exam attempt \(record.id)")
        }
        guard status == write.expectedStatus.rawValue else {
            throw StorageError(
                .conflict, "exam attempt \(record.id) is \(status), not \(write.expectedStatus.rawValue)")
        }
        var stored = record
        if let evidence = write.evidence {
            try db.execute(
                sql: """
                    INSERT INTO attempt (person_id, kind, reference, content_version, mode, score, passed, completed_at)
                    VALUES (?, 'exam', ?, ?, 'exam', ?, ?, ?)
                    """,
                arguments: [
                    evidence.personID, evidence.reference, evidence.contentVersion, evidence.score, evidence.passed,
                    evidence.completedAt,
                ])
            stored.attemptID = AttemptID(db.lastInsertedRowID)
        }
        try db.execute(
            sql: """
                UPDATE exam_attempt SET status = ?, submit_reason = ?, submitted_at = ?, graded_at = ?, total = ?, maximum = ?, percent = ?,
                    passed = ?, marking = ?, attempt_id = ? WHERE id = ?
                """,
            arguments: [
                stored.status.rawValue, stored.submitReason?.rawValue, stored.submittedAt, stored.gradedAt,
                stored.total, stored.maximum,
                stored.percent, stored.passed, stored.marking, stored.attemptID?.rawValue, stored.id.rawValue,
            ])
        if let reason = try write.flagRetraining(history(person: stored.personID, blueprint: stored.blueprint, db)) {
            try db.execute(
                sql: "INSERT INTO exam_retraining (person_id, blueprint, flagged_at, reason) VALUES (?, ?, ?, ?)",
                arguments: [stored.personID.rawValue, stored.blueprint.rawValue, write.at, reason])
        }
        return stored
    }

    static func attempt(_ id: ExamAttemptID, _ db: Database) throws -> ExamAttemptRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM exam_attempt WHERE id = ?"), arguments: [id.rawValue])
            .map(
                ExamAttemptRecord.init)
    }

    static func attempts(
        person: PersonID?, blueprint: BlueprintID?, status: ExamAttemptStatus?, _ db: Database
    ) throws -> [ExamAttemptRecord] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        for (column, value) in [
            ("person_id", person?.rawValue), ("blueprint", blueprint?.rawValue), ("status", status?.rawValue),
        ] {
            if let value {
                conditions.append("\(column) = ?")
                arguments.append(value)
            }
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try Row.fetchAll(
            db, sql: "SELECT * FROM exam_attempt \(whereClause) ORDER BY id", arguments: StatementArguments(arguments)
        )
        .map(ExamAttemptRecord.init)
    }

    static func responses(attempt: ExamAttemptID, _ db: Database) throws -> [StoredResponse] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM exam_response WHERE attempt_id = ? ORDER BY position"),
            arguments: [attempt.rawValue]
        ).map { row in
            StoredResponse(
                position: row["position"], response: row["response"], flagged: row["flagged"], savedAt: row["saved_at"])
        }
    }

    static func manualGrades(attempt: ExamAttemptID, _ db: Database) throws -> [ManualGrade] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM exam_manual_grade WHERE attempt_id = ? ORDER BY position",
            arguments: [attempt.rawValue]
        ).map { row in
            ManualGrade(
                position: row["position"], graderID: PersonID(row["grader_id"] as String), fraction: row["fraction"],
                comment: row["comment"],
                gradedAt: row["graded_at"])
        }
    }

    static func addManualGrade(attempt: ExamAttemptID, _ grade: ManualGrade, _ db: Database) throws {
        guard try KefuDatabase.exists(grade.graderID.rawValue, db) else {
            throw StorageError(.notFound, "no person `\(grade.graderID)`")
        }
        guard try Self.attempt(attempt, db) != nil else { throw StorageError(.notFound, "no exam attempt \(attempt)") }
        try db.execute(
            sql: """
                INSERT INTO exam_manual_grade (attempt_id, position, grader_id, fraction, comment, graded_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (attempt_id, position) DO UPDATE SET grader_id = excluded.grader_id, fraction = excluded.fraction,
                    comment = excluded.comment, graded_at = excluded.graded_at
                """,
            arguments: [
                attempt.rawValue, grade.position, grade.graderID.rawValue, grade.fraction, grade.comment,
                grade.gradedAt,
            ])
    }

    static func clearRetraining(
        person: PersonID, blueprint: BlueprintID, by supervisor: PersonID, at time: String, note: String, _ db: Database
    ) throws -> Bool {
        try db.execute(
            sql: """
                UPDATE exam_retraining SET cleared_by = ?, cleared_at = ?, note = ?
                WHERE person_id = ? AND blueprint = ? AND cleared_at IS NULL
                """,
            arguments: [supervisor.rawValue, time, note, person.rawValue, blueprint.rawValue])
        return db.changesCount > 0
    }

    static func openRetrainingFlags(_ db: Database) throws -> [RetrainingFlag] {
        try Row.fetchAll(db, sql: "SELECT * FROM exam_retraining WHERE cleared_at IS NULL ORDER BY id").map {
            RetrainingFlag(
                person: PersonID($0["person_id"] as String), blueprint: BlueprintID($0["blueprint"] as String),
                since: $0["flagged_at"],
                reason: $0["reason"])
        }
    }
}

extension KefuDatabase {
    /// Attempts, oldest first, filtered when given (synchronous; for readers outside the exam slice until they have their own store).
    public func examAttempts(
        person: PersonID? = nil, blueprint: BlueprintID? = nil, status: ExamAttemptStatus? = nil
    ) throws -> [ExamAttemptRecord] {
        try read { db in try ExamSQL.attempts(person: person, blueprint: blueprint, status: status, db) }
    }

    /// The saved answers of an attempt (synchronous; see ``examAttempts(person:blueprint:status:)``).
    public func examResponses(attempt: ExamAttemptID) throws -> [StoredResponse] {
        try read { db in try ExamSQL.responses(attempt: attempt, db) }
    }

    /// Marks given by people for an attempt (synchronous; see ``examAttempts(person:blueprint:status:)``).
    public func manualGrades(attempt: ExamAttemptID) throws -> [ManualGrade] {
        try read { db in try ExamSQL.manualGrades(attempt: attempt, db) }
    }
}

extension ExamSQL {
    /// Runs `body` in one write transaction without blocking the caller's thread, translating database errors into
    /// ``StorageError`` (constraint failures are conflicts; writes on a read-only database are refused).
    static func write<T: Sendable>(
        on database: KefuDatabase, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        guard !database.isReadOnly else { throw StorageError(.readOnly, "the database was opened read-only") }
        do {
            return try await database.writeRetryingOnce { try await database.pool.write(body) }
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_CONSTRAINT {
                throw StorageError(.conflict, "the database refused the change: \(KefuDatabase.describe(error))")
            }
            throw StorageError(.unavailable, "the database cannot be written: \(KefuDatabase.describe(error))")
        }
    }

    /// Runs `body` in a read transaction without blocking the caller's thread, translating database errors into ``StorageError``.
    static func read<T: Sendable>(
        on database: KefuDatabase, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try await database.pool.read(body)
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw StorageError(.unavailable, "the database cannot be read: \(KefuDatabase.describe(error))")
        }
    }
}
