public import KefuCore
public import KefuLedger

/// Performance reviews: KPI feedback, review cycles and scorecards, and the cross-aggregate reads promotion rules need.
public protocol ReviewStore: Sendable {
    /// Imports feedback rows from `source` in one transaction; an unknown person fails the whole
    /// import with ``StorageError/Code/notFound`` and nothing is stored.
    func addFeedback(_ rows: [FeedbackRow], source: String) async throws

    /// Feedback of a period (inclusive ISO dates), all people, in import order.
    func feedback(from start: String, to end: String) async throws -> [FeedbackRow]

    /// Everything a review cycle of the period reads (inclusive ISO dates).
    func reviewInputs(from start: String, to end: String) async throws -> ReviewInputs

    /// Stores a cycle and its scorecards in one transaction. A stored cycle of the same period fails
    /// with ``StorageError/Code/conflict`` unless `replace`, which recomputes it.
    func storeCycle(_ cycle: ReviewCycleRecord, scorecards: [StoredScorecard], replace: Bool) async throws

    /// Stored scorecards by period start then person, filtered by person, team and period when given.
    func scorecards(person: PersonID?, team: String?, period: String?) async throws -> [StoredScorecard]

    /// What promotion rules read about `person` as of `date` (ISO date); QA averages from each of
    /// `qaSince`; `approver` is read too when given. Nil when the person does not exist.
    func promotionEvidence(
        for person: PersonID, approver: PersonID?, qaSince: Set<String>, asOf date: String
    ) async throws -> PromotionEvidence?

    /// Records a promotion in one transaction: reads the evidence as ``promotionEvidence(for:approver:qaSince:asOf:)``
    /// does, calls `decide` (pure; it throws to refuse), appends its entry after the ledger's last one
    /// (signed by `signer`) and sets the person's level. Returns the appended entry. ``StorageError/Code/notFound`` when the
    /// person does not exist.
    func promote(
        _ person: PersonID, approver: PersonID, qaSince: Set<String>, asOf date: String, signer: LedgerSigner,
        _ decide: @escaping @Sendable (PromotionEvidence) throws -> PromotionWrite
    ) async throws -> LedgerEntry
}
