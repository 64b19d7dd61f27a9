public import KefuCore

/// A QA interaction as stored: turns already masked, with its import batch and content hash.
public struct StoredInteraction: Sendable, Hashable {
    /// The interaction (turns masked).
    public var interaction: Interaction
    /// The import batch.
    public var batch: BatchID
    /// `YYYY-MM` of `started_at`, when known.
    public var period: String?
    /// SHA-256 (hex) of the masked turns' stored JSON.
    public var contentHash: String
    /// How many personal-data spans were masked on import.
    public var maskedCount: Int
    /// Keyed digests (HMAC-SHA256, hex) of the identifiers masked out (phone, card, ID numbers, e-mail), for
    /// erasure by a customer's identifier; the identifiers themselves are never stored.
    public var identifierDigests: [String]

    /// Creates a stored interaction.
    public init(
        interaction: Interaction, batch: BatchID, period: String?, contentHash: String, maskedCount: Int,
        identifierDigests: [String] = []
    ) {
        self.interaction = interaction
        self.batch = batch
        self.period = period
        self.contentHash = contentHash
        self.maskedCount = maskedCount
        self.identifierDigests = identifierDigests
    }

    /// The interaction's id.
    public var id: InteractionID { InteractionID(interaction.id) }
}

/// Receives the interactions of one import inside its transaction (``QAStore/importInteractions(batch:source:importedAt:_:)``).
public protocol QAInteractionSink {
    /// Stores one masked interaction whose turns' stored JSON is `turnsJSON`; false (and nothing
    /// changes) when an interaction with that id is already stored.
    func insert(_ interaction: StoredInteraction, turnsJSON: String) throws -> Bool
}

/// One interaction of the sampling population, as streamed by ``QAPopulation/forEachInteraction(period:_:)``.
public struct QAPopulationUnit: Sendable, Hashable {
    /// Interaction id.
    public var id: InteractionID
    /// The agent who handled it.
    public var agent: PersonID
    /// Its channel (`wechat`, `phone`, …).
    public var channel: String
    /// The content hash recorded at import.
    public var contentHash: String

    /// Creates a unit.
    public init(id: InteractionID, agent: PersonID, channel: String, contentHash: String) {
        self.id = id
        self.agent = agent
        self.channel = channel
        self.contentHash = contentHash
    }
}

/// Reads of the sampling population inside a sample's transaction.
public protocol QAPopulation {
    /// Streams the interactions of `period` (all when nil) in id order with the stored turns' UTF-8
    /// bytes (valid only during the call), so a hash can be recomputed without holding every transcript.
    func forEachInteraction(period: String?, _ body: (QAPopulationUnit, UnsafeRawBufferPointer) throws -> Void) throws
    /// Interactions whose automatic score with `rubricVersion` failed.
    func failedInteractions(rubricVersion: String) throws -> Set<InteractionID>
    /// True when any interaction is scored with `rubricVersion`.
    func hasScores(rubricVersion: String) throws -> Bool
}

/// A stored sample: what defines it and the hashes that make it verifiable.
public struct QASampleRecord: Sendable, Hashable {
    /// Name.
    public var name: SampleID
    /// Parameters, as canonical JSON (stored verbatim).
    public var parameters: String
    /// SHA-256 over the population's ids and content hashes when drawn.
    public var populationHash: String
    /// Population size when drawn.
    public var populationSize: Int
    /// SHA-256 over the members' ids.
    public var membersHash: String
    /// When drawn (ISO 8601 UTC).
    public var createdAt: String
    /// Members with their stratum (`""` without strata), in id order.
    public var members: [QASampleMember]

    /// Creates a record.
    public init(
        name: SampleID, parameters: String, populationHash: String, populationSize: Int, membersHash: String,
        createdAt: String, members: [QASampleMember]
    ) {
        self.name = name
        self.parameters = parameters
        self.populationHash = populationHash
        self.populationSize = populationSize
        self.membersHash = membersHash
        self.createdAt = createdAt
        self.members = members
    }
}

/// A member of a sample.
public struct QASampleMember: Sendable, Hashable {
    /// Interaction id.
    public var interaction: InteractionID
    /// Stratum (`""` without strata).
    public var stratum: String

    /// Creates a member.
    public init(interaction: InteractionID, stratum: String) {
        self.interaction = interaction
        self.stratum = stratum
    }
}

