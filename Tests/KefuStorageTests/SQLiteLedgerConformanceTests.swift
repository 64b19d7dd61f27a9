import KefuStorage
import KefuTesting
import Testing

/// The ledger store's conformance suite on SQLite.
@Suite("storage conformance: SQLite ledger")
struct SQLiteLedgerConformanceTests {
    @Test("ledger: chained appends, refused appends store nothing, reads, snapshot, checkpoints")
    func ledger() async throws {
        try await StorageConformance.ledger(FreshStorage.sqliteFactory)
    }
}
