import Foundation
public import KefuCore
public import KefuRubrics
public import KefuStorage

/// The QA reads and actions the web app needs beyond the CLI's services: listings (batches, samples with their
/// members, an agent's own results, calibration sessions), a review result with its evidence, and closing a blind
/// calibration session. Every method asks ``AccessPolicy`` first; a record the actor may not see is "not found".
public struct QAWebService: Sendable {
    /// The environment.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// The QA store's web listings.
    var store: any QAWebStore {
        get throws {
            guard let store = try environment.qaStore as? any QAWebStore else {
                throw ServiceError(.unavailable, "this storage has no QA listings")
            }
            return store
        }
    }

    /// Counts, recent import batches and samples for the QA home page (QA staff: `qa.view`).
    public func overview(
        by actor: Identity
    ) async throws -> (
        counts: QAOverview, batches: [QABatchSummary], samples: [QASampleSummary]
    ) {
        try AccessPolicy.require(actor, .viewQA)
        let store = try store
        return try await translatingStorageErrors {
            (try await store.overview(), try await store.batches(limit: 10), try await store.samples())
        }
    }

    /// Every sample, newest first.
    public func samples(by actor: Identity) async throws -> [QASampleSummary] {
        try AccessPolicy.require(actor, .viewQA)
        let store = try store
        return try await translatingStorageErrors { try await store.samples() }
    }

    /// The rubric ids interactions are scored with, most used first.
    public func scoredRubrics(by actor: Identity) async throws -> [RubricID] {
        try AccessPolicy.require(actor, .viewQA)
        let store = try store
        return try await translatingStorageErrors { try await store.scoredRubrics() }
    }

    /// Sample `name`'s members, scored and reviewed with rubric `rubric`'s current version when given.
    public func sample(
        _ name: SampleID, rubric: String?, by actor: Identity
    ) async throws -> (
        summary: QASampleSummary, members: [QASampleMemberRow], rubric: RubricID?
    ) {
        try AccessPolicy.require(actor, .viewQA)
        let scorer = try rubric.map { try environment.qaScorer($0) }
        let store = try store
        let rows = try await translatingStorageErrors {
            try await store.sampleMembers(name, rubricVersion: scorer?.rubric.sourceHash)
        }
        guard let rows, let summary = try await samples(by: actor).first(where: { $0.name == name }) else {
            throw ServiceError.notFound(name)
        }
        return (summary, rows, scorer.map { RubricID($0.rubric.id) })
    }

    /// Re-derives sample `name` and compares (`kefu qa sample --verify`).
    public func verify(_ name: SampleID, by actor: Identity) async throws -> QASampleService.Verification {
        try AccessPolicy.require(actor, .viewQA)
        return try await QASampleService(environment: environment).verify(name)
    }

    /// A submitted review as its result page shows it.
    public struct Result: Sendable {
        /// The review.
        public var review: QAReviewRecord
        /// The agent who handled the interaction.
        public var agent: PersonID
        /// The interaction (masked).
        public var interaction: Interaction
        /// The automatic score the review confirmed or overrode (evidence), when still stored.
        public var automatic: ScoreResult?
        /// Disputes on the review, newest first.
        public var disputes: [QAReviewService.Dispute]
        /// The rubric as it is now (item titles and points), when it still loads.
        public var rubric: Rubric?
    }

    /// Review `id` for its agent or QA staff; a calibration review (blind) or somebody else's is "not found".
    public func result(_ id: ReviewID, by actor: Identity) async throws -> Result {
        let store = try store
        let qa = try environment.qaStore
        let missing = ServiceError.notFound(id)
        guard let agent = try await translatingStorageErrors({ try await store.reviewAgent(id) }),
            let record = try await translatingStorageErrors({ try await qa.review(id) })
        else { throw missing }
        try AccessPolicy.requireVisible(actor, .viewQA, on: .person(agent), notFound: missing.message)
        guard record.review.calibration == nil else { throw missing }
        guard
            let interaction = try await translatingStorageErrors({ try await qa.interaction(record.review.interaction) }
            )
        else { throw missing }
        let score = try await translatingStorageErrors {
            try await qa.score(record.review.interaction, rubricVersion: record.review.rubricVersion)
        }
        let disputes = try await translatingStorageErrors { try await store.disputes(review: id) }
        return Result(
            review: record, agent: agent, interaction: interaction,
            automatic: try score.map { try QAScoreService.result($0) },
            disputes: try disputes.map(QAReviewService.Dispute.init),
            rubric: try? environment.qaScorer(record.review.rubric.rawValue).rubric)
    }

