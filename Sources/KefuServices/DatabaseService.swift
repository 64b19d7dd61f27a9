public import Foundation
import KefuCore
import KefuPostgres
public import KefuStorage
import KefuStore

/// Moving and guarding whole databases: `kefu db copy` (the embedded SQLite file into PostgreSQL) and
/// `kefu db grant` (a PostgreSQL role for the app that cannot change or delete append-only rows).
public struct DatabaseService: Sendable {
    /// What a copy did: per-table counts and checksums, and the verifications run on the target afterwards.
    public struct CopyOutcome: Sendable {
        /// Counts and checksums per table.
        public var report: CopyReport
        /// The ledger verified on the target (chain, signatures beyond checkpoints, query columns, checkpoints).
        public var ledger: LedgerVerification
        /// The audit log verified on the target.
        public var audit: AuditVerification
        /// The target, without its password.
        public var target: String
    }

    let configuration: Configuration

    /// Creates the service; `configuration` gives the ledger's keys (the same keys verify both copies).
    public init(configuration: Configuration) { self.configuration = configuration }

    /// Copies the SQLite database at `source` into the empty PostgreSQL database at `target`, all or nothing, then
    /// verifies the ledger and the audit log there. An unverifiable result is an error (the copy stays: it is exactly
    /// what the source held; verify the source too).
    public func copy(from source: String, to target: String) async throws -> CopyOutcome {
        guard PostgresLocation.isPostgres(target) else {
            throw ServiceError(.invalidInput, "--to must be a postgres:// URL (the SQLite file goes in --from)")
        }
        guard FileManager.default.fileExists(atPath: source) else {
            throw ServiceError(.notFound, "there is no database at \(source); check --from")
        }
        let reader: KefuDatabase
        let storage: PostgresStorage
        do {
            // Opened as every command opens it: a file from an older Kefu is migrated first (migrations only add), so
            // its tables and columns are the ones PostgreSQL has.
            reader = try KefuDatabase(path: source)
            storage = try PostgresStorage(url: target)
        } catch let error as StorageError { throw ServiceError(error) }
        let report = try await translatingStorageErrors { try await storage.database.copy(from: reader) }
        var copied = configuration
        copied.database = target
        let environment = KefuEnvironment(configuration: copied, storage: storage)
        let ledger = try await LedgerService(environment: environment).verify()
        let audit = try await AuditService(environment: environment).verify()
        return CopyOutcome(report: report, ledger: ledger, audit: audit, target: storage.location)
    }

    /// Creates (when missing) the login role `role` and grants it what `kefu serve` needs on the database at `url`:
    /// reading every table, inserting everywhere, updating and deleting everywhere except the append-only tables
    /// (ledger, audit log, QA audit log), and the sequences. Run as the tables' owner; run the app as `role`.
    public func grant(url: String, role: String, password: String?) async throws -> [String] {
        guard role.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw ServiceError(.invalidInput, "the role name must be lower-case letters, digits and _")
        }
        let storage: PostgresStorage
        do { storage = try PostgresStorage(url: url) } catch let error as StorageError { throw ServiceError(error) }
        return try await translatingStorageErrors {
            try await storage.database.grantApplicationRole(role, password: password)
        }
    }
}

extension DatabaseService {
    /// A scratch database for a benchmark or test: a new SQLite file `name` in `folder`, or, when `server` is a
    /// postgres:// URL, a new schema `kefu_scratch_…` in that database (drop it with ``dropScratch(_:)``).
    public static func scratch(server: String?, folder: URL, name: String) -> String {
        guard let server, PostgresLocation.isPostgres(server) else { return folder.appendingPathComponent(name).path }
        let schema = "kefu_scratch_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        return server + (server.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    /// Drops a scratch PostgreSQL schema made by ``scratch(server:folder:name:)`` (nothing for a SQLite file, which
    /// goes with its folder).
    public static func dropScratch(_ location: String) async {
        guard PostgresLocation.isPostgres(location), let storage = try? PostgresStorage(url: location) else { return }
        try? await storage.database.dropSchema()
    }
}
