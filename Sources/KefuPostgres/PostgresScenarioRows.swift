import Foundation
import KefuCore
import KefuStorage
import Logging
import PostgresNIO

/// Reading `scenario_run` rows on PostgreSQL (the scenario and mentoring stores share it).
enum PostgresScenarioRows {
    /// The `scenario_run` columns ``record(_:)`` decodes, in order.
    static let columns = """
        id, person_id, scenario, language, content_version, mode, attempt_number, seed, status, outcome,
        kefu_time(started_at), kefu_time(finished_at), score, passed, transcript::text, report::text, attempt_id
        """

    /// The same columns of the table aliased `r`.
    static let aliasedColumns = """
        r.id, r.person_id, r.scenario, r.language, r.content_version, r.mode, r.attempt_number, r.seed, r.status,
        r.outcome, kefu_time(r.started_at), kefu_time(r.finished_at), r.score, r.passed, r.transcript::text,
        r.report::text, r.attempt_id
        """

    /// The column types of ``columns``.
    typealias Columns = (
        Int64, String, String, String, String, String, Int, Int64, String, String?, String, String?, Double, Bool,
        String, String, Int64?
    )

    /// Decodes one row selected with ``columns``.
    static func record(_ row: PostgresRow) throws -> ScenarioRunRecord {
        let (
            id, person, scenario, language, contentVersion, mode, attemptNumber, seed, status, outcome, startedAt,
            finishedAt, score, passed, transcript, report, attemptID
        ) = try row.decode(Columns.self)
        return ScenarioRunRecord(
            id: RunID(id), personID: PersonID(person), scenario: ScenarioID(scenario), language: language,
            contentVersion: contentVersion, mode: PlayMode(rawValue: mode) ?? .practice, attemptNumber: attemptNumber,
            seed: UInt64(bitPattern: seed), status: ScenarioRunStatus(rawValue: status) ?? .inProgress,
            outcome: outcome, startedAt: startedAt, finishedAt: finishedAt, score: score, passed: passed,
            transcript: transcript, report: report, attemptID: attemptID.map { AttemptID(rawValue: $0) })
    }

    /// Every row of `rows` decoded as a run.
    static func records(_ rows: PostgresRowSequence) async throws -> [ScenarioRunRecord] {
        var records: [ScenarioRunRecord] = []
        for try await row in rows { records.append(try record(row)) }
        return records
    }

    /// One run, or nil.
    static func run(_ id: RunID, _ conn: PostgresConnection, _ logger: Logger) async throws -> ScenarioRunRecord? {
        try await records(
            conn.query("SELECT \(unescaped: columns) FROM scenario_run WHERE id = \(id.rawValue)", logger: logger)
        ).first
    }
}
