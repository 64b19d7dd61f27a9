import Foundation
import KefuCore
import KefuStorage
import Logging
import NIOSSL
public import PostgresNIO

/// Where a PostgreSQL database is, parsed from a URL: `postgres://user[:password]@host[:port]/database` with the
/// query parameters `sslmode` (`disable`, `prefer` or `require`; default `prefer`, `disable` on a Unix socket),
/// `host` (a folder holding the server's Unix socket, as libpq reads it), `schema` (the schema Kefu's tables live in,
/// created on first use; default `public`) and `pool_max` (connections per process, default 10).
public struct PostgresLocation: Sendable, Hashable {
    /// The user to connect as.
    public var user: String
    /// The password (never shown in ``redacted``).
    public var password: String?
    /// The host name or address (ignored when ``socketPath`` is set).
    public var host: String
    /// The TCP port, or the socket file's number.
    public var port: Int
    /// The database name.
    public var database: String
    /// The full path of the Unix socket file, when connecting through one.
    public var socketPath: String?
    /// The schema Kefu's tables live in.
    public var schema: String
    /// `disable`, `prefer` or `require`.
    public var sslMode: String
    /// The most connections this process opens.
    public var poolMax: Int

    /// True when `text` names a PostgreSQL database (`postgres://` or `postgresql://`).
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a `postgres://` URL; the error says which part is wrong (never the password).
    public init(url text: String) throws {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw StorageError(
                .unavailable,
                "not a PostgreSQL URL; write postgres://USER@HOST:PORT/DATABASE (or ?host=/socket/folder for a Unix socket)"
            )
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set<String> = ["sslmode", "host", "schema", "pool_max", "port", "user", "password"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw StorageError(
                .unavailable,
                "unknown parameter `\(unknown)` in the PostgreSQL URL (known: \(known.sorted().joined(separator: ", ")))"
            )
        }
        user = components.user ?? query["user"] ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        password = components.password ?? query["password"]
        let port = components.port ?? query["port"].flatMap(Int.init) ?? 5432
        self.port = port
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        let socketFolder = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        host =
            components.host.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"].flatMap { $0.hasPrefix("/") ? nil : $0 }
            ?? (socketFolder == nil ? "localhost" : "")
        socketPath = socketFolder.map { "\($0)/.s.PGSQL.\(port)" }
        schema = query["schema"] ?? "public"
        guard schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw StorageError(
                .unavailable, "the schema in the PostgreSQL URL must be lower-case letters, digits and _")
        }
        sslMode = query["sslmode"] ?? (socketPath == nil ? "prefer" : "disable")
        guard ["disable", "prefer", "require"].contains(sslMode) else {
            throw StorageError(.unavailable, "sslmode in the PostgreSQL URL must be disable, prefer or require")
        }
        poolMax =
            try query["pool_max"].map { text in
                guard let value = Int(text), (1...500).contains(value) else {
                    throw StorageError(.unavailable, "pool_max in the PostgreSQL URL must be a number from 1 to 500")
                }
                return value
            } ?? 10
    }

    /// The URL without the password, for messages.
    public var redacted: String {
        let place = socketPath.map { "?host=" + ($0 as NSString).deletingLastPathComponent } ?? ""
        let address = socketPath == nil ? "\(host):\(port)" : ""
        let schemaPart = schema == "public" ? "" : (place.isEmpty ? "?" : "&") + "schema=\(schema)"
        return "postgres://\(user)@\(address)/\(database)\(place)\(schemaPart)"
    }

    func clientConfiguration() throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketPath {
            configuration = .init(unixSocketPath: socketPath, username: user, password: password, database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch sslMode {
            case "disable": tls = .disable
            case "require": tls = .require(.makeClientConfiguration())
            default: tls = .prefer(.makeClientConfiguration())
            }
            configuration = .init(
                host: host, port: port, username: user, password: password, database: database, tls: tls)
        }
        configuration.options.maximumConnections = poolMax
        configuration.options.minimumConnections = 0
        configuration.options.connectionIdleTimeout = .seconds(30)
        configuration.options.additionalStartupParameters = [
            ("search_path", schema), ("application_name", "kefu"), ("TimeZone", "UTC"),
        ]
        return configuration
    }
}

