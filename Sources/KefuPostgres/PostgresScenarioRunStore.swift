import Foundation
import KefuCore
import KefuLedger
import KefuStorage
import PostgresNIO

/// ScenarioRunStore on PostgreSQL: the `scenario_run` table (and the `attempt` evidence a complete run adds), every
/// method one transaction; records come back as stored.
struct PostgresScenarioRunStore: ScenarioRunStore {
    /// The database.
    let database: PostgresDatabase

    /// Stores a new run, numbered after the person's earlier runs of the scenario.
    func start(_ run: ScenarioRunRecord) async throws -> ScenarioRunRecord {
        let logger = database.logger
        return try await database.write { conn in
            let facts = try await conn.query(
                """
                SELECT EXISTS (SELECT 1 FROM person WHERE id = \(run.personID.rawValue)),
                    (SELECT count(*) + 1 FROM scenario_run WHERE person_id = \(run.personID.rawValue)
                        AND scenario = \(run.scenario.rawValue))
                """, logger: logger
            ).first((Bool, Int).self)
            guard let facts, facts.0 else { throw StorageError(.notFound, "no person `\(run.personID)`") }
            let rows = try await conn.query(
                """
                INSERT INTO scenario_run (person_id, scenario, language, content_version, mode, attempt_number, seed,
                    status, outcome, started_at, finished_at, score, passed, transcript, report)
                VALUES (\(run.personID.rawValue), \(run.scenario.rawValue), \(run.language), \(run.contentVersion),
                    \(run.mode.rawValue), \(facts.1), \(Int64(bitPattern: run.seed)), \(run.status.rawValue),
                    \(run.outcome), \(run.startedAt)::timestamptz, \(run.finishedAt)::timestamptz, \(run.score),
                    \(run.passed), \(run.transcript)::json, \(run.report)::jsonb)
                RETURNING \(unescaped: PostgresScenarioRows.columns)
                """, logger: logger)
            guard let stored = try await PostgresScenarioRows.records(rows).first else {
                throw StorageError(.unavailable, "the new scenario run was not returned; try again")
            }
            return stored
        }
    }

    /// Saves the transcript and report of a run still in progress (ignored once it ended).
    func saveProgress(run: RunID, transcript: String, report: String) async throws {
        let logger = database.logger
        try await database.write { conn in
            _ = try await conn.query(
                """
                UPDATE scenario_run SET transcript = \(transcript)::json, report = \(report)::jsonb
                WHERE id = \(run.rawValue) AND status = 'in-progress'
                """, logger: logger)
        }
    }

    /// Ends a run in progress; a complete run adds its `attempt` evidence row in the same transaction.
    func finish(_ end: ScenarioRunEnd) async throws -> ScenarioRunRecord {
        let logger = database.logger
        return try await database.write { conn in
            guard let run = try await PostgresScenarioRows.run(end.run, conn, logger) else {
                throw StorageError(.notFound, "no scenario run \(end.run)")
            }
            guard run.status == .inProgress else {
                throw StorageError(.conflict, "scenario run \(end.run) is already \(run.status.rawValue)")
            }
            var attemptID: Int64?
            if end.status == .complete {
                let row = Attempt(
                    personID: run.personID.rawValue, kind: "scenario", reference: run.scenario.rawValue,
                    contentVersion: run.contentVersion, mode: run.mode.rawValue, score: end.score, passed: end.passed,
                    completedAt: end.finishedAt)
                attemptID = try await PostgresPeopleStore.insertAttempt(row, conn, logger)
            }
            let rows = try await conn.query(
                """
                UPDATE scenario_run SET status = \(end.status.rawValue), outcome = \(end.outcome),
                    finished_at = \(end.finishedAt)::timestamptz, score = \(end.score), passed = \(end.passed),
                    transcript = \(end.transcript)::json, report = \(end.report)::jsonb, attempt_id = \(attemptID)
                WHERE id = \(end.run.rawValue)
                RETURNING \(unescaped: PostgresScenarioRows.columns)
                """, logger: logger)
            guard let stored = try await PostgresScenarioRows.records(rows).first else {
                throw StorageError(.notFound, "no scenario run \(end.run)")
            }
            return stored
        }
    }

    /// One run, or nil.
    func run(_ id: RunID) async throws -> ScenarioRunRecord? {
        let logger = database.logger
        return try await database.read { conn in try await PostgresScenarioRows.run(id, conn, logger) }
    }

    /// Runs, newest first, filtered when given, at most `limit` (at least one).
    func runs(person: PersonID?, scenario: ScenarioID?, limit: Int) async throws -> [ScenarioRunRecord] {
        let logger = database.logger
        return try await database.read { conn in
            try await PostgresScenarioRows.records(
                conn.query(
                    """
                    SELECT \(unescaped: PostgresScenarioRows.columns) FROM scenario_run
                    WHERE (\(person?.rawValue)::text IS NULL OR person_id = \(person?.rawValue))
                    AND (\(scenario?.rawValue)::text IS NULL OR scenario = \(scenario?.rawValue))
                    ORDER BY id DESC LIMIT \(max(1, limit))
                    """, logger: logger))
        }
    }
}
