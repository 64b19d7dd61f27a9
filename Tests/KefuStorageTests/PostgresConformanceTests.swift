import Foundation
import KefuCore
import KefuStorage
import KefuTesting
import Testing

/// Whether the PostgreSQL suites run: when a server was started for the tests (`scripts/with-postgres.sh`, which the
/// README's test command uses), and always in CI — there a missing server fails them instead of skipping them.
let postgresAvailable =
    FreshStorage.postgresURL != nil || ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } == true

/// The storage conformance suites, run against PostgreSQL (the same checks as on SQLite, unchanged).
@Suite("storage conformance: PostgreSQL", .enabled(if: postgresAvailable), .serialized)
struct PostgresConformanceTests {
    @Test("people") func people() async throws { try await StorageConformance.people(FreshStorage.postgresFactory) }
    @Test("ledger") func ledger() async throws { try await StorageConformance.ledger(FreshStorage.postgresFactory) }
    @Test("audit") func audit() async throws { try await StorageConformance.audit(FreshStorage.postgresFactory) }
    @Test("exams") func exams() async throws { try await StorageConformance.exams(FreshStorage.postgresFactory) }
    @Test("scenario runs") func scenarios() async throws {
        try await StorageConformance.scenarios(FreshStorage.postgresFactory)
    }
    @Test("QA") func qa() async throws { try await StorageConformance.qa(FreshStorage.postgresFactory) }
    @Test("mentoring") func mentoring() async throws {
        try await StorageConformance.mentoring(FreshStorage.postgresFactory, seed: ProtocolSeed())
    }
    @Test("reviews") func reviews() async throws {
        try await StorageConformance.reviews(FreshStorage.postgresFactory, seed: ProtocolSeed())
    }
    @Test("accounts") func accounts() async throws {
        try await StorageConformance.accounts(FreshStorage.postgresFactory)
    }
}