/// An automatic score pinned to a rubric version.
public struct QAScoreRecord: Sendable, Hashable {
    /// Interaction id.
    public var interaction: InteractionID
    /// Rubric id.
    public var rubric: RubricID
    /// Rubric version (SHA-256 of its source).
    public var rubricVersion: String
    /// Score 0–100.
    public var score: Double
    /// Passed.
    public var passed: Bool
    /// A critical item failed.
    public var criticalFailed: Bool
    /// The item results as stored JSON.
    public var itemsJSON: String
    /// When scored.
    public var scoredAt: String

    /// Creates a record.
    public init(
        interaction: InteractionID, rubric: RubricID, rubricVersion: String, score: Double, passed: Bool,
        criticalFailed: Bool, itemsJSON: String, scoredAt: String
    ) {
        self.interaction = interaction
        self.rubric = rubric
        self.rubricVersion = rubricVersion
        self.score = score
        self.passed = passed
        self.criticalFailed = criticalFailed
        self.itemsJSON = itemsJSON
        self.scoredAt = scoredAt
    }
}

/// What scoring a set of interactions did.
public struct QAScoringCount: Sendable, Hashable {
    /// Newly scored.
    public var scored: Int
    /// Already scored with this rubric version.
    public var unchanged: Int

    /// Creates a count.
    public init(scored: Int, unchanged: Int) {
        self.scored = scored
        self.unchanged = unchanged
    }
}

/// One entry to append to the QA audit log.
public struct NewQAAuditEntry: Sendable, Hashable {
    /// When (ISO 8601 UTC).
    public var at: String
    /// Who (person id).
    public var actor: PersonID
    /// What (`review.submit`, `item.override`, `calibration.create`, `dispute.open`, …).
    public var action: String
    /// On what.
    public var subject: String
    /// Before.
    public var before: String?
    /// After.
    public var after: String?

    /// Creates an entry.
    public init(at: String, actor: PersonID, action: String, subject: String, before: String?, after: String?) {
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.before = before
        self.after = after
    }
}

/// A stored QA audit-log entry.
public struct QAAuditRecord: Sendable, Hashable {
    /// Sequence number.
    public var id: Int64
    /// The entry.
    public var entry: NewQAAuditEntry

    /// Creates a record.
    public init(id: Int64, entry: NewQAAuditEntry) {
        self.id = id
        self.entry = entry
    }
}

/// One item of a review: the automatic verdict and the human one (`pass`, `fail`, `na`, `error`).
public struct QAReviewItemRecord: Sendable, Hashable {
    /// Rubric item id.
    public var item: String
    /// The automatic verdict (never overwritten).
    public var automatic: String
    /// The human (or dispute) verdict.
    public var verdict: String
    /// The reviewer's comment.
    public var comment: String
    /// Locked by a rejected dispute.
    public var locked: Bool

    /// Creates an item.
    public init(item: String, automatic: String, verdict: String, comment: String, locked: Bool = false) {
        self.item = item
        self.automatic = automatic
        self.verdict = verdict
        self.comment = comment
        self.locked = locked
    }
}

/// A review to store.
public struct NewQAReview: Sendable, Hashable {
    /// Interaction id.
    public var interaction: InteractionID
    /// Reviewer.
    public var reviewer: PersonID
    /// Rubric id.
    public var rubric: RubricID
    /// Rubric version.
    public var rubricVersion: String
    /// Calibration session, or nil for an ordinary review.
    public var calibration: CalibrationID?
    /// The automatic score.
    public var automaticScore: Double
    /// The final score.
    public var finalScore: Double
    /// Final pass.
    public var finalPassed: Bool
    /// Comment on the whole interaction.
    public var comment: String
    /// When.
    public var submittedAt: String
    /// Items.
    public var items: [QAReviewItemRecord]

    /// Creates a review.
    public init(
        interaction: InteractionID, reviewer: PersonID, rubric: RubricID, rubricVersion: String,
        calibration: CalibrationID?,
        automaticScore: Double, finalScore: Double, finalPassed: Bool, comment: String, submittedAt: String,
        items: [QAReviewItemRecord]
    ) {
        self.interaction = interaction
        self.reviewer = reviewer
        self.rubric = rubric
        self.rubricVersion = rubricVersion
        self.calibration = calibration
        self.automaticScore = automaticScore
        self.finalScore = finalScore
        self.finalPassed = finalPassed
        self.comment = comment
        self.submittedAt = submittedAt
        self.items = items
    }
}

/// A stored review's headline.
public struct QAReviewRecord: Sendable, Hashable {
    /// Id.
    public var id: ReviewID
    /// The review.
    public var review: NewQAReview

    /// Creates a record.
    public init(id: ReviewID, review: NewQAReview) {
        self.id = id
        self.review = review
    }
}

