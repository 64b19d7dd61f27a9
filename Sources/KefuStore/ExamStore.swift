import Foundation
import KefuStorage
import GRDB
import KefuCore

/// A stored exam attempt (see the `exam_attempt` table).
public struct ExamAttemptRecord: Sendable, Hashable {
    /// Row id.
    public var id: Int64
    /// Candidate.
    public var personID: String
    /// Blueprint id.
    public var blueprint: String
    /// Blueprint file hash.
    public var contentVersion: String
    /// Language of the banks.
    public var language: String
    /// 1 for the person's first attempt of this blueprint, and so on.
    public var attemptNumber: Int
    /// Retraining clearances before this attempt (attempt limits count within a cycle).
    public var cycle: Int
    /// Seed of the draw.
    public var seed: UInt64
    /// `in-progress`, `submitted` (essays waiting for a grader) or `graded`.
    public var status: String
    /// `candidate` or `deadline`.
    public var submitReason: String?
    /// When it started (ISO-8601).
    public var startedAt: String
    /// When time runs out.
    public var deadline: String?
    /// When it was submitted.
    public var submittedAt: String?
    /// When its last mark was given.
    public var gradedAt: String?
    /// The question shown last.
    public var position: Int
    /// The drawn paper (JSON).
    public var paper: String
    /// Marks awarded.
    public var total: Double
    /// Marks available.
    public var maximum: Double
    /// Percent.
    public var percent: Double
    /// Pass or fail once graded.
    public var passed: Bool?
    /// The marking (JSON), once submitted.
    public var marking: String?
    /// The evidence row, once graded.
    public var attemptID: Int64?

    /// Creates a record.
    public init(
        id: Int64 = 0, personID: String, blueprint: String, contentVersion: String, language: String, attemptNumber: Int = 0, cycle: Int = 0,
        seed: UInt64, status: String = "in-progress", submitReason: String? = nil, startedAt: String, deadline: String?, submittedAt: String? = nil,
        gradedAt: String? = nil, position: Int = 0, paper: String, total: Double = 0, maximum: Double = 0, percent: Double = 0, passed: Bool? = nil,
        marking: String? = nil, attemptID: Int64? = nil
    ) {
        self.id = id
        self.personID = personID
        self.blueprint = blueprint
        self.contentVersion = contentVersion
        self.language = language
        self.attemptNumber = attemptNumber
        self.cycle = cycle
        self.seed = seed
        self.status = status
        self.submitReason = submitReason
        self.startedAt = startedAt
        self.deadline = deadline
        self.submittedAt = submittedAt
        self.gradedAt = gradedAt
        self.position = position
        self.paper = paper
        self.total = total
        self.maximum = maximum
        self.percent = percent
        self.passed = passed
        self.marking = marking
        self.attemptID = attemptID
    }

    init(row: Row) {
        self.init(
            id: row["id"], personID: row["person_id"], blueprint: row["blueprint"], contentVersion: row["content_version"], language: row["language"],
            attemptNumber: row["attempt_number"], cycle: row["cycle"], seed: UInt64(bitPattern: row["seed"] as Int64), status: row["status"],
            submitReason: row["submit_reason"], startedAt: row["started_at"], deadline: row["deadline"], submittedAt: row["submitted_at"],
            gradedAt: row["graded_at"], position: row["position"], paper: row["paper"], total: row["total"], maximum: row["maximum"],
            percent: row["percent"], passed: row["passed"], marking: row["marking"], attemptID: row["attempt_id"])
    }
}

/// One answer to save.
public struct ResponseSave: Sendable, Hashable {
    /// The attempt.
    public var attempt: Int64
    /// Position in the paper.
    public var position: Int
    /// Response JSON (nil clears the answer).
    public var response: String?
    /// Flagged for review.
    public var flagged: Bool
    /// When it was given.
    public var savedAt: String
    /// The position shown after it.
    public var current: Int

    /// Creates a save.
    public init(attempt: Int64, position: Int, response: String?, flagged: Bool, savedAt: String, current: Int) {
        self.attempt = attempt
        self.position = position
        self.response = response
        self.flagged = flagged
        self.savedAt = savedAt
        self.current = current
    }
}

