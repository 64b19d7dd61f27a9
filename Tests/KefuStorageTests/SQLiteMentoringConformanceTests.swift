import KefuCore
import KefuStorage
import KefuStore
import KefuTesting
import Testing

/// Seeds people and scenario runs of a SQLite storage through `KefuDatabase` (until their stores can write them).
struct SQLiteSeed: ConformanceSeed {
    func database(_ storage: any Storage) throws -> KefuDatabase {
        guard let sqlite = storage as? SQLiteStorage else { throw CheckFailure("the SQLite seed needs SQLite storage") }
        return sqlite.database
    }

    func addPeople(_ people: [Person], to storage: any Storage) async throws {
        try database(storage).addPeople(people)
    }

    func addRun(person: PersonID, status: String, startedAt: String, to storage: any Storage) async throws -> RunID {
        let run = try database(storage).startScenarioRun(ScenarioRunRecord(
            personID: person.rawValue, scenario: "p2p-withdrawal-delay", language: "zh", contentVersion: "v1", mode: "exam", attemptNumber: 1, seed: 1,
            status: status, startedAt: startedAt, transcript: "{}", report: "{}"))
        return RunID(run.id)
    }
}

@Suite("storage conformance: SQLite mentoring and reviews")
struct SQLiteMentoringConformanceTests {
    @Test("mentoring: assignment transaction, history, notes, overrides, sign-off, queue")
    func mentoring() async throws {
        try await StorageConformance.mentoring(FreshStorage.sqliteFactory, seed: SQLiteSeed())
    }

    @Test("reviews: feedback all or nothing, cycles with replace, scorecards, promotion evidence and write")
    func reviews() async throws {
        try await StorageConformance.reviews(FreshStorage.sqliteFactory, seed: SQLiteSeed())
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