/// One item of a review with its context, read inside a dispute's transaction.
public struct QAReviewItemContext: Sendable, Hashable {
    /// The review.
    public var review: QAReviewRecord
    /// The agent who handled the interaction.
    public var agent: PersonID
    /// The item.
    public var item: QAReviewItemRecord
    /// True when the item already has an open dispute.
    public var hasOpenDispute: Bool

    /// Creates a context.
    public init(review: QAReviewRecord, agent: PersonID, item: QAReviewItemRecord, hasOpenDispute: Bool) {
        self.review = review
        self.agent = agent
        self.item = item
        self.hasOpenDispute = hasOpenDispute
    }
}

/// A dispute as stored; `status` is `open`, `accepted` or `rejected`.
public struct QADisputeRecord: Sendable, Hashable {
    /// Id.
    public var id: DisputeID
    /// Review id.
    public var review: ReviewID
    /// Interaction id.
    public var interaction: InteractionID
    /// Rubric of the review.
    public var rubric: RubricID
    /// Rubric item.
    public var item: String
    /// The disputing agent.
    public var agent: PersonID
    /// Reason.
    public var reason: String
    /// `open`, `accepted` or `rejected`.
    public var status: String
    /// Who decided.
    public var resolver: PersonID?
    /// The decision's comment.
    public var resolution: String?
    /// When opened.
    public var openedAt: String
    /// When decided.
    public var resolvedAt: String?

    /// Creates a record.
    public init(
        id: DisputeID, review: ReviewID, interaction: InteractionID, rubric: RubricID, item: String, agent: PersonID,
        reason: String,
        status: String, resolver: PersonID?, resolution: String?, openedAt: String, resolvedAt: String?
    ) {
        self.id = id
        self.review = review
        self.interaction = interaction
        self.rubric = rubric
        self.item = item
        self.agent = agent
        self.reason = reason
        self.status = status
        self.resolver = resolver
        self.resolution = resolution
        self.openedAt = openedAt
        self.resolvedAt = resolvedAt
    }
}

/// A dispute to open (the audit entry is made once its id is known).
public struct NewQADispute: Sendable {
    /// The disputing agent.
    public var agent: PersonID
    /// Reason.
    public var reason: String
    /// When.
    public var openedAt: String
    /// The audit entry, given the new dispute's id.
    public var audit: @Sendable (DisputeID) -> NewQAAuditEntry

    /// Creates a dispute.
    public init(
        agent: PersonID, reason: String, openedAt: String, audit: @escaping @Sendable (DisputeID) -> NewQAAuditEntry
    ) {
        self.agent = agent
        self.reason = reason
        self.openedAt = openedAt
        self.audit = audit
    }
}

/// What a dispute's decision reads inside its transaction.
public struct QADisputeContext: Sendable, Hashable {
    /// The dispute.
    public var dispute: QADisputeRecord
    /// The disputed item with its review.
    public var item: QAReviewItemContext
    /// Every item of the review (current verdicts).
    public var items: [QAReviewItemRecord]
    /// The automatic score the review was made against, when still stored.
    public var automatic: QAScoreRecord?

    /// Creates a context.
    public init(
        dispute: QADisputeRecord, item: QAReviewItemContext, items: [QAReviewItemRecord], automatic: QAScoreRecord?
    ) {
        self.dispute = dispute
        self.item = item
        self.items = items
        self.automatic = automatic
    }
}

/// The decision on a dispute, applied in the same transaction that read its context.
public struct QADisputeDecision: Sendable, Hashable {
    /// `accepted` or `rejected`.
    public var status: String
    /// Who decided.
    public var resolver: PersonID
    /// Why.
    public var comment: String
    /// When.
    public var at: String
    /// Accepting: the item's new verdict and the review's recomputed final score and pass.
    public var newVerdict: String?
    /// The recomputed final score (accepting).
    public var finalScore: Double?
    /// The recomputed pass (accepting).
    public var finalPassed: Bool?
    /// The audit entry.
    public var audit: NewQAAuditEntry

    /// Creates a decision.
    public init(
        status: String, resolver: PersonID, comment: String, at: String, newVerdict: String? = nil,
        finalScore: Double? = nil,
        finalPassed: Bool? = nil, audit: NewQAAuditEntry
    ) {
        self.status = status
        self.resolver = resolver
        self.comment = comment
        self.at = at
        self.newVerdict = newVerdict
        self.finalScore = finalScore
        self.finalPassed = finalPassed
        self.audit = audit
    }
}

