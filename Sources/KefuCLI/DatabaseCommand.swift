import ArgumentParser
import Foundation
import KefuServices

extension Kefu {
    /// `kefu db`: whole-database operations for moving to PostgreSQL.
    struct DatabaseCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "db",
            abstract:
                "Whole databases: copy the embedded SQLite file into PostgreSQL; grant the app's PostgreSQL role.",
            subcommands: [Copy.self, Grant.self])

        /// `kefu db copy --from FILE --to URL`.
        struct Copy: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Copy a whole SQLite database into an empty PostgreSQL one (all or nothing).",
                discussion: """
                    Every table in foreign-key order in one transaction; rows counted and checksummed on both sides
                    before committing; then the ledger and the audit log are verified on PostgreSQL. Stop every
                    writer (kefu serve, imports) on the SQLite file first. Exit status 1 when a verification fails.
                    Example:
                      kefu db copy --from kefu.sqlite --to postgres://kefu@db.example/kefu
                    """)
            @OptionGroup var global: GlobalOptions
            @Option(help: "The SQLite database to copy.") var from: String
            @Option(help: "The empty PostgreSQL database: postgres://USER@HOST[:PORT]/DATABASE[?sslmode=require].")
            var to: String
            @Option(help: "Ledger signing key file (default: as every command finds it).") var key: String?

            func run() async throws {
                try await Edge.run {
                    var configuration = try Edge.configuration(global: global)
                    if let key { configuration.keyPath = key }
                    let outcome = try await DatabaseService(configuration: configuration).copy(from: from, to: to)
                    for table in outcome.report.tables {
                        print(
                            "\(table.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(table.targetRows) rows  checksum \(table.targetChecksum.prefix(16))"
                        )
                    }
                    let rows = outcome.report.tables.reduce(0) { $0 + $1.targetRows }
                    print(
                        "copied \(rows) rows in \(outcome.report.tables.count) tables into \(outcome.target); counts and checksums match"
                    )
                    print("ledger: \(outcome.ledger.status.rawValue), \(outcome.ledger.checked) entries checked")
                    print(
                        "audit log: \(outcome.audit.problem == nil ? "ok" : "TAMPERED"), \(outcome.audit.head.size) events"
                    )
                    if outcome.ledger.status != .ok || outcome.audit.problem != nil { throw ExitCode(1) }
                }
            }
        }

        /// `kefu db grant --db URL --role NAME`.
        struct Grant: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Create the PostgreSQL role kefu serve runs as: no UPDATE, DELETE or TRUNCATE on append-only tables.",
                discussion: """
                    Run as the tables' owner (who also runs migrations); then give the servers a URL with this role.
                    The password, if any, is read from $KEFU_ROLE_PASSWORD (never from the command line). Example:
                      KEFU_ROLE_PASSWORD=… kefu db grant --db postgres://owner@db/kefu --role kefu_app
                    """)
            @Option(help: "The PostgreSQL database (as the owner).") var db: String
            @Option(help: "The role to create or update.") var role: String

            func run() async throws {
                try await Edge.run {
                    let password = ProcessInfo.processInfo.environment["KEFU_ROLE_PASSWORD"].flatMap {
                        $0.isEmpty ? nil : $0
                    }
                    let configuration = try Edge.configuration(global: GlobalOptions())
                    let statements = try await DatabaseService(configuration: configuration).grant(
                        url: db, role: role, password: password)
                    for statement in statements { print(statement + ";") }
                    print("granted \(role): read and insert everywhere; no UPDATE/DELETE on the ledger and audit logs")
                }
            }
        }
    }
}
