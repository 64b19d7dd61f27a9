public import KefuCore

/// The QA listings the web app shows (home counts, import batches, samples with their members, an agent's own
/// reviews) and the closing of calibration sessions. A separate protocol so the core ``QAStore`` stays as it was;
/// the SQLite store implements both.
public protocol QAWebStore: Sendable {
    /// Counts for the QA home page.
    func overview() async throws -> QAOverview

    /// The most recent import batches, newest first, with the spans masked in each.
    func batches(limit: Int) async throws -> [QABatchSummary]

    /// Every sample, newest first.
    func samples() async throws -> [QASampleSummary]

    /// The members of sample `name` with their agent, channel and automatic score pinned to `rubricVersion` (when
    /// given) and who reviewed them (ordinary reviews); nil when there is no such sample.
    func sampleMembers(_ name: SampleID, rubricVersion: String?) async throws -> [QASampleMemberRow]?

    /// The rubric ids interactions are scored with, most used first.
    func scoredRubrics() async throws -> [RubricID]

    /// The ordinary (not calibration) reviews of interactions handled by `agent`, newest first.
    func reviews(ofAgent agent: PersonID) async throws -> [QAReviewRecord]

    /// The agent who handled the interaction of review `id`, or nil when there is no such review.
    func reviewAgent(_ id: ReviewID) async throws -> PersonID?

    /// The disputes on review `id`, newest first.
    func disputes(review id: ReviewID) async throws -> [QADisputeRecord]

    /// Every calibration session, newest first, with whether it is closed.
    func calibrations() async throws -> [QACalibrationSummary]

    /// Per reviewer, how many interactions they reviewed in calibration session `name`.
    func calibrationProgress(_ name: CalibrationID) async throws -> [PersonID: Int]

    /// When and by whom session `name` was closed, or nil while it is open.
    func calibrationClosed(_ name: CalibrationID) async throws -> (at: String, by: PersonID)?

    /// Closes session `name` with its audit entry; `notFound` when there is no such session, `conflict` when it is
    /// already closed.
    func closeCalibration(_ name: CalibrationID, at: String, by: PersonID, audit: NewQAAuditEntry) async throws
}

/// Counts for the QA home page.
public struct QAOverview: Sendable, Hashable, Codable {
    /// Interactions stored.
    public var interactions: Int
    /// Import batches.
    public var batches: Int
    /// Samples drawn.
    public var samples: Int
    /// Interactions with at least one automatic score.
    public var scored: Int
    /// Ordinary reviews submitted.
    public var reviews: Int
    /// Disputes waiting for a decision.
    public var openDisputes: Int
    /// Calibration sessions still open.
    public var openCalibrations: Int

    /// Creates counts.
    public init(
        interactions: Int, batches: Int, samples: Int, scored: Int, reviews: Int, openDisputes: Int,
        openCalibrations: Int
    ) {
        self.interactions = interactions
        self.batches = batches
        self.samples = samples
        self.scored = scored
        self.reviews = reviews
        self.openDisputes = openDisputes
        self.openCalibrations = openCalibrations
    }
}

/// One import batch.
public struct QABatchSummary: Sendable, Hashable, Codable {
    /// Batch name.
    public var name: BatchID
    /// The imported file's name.
    public var source: String
    /// When.
    public var importedAt: String
    /// Interactions stored.
    public var count: Int
    /// Spans masked in them.
    public var masked: Int

    /// Creates a summary.
    public init(name: BatchID, source: String, importedAt: String, count: Int, masked: Int) {
        self.name = name
        self.source = source
        self.importedAt = importedAt
        self.count = count
        self.masked = masked
    }
}

/// One sample in a listing.
public struct QASampleSummary: Sendable, Hashable, Codable {
    /// Name.
    public var name: SampleID
    /// The stored parameters (canonical JSON).
    public var parameters: String
    /// Population size when drawn.
    public var populationSize: Int
    /// Members.
    public var members: Int
    /// When drawn.
    public var createdAt: String

    /// Creates a summary.
    public init(name: SampleID, parameters: String, populationSize: Int, members: Int, createdAt: String) {
        self.name = name
        self.parameters = parameters
        self.populationSize = populationSize
        self.members = members
        self.createdAt = createdAt
    }
}

/// One member of a sample as its page lists it.
public struct QASampleMemberRow: Sendable, Hashable, Codable {
    /// Interaction.
    public var interaction: InteractionID
    /// Agent.
    public var agent: PersonID
    /// Channel.
    public var channel: String
    /// Start time.
    public var startedAt: String?
    /// Stratum (`""` without strata).
    public var stratum: String
    /// Automatic score with the asked rubric version, when scored.
    public var score: Double?
    /// Whether that score passes.
    public var passed: Bool?
    /// Ordinary reviews of the interaction with that rubric version: (review, reviewer).
    public var reviews: [QAReviewRef]

    /// Creates a row.
    public init(
        interaction: InteractionID, agent: PersonID, channel: String, startedAt: String?, stratum: String,
        score: Double?, passed: Bool?, reviews: [QAReviewRef]
    ) {
        self.interaction = interaction
        self.agent = agent
        self.channel = channel
        self.startedAt = startedAt
        self.stratum = stratum
        self.score = score
        self.passed = passed
        self.reviews = reviews
    }
}

/// A review and its reviewer.
public struct QAReviewRef: Sendable, Hashable, Codable {
    /// Review.
    public var review: ReviewID
    /// Reviewer.
    public var reviewer: PersonID

    /// Creates a reference.
    public init(review: ReviewID, reviewer: PersonID) {
        self.review = review
        self.reviewer = reviewer
    }
}

/// One calibration session in a listing.
public struct QACalibrationSummary: Sendable, Hashable {
    /// The session.
    public var session: QACalibrationRecord
    /// When it was closed, nil while open.
    public var closedAt: String?

    /// Creates a summary.
    public init(session: QACalibrationRecord, closedAt: String?) {
        self.session = session
        self.closedAt = closedAt
    }
}
