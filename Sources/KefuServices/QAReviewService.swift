import Foundation
public import KefuCore
public import KefuRubrics
import KefuStorage

/// Human review of automatic QA scores, agents' disputes and the supervisor's decision on them.
///
/// The automatic verdict is never overwritten: a review stores it next to the human verdict, and every
/// change (review submitted, item overridden, dispute opened, accepted or rejected) is appended to the
/// audit log with who, when, before and after.
public struct QAReviewService: Sendable {
    /// The environment.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// The interactions a reviewer still has to review.
    public struct Queue: Sendable, Hashable, Codable {
        /// The sample.
        public var sample: SampleID
        /// The rubric.
        public var rubric: RubricID
        /// Its current version.
        public var rubricVersion: String
        /// The calibration session, for blind reviews.
        public var calibration: CalibrationID?
        /// Interactions not yet reviewed by the reviewer, in id order.
        public var interactions: [InteractionID]
    }

    /// An interaction ready to be reviewed: the masked transcript and its pinned automatic score.
    public struct Draft: Sendable {
        /// The interaction (masked at import).
        public var interaction: Interaction
        /// The automatic score this review confirms or overrides.
        public var automatic: ScoreResult
        /// The reviewer.
        public var reviewer: PersonID
        /// The calibration session (blind review), or nil for an ordinary review.
        public var calibration: CalibrationID?
        /// The rubric's scorer (recomputes the final score).
        public var scorer: Scorer
    }

    /// A reviewer's decision on one item.
    public struct Decision: Sendable, Hashable, Codable {
        /// Rubric item id.
        public var item: String
        /// The reviewer's verdict.
        public var verdict: HumanVerdict
        /// Why (required when the verdict differs from the automatic one).
        public var comment: String

        /// Creates a decision.
        public init(item: String, verdict: HumanVerdict, comment: String = "") {
            self.item = item
            self.verdict = verdict
            self.comment = comment
        }
    }

    /// A submitted review.
    public struct Submitted: Sendable, Hashable, Codable {
        /// The review's id.
        public var id: ReviewID
        /// The interaction.
        public var interaction: InteractionID
        /// The automatic score.
        public var automaticScore: Figure
        /// The final (human) score.
        public var finalScore: Figure
        /// Whether the final result passes.
        public var finalPassed: Bool
        /// Items whose verdict the reviewer changed.
        public var overrides: Int
    }

    // MARK: Reviewing

    /// One imported interaction as stored (masked).
    public func interaction(_ id: InteractionID, by actor: Identity) async throws -> Interaction {
        let store = try environment.qaStore
        let missing = ServiceError(.notFound, "no imported interaction `\(id)`", hint: .init("qa.import"))
        guard let found = try await translatingStorageErrors({ try await store.interaction(id) }) else { throw missing }
        guard AccessPolicy.decide(actor, .viewQA, on: .person(PersonID(found.agent))).allowed else { throw missing }
        return found
    }

    /// The interactions of `sample` that `reviewer` has not yet reviewed with rubric `rubric`'s current
    /// version (in calibration session `calibration`, when given), in id order.
    public func queue(
        sample: SampleID, rubric: String, calibration: CalibrationID? = nil, reviewer: PersonID
    ) async throws -> Queue {
        let scorer = try environment.qaScorer(rubric)
        let store = try environment.qaStore
        if let calibration {
            let session = try await requireCalibration(calibration, store)
            guard session.sample == sample else {
                throw ServiceError(
                    .invalidInput,
                    "calibration session `\(calibration)` is on sample `\(session.sample)`, not `\(sample)`")
            }
        }
        let version = scorer.rubric.sourceHash
        do {
            let ids = try await store.reviewQueue(
                sample: sample, reviewer: reviewer, rubricVersion: version, calibration: calibration)
            return Queue(
                sample: sample, rubric: RubricID(scorer.rubric.id), rubricVersion: version, calibration: calibration,
                interactions: ids)
        } catch let error as StorageError where error.code == .notFound {
            throw ServiceError(.notFound, "no sample `\(sample)`", hint: .init("qa.sample"))
        } catch let error as StorageError { throw ServiceError(error) }
    }

