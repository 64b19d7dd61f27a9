import Foundation
import KefuCore
import KefuLedger
import KefuPostgres
import KefuStorage
import KefuTesting
import Testing

/// Several servers on one PostgreSQL database: each `PostgresStorage` here has its own connection pool, as a second
/// `kefu serve` process would, and they write at the same time.
@Suite("PostgreSQL: concurrent writers from several pools", .enabled(if: postgresAvailable), .serialized)
struct PostgresConcurrencyTests {
    /// Two pools on one new schema.
    static func twoPools() throws -> (PostgresStorage, PostgresStorage) {
        guard let server = FreshStorage.postgresURL else { throw CheckFailure("no PostgreSQL for the tests") }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let url = server + (server.contains("?") ? "&" : "?") + "schema=\(schema)&pool_max=8"
        return (try PostgresStorage(url: url), try PostgresStorage(url: url))
    }

    @Test("ledger appends from two pools at once chain into one valid ledger with its Merkle tree")
    func ledgerAppends() async throws {
        let (a, b) = try Self.twoPools()
        try await a.people.add((1...4).map { Person(id: "E\($0)", name: "P\($0)", hireDate: "2026-01-01") })
        let signer = try StorageConformance.testSigner()
        let perPool = 120
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (storage, person) in [(a, "E1"), (b, "E2"), (a, "E3"), (b, "E4")] {
                group.addTask {
                    for index in 0..<(perPool / 2) {
                        _ = try await storage.ledger.append(concerning: PersonID(person), signer: signer) { _ in
                            [
                                LedgerEntry(
                                    sequence: 0, kind: .issued, person: person, subject: "c\(index)",
                                    recordedAt: "2026-11-22T09:00:00Z", validUntil: nil, refersTo: nil,
                                    previousHash: "")
                            ]
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let stored = try await b.ledger.snapshot().stored
        #expect(stored.count == 2 * perPool, "every append is stored once")
        #expect(stored.map(\.sequence) == Array(1...(2 * perPool)), "sequence numbers have no gap and no repeat")
        let report = LedgerVerifier.verify(stored, keys: nil)
        #expect(report.isValid, "the chain verifies: \(String(describing: report.firstProblem))")
        let proof = try await a.ledger.inclusionProof(index: perPool)
        #expect(proof?.root == report.root, "the stored Merkle tree, built by both pools, has the verified root")
    }

    @Test("audit appends from two pools at once keep one unbroken chain")
    func auditAppends() async throws {
        let (a, b) = try Self.twoPools()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for storage in [a, b, a, b] {
                group.addTask {
                    for index in 0..<40 {
                        try await storage.audit.append { sequence, previous in
                            AuditEvent(
                                sequence: sequence, at: "2026-11-01T09:00:00Z", actor: "operator", person: "E1",
                                action: "test.append", subject: "s\(index)", detail: [:], previousHash: previous)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let stored = try await a.audit.stored()
        #expect(stored.count == 160)
        let verification = AuditVerifier.verify(stored)
        #expect(verification.problem == nil, "\(String(describing: verification.problem))")
    }

    @Test("people added from two pools at once: one wins each id, the other gets a conflict, nothing half-written")
    func conflictingAdds() async throws {
        let (a, b) = try Self.twoPools()
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for storage in [a, b, a, b] {
                group.addTask {
                    do {
                        try await storage.people.add(
                            (1...50).map { Person(id: "P\($0)", name: "N", hireDate: "2026-01-01") })
                        return true
                    } catch let error as StorageError where error.code == .conflict { return false }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1, "exactly one batch of the four is stored")
        #expect(try await a.people.people().count == 50)
    }
}