/// Group commit for answer saves: callers that arrive while a transaction is being written wait and go into the next
/// one together. Each caller returns only once its own save is committed (durable), so autosave keeps its promise;
/// under load many saves share one fsync.
public final class SaveBatcher: @unchecked Sendable {
    private final class Slot {
        let save: ResponseSave
        var done = false
        var outcome: String?
        var error: (any Error)?
        init(_ save: ResponseSave) { self.save = save }
    }

    private let condition = NSCondition()
    private var pending: [Slot] = []
    private var writing = false

    /// Creates a batcher.
    public init() {}

    /// Saves `save` on `database`, possibly together with other callers' saves. Throws the refusal or the error.
    public func save(_ save: ResponseSave, on database: KefuDatabase) throws {
        let slot = Slot(save)
        condition.lock()
        pending.append(slot)
        while !slot.done {
            if writing {
                condition.wait()
                continue
            }
            // Become the writer for everything waiting, this save included.
            writing = true
            let batch = pending
            pending = []
            condition.unlock()
            do {
                let outcomes = try database.saveExamResponses(batch.map(\.save))
                for (slot, outcome) in zip(batch, outcomes) { slot.outcome = outcome }
            } catch {
                for slot in batch { slot.error = error }
            }
            condition.lock()
            for slot in batch { slot.done = true }
            writing = false
            condition.broadcast()
        }
        condition.unlock()
        if let error = slot.error { throw error }
        if let refusal = slot.outcome { throw StorageError(.conflict, refusal) }
    }
}

/// A saved answer.
public struct StoredResponse: Sendable, Hashable {
    /// Position in the paper.
    public var position: Int
    /// Response JSON (nil: cleared).
    public var response: String?
    /// Flagged for review.
    public var flagged: Bool
    /// When it was saved.
    public var savedAt: String
}

/// A mark given by a person.
public struct ManualGrade: Sendable, Hashable {
    /// Position in the paper.
    public var position: Int
    /// Who graded.
    public var graderID: String
    /// Credit 0…1.
    public var fraction: Double
    /// Comment for the candidate.
    public var comment: String
    /// When.
    public var gradedAt: String

    /// Creates a mark.
    public init(position: Int, graderID: String, fraction: Double, comment: String, gradedAt: String) {
        self.position = position
        self.graderID = graderID
        self.fraction = fraction
        self.comment = comment
        self.gradedAt = gradedAt
    }
}

/// What the start of an attempt sees, inside its transaction.
public struct ExamHistory: Sendable {
    /// Attempts of this blueprint by this person, oldest first.
    public var attempts: [ExamAttemptRecord]
    /// Clearances so far (the current cycle number).
    public var cycle: Int
    /// True while a retraining flag is open.
    public var isFlagged: Bool
}

extension KefuDatabase {
    /// Starts an attempt in one transaction: `make` sees the person's history of the blueprint (to apply the retake
    /// rules and avoid seen questions) and returns the record to insert, or throws to refuse.
    public func startExamAttempt(
        person: String, blueprint: String, make: (ExamHistory) throws -> ExamAttemptRecord
    ) throws -> ExamAttemptRecord {
        try write { db in
            guard try Self.exists(person, db) else { throw StorageError(.notFound, "no person with id `\(person)`; import people with `kefu people import`") }
            let history = try examHistory(person: person, blueprint: blueprint, db)
            var record = try make(history)
            record.attemptNumber = history.attempts.count + 1
            record.cycle = history.cycle
            try db.execute(
                sql: """
                    INSERT INTO exam_attempt (person_id, blueprint, content_version, language, attempt_number, cycle, seed, status, started_at,
                        deadline, position, paper, maximum)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'in-progress', ?, ?, 0, ?, ?)
                    """,
                arguments: [record.personID, record.blueprint, record.contentVersion, record.language, record.attemptNumber, record.cycle,
                            Int64(bitPattern: record.seed), record.startedAt, record.deadline, record.paper, record.maximum])
            record.id = db.lastInsertedRowID
            return record
        }
    }

