import KefuCore
import KefuStorage
import KefuTesting
import Testing

/// Exams and scenario runs on SQLite.
@Suite("storage conformance: SQLite exams and scenario runs")
struct SQLiteExamsConformanceTests {
    @Test("exams: attempts, batched saves, results with evidence and retraining, grades")
    func exams() async throws { try await StorageConformance.exams(FreshStorage.sqliteFactory) }

    @Test("scenario runs: attempt numbers, progress, finishing with evidence")
    func scenarios() async throws { try await StorageConformance.scenarios(FreshStorage.sqliteFactory) }
}
