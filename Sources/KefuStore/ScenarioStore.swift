import GRDB
public import KefuCore
public import KefuStorage

extension ScenarioRunRecord {
    init(row: Row) {
        self.init(
            id: RunID(row["id"] as Int64), personID: PersonID(row["person_id"] as String),
            scenario: ScenarioID(row["scenario"] as String),
            language: row["language"], contentVersion: row["content_version"],
            mode: PlayMode(rawValue: row["mode"]) ?? .practice,
            attemptNumber: row["attempt_number"], seed: UInt64(bitPattern: row["seed"] as Int64),
            status: ScenarioRunStatus(rawValue: row["status"]) ?? .inProgress, outcome: row["outcome"],
            startedAt: row["started_at"],
            finishedAt: row["finished_at"], score: row["score"], passed: row["passed"], transcript: row["transcript"],
            report: row["report"],
            attemptID: (row["attempt_id"] as Int64?).map { AttemptID(rawValue: $0) })
    }
}

/// The scenario-run table's statements, each inside the caller's transaction (`db`).
enum ScenarioSQL {
    static func start(_ run: ScenarioRunRecord, _ db: Database) throws -> ScenarioRunRecord {
        guard try KefuDatabase.exists(run.personID.rawValue, db) else {
            throw StorageError(.notFound, "no person `\(run.personID)`")
        }
        var stored = run
        stored.attemptNumber =
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) + 1 FROM scenario_run WHERE person_id = ? AND scenario = ?",
                arguments: [run.personID.rawValue, run.scenario.rawValue]) ?? 1
        try db.execute(
            sql: """
                INSERT INTO scenario_run (person_id, scenario, language, content_version, mode, attempt_number, seed, status,
                    outcome, started_at, finished_at, score, passed, transcript, report)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                stored.personID.rawValue, stored.scenario.rawValue, stored.language, stored.contentVersion,
                stored.mode.rawValue,
                stored.attemptNumber, Int64(bitPattern: stored.seed), stored.status.rawValue, stored.outcome,
                stored.startedAt,
                stored.finishedAt, stored.score, stored.passed, stored.transcript, stored.report,
            ])
        stored.id = RunID(db.lastInsertedRowID)
        return stored
    }

    static func saveProgress(run: RunID, transcript: String, report: String, _ db: Database) throws {
        try db.execute(
            sql: "UPDATE scenario_run SET transcript = ?, report = ? WHERE id = ? AND status = 'in-progress'",
            arguments: [transcript, report, run.rawValue])
    }

    static func finish(_ end: ScenarioRunEnd, _ db: Database) throws -> ScenarioRunRecord {
        guard var run = try self.run(end.run, db) else { throw StorageError(.notFound, "no scenario run \(end.run)") }
        guard run.status == .inProgress else {
            throw StorageError(.conflict, "scenario run \(end.run) is already \(run.status.rawValue)")
        }
        var attemptID: AttemptID?
        if end.status == .complete {
            try db.execute(
                sql: """
                    INSERT INTO attempt (person_id, kind, reference, content_version, mode, score, passed, completed_at)
                    VALUES (?, 'scenario', ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.personID.rawValue, run.scenario.rawValue, run.contentVersion, run.mode.rawValue, end.score,
                    end.passed, end.finishedAt,
                ])
            attemptID = AttemptID(db.lastInsertedRowID)
        }
        try db.execute(
            sql: """
                UPDATE scenario_run SET status = ?, outcome = ?, finished_at = ?, score = ?, passed = ?, transcript = ?, report = ?,
                    attempt_id = ? WHERE id = ?
                """,
            arguments: [
                end.status.rawValue, end.outcome, end.finishedAt, end.score, end.passed, end.transcript, end.report,
                attemptID?.rawValue,
                end.run.rawValue,
            ])
        run.status = end.status
        run.outcome = end.outcome
        run.finishedAt = end.finishedAt
        run.score = end.score
        run.passed = end.passed
        run.transcript = end.transcript
        run.report = end.report
        run.attemptID = attemptID
        return run
    }

    static func run(_ id: RunID, _ db: Database) throws -> ScenarioRunRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM scenario_run WHERE id = ?", arguments: [id.rawValue]).map(
            ScenarioRunRecord.init)
    }

    static func runs(person: PersonID?, scenario: ScenarioID?, limit: Int, _ db: Database) throws -> [ScenarioRunRecord]
    {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let person {
            conditions.append("person_id = ?")
            arguments.append(person.rawValue)
        }
        if let scenario {
            conditions.append("scenario = ?")
            arguments.append(scenario.rawValue)
        }
        arguments.append(max(1, limit))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try Row.fetchAll(
            db, sql: "SELECT * FROM scenario_run \(whereClause) ORDER BY id DESC LIMIT ?",
            arguments: StatementArguments(arguments)
        )
        .map(ScenarioRunRecord.init)
    }
}

extension KefuDatabase {
    /// Runs, newest first, filtered by person and scenario when given (synchronous; for readers outside the scenario
    /// slice, e.g. the mentor's queue, until they read through their own store).
    public func scenarioRuns(
        person: PersonID? = nil, scenario: ScenarioID? = nil, limit: Int = 1000
    ) throws -> [ScenarioRunRecord] {
        try read { db in try ScenarioSQL.runs(person: person, scenario: scenario, limit: limit, db) }
    }

    /// One run (synchronous; see ``scenarioRuns(person:scenario:limit:)``).
    public func scenarioRun(_ id: RunID) throws -> ScenarioRunRecord? {
        try read { db in try ScenarioSQL.run(id, db) }
    }
}

extension KefuDatabase {
    /// Stores a new run (synchronous bridge for the mentor review tests until they use ``ScenarioRunStore``).
    public func startScenarioRun(_ run: ScenarioRunRecord) throws -> ScenarioRunRecord {
        try write { db in try ScenarioSQL.start(run, db) }
    }

    /// Saves a run's progress (synchronous bridge; see ``startScenarioRun(_:)``).
    public func saveScenarioProgress(run: RunID, transcript: String, report: String) throws {
        try write { db in try ScenarioSQL.saveProgress(run: run, transcript: transcript, report: report, db) }
    }

    /// Closes a run (synchronous bridge; see ``startScenarioRun(_:)``).
    public func finishScenarioRun(_ end: ScenarioRunEnd) throws -> ScenarioRunRecord {
        try write { db in try ScenarioSQL.finish(end, db) }
    }
}
