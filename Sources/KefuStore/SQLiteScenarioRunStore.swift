import Foundation
import GRDB
import KefuCore
import KefuStorage

/// ScenarioRunStore on SQLite: every statement in ``ScenarioSQL``, each method one transaction through GRDB's async access.
struct SQLiteScenarioRunStore: ScenarioRunStore {
    let database: KefuDatabase

    func start(_ run: ScenarioRunRecord) async throws -> ScenarioRunRecord {
        try await ExamSQL.write(on: database) { db in try ScenarioSQL.start(run, db) }
    }

    func saveProgress(run: RunID, transcript: String, report: String) async throws {
        try await ExamSQL.write(on: database) { db in
            try ScenarioSQL.saveProgress(run: run, transcript: transcript, report: report, db)
        }
    }

    func finish(_ end: ScenarioRunEnd) async throws -> ScenarioRunRecord {
        try await ExamSQL.write(on: database) { db in try ScenarioSQL.finish(end, db) }
    }

    func run(_ id: RunID) async throws -> ScenarioRunRecord? {
        try await ExamSQL.read(on: database) { db in try ScenarioSQL.run(id, db) }
    }

    func runs(person: PersonID?, scenario: ScenarioID?, limit: Int) async throws -> [ScenarioRunRecord] {
        try await ExamSQL.read(on: database) { db in
            try ScenarioSQL.runs(person: person, scenario: scenario, limit: limit, db)
        }
    }
}
