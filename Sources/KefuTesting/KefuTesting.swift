public import Foundation
import KefuCore
public import KefuPostgres
public import KefuStorage
public import KefuStore

/// A failed expectation of a shared check (conformance suites, golden files), with where it failed.
public struct CheckFailure: Error, CustomStringConvertible {
    /// What was expected.
    public let description: String

    /// Creates a failure naming the caller's file and line.
    public init(_ message: String, file: StaticString = #filePath, line: UInt = #line) {
        description = "\(file):\(line): \(message)"
    }
}

/// Throws ``CheckFailure`` unless `condition` holds.
public func check(
    _ condition: @autoclosure () throws -> Bool, _ message: @autoclosure () -> String, file: StaticString = #filePath,
    line: UInt = #line
) throws {
    if try !condition() { throw CheckFailure(message(), file: file, line: line) }
}

/// Makes a fresh, empty storage for one test.
public typealias StorageFactory = @Sendable () async throws -> any Storage

/// Fresh storage for tests: a new SQLite file in its own temporary folder.
public enum FreshStorage {
    /// A new temporary folder.
    public static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kefu-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A new SQLite storage in a new temporary folder.
    public static func sqlite() throws -> SQLiteStorage {
        try SQLiteStorage(path: folder().appendingPathComponent("kefu.sqlite").path)
    }

    /// The SQLite factory the conformance suites run with.
    public static let sqliteFactory: StorageFactory = { try sqlite() }

    /// The PostgreSQL server the tests use: `$KEFU_TEST_POSTGRES` (a `postgres://` URL, set by
    /// `scripts/postgres-test.sh`, which starts a throwaway cluster), or nil when none was started.
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["KEFU_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A new PostgreSQL storage in a schema of its own (`t_<uuid>`) on ``postgresURL``'s server.
    public static func postgres() throws -> PostgresStorage {
        guard let url = postgresURL else {
            throw CheckFailure(
                "no PostgreSQL for the tests: run them through scripts/test.sh, or set KEFU_TEST_POSTGRES")
        }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return try PostgresStorage(url: url + (url.contains("?") ? "&" : "?") + "schema=\(schema)&pool_max=4")
    }

    /// The PostgreSQL factory the conformance suites run with.
    public static let postgresFactory: StorageFactory = { try postgres() }
}

/// Storage conformance: each store's checks, written against the ``Storage`` protocols only, so a
/// second implementation runs them unchanged. Each aggregate adds a static function in an extension.
public enum StorageConformance {}
