import KefuStorage
import GRDB
import KefuCore

/// A stored scenario run (see the `scenario_run` table).
public struct ScenarioRunRecord: Sendable, Hashable {
    /// Row id.
    public var id: Int64
    /// Who played.
    public var personID: String
    /// Scenario id.
    public var scenario: String
    /// Language version.
    public var language: String
    /// Scenario file hash.
    public var contentVersion: String
    /// `exam` or `practice`.
    public var mode: String
    /// 1 for the person's first run of this scenario, and so on.
    public var attemptNumber: Int
    /// Seed of the customer's line variants.
    public var seed: UInt64
    /// `in-progress`, `complete` or `incomplete`.
    public var status: String
    /// End outcome or stop reason.
    public var outcome: String?
    /// When the run started (ISO-8601).
    public var startedAt: String
    /// When it ended.
    public var finishedAt: String?
    /// Final score.
    public var score: Double
    /// Whether it passed.
    public var passed: Bool
    /// The transcript (interaction JSON).
    public var transcript: String
    /// The run report (JSON).
    public var report: String
    /// The evidence row, for complete runs.
    public var attemptID: Int64?

    /// Creates a record.
    public init(
        id: Int64 = 0, personID: String, scenario: String, language: String, contentVersion: String, mode: String, attemptNumber: Int,
        seed: UInt64, status: String, outcome: String? = nil, startedAt: String, finishedAt: String? = nil, score: Double = 0,
        passed: Bool = false, transcript: String, report: String, attemptID: Int64? = nil
    ) {
        self.id = id
        self.personID = personID
        self.scenario = scenario
        self.language = language
        self.contentVersion = contentVersion
        self.mode = mode
        self.attemptNumber = attemptNumber
        self.seed = seed
        self.status = status
        self.outcome = outcome
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.score = score
        self.passed = passed
        self.transcript = transcript
        self.report = report
        self.attemptID = attemptID
    }

    init(row: Row) {
        self.init(
            id: row["id"], personID: row["person_id"], scenario: row["scenario"], language: row["language"],
            contentVersion: row["content_version"], mode: row["mode"], attemptNumber: row["attempt_number"],
            seed: UInt64(bitPattern: row["seed"] as Int64), status: row["status"], outcome: row["outcome"], startedAt: row["started_at"],
            finishedAt: row["finished_at"], score: row["score"], passed: row["passed"], transcript: row["transcript"],
            report: row["report"], attemptID: row["attempt_id"])
    }
}

extension KefuDatabase {
    /// Stores a new run (status `in-progress`) with the next attempt number for the person and scenario;
    /// returns the stored record.
    public func startScenarioRun(_ run: ScenarioRunRecord) throws -> ScenarioRunRecord {
        try write { db in
            guard try Self.exists(run.personID, db) else {
                throw StorageError(.notFound, "no person with id `\(run.personID)`; import people with `kefu people import`")
            }
            var stored = run
            stored.attemptNumber = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) + 1 FROM scenario_run WHERE person_id = ? AND scenario = ?",
                arguments: [run.personID, run.scenario]) ?? 1
            try db.execute(
                sql: """
                    INSERT INTO scenario_run (person_id, scenario, language, content_version, mode, attempt_number, seed, status,
                        outcome, started_at, finished_at, score, passed, transcript, report)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [stored.personID, stored.scenario, stored.language, stored.contentVersion, stored.mode, stored.attemptNumber,
                            Int64(bitPattern: stored.seed), stored.status, stored.outcome, stored.startedAt, stored.finishedAt,
                            stored.score, stored.passed, stored.transcript, stored.report])
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    /// Saves a run's progress (transcript and report so far).
    public func saveScenarioProgress(id: Int64, transcript: String, report: String) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE scenario_run SET transcript = ?, report = ? WHERE id = ? AND status = 'in-progress'",
                arguments: [transcript, report, id])
        }
    }

    /// Closes a run; a complete run also becomes an `attempt` (certification evidence). One transaction.
    public func finishScenarioRun(
        id: Int64, status: String, outcome: String?, finishedAt: String, score: Double, passed: Bool, transcript: String, report: String
    ) throws -> ScenarioRunRecord {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM scenario_run WHERE id = ?", arguments: [id]) else {
                throw StorageError(.notFound, "no scenario run \(id)")
            }
            var run = ScenarioRunRecord(row: row)
            guard run.status == "in-progress" else { throw StorageError(.conflict, "scenario run \(id) is already \(run.status)") }
            var attemptID: Int64?
            if status == "complete" {
                try db.execute(
                    sql: """
                        INSERT INTO attempt (person_id, kind, reference, content_version, mode, score, passed, completed_at)
                        VALUES (?, 'scenario', ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [run.personID, run.scenario, run.contentVersion, run.mode, score, passed, finishedAt])
                attemptID = db.lastInsertedRowID
            }
            try db.execute(
                sql: """
                    UPDATE scenario_run SET status = ?, outcome = ?, finished_at = ?, score = ?, passed = ?, transcript = ?, report = ?,
                        attempt_id = ? WHERE id = ?
                    """,
                arguments: [status, outcome, finishedAt, score, passed, transcript, report, attemptID, id])
            run.status = status
            run.outcome = outcome
            run.finishedAt = finishedAt
            run.score = score
            run.passed = passed
            run.transcript = transcript
            run.report = report
            run.attemptID = attemptID
            return run
        }
    }

    /// One run.
    public func scenarioRun(_ id: Int64) throws -> ScenarioRunRecord? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM scenario_run WHERE id = ?", arguments: [id]).map(ScenarioRunRecord.init) }
    }

    /// Runs, newest first, filtered by person and scenario when given.
    public func scenarioRuns(person: String? = nil, scenario: String? = nil, limit: Int = 1000) throws -> [ScenarioRunRecord] {
        try read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let person {
                conditions.append("person_id = ?")
                arguments.append(person)
            }
            if let scenario {
                conditions.append("scenario = ?")
                arguments.append(scenario)
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM scenario_run \(whereClause) ORDER BY id DESC LIMIT \(max(1, limit))",
                arguments: StatementArguments(arguments)
            ).map(ScenarioRunRecord.init)
        }
    }
}