    func examHistory(person: String, blueprint: String, _ db: Database) throws -> ExamHistory {
        let attempts = try Row.fetchAll(
            db, sql: "SELECT * FROM exam_attempt WHERE person_id = ? AND blueprint = ? ORDER BY id", arguments: [person, blueprint]
        ).map(ExamAttemptRecord.init)
        let cleared = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM exam_retraining WHERE person_id = ? AND blueprint = ? AND cleared_at IS NOT NULL",
            arguments: [person, blueprint]) ?? 0
        let open = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM exam_retraining WHERE person_id = ? AND blueprint = ? AND cleared_at IS NULL",
            arguments: [person, blueprint]) ?? 0
        return ExamHistory(attempts: attempts, cycle: cleared, isFlagged: open > 0)
    }

    /// The person's history of a blueprint.
    public func examHistory(person: String, blueprint: String) throws -> ExamHistory {
        try read { db in try examHistory(person: person, blueprint: blueprint, db) }
    }

    /// Saves several answers (of any attempts) in one transaction: one commit, one fsync. Returns, per save, nil when
    /// it was stored or why it was refused (its attempt is already submitted or unknown); refusals do not affect the others.
    public func saveExamResponses(_ saves: [ResponseSave]) throws -> [String?] {
        try write { db in
            var statuses: [Int64: String?] = [:]
            var outcomes: [String?] = []
            for save in saves {
                if statuses[save.attempt] == nil {
                    statuses[save.attempt] = try String.fetchOne(db, sql: "SELECT status FROM exam_attempt WHERE id = ?", arguments: [save.attempt])
                }
                guard let status = statuses[save.attempt] ?? nil else {
                    outcomes.append("no exam attempt \(save.attempt)")
                    continue
                }
                guard status == "in-progress" else {
                    outcomes.append("exam attempt \(save.attempt) is already submitted; answers can no longer change")
                    continue
                }
                try db.execute(
                    sql: """
                        INSERT INTO exam_response (attempt_id, position, response, flagged, saved_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (attempt_id, position) DO UPDATE SET response = excluded.response, flagged = excluded.flagged, saved_at = excluded.saved_at
                        """,
                    arguments: [save.attempt, save.position, save.response, save.flagged, save.savedAt])
                try db.execute(sql: "UPDATE exam_attempt SET position = ? WHERE id = ?", arguments: [save.current, save.attempt])
                outcomes.append(nil)
            }
            return outcomes
        }
    }

    /// Remembers the question shown (navigation only).
    public func saveExamPosition(attempt: Int64, position: Int) throws {
        try write { db in
            try db.execute(sql: "UPDATE exam_attempt SET position = ? WHERE id = ? AND status = 'in-progress'", arguments: [position, attempt])
        }
    }

    /// Submits or regrades an attempt in one transaction. `evidence` (set once nothing waits for a grader) adds the
    /// `attempt` row certification reads; `flagRetraining` opens a retraining flag with that reason.
    public func recordExamResult(
        _ record: ExamAttemptRecord, expectedStatus: String, evidence: Attempt?, flagRetraining: String?, at time: String
    ) throws -> ExamAttemptRecord {
        try write { db in
            guard let status = try String.fetchOne(db, sql: "SELECT status FROM exam_attempt WHERE id = ?", arguments: [record.id]) else {
                throw StorageError(.notFound, "no exam attempt \(record.id)")
            }
            guard status == expectedStatus else { throw StorageError(.conflict, "exam attempt \(record.id) is \(status), not \(expectedStatus)") }
            var stored = record
            if let evidence {
                try db.execute(
                    sql: """
                        INSERT INTO attempt (person_id, kind, reference, content_version, mode, score, passed, completed_at)
                        VALUES (?, 'exam', ?, ?, 'exam', ?, ?, ?)
                        """,
                    arguments: [evidence.personID, evidence.reference, evidence.contentVersion, evidence.score, evidence.passed, evidence.completedAt])
                stored.attemptID = db.lastInsertedRowID
            }
            try db.execute(
                sql: """
                    UPDATE exam_attempt SET status = ?, submit_reason = ?, submitted_at = ?, graded_at = ?, total = ?, maximum = ?, percent = ?,
                        passed = ?, marking = ?, attempt_id = ? WHERE id = ?
                    """,
                arguments: [stored.status, stored.submitReason, stored.submittedAt, stored.gradedAt, stored.total, stored.maximum, stored.percent,
                            stored.passed, stored.marking, stored.attemptID, stored.id])
            if let reason = flagRetraining {
                try db.execute(
                    sql: "INSERT INTO exam_retraining (person_id, blueprint, flagged_at, reason) VALUES (?, ?, ?, ?)",
                    arguments: [stored.personID, stored.blueprint, time, reason])
            }
            return stored
        }
    }

    /// One attempt.
    public func examAttempt(_ id: Int64) throws -> ExamAttemptRecord? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM exam_attempt WHERE id = ?", arguments: [id]).map(ExamAttemptRecord.init) }
    }

    /// Attempts, oldest first, filtered when given.
    public func examAttempts(person: String? = nil, blueprint: String? = nil, status: String? = nil) throws -> [ExamAttemptRecord] {
        try read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            for (column, value) in [("person_id", person), ("blueprint", blueprint), ("status", status)] {
                if let value {
                    conditions.append("\(column) = ?")
                    arguments.append(value)
                }
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM exam_attempt \(whereClause) ORDER BY id", arguments: StatementArguments(arguments))
                .map(ExamAttemptRecord.init)
        }
    }

    /// The saved answers of an attempt, by position.
    public func examResponses(attempt: Int64) throws -> [StoredResponse] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM exam_response WHERE attempt_id = ? ORDER BY position", arguments: [attempt]).map { row in
                StoredResponse(position: row["position"], response: row["response"], flagged: row["flagged"], savedAt: row["saved_at"])
            }
        }
    }

    /// Marks given by people for an attempt.
    public func manualGrades(attempt: Int64) throws -> [ManualGrade] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM exam_manual_grade WHERE attempt_id = ? ORDER BY position", arguments: [attempt]).map { row in
                ManualGrade(position: row["position"], graderID: row["grader_id"], fraction: row["fraction"], comment: row["comment"], gradedAt: row["graded_at"])
            }
        }
    }

    /// Stores a person's mark for one answer (replacing an earlier one).
    public func addManualGrade(attempt: Int64, _ grade: ManualGrade) throws {
        try write { db in
            guard try Self.exists(grade.graderID, db) else { throw StorageError(.notFound, "no person with id `\(grade.graderID)`") }
            try db.execute(
                sql: """
                    INSERT INTO exam_manual_grade (attempt_id, position, grader_id, fraction, comment, graded_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (attempt_id, position) DO UPDATE SET grader_id = excluded.grader_id, fraction = excluded.fraction,
                        comment = excluded.comment, graded_at = excluded.graded_at
                    """,
                arguments: [attempt, grade.position, grade.graderID, grade.fraction, grade.comment, grade.gradedAt])
        }
    }

    /// Clears the open retraining flag of a person for a blueprint; false when there was none.
    public func clearRetraining(person: String, blueprint: String, by supervisor: String, at time: String, note: String) throws -> Bool {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE exam_retraining SET cleared_by = ?, cleared_at = ?, note = ?
                    WHERE person_id = ? AND blueprint = ? AND cleared_at IS NULL
                    """,
                arguments: [supervisor, time, note, person, blueprint])
            return db.changesCount > 0
        }
    }

    /// Open retraining flags (person, blueprint, since, reason).
    public func openRetrainingFlags() throws -> [(person: String, blueprint: String, since: String, reason: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM exam_retraining WHERE cleared_at IS NULL ORDER BY id").map {
                (person: $0["person_id"], blueprint: $0["blueprint"], since: $0["flagged_at"], reason: $0["reason"])
            }
        }
    }
}
