import KefuCore

/// Kefu's storage: one store per aggregate, each taking and returning domain types.
///
/// Every method is one transaction (a use case); methods that must read and write atomically take a
/// pure closure over domain values that runs inside the transaction. Implementations: SQLite through
/// GRDB (`KefuStore`, the embedded default); the conformance suite in `KefuStorageConformance` runs
/// unchanged against any other.
public protocol Storage: Sendable {
    /// Where the data lives, for messages (a file path or a redacted URL).
    var location: String { get }
    /// True when opened read-only: every write fails with ``StorageError/Code/readOnly``.
    var isReadOnly: Bool { get }
    /// People and their evidence (attempts, sign-offs).
    var people: any PeopleStore { get }
    /// The certification ledger and its checkpoints.
    var ledger: any LedgerStore { get }
    /// Exam attempts, responses, manual grades and retraining flags.
    var exams: any ExamStore { get }
    /// Scenario runs.
    var scenarios: any ScenarioRunStore { get }
    /// QA: imported interactions, samples, scores, reviews, disputes, calibration, the QA audit log.
    var qa: any QAStore { get }
    /// Mentorships and transcript reviews (annotations, overrides, sign-offs).
    var mentoring: any MentoringStore { get }
    /// Performance reviews: KPI feedback, cycles, scorecards, and the reads promotion rules need.
    var reviews: any ReviewStore { get }
    /// The audit log of every state change (a hash chain).
    var audit: any AuditStore { get }
    /// Starts the backend's background upkeep for a long-running server (see the extension's default).
    func startServerMaintenance() throws
    /// Sign-in accounts, one-time tokens, sessions, API tokens and role grants.
    var accounts: any AccountStore { get }
}

/// An error of a storage implementation, with a code the services translate for the person who acts.
///
/// The description never contains bound values (they may be customer data).
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// The record does not exist.
        case notFound = "not-found"
        /// A uniqueness or state rule refused the write (already exists, already reviewed, …).
        case conflict
        /// The data cannot be read or written (file missing, permissions, disk, corrupt, locked).
        case unavailable
        /// The database was written by a newer Kefu.
        case tooNew = "too-new"
        /// A write was attempted on storage opened read-only.
        case readOnly = "read-only"
    }

    /// The kind of failure.
    public let code: Code
    /// What failed and what to do.
    public let description: String

    /// Creates an error.
    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}

extension Storage {
    /// Starts the backend's background upkeep for a long-running server (SQLite: WAL checkpoints off the writer's
    /// path). Nothing by default.
    public func startServerMaintenance() throws {}
}
