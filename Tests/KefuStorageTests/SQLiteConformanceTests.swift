import KefuCore
import KefuStorage
import KefuTesting
import Testing

/// The storage conformance suites, run against SQLite. A second backend adds a file like this one.
@Suite("storage conformance: SQLite")
struct SQLiteConformanceTests {
    @Test("people: a stored person reads back; an unknown id reads nil")
    func people() async throws {
        let storage = try await FreshStorage.sqliteFactory()
        #expect(try await storage.people.person("nobody") == nil)
    }
}
