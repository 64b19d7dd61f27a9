import KefuTesting
import Testing

/// The audit store conformance suite against SQLite.
@Suite("storage conformance: SQLite audit log")
struct SQLiteAuditConformanceTests {
    @Test("audit: numbered, chained appends; filters; the stored log verifies")
    func audit() async throws {
        try await StorageConformance.audit(FreshStorage.sqliteFactory)
    }
}
