import Foundation
import KefuCore
import KefuLedger
import KefuPostgres
import KefuStorage
import KefuTesting
import PostgresNIO
import Testing

/// `kefu db grant`: the role the servers run as can do everything Kefu does, but cannot change or delete what is
/// append-only even by hand.
@Suite("PostgreSQL: the application role", .enabled(if: postgresAvailable))
struct PostgresRoleTests {
    @Test("the granted role records and reads, but cannot UPDATE, DELETE or TRUNCATE the append-only tables")
    func grantedRole() async throws {
        guard let server = FreshStorage.postgresURL else { throw CheckFailure("no PostgreSQL for the tests") }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let role = "kefu_app_" + schema.suffix(8)
        let owner = try PostgresStorage(url: server + (server.contains("?") ? "&" : "?") + "schema=\(schema)")
        let statements = try await owner.database.grantApplicationRole(role, password: "s3cret'x")
        #expect(statements.allSatisfy { !$0.contains("s3cret") }, "the password is never echoed")
        #expect(statements.contains { $0.hasPrefix("GRANT UPDATE, DELETE ON") && !$0.contains("ledger_entry") })

        let components = URLComponents(string: server)
        var url = URLComponents()
        url.scheme = "postgres"
        url.user = role
        url.host = components?.host ?? ""
        url.path = components?.path ?? ""
        url.queryItems = (components?.queryItems ?? []) + [URLQueryItem(name: "schema", value: schema)]
        let app = try PostgresStorage(url: try #require(url.string))
        try await app.people.add(Person(id: "E1", name: "A", hireDate: "2026-01-01"))
        _ = try await app.ledger.append(signer: try StorageConformance.testSigner()) { _ in
            [
                LedgerEntry(
                    sequence: 0, kind: .issued, person: "E1", subject: "onboarding",
                    recordedAt: "2026-11-22T09:00:00.000Z", validUntil: nil, refersTo: nil, previousHash: "")
            ]
        }
        try await app.people.setLevel(.expert, person: "E1")
        #expect(try await app.people.person("E1")?.level == .expert, "ordinary updates are allowed")
        for statement in ["UPDATE ledger_entry SET subject = 'x'", "DELETE FROM audit_event", "TRUNCATE qa_audit"] {
            do {
                try await app.database.write { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: app.database.logger)
                }
                Issue.record("\(statement) was allowed for the application role")
            } catch let error as StorageError {
                #expect(error.description.contains("grants"), "\(statement): \(error)")
            }
        }
        #expect(try await app.ledger.entries(person: nil).count == 1)
    }
}