    /// Prepares the review of `interaction` by the actor against the automatic score pinned to rubric
    /// `rubric`'s current version.
    public func draft(
        interaction id: InteractionID, rubric: String, calibration: CalibrationID? = nil, by actor: Identity
    ) async throws -> Draft {
        let scorer = try environment.qaScorer(rubric)
        let store = try environment.qaStore
        let reviewer = actor.person
        guard let interaction = try await translatingStorageErrors({ try await store.interaction(id) }) else {
            throw ServiceError(.notFound, "no imported interaction `\(id)`", hint: .init("qa.import"))
        }
        if interaction.agent == reviewer.rawValue {
            throw ServiceError(
                .forbidden, "\(reviewer) handled interaction \(id) and cannot review it; ask another reviewer")
        }
        try AccessPolicy.require(actor, .reviewInteraction, on: .person(PersonID(interaction.agent)))
        if let calibration {
            let session = try await requireCalibration(calibration, store)
            try await QAWebService.requireOpen(calibration, environment)
            guard session.reviewers.contains(reviewer) else {
                throw ServiceError(
                    .forbidden,
                    "\(reviewer) is not a reviewer of calibration session `\(calibration)` (reviewers: \(session.reviewers.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            guard session.rubricVersion == scorer.rubric.sourceHash else {
                throw ServiceError(
                    .conflict,
                    "calibration session `\(calibration)` uses another version of rubric \(scorer.rubric.id); it cannot be reviewed with the current one"
                )
            }
        }
        let record = try await translatingStorageErrors {
            try await store.score(id, rubricVersion: scorer.rubric.sourceHash)
        }
        guard let record else {
            throw ServiceError(
                .precondition,
                "interaction \(id) has no automatic score with rubric \(scorer.rubric.id) version \(scorer.rubric.sourceHash.prefix(12)); score it first",
                hint: .init("qa.score", ["rubric": scorer.rubric.id]))
        }
        return Draft(
            interaction: interaction, automatic: try QAScoreService.result(record), reviewer: reviewer,
            calibration: calibration, scorer: scorer)
    }

    /// Stores the review: items without a decision confirm the automatic verdict (ordinary reviews) or
    /// are an error (calibration reviews are blind, so every item needs the reviewer's own verdict).
    @discardableResult
    public func submit(
        _ draft: Draft, decisions: [Decision], comment: String, by actor: Identity
    ) async throws -> Submitted {
        // Staff free text is masked like QA text before it is stored (and refused if it cannot be).
        let comment = try AuditMasking.maskFreeText(comment, what: "the review comment")
        let decisions = try decisions.map { d in
            var d = d
            d.comment = try AuditMasking.maskFreeText(d.comment, what: "the comment on \(d.item)")
            return d
        }
        guard actor.person == draft.reviewer else {
            throw ServiceError(.forbidden, "\(actor.person) cannot submit the review drafted for \(draft.reviewer)")
        }
        let verdicts = try validate(draft, decisions)
        let final = draft.scorer.rescore(draft.automatic, verdicts: verdicts.mapValues(\.verdict.verdict))
        let at = environment.qaTimestamp
        let items = draft.automatic.items.map { item in
            let d = verdicts[item.id]
            return QAReviewItemRecord(
                item: item.id, automatic: item.verdict.rawValue, verdict: d?.verdict.rawValue ?? item.verdict.rawValue,
                comment: d?.comment ?? "")
        }
        let review = NewQAReview(
            interaction: InteractionID(draft.interaction.id), reviewer: draft.reviewer,
            rubric: RubricID(draft.scorer.rubric.id),
            rubricVersion: draft.scorer.rubric.sourceHash, calibration: draft.calibration,
            automaticScore: draft.automatic.score,
            finalScore: final.score, finalPassed: final.passed, comment: comment, submittedAt: at, items: items)
        let automaticScore = draft.automatic.score
        let store = try environment.qaStore
        let id: ReviewID
        do {
            id = try await store.submitReview(review) { id in
                Self.auditEntries(review, id: id, automaticScore: automaticScore)
            }
        } catch let error as StorageError where error.code == .conflict {
            throw ServiceError(
                .conflict,
                "\(draft.reviewer) has already reviewed \(draft.interaction.id) with this rubric version; a submitted review changes only through a dispute"
            )
        } catch let error as StorageError { throw ServiceError(error) }
        let overrides = items.filter { $0.automatic != $0.verdict }.count
        try await environment.audit(
            actor, "qa.review", subject: "review \(id)",
            detail: [
                "interaction": draft.interaction.id, "rubric": draft.scorer.rubric.id,
                "automatic_score": String(format: "%.2f", automaticScore),
                "final_score": String(format: "%.2f", final.score), "overrides": String(overrides), "comment": comment,
            ])
        return Submitted(
            id: id, interaction: review.interaction, automaticScore: Figure(automaticScore),
            finalScore: Figure(final.score),
            finalPassed: final.passed, overrides: overrides)
    }

    /// The decisions by item, checked against the draft.
    func validate(_ draft: Draft, _ decisions: [Decision]) throws -> [String: Decision] {
        var verdicts: [String: Decision] = [:]
        let itemIDs = draft.automatic.items.map(\.id)
        for d in decisions {
            guard itemIDs.contains(d.item) else {
                throw ServiceError(
                    .invalidInput,
                    "rubric \(draft.scorer.rubric.id) has no item `\(d.item)` (items: \(itemIDs.joined(separator: ", ")))"
                )
            }
            verdicts[d.item] = d
        }
        if draft.calibration != nil {
            let missing = itemIDs.filter { verdicts[$0] == nil }
            if !missing.isEmpty {
                throw ServiceError(
                    .invalidInput,
                    "calibration reviews are blind: give a verdict for every item of \(draft.interaction.id); missing: \(missing.joined(separator: ", "))"
                )
            }
        } else {
            for item in draft.automatic.items {
                if let d = verdicts[item.id], d.verdict.verdict != item.verdict,
                    d.comment.trimmingCharacters(in: .whitespaces).isEmpty
                {
                    throw ServiceError(
                        .invalidInput,
                        "overriding \(item.id) on \(draft.interaction.id) (automatic: \(item.verdict.rawValue), yours: \(d.verdict.rawValue)) needs a comment saying why"
                    )
                }
            }
        }
        return verdicts
    }

    static func auditEntries(_ review: NewQAReview, id: ReviewID, automaticScore: Double) -> [NewQAAuditEntry] {
        var entries: [NewQAAuditEntry] = []
        for item in review.items where item.verdict != item.automatic {
            entries.append(
                NewQAAuditEntry(
                    at: review.submittedAt, actor: review.reviewer, action: QAAuditAction.itemOverride.rawValue,
                    subject: "review \(id) \(item.item)",
                    before: item.automatic, after: item.verdict + (item.comment.isEmpty ? "" : ": \(item.comment)")))
        }
        entries.append(
            NewQAAuditEntry(
                at: review.submittedAt, actor: review.reviewer,
                action: (review.calibration == nil ? QAAuditAction.reviewSubmit : .calibrationSubmit).rawValue,
                subject: "review \(id) \(review.interaction)",
                before: String(format: "%.2f", automaticScore), after: String(format: "%.2f", review.finalScore)))
        return entries
    }

    /// Reads decisions from CSV (`interaction_id,item,verdict,comment`), grouped by interaction.
    public static func readDecisions(from source: InputSource) throws -> [InteractionID: [Decision]] {
        let label = (source.label as NSString).lastPathComponent
        guard let text = String(validating: try source.readAll(), as: UTF8.self) else {
            throw ServiceError(.invalidInput, "\(label):1:1: the file is not UTF-8")
        }
        let rows = try CSV.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, file: label)
        let expected = ["interaction_id", "item", "verdict", "comment"]
        guard let header = rows.first, header.fields.map({ $0.value.trimmingCharacters(in: .whitespaces) }) == expected
        else {
            throw ServiceError(.invalidInput, "\(label):1:1: the header must be \(expected.joined(separator: ","))")
        }
        var out: [InteractionID: [Decision]] = [:]
        for row in rows.dropFirst() {
            guard row.fields.count == 4 else {
                throw ServiceError(.invalidInput, "\(label):\(row.line):1: \(row.fields.count) fields, expected 4")
            }
            guard let verdict = HumanVerdict(rawValue: row.fields[2].value) else {
                throw ServiceError(
                    .invalidInput, "\(label):\(row.line):\(row.fields[2].column): verdict must be pass, fail or na")
            }
            out[InteractionID(row.fields[0].value), default: []].append(
                .init(item: row.fields[1].value, verdict: verdict, comment: row.fields[3].value))
        }
        return out
    }