/// A calibration session.
public struct QACalibrationRecord: Sendable, Hashable {
    /// Name.
    public var name: CalibrationID
    /// Sample.
    public var sample: SampleID
    /// Rubric id.
    public var rubric: RubricID
    /// Rubric version.
    public var rubricVersion: String
    /// Reviewers, sorted.
    public var reviewers: [PersonID]
    /// Who opened it.
    public var createdBy: PersonID
    /// When.
    public var createdAt: String

    /// Creates a record.
    public init(
        name: CalibrationID, sample: SampleID, rubric: RubricID, rubricVersion: String, reviewers: [PersonID],
        createdBy: PersonID, createdAt: String
    ) {
        self.name = name
        self.sample = sample
        self.rubric = rubric
        self.rubricVersion = rubricVersion
        self.reviewers = reviewers
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// One reviewer's verdict on one item in a calibration session.
public struct QACalibrationRating: Sendable, Hashable {
    /// Interaction.
    public var interaction: InteractionID
    /// Reviewer.
    public var reviewer: PersonID
    /// Item.
    public var item: String
    /// The automatic verdict.
    public var automatic: String
    /// The reviewer's verdict.
    public var verdict: String

    /// Creates a rating.
    public init(interaction: InteractionID, reviewer: PersonID, item: String, automatic: String, verdict: String) {
        self.interaction = interaction
        self.reviewer = reviewer
        self.item = item
        self.automatic = automatic
        self.verdict = verdict
    }
}

/// An interaction's latest score with a rubric, with its latest ordinary review (for reports).
public struct QAReportScore: Sendable, Hashable {
    /// Interaction.
    public var interaction: InteractionID
    /// Agent.
    public var agent: PersonID
    /// Period.
    public var period: String
    /// Automatic score.
    public var score: Double
    /// Automatic pass.
    public var passed: Bool
    /// Item results as stored JSON.
    public var itemsJSON: String
    /// The latest ordinary review with the same rubric version, if any.
    public var reviewID: ReviewID?
    /// Its final score.
    public var finalScore: Double?
    /// Its final pass.
    public var finalPassed: Bool?

    /// Creates a row.
    public init(
        interaction: InteractionID, agent: PersonID, period: String, score: Double, passed: Bool, itemsJSON: String,
        reviewID: ReviewID?, finalScore: Double?, finalPassed: Bool?
    ) {
        self.interaction = interaction
        self.agent = agent
        self.period = period
        self.score = score
        self.passed = passed
        self.itemsJSON = itemsJSON
        self.reviewID = reviewID
        self.finalScore = finalScore
        self.finalPassed = finalPassed
    }
}

/// Sample coverage of one agent in a period.
public struct QACoverageRecord: Sendable, Hashable {
    /// Agent.
    public var agent: PersonID
    /// Interactions imported for the period.
    public var population: Int
    /// Of which in any sample.
    public var sampled: Int
    /// Of which reviewed (ordinary reviews).
    public var reviewed: Int

    /// Creates a record.
    public init(agent: PersonID, population: Int, sampled: Int, reviewed: Int) {
        self.agent = agent
        self.population = population
        self.sampled = sampled
        self.reviewed = reviewed
    }
}

/// Everything a QA report reads, in one transaction.
public struct QAReportData: Sendable, Hashable {
    /// Latest scores per interaction of the periods, in id order (ties of two versions scored at the same instant may repeat an id).
    public var scores: [QAReportScore]
    /// Items of the reviews among `scores`.
    public var reviewItems: [ReviewID: [QAReviewItemRecord]]
    /// Team of every person (`""` without a team).
    public var teams: [PersonID: String]
    /// Coverage per agent in the report's period, by agent.
    public var coverage: [QACoverageRecord]

    /// Creates the data.
    public init(
        scores: [QAReportScore], reviewItems: [ReviewID: [QAReviewItemRecord]], teams: [PersonID: String],
        coverage: [QACoverageRecord]
    ) {
        self.scores = scores
        self.reviewItems = reviewItems
        self.teams = teams
        self.coverage = coverage
    }
}

/// A reviewed interaction with the reviewer's final verdict per rubric item (human labels for rubric evaluation).
public struct QAReviewedInteraction: Sendable, Hashable {
    /// The interaction (masked at import).
    public var interaction: Interaction
    /// The reviewer.
    public var reviewer: PersonID
    /// The review.
    public var review: ReviewID
    /// Item id → stored verdict text (`pass`, `fail`, `na`).
    public var verdicts: [String: String]

    /// Creates a reviewed interaction.
    public init(interaction: Interaction, reviewer: PersonID, review: ReviewID, verdicts: [String: String]) {
        self.interaction = interaction
        self.reviewer = reviewer
        self.review = review
        self.verdicts = verdicts
    }
}