    /// The actor's own reviewed interactions (ordinary reviews), newest first.
    public func myReviews(by actor: Identity) async throws -> [QAReviewRecord] {
        try AccessPolicy.require(actor, .viewQA, on: .person(actor.person))
        let store = try store
        return try await translatingStorageErrors { try await store.reviews(ofAgent: actor.person) }
    }

    /// Disputes for the people who decide them (team leads and above), newest first.
    public func disputes(status: DisputeStatus?, by actor: Identity) async throws -> [QAReviewService.Dispute] {
        try AccessPolicy.require(actor, .decideDispute)
        return try await QAReviewService(environment: environment).disputes(status: status)
    }

    /// The disputed review item of each dispute (its current and automatic verdict, the reviewer's comment).
    public func disputedItems(
        _ disputes: [QAReviewService.Dispute], by actor: Identity
    ) async throws -> [DisputeID: QAReviewItemRecord] {
        try AccessPolicy.require(actor, .decideDispute)
        let qa = try environment.qaStore
        var out: [DisputeID: QAReviewItemRecord] = [:]
        for d in disputes {
            let review = try await translatingStorageErrors { try await qa.review(d.review) }
            out[d.id] = review?.review.items.first { $0.item == d.item }
        }
        return out
    }

    // MARK: Calibration

    /// A calibration session with its state.
    public struct Calibration: Sendable {
        /// The session.
        public var session: QACalibrationRecord
        /// When it was closed, nil while open.
        public var closedAt: String?
        /// Interactions reviewed per reviewer.
        public var progress: [PersonID: Int]
        /// The agreement report: only once the session is closed (blind until then) and reviews exist.
        public var report: QACalibrationService.Report?
    }

    /// Every calibration session, newest first.
    public func calibrations(by actor: Identity) async throws -> [QACalibrationSummary] {
        try AccessPolicy.require(actor, .viewQA)
        let store = try store
        return try await translatingStorageErrors { try await store.calibrations() }
    }

    /// Session `name`: who has reviewed how much; the report once closed.
    public func calibration(_ name: CalibrationID, by actor: Identity) async throws -> Calibration {
        try AccessPolicy.require(actor, .viewQA)
        let store = try store
        guard let session = try await translatingStorageErrors({ try await environment.qaStore.calibration(name) })
        else { throw ServiceError.notFound(name) }
        let closed = try await translatingStorageErrors { try await store.calibrationClosed(name) }
        let progress = try await translatingStorageErrors { try await store.calibrationProgress(name) }
        var report: QACalibrationService.Report?
        if closed != nil, !progress.isEmpty {
            report = try await QACalibrationService(environment: environment).report(name)
        }
        return Calibration(session: session, closedAt: closed?.at, progress: progress, report: report)
    }

    /// Closes session `name` (whoever may run calibration sessions): no more blind reviews, the report opens.
    public func closeCalibration(_ name: CalibrationID, by actor: Identity) async throws {
        try AccessPolicy.require(actor, .calibrate)
        let store = try store
        let at = environment.qaTimestamp
        let audit = NewQAAuditEntry(
            at: at, actor: actor.person, action: Self.calibrationCloseAction, subject: "calibration \(name)",
            before: "open", after: "closed")
        do { try await store.closeCalibration(name, at: at, by: actor.person, audit: audit) } catch let error
            as StorageError
        {
            throw ServiceError(error)
        }
        try await environment.audit(actor, "qa.calibration.close", subject: "calibration \(name)")
    }

    /// The QA audit-log action of closing a calibration session.
    public static let calibrationCloseAction = "calibration.close"

    /// Throws `precondition` when calibration session `name` is closed (it takes no more reviews).
    static func requireOpen(_ name: CalibrationID, _ environment: KefuEnvironment) async throws {
        guard let store = try environment.qaStore as? any QAWebStore else { return }
        if let closed = try await translatingStorageErrors({ try await store.calibrationClosed(name) }) {
            throw ServiceError(
                .precondition, "calibration session `\(name)` was closed at \(closed.at); it takes no more reviews")
        }
    }
}