    func requireCalibration(_ name: CalibrationID, _ store: any QAStore) async throws -> QACalibrationRecord {
        guard let session = try await translatingStorageErrors({ try await store.calibration(name) }) else {
            throw ServiceError(.notFound, "no calibration session `\(name)`", hint: .init("qa.calibration.create"))
        }
        return session
    }

    // MARK: Disputes

    /// A dispute.
    public struct Dispute: Sendable, Hashable, Codable {
        /// Id.
        public var id: DisputeID
        /// Review id.
        public var review: ReviewID
        /// Interaction id.
        public var interaction: InteractionID
        /// Rubric item.
        public var item: String
        /// The agent who disputes.
        public var agent: PersonID
        /// The agent's reason.
        public var reason: String
        /// Its state.
        public var status: DisputeStatus
        /// Who decided it.
        public var resolver: PersonID?
        /// The decision's comment.
        public var resolution: String?

        init(_ r: QADisputeRecord) throws {
            guard let status = DisputeStatus(rawValue: r.status) else {
                throw ServiceError(.unavailable, "dispute \(r.id) has an unknown state")
            }
            self.init(
                id: r.id, review: r.review, interaction: r.interaction, item: r.item, agent: r.agent, reason: r.reason,
                status: status,
                resolver: r.resolver, resolution: r.resolution)
        }

