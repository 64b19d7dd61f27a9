import Foundation
public import KefuStorage

/// Kefu's embedded storage: one SQLite file through GRDB (``KefuDatabase``), every store of
/// ``Storage`` implemented over it.
public final class SQLiteStorage: Storage {
    /// The database.
    public let database: KefuDatabase

    /// Opens (creating and migrating on first use unless `readOnly`) the SQLite file at `path`.
    public init(path: String, readOnly: Bool = false) throws {
        database = try KefuDatabase(path: path, readOnly: readOnly)
    }

    /// Wraps an open database.
    public init(database: KefuDatabase) { self.database = database }

    /// The file path.
    public var location: String { database.path }
    /// True when opened read-only.
    public var isReadOnly: Bool { database.isReadOnly }
    /// People and evidence.
    public var people: any PeopleStore { SQLitePeopleStore(database: database) }
    /// The ledger.
    public var ledger: any LedgerStore { SQLiteLedgerStore(database: database) }
    /// Exams.
    public var exams: any ExamStore { SQLiteExamStore(database: database) }
    /// Scenario runs.
    public var scenarios: any ScenarioRunStore { SQLiteScenarioRunStore(database: database) }
    /// QA.
    public var qa: any QAStore { SQLiteQAStore(database: database) }
    /// Mentoring.
    public var mentoring: any MentoringStore { SQLiteMentoringStore(database: database) }
    /// Performance reviews.
    public var reviews: any ReviewStore { SQLiteReviewStore(database: database) }
    /// The audit log.
    public var audit: any AuditStore { SQLiteAuditStore(database: database) }
    /// Accounts, sessions, API tokens and role grants.
    public var accounts: any AccountStore { SQLiteAccountStore(database: database) }
}

extension SQLiteStorage {
    /// For `kefu serve`: WAL checkpoints move from the writer (where SQLite runs them after a commit, holding up every
    /// save queued behind it) to a connection of their own, once a second, in PASSIVE mode (they never block writers
    /// or readers). The writer's automatic checkpoint is turned off for this process only.
    public func startServerMaintenance() throws {
        try database.startBackgroundCheckpoints()
    }
}
