import Foundation
import KefuCore
import KefuPostgres
import KefuStorage
import KefuTesting
import Testing

/// The QA web listings' conformance suite (``StorageConformance/qaWeb(_:)``) against both backends: SQLite always,
/// PostgreSQL when a server was started for the tests (as `PostgresConformanceTests`).
@Suite("storage conformance: QA web listings")
struct QAWebConformanceTests {
    @Test("SQLite: counts, batches, samples and members, rubrics, agents' reviews, disputes, calibration closing")
    func sqlite() async throws {
        try await StorageConformance.qaWeb(FreshStorage.sqliteFactory)
    }

    @Test(
        "PostgreSQL: counts, batches, samples and members, rubrics, agents' reviews, disputes, calibration closing",
        .enabled(if: postgresAvailable))
    func postgres() async throws {
        try await StorageConformance.qaWeb(FreshStorage.postgresFactory)
    }
}

/// Two QA imports of overlapping ids at once, from two pools (two servers): each stores all of its new interactions or
/// nothing — one may fail with `conflict` when the other stored the same ids first — and batch counts stay true.
@Suite("PostgreSQL: QA imports from two pools at once", .enabled(if: postgresAvailable))
struct PostgresQAImportConcurrencyTests {
    @Test("overlapping imports: all or nothing each, every id stored once, batch counts true")
    func overlapping() async throws {
        guard let server = FreshStorage.postgresURL else { throw CheckFailure("no PostgreSQL for the tests") }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let url = server + (server.contains("?") ? "&" : "?") + "schema=\(schema)&pool_max=4"
        let (a, b) = (try PostgresStorage(url: url), try PostgresStorage(url: url))
        _ = try await a.qa.sampleExists("migrate")
        let imports = [(a, "a", 0..<5_000), (b, "b", 2_500..<7_500)]
        let outcomes = try await withThrowingTaskGroup(of: (String, Int?).self) { group in
            for (storage, batch, range) in imports {
                group.addTask {
                    do {
                        let outcome = try await storage.qa.importInteractions(
                            batch: BatchID(batch), source: batch, importedAt: "2026-11-20T08:00:00.000Z"
                        ) { sink in
                            for index in range {
                                let interaction = Interaction(
                                    id: "x\(index)", channel: .wechat, agent: "E1", startedAt: nil, turns: [])
                                _ = try sink.insert(
                                    StoredInteraction(
                                        interaction: interaction, batch: BatchID(batch), period: nil,
                                        contentHash: "h", maskedCount: 0),
                                    turnsJSON: "[]")
                            }
                            return 0
                        }
                        return (batch, outcome.inserted)
                    } catch let error as StorageError where error.code == .conflict {
                        return (batch, nil)
                    }
                }
            }
            var outcomes: [String: Int?] = [:]
            for try await (batch, inserted) in group { outcomes[batch] = inserted }
            return outcomes
        }
        let web = try #require(a.qa as? any QAWebStore)
        let batches = Dictionary(uniqueKeysWithValues: try await web.batches(limit: 10).map { ($0.name.rawValue, $0) })
        let stored = try await web.overview().interactions
        let inserted = outcomes.values.compactMap { $0 }
        #expect(!inserted.isEmpty, "at least one import succeeds: \(outcomes)")
        #expect(stored == inserted.reduce(0, +), "every stored interaction was counted once: \(outcomes), \(stored)")
        #expect(stored == (outcomes.values.contains(nil) ? 5_000 : 7_500), "all or nothing: \(outcomes), \(stored)")
        for (batch, count) in outcomes {
            #expect((batches[batch]?.count ?? 0) == (count ?? 0), "batch \(batch) counts what it stored")
        }
    }
}
