import KefuCore
import KefuStorage
import KefuTesting
import Testing

/// Fixed seeds and merged answer batches, on SQLite and (when a server was started) PostgreSQL.
@Suite("storage conformance: exam seeds and batches")
struct ExamSeedsConformanceTests {
    @Test("SQLite") func sqlite() async throws {
        try await StorageConformance.examSeedsAndBatches(FreshStorage.sqliteFactory)
    }

    @Test("PostgreSQL", .enabled(if: postgresAvailable)) func postgres() async throws {
        try await StorageConformance.examSeedsAndBatches(FreshStorage.postgresFactory)
    }
}
