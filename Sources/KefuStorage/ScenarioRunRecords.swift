public import KefuCore

/// A stored scenario run: saved after every reply; a complete run is certification evidence.
public struct ScenarioRunRecord: Sendable, Hashable, Codable {
    /// The run's id (0 before it is stored).
    public var id: RunID
    /// Who played.
    public var personID: PersonID
    /// Scenario id.
    public var scenario: ScenarioID
    /// Language version.
    public var language: String
    /// Scenario file hash.
    public var contentVersion: String
    /// Exam or practice.
    public var mode: PlayMode
    /// 1 for the person's first run of this scenario, and so on (assigned by storage).
    public var attemptNumber: Int
    /// Seed of the customer's line variants.
    public var seed: UInt64
    /// In progress, complete or incomplete.
    public var status: ScenarioRunStatus
    /// End outcome or stop reason.
    public var outcome: String?
    /// When the run started (ISO-8601).
    public var startedAt: String
    /// When it ended.
    public var finishedAt: String?
    /// Final score.
    public var score: Double
    /// Whether it passed.
    public var passed: Bool
    /// The transcript (interaction JSON).
    public var transcript: String
    /// The run report (JSON).
    public var report: String
    /// The evidence row, for complete runs.
    public var attemptID: AttemptID?

    /// Creates a record.
    public init(
        id: RunID = 0, personID: PersonID, scenario: ScenarioID, language: String, contentVersion: String,
        mode: PlayMode, attemptNumber: Int = 0,
        seed: UInt64, status: ScenarioRunStatus = .inProgress, outcome: String? = nil, startedAt: String,
        finishedAt: String? = nil, score: Double = 0,
        passed: Bool = false, transcript: String, report: String, attemptID: AttemptID? = nil
    ) {
        self.id = id
        self.personID = personID
        self.scenario = scenario
        self.language = language
        self.contentVersion = contentVersion
        self.mode = mode
        self.attemptNumber = attemptNumber
        self.seed = seed
        self.status = status
        self.outcome = outcome
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.score = score
        self.passed = passed
        self.transcript = transcript
        self.report = report
        self.attemptID = attemptID
    }
}

/// How a run ends: what ``ScenarioRunStore/finish(_:)`` stores.
public struct ScenarioRunEnd: Sendable, Hashable {
    /// The run.
    public var run: RunID
    /// Complete (evidence) or incomplete.
    public var status: ScenarioRunStatus
    /// End outcome or stop reason.
    public var outcome: String?
    /// When (ISO-8601).
    public var finishedAt: String
    /// Final score.
    public var score: Double
    /// Whether it passed.
    public var passed: Bool
    /// The transcript (interaction JSON).
    public var transcript: String
    /// The run report (JSON).
    public var report: String

    /// Creates an end.
    public init(
        run: RunID, status: ScenarioRunStatus, outcome: String?, finishedAt: String, score: Double, passed: Bool,
        transcript: String, report: String
    ) {
        self.run = run
        self.status = status
        self.outcome = outcome
        self.finishedAt = finishedAt
        self.score = score
        self.passed = passed
        self.transcript = transcript
        self.report = report
    }
}
