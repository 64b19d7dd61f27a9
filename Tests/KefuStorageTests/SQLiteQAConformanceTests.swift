import KefuTesting
import Testing

/// The QA store conformance suite against SQLite.
@Suite("storage conformance: SQLite QA")
struct SQLiteQAConformanceTests {
    @Test("QA: import all or nothing, samples, pinned scores, queues, report reads, not-found and conflict codes")
    func qa() async throws {
        try await StorageConformance.qa(FreshStorage.sqliteFactory)
    }
}