/// One PostgreSQL database through a pooled `PostgresClient`: migrations on first use, every store method one
/// transaction (`SERIALIZABLE` for writes, retried on serialization failures and deadlocks, so read-check-write
/// methods behave as they do on SQLite's single writer), errors turned into ``StorageError`` without bound values.
public final class PostgresDatabase: Sendable {
    /// Where the database is.
    public let location: PostgresLocation
    /// True when opened read-only.
    public let isReadOnly: Bool
    let client: PostgresClient
    /// Where the database logs (quiet: critical messages only).
    public let logger: Logger
    private let runner: Task<Void, Never>
    private let migrated: MigrationGate

    /// Connects (lazily: nothing is contacted until the first use) to the database at `url`.
    public init(url: String, readOnly: Bool = false, logger: Logger = Logger(label: "kefu.postgres")) throws {
        location = try PostgresLocation(url: url)
        isReadOnly = readOnly
        var quiet = logger
        quiet.logLevel = .critical
        self.logger = quiet
        let client = PostgresClient(configuration: try location.clientConfiguration(), backgroundLogger: quiet)
        self.client = client
        runner = Task { await client.run() }
        migrated = MigrationGate()
    }

    deinit { runner.cancel() }

    /// Runs `body` in one read-write transaction (SERIALIZABLE), retrying the whole transaction on a serialization
    /// failure or deadlock (up to 20 times, with growing random waits). `body` must be safe to run again.
    ///
    /// With `lock`, the transaction runs holding that advisory lock, taken on the connection *before* `BEGIN` so the
    /// transaction's snapshot is taken after the previous holder committed (ledger and audit appends: one at a time
    /// across every process, each seeing the head the previous one wrote). The lock is released after `COMMIT` or
    /// `ROLLBACK`, and by the server if the process dies.
    @discardableResult
    public func write<T: Sendable>(
        lock: Int64? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        guard !isReadOnly else {
            throw StorageError(.readOnly, "the database was opened read-only; nothing can be recorded")
        }
        return try await transaction(begin: "BEGIN ISOLATION LEVEL SERIALIZABLE", lock: lock, body)
    }

