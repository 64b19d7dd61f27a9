public import Foundation
import KefuCore
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
}

/// Storage conformance: each store's checks, written against the ``Storage`` protocols only, so a
/// second implementation runs them unchanged. Each aggregate adds a static function in an extension.
public enum StorageConformance {}
