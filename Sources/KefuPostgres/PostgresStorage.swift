import Foundation
public import KefuStorage
public import Logging

/// Kefu's server storage: one PostgreSQL database (``PostgresDatabase``), every store of ``Storage`` implemented
/// over it. Selected by a `postgres://` URL in `--db` or `KEFU_DB`.
public final class PostgresStorage: Storage {
    /// The database.
    public let database: PostgresDatabase

    /// Opens the database at `url` (migrating it on first use unless `readOnly`).
    public init(url: String, readOnly: Bool = false, logger: Logger = Logger(label: "kefu.postgres")) throws {
        database = try PostgresDatabase(url: url, readOnly: readOnly, logger: logger)
    }

    /// The URL without its password.
    public var location: String { database.location.redacted }
    /// True when opened read-only.
    public var isReadOnly: Bool { database.isReadOnly }
    /// People and evidence.
    public var people: any PeopleStore { PostgresPeopleStore(database: database) }
    /// The ledger.
    public var ledger: any LedgerStore { PostgresLedgerStore(database: database) }
    /// Exams.
    public var exams: any ExamStore { PostgresExamStore(database: database) }
    /// Scenario runs.
    public var scenarios: any ScenarioRunStore { PostgresScenarioRunStore(database: database) }
    /// QA.
    public var qa: any QAStore { PostgresQAStore(database: database) }
    /// Mentoring.
    public var mentoring: any MentoringStore { PostgresMentoringStore(database: database) }
    /// Performance reviews.
    public var reviews: any ReviewStore { PostgresReviewStore(database: database) }
    /// The audit log.
    public var audit: any AuditStore { PostgresAuditStore(database: database) }
    /// Accounts, sessions, API tokens and role grants.
    public var accounts: any AccountStore { PostgresAccountStore(database: database) }
}