        init(
            id: DisputeID, review: ReviewID, interaction: InteractionID, item: String, agent: PersonID, reason: String,
            status: DisputeStatus,
            resolver: PersonID?, resolution: String?
        ) {
            self.id = id
            self.review = review
            self.interaction = interaction
            self.item = item
            self.agent = agent
            self.reason = reason
            self.status = status
            self.resolver = resolver
            self.resolution = resolution
        }
    }

    /// The agent who handled the reviewed interaction (the actor) disputes one item's verdict.
    @discardableResult
    public func openDispute(
        review: ReviewID, item: String, reason: String, by actor: Identity
    ) async throws -> DisputeID {
        let reason = try AuditMasking.maskFreeText(reason, what: "the dispute reason")
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ServiceError(.invalidInput, "a dispute needs a reason")
        }
        let at = environment.qaTimestamp
        let agent = actor.person
        try AccessPolicy.require(actor, .openDispute)
        let store = try environment.qaStore
        let id = try await translatingStorageErrors {
            try await store.openDispute(review: review, item: item) { context in
                try Self.checkDisputable(context, review: review, item: item, agent: agent)
                let before = context.item.verdict
                return NewQADispute(agent: agent, reason: reason, openedAt: at) { id in
                    NewQAAuditEntry(
                        at: at, actor: agent, action: QAAuditAction.disputeOpen.rawValue,
                        subject: "dispute \(id) review \(review) \(item)",
                        before: before, after: reason)
                }
            }
        }
        try await environment.audit(
            actor, "qa.dispute.open", subject: "dispute \(id)",
            detail: ["review": String(review.rawValue), "item": item, "reason": reason])
        return id
    }

    static func checkDisputable(_ context: QAReviewItemContext, review: ReviewID, item: String, agent: PersonID) throws
    {
        guard context.review.review.calibration == nil else {
            throw ServiceError(
                .precondition, "review \(review) is a calibration review; calibration reviews cannot be disputed")
        }
        guard context.agent == agent else {
            throw ServiceError(
                .forbidden,
                "only the agent who handled \(context.review.review.interaction) (\(context.agent)) can dispute its review, not \(agent)"
            )
        }
        if context.item.locked {
            throw ServiceError(
                .conflict, "item \(item) of review \(review) is locked: a supervisor rejected a dispute on it")
        }
        if context.hasOpenDispute {
            throw ServiceError(.conflict, "item \(item) of review \(review) already has an open dispute")
        }
    }

    /// A team lead or above (the actor, not the agent) accepts a dispute — the item's verdict changes to
    /// `verdict` (default: pass↔fail) and the review's final score is recomputed — or rejects it, which
    /// locks the item against further disputes.
    public func resolveDispute(
        _ id: DisputeID, decision: DisputeDecision, verdict: HumanVerdict? = nil, comment: String, by actor: Identity
    ) async throws -> Dispute {
        let comment = try AuditMasking.maskFreeText(comment, what: "the decision comment")
        guard !comment.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ServiceError(.invalidInput, "a decision on a dispute needs a comment")
        }
        let store = try environment.qaStore
        guard let found = try await translatingStorageErrors({ try await store.dispute(id) }) else {
            throw ServiceError.notFound(id)
        }
        try AccessPolicy.require(actor, .decideDispute, on: .person(found.agent))
        let scorer = try environment.qaScorer(found.rubric.rawValue)
        let at = environment.qaTimestamp
        let record = try await translatingStorageErrors {
            try await store.resolveDispute(id) { context in
                try Self.decide(
                    context, decision: decision, verdict: verdict, comment: comment, resolver: actor.person,
                    scorer: scorer, at: at)
            }
        }
        try await environment.audit(
            actor, "qa.dispute.decide", subject: "dispute \(id)",
            detail: [
                "decision": decision.rawValue, "status": record.status, "verdict": verdict?.rawValue ?? "-",
                "comment": comment,
            ])
        return try Dispute(record)
    }

    static func decide(
        _ context: QADisputeContext, decision: DisputeDecision, verdict: HumanVerdict?, comment: String,
        resolver: PersonID, scorer: Scorer, at: String
    ) throws -> QADisputeDecision {
        let d = context.dispute
        guard d.status == DisputeStatus.open.rawValue else {
            throw ServiceError(.conflict, "dispute \(d.id) is already \(d.status)")
        }
        guard resolver != d.agent else { throw ServiceError(.forbidden, "\(resolver) cannot decide their own dispute") }
        let subject = "dispute \(d.id) review \(d.review) \(d.item)"
        let current = context.item.item.verdict
        guard decision == .accept else {
            return QADisputeDecision(
                status: DisputeStatus.rejected.rawValue, resolver: resolver, comment: comment, at: at,
                audit: NewQAAuditEntry(
                    at: at, actor: resolver, action: QAAuditAction.disputeReject.rawValue, subject: subject,
                    before: current, after: "\(current), locked: \(comment)"))
        }
        let newVerdict = verdict?.rawValue ?? (current == "pass" ? "fail" : current == "fail" ? "pass" : nil)
        guard let newVerdict, newVerdict != current else {
            throw ServiceError(
                .invalidInput,
                "accepting dispute \(d.id) must change the verdict (now \(current)); name the new verdict: pass, fail or na"
            )
        }
        let review = context.item.review.review
        guard review.rubricVersion == scorer.rubric.sourceHash else {
            throw ServiceError(
                .conflict,
                "review \(d.review) was made with another version of rubric \(review.rubric); the score cannot be recomputed with the current one"
            )
        }
        guard let automatic = context.automatic else {
            throw ServiceError(.unavailable, "the automatic score of \(review.interaction) is missing")
        }
        var verdicts: [String: Verdict] = [:]
        for item in context.items {
            verdicts[item.item] = Verdict(rawValue: item.item == d.item ? newVerdict : item.verdict)
        }
        let final = scorer.rescore(try QAScoreService.result(automatic), verdicts: verdicts)
        return QADisputeDecision(
            status: DisputeStatus.accepted.rawValue, resolver: resolver, comment: comment, at: at,
            newVerdict: newVerdict,
            finalScore: final.score, finalPassed: final.passed,
            audit: NewQAAuditEntry(
                at: at, actor: resolver, action: QAAuditAction.disputeAccept.rawValue, subject: subject,
                before: "\(current) (score \(String(format: "%.2f", review.finalScore)))",
                after: "\(newVerdict) (score \(String(format: "%.2f", final.score))): \(comment)"))
    }

    /// Disputes, newest first; only those in `status` when given.
    public func disputes(status: DisputeStatus? = nil) async throws -> [Dispute] {
        let store = try environment.qaStore
        return try await translatingStorageErrors { try await store.disputes(status: status?.rawValue) }.map(
            Dispute.init)
    }

    // MARK: Audit log

    /// One audit-log entry.
    public struct AuditEntry: Sendable, Hashable, Codable {
        /// Sequence number.
        public var id: Int64
        /// When (UTC, ISO 8601).
        public var at: String
        /// Who.
        public var actor: PersonID
        /// What.
        public var action: String
        /// On what.
        public var subject: String
        /// Before.
        public var before: String?
        /// After.
        public var after: String?
    }

    /// The audit log in order; `containing` filters subjects.
    public func auditLog(containing: String? = nil) async throws -> [AuditEntry] {
        let store = try environment.qaStore
        return try await translatingStorageErrors { try await store.auditLog(subjectContaining: containing) }.map { r in
            AuditEntry(
                id: r.id, at: r.entry.at, actor: r.entry.actor, action: r.entry.action, subject: r.entry.subject,
                before: r.entry.before, after: r.entry.after)
        }
    }
}
