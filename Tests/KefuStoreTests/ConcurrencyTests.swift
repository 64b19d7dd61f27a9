import Foundation
import GRDB
import KefuStore
import Testing

/// Two writers on one database file: the second waits for the first instead of failing with "database is locked".
@Suite("concurrent writers")
struct ConcurrencyTests {
    /// A fresh database file in its own folder.
    static func freshPath() -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-busy-\(UUID().uuidString)")
        return folder.appendingPathComponent("kefu.sqlite").path
    }

    @Test("a write that meets another connection's open write transaction waits for it and succeeds")
    func writeWaitsForAnotherWriter() async throws {
        let path = Self.freshPath()
        let database = try KefuDatabase(path: path)
        // Another connection (as another process's import would be) holds the write lock for about a second.
        let other = try DatabaseQueue(path: path)
        let locked = DispatchSemaphore(value: 0)
        let holder = Task.detached {
            try other.inTransaction(.immediate) { db in
                try db.execute(sql: "CREATE TABLE held (x INTEGER)")
                locked.signal()
                Thread.sleep(forTimeInterval: 1)
                return .commit
            }
        }
        locked.wait()
        let started = Date()
        try database.write { db in
            try db.execute(sql: "CREATE TABLE waited (x INTEGER)")
        }
        let waited = Date().timeIntervalSince(started)
        try await holder.value
        #expect(waited > 0.5, "the second write should have waited for the first (waited \(waited) s)")
        #expect(waited < KefuDatabase.busyTimeout)
        let tables = try await database.pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE name IN ('held', 'waited') ORDER BY name")
        }
        #expect(tables == ["held", "waited"])
    }

    @Test("the busy timeout is set on every connection")
    func busyTimeoutIsConfigured() throws {
        let database = try KefuDatabase(path: Self.freshPath())
        let timeout = try database.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA busy_timeout") }
        #expect(timeout == Int(KefuDatabase.busyTimeout * 1000))
    }
}
