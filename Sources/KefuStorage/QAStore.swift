public import KefuCore

/// QA auditing: interactions (stored masked), samples, scores, reviews, disputes, calibration sessions,
/// the QA audit log.
///
/// Every method is one transaction. Reads and writes that must be atomic take a closure over domain
/// values that runs inside the transaction (import, drawing a sample, scoring, deciding a dispute).
public protocol QAStore: Sendable {
    // MARK: Interactions and import batches

    /// Imports one batch all or nothing: creates (or extends) batch `batch`, runs `body` with a sink that
    /// stores interactions, adds the inserted count to the batch and commits; when `body` throws nothing
    /// is stored. Returns `body`'s result, the number inserted and the time until the commit was
    /// durable; the write-ahead log is checkpointed afterwards.
    func importInteractions<T: Sendable>(
        batch: BatchID, source: String, importedAt: String,
        _ body: @escaping @Sendable (any QAInteractionSink) throws -> T
    ) async throws -> (result: T, inserted: Int, committedAfter: Duration)

    /// One stored interaction (turns masked), or nil.
    func interaction(_ id: InteractionID) async throws -> Interaction?

    /// Deletes the interactions `selection` picks, with their scores, sample memberships, reviews, review
    /// items and disputes, in one transaction; returns how many interactions were deleted.
    func deleteInteractions(_ selection: QAInteractionSelection) async throws -> Int

    // MARK: Samples

    /// Draws and stores sample `record.name`: `make` reads the population and returns the sample; fails
    /// with `conflict` when the name exists (names are never reused).
    func createSample(
        _ name: SampleID, _ make: @escaping @Sendable (any QAPopulation) throws -> QASampleRecord
    ) async throws -> QASampleRecord

    /// Runs `body` over stored sample `name` and the current population in one read transaction; nil
    /// when there is no such sample.
    func withSample<T: Sendable>(
        _ name: SampleID, _ body: @escaping @Sendable (QASampleRecord, any QAPopulation) throws -> T
    ) async throws -> T?

    /// True when sample `name` exists.
    func sampleExists(_ name: SampleID) async throws -> Bool

    // MARK: Scores

    /// Scores the members of `sample` (every interaction when nil) not yet scored with `rubricVersion`,
    /// with `score`, storing each result; `notFound` when the sample does not exist.
    func scoreInteractions(
        sample: SampleID?, rubricVersion: String, _ score: @escaping @Sendable (Interaction) throws -> QAScoreRecord
    ) async throws -> QAScoringCount

    /// The automatic score of `interaction` pinned to `rubricVersion`, or nil.
    func score(_ interaction: InteractionID, rubricVersion: String) async throws -> QAScoreRecord?

    // MARK: Reviews

    /// Interactions of `sample` that `reviewer` has not reviewed with `rubricVersion` in `calibration`
    /// (ordinary reviews when nil), in id order; `notFound` when the sample does not exist.
    func reviewQueue(
        sample: SampleID, reviewer: PersonID, rubricVersion: String, calibration: CalibrationID?
    ) async throws -> [InteractionID]

    /// Stores a review with its items and audit entries (made by `audit` from the new id); `conflict`
    /// when the reviewer already reviewed the interaction with this rubric version (and session).
    func submitReview(
        _ review: NewQAReview, audit: @escaping @Sendable (ReviewID) -> [NewQAAuditEntry]
    ) async throws -> ReviewID

    /// One review, or nil.
    func review(_ id: ReviewID) async throws -> QAReviewRecord?

    // MARK: Disputes

    /// Opens a dispute on item `item` of review `review`: `make` checks the item's context and returns
    /// the dispute; `notFound` when the review has no such item.
    func openDispute(
        review: ReviewID, item: String, _ make: @escaping @Sendable (QAReviewItemContext) throws -> NewQADispute
    ) async throws -> DisputeID

    /// Decides dispute `id`: `decide` reads its context and returns the decision, applied in the same
    /// transaction (accepting changes the item's verdict and the review's final score; rejecting locks
    /// the item); `notFound` when there is no such dispute. Returns the updated dispute.
    func resolveDispute(
        _ id: DisputeID, _ decide: @escaping @Sendable (QADisputeContext) throws -> QADisputeDecision
    ) async throws -> QADisputeRecord

    /// One dispute, or nil.
    func dispute(_ id: DisputeID) async throws -> QADisputeRecord?

    /// Disputes, newest first; only those with `status` when given.
    func disputes(status: String?) async throws -> [QADisputeRecord]

    // MARK: Calibration

    /// Opens calibration session `session` with its audit entry; `notFound` when its sample does not
    /// exist, `conflict` when the name is taken.
    func createCalibration(_ session: QACalibrationRecord, audit: NewQAAuditEntry) async throws

    /// One calibration session, or nil.
    func calibration(_ name: CalibrationID) async throws -> QACalibrationRecord?

    /// Every submitted verdict of session `name`, by interaction then item.
    func calibrationRatings(_ name: CalibrationID) async throws -> [QACalibrationRating]

    // MARK: Reports and the audit log

    /// The report's reads: each interaction of `periods` with its latest score with `rubric`, their
    /// ordinary reviews' items, people's teams and sample coverage of `period`.
    func reportData(rubric: RubricID, periods: [String], period: String) async throws -> QAReportData

    /// The audit log in order; only entries whose subject contains `subjectContaining` when given.
    func auditLog(subjectContaining: String?) async throws -> [QAAuditRecord]

    /// The human verdicts of sample `sample`'s interactions reviewed with rubric `rubric` (ordinary reviews, not
    /// calibration; the latest review of each interaction), with the masked interactions, in interaction id order.
    func reviewedItems(sample: SampleID, rubric: RubricID) async throws -> [QAReviewedInteraction]
}

/// Which stored interactions a retention or erasure request removes.
public enum QAInteractionSelection: Sendable, Hashable {
    /// Interactions that started before this date (`YYYY-MM-DD`, compared with `started_at`).
    case startedBefore(String)
    /// Interactions whose id or stored (masked) turns contain this text.
    case containing(String)
    /// Interactions from which an identifier with one of these keyed digests was masked on import.
    case identifiedBy([String])
}
