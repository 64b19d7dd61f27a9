import KefuStorage
import KefuTesting
import Testing

/// The people store's conformance suite on SQLite.
@Suite("storage conformance: SQLite people")
struct SQLitePeopleConformanceTests {
    @Test("people: add, all-or-nothing batches, leave and level, evidence")
    func people() async throws {
        try await StorageConformance.people(FreshStorage.sqliteFactory)
    }
}
