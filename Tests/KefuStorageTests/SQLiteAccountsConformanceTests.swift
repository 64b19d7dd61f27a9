import KefuStorage
import KefuTesting
import Testing

/// The account store's conformance suite on SQLite.
@Suite("storage conformance: SQLite accounts")
struct SQLiteAccountsConformanceTests {
    @Test("accounts: one-time tokens, account updates, sessions, API tokens, role grants")
    func accounts() async throws {
        try await StorageConformance.accounts(FreshStorage.sqliteFactory)
    }
}
