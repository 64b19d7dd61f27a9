import KefuCore
import KefuStorage
import KefuStore
import KefuTesting
import Testing

@Suite("storage conformance: SQLite mentoring and reviews")
struct SQLiteMentoringConformanceTests {
    @Test("mentoring: assignment transaction, history, notes, overrides, sign-off, queue")
    func mentoring() async throws {
        try await StorageConformance.mentoring(FreshStorage.sqliteFactory, seed: ProtocolSeed())
    }

    @Test("reviews: feedback all or nothing, cycles with replace, scorecards, promotion evidence and write")
    func reviews() async throws {
        try await StorageConformance.reviews(FreshStorage.sqliteFactory, seed: ProtocolSeed())
    }

    @Test("read-only storage refuses mentoring and review writes with read-only")
    func readOnly() async throws {
        let writable = try FreshStorage.sqlite()
        let storage = try SQLiteStorage(path: writable.location, readOnly: true)
        do {
            _ = try await storage.mentoring.recordAssignment(ending: [], adding: [], at: "2026-11-01T09:00:00Z")
            Issue.record("a write on read-only storage succeeded")
        } catch let error as StorageError {
            #expect(error.code == .readOnly)
        }
        do {
            try await storage.reviews.addFeedback([], source: "x.csv")
            Issue.record("a write on read-only storage succeeded")
        } catch let error as StorageError {
            #expect(error.code == .readOnly)
        }
        #expect(try await storage.mentoring.mentorships(of: nil, activeOnly: false).isEmpty)
    }
}