    /// Runs `body` in one read-only transaction (a consistent snapshot).
    public func read<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", lock: nil, body)
    }

    /// Runs `body` on a pooled connection without a wrapping transaction (each statement reads its own snapshot):
    /// for the short indexed reads every web request makes (the credential, the attempt, its answers), whose
    /// statements need not agree with each other — as SQLite's store reads them. Saves the `BEGIN` and `COMMIT`
    /// round trips.
    public func readNow<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await ready()
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch {
            throw Self.storageError(error, location: location.redacted)
        }
    }

    private func transaction<T: Sendable>(
        begin: String, lock: Int64?, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await ready()
        var attempt = 0
        while true {
            do {
                return try await client.withConnection { connection -> T in
                    if let lock { try await connection.query("SELECT pg_advisory_lock(\(lock))", logger: logger) }
                    do {
                        let result = try await run(begin: begin, body, on: connection)
                        if let lock { try await connection.query("SELECT pg_advisory_unlock(\(lock))", logger: logger) }
                        return result
                    } catch {
                        if let lock {
                            _ = try? await connection.query("SELECT pg_advisory_unlock(\(lock))", logger: logger)
                        }
                        throw error
                    }
                }
            } catch let error as PSQLError where Self.isRetryable(error) && attempt < 20 {
                attempt += 1
                let ceiling = min(200, 2 << min(attempt, 7))
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...ceiling)))
            } catch {
                throw Self.storageError(error, location: location.redacted)
            }
        }
    }

    /// `BEGIN`, `body`, `COMMIT` on `connection`; `ROLLBACK` when anything throws.
    private func run<T: Sendable>(
        begin: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T,
        on connection: PostgresConnection
    ) async throws -> T {
        try await connection.query(PostgresQuery(unsafeSQL: begin), logger: logger)
        do {
            let result = try await body(connection)
            try await connection.query("COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Serialization failure (40001) or deadlock (40P01): the transaction can run again.
    static func isRetryable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// The SQLSTATE of a server error, if `error` is one.
    public static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// A ``StorageError`` for `error`: the server's message (which names constraints, never bound values; the
    /// `detail` field, which may hold them, is left out), or a connection failure.
    public static func storageError(_ error: any Error, location: String) -> any Error {
        if let error = error as? StorageError { return error }
        guard let error = error as? PSQLError else { return error }
        if let info = error.serverInfo, let state = info[.sqlState] {
            let message = info[.message] ?? "error \(state)"
            switch state {
            case "23505", "23P01": return StorageError(.conflict, "already recorded (\(message))")
            case "23503": return StorageError(.notFound, "a record this refers to does not exist (\(message))")
            case "25006": return StorageError(.readOnly, "the database refused a write: \(message)")
            case "42501": return StorageError(.unavailable, "PostgreSQL refused: \(message) — check the role's grants")
            case let code where code.hasPrefix("23"): return StorageError(.conflict, message)
            case "P0001": return StorageError(.conflict, message)
            default: return StorageError(.unavailable, "PostgreSQL at \(location): \(message) (SQLSTATE \(state))")
            }
        }
        return StorageError(
            .unavailable,
            "cannot reach PostgreSQL at \(location) (\(error.code.description)); check that the server runs and the URL"
        )
    }

    /// Applies the migrations once per process (under an advisory lock, so two processes starting together do not
    /// both apply them). A read-only open checks instead that the database exists and is not newer than this Kefu.
    func ready() async throws {
        try await migrated.once {
            do {
                try await PostgresMigrations.apply(on: self)
            } catch {
                throw Self.storageError(error, location: self.location.redacted)
            }
        }
    }
}

/// Runs an async job once; concurrent callers wait for it; a failure lets the next caller try again.
actor MigrationGate {
    private var done = false
    private var running: Task<Void, any Error>?

    func once(_ job: @escaping @Sendable () async throws -> Void) async throws {
        if done { return }
        if let running { return try await running.value }
        let task = Task { try await job() }
        running = task
        do {
            try await task.value
            done = true
        } catch {
            running = nil
            throw error
        }
    }
}

extension PostgresConnection {
    /// Runs `sql` (with no bound values) and discards its rows.
    func run(_ sql: String, logger: Logger) async throws {
        try await query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }
}

extension PostgresRowSequence {
    /// Every row's single column, decoded as `C`.
    public func all<C: PostgresDecodable>(_ type: C.Type) async throws -> [C] {
        var rows: [C] = []
        for try await row in self { rows.append(try row.decode(C.self)) }
        return rows
    }

    /// Every row, decoded as a tuple of the given types in column order.
    public func all<each C: PostgresDecodable>(_ type: (repeat each C).Type) async throws -> [(repeat each C)] {
        var rows: [(repeat each C)] = []
        for try await row in self { rows.append(try row.decode((repeat each C).self)) }
        return rows
    }

    /// The first row's single column decoded as `C`, or nil when there is no row.
    public func first<C: PostgresDecodable>(_ type: C.Type) async throws -> C? {
        for try await row in self { return try row.decode(C.self) }
        return nil
    }

    /// The first row decoded as a tuple of the given types, or nil when there is no row.
    public func first<each C: PostgresDecodable>(_ type: (repeat each C).Type) async throws -> (repeat each C)? {
        for try await row in self { return try row.decode((repeat each C).self) }
        return nil
    }
}
