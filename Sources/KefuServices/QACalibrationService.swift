import Foundation
public import KefuCore
import KefuQA
import KefuRubrics
import KefuStorage

/// Calibration: several reviewers score the same sampled interactions blind (they see the transcript,
/// not the automatic verdicts nor each other's), then agreement is measured per item and overall, the
/// automatic scoring is compared with the human consensus, and each reviewer's lean is reported.
public struct QACalibrationService: Sendable {
    /// The environment.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// A reviewer's lean against the consensus.
    public enum Lean: String, Sendable, Hashable, Codable, CaseIterable {
        /// Fails more often than the consensus by more than 5 points.
        case strict
        /// Fails less often than the consensus by more than 5 points.
        case lenient
        /// Within 5 points.
        case balanced
        /// No consensus units reviewed.
        case noData = "no data"
    }

    /// An opened calibration session.
    public struct Session: Sendable, Hashable, Codable {
        /// Name.
        public var name: CalibrationID
        /// Sample.
        public var sample: SampleID
        /// Rubric.
        public var rubric: RubricID
        /// Reviewers, sorted.
        public var reviewers: [PersonID]
    }

    /// Opens calibration session `name` on `sample` with rubric `rubric` (an id or a path) for
    /// `reviewers` (at least two people); the actor is recorded as who opened it.
    @discardableResult
    public func create(
        _ name: CalibrationID, sample: SampleID, rubric: String, reviewers: [PersonID], by actor: Identity
    ) async throws -> Session {
        try AccessPolicy.require(actor, .calibrate)
        let unique = Array(Set(reviewers.filter { !$0.isEmpty })).sorted()
        guard unique.count >= 2 else {
            throw ServiceError(.invalidInput, "a calibration session needs at least two different reviewers")
        }
        guard !name.isEmpty else { throw ServiceError(.invalidInput, "the calibration session needs a name") }
        let scorer = try environment.qaScorer(rubric)
        let store = try environment.qaStore
        let people = try translatingStorageErrors { try environment.storage.people }
        for reviewer in unique where try await translatingStorageErrors({ try await people.person(reviewer) }) == nil {
            throw ServiceError(.notFound, "no person `\(reviewer)` (a reviewer)", hint: .init("people.add"))
        }
        let at = environment.qaTimestamp
        let record = QACalibrationRecord(
            name: name, sample: sample, rubric: RubricID(scorer.rubric.id), rubricVersion: scorer.rubric.sourceHash,
            reviewers: unique,
            createdBy: actor.person, createdAt: at)
        let audit = NewQAAuditEntry(
            at: at, actor: actor.person, action: QAAuditAction.calibrationCreate.rawValue,
            subject: "calibration \(name) sample \(sample)",
            before: nil, after: unique.map(\.rawValue).joined(separator: ","))
        do { try await store.createCalibration(record, audit: audit) } catch let error as StorageError
            where error.code == .notFound
        {
            throw ServiceError(.notFound, "no sample `\(sample)`", hint: .init("qa.sample"))
        } catch let error as StorageError { throw ServiceError(error) }
        try await environment.audit(
            actor, "qa.calibrate", subject: "calibration \(name)",
            detail: ["sample": sample.rawValue, "reviewers": unique.map(\.rawValue).joined(separator: ",")])
        return Session(name: name, sample: sample, rubric: record.rubric, reviewers: unique)
    }

    /// Agreement on one rubric item.
    public struct ItemAgreement: Sendable, Hashable, Codable {
        /// Item id.
        public var item: String
        /// Interactions rated by at least two reviewers.
        public var units: Int
        /// Mean share of agreeing reviewer pairs.
        public var agreement: Double?
        /// Krippendorff's alpha (nominal).
        public var alpha: Double?
        /// Share of units where the automatic verdict equals the human consensus.
        public var automaticAgreement: Double?
    }

    /// One reviewer's deviation from the consensus.
    public struct ReviewerDeviation: Sendable, Hashable, Codable {
        /// Reviewer.
        public var reviewer: PersonID
        /// Interactions reviewed in the session.
        public var reviewed: Int
        /// Share of consensus units where the reviewer agreed with the consensus.
        public var agreementWithConsensus: Double?
        /// The reviewer's fail rate minus the consensus fail rate on the same units, in percentage points.
        public var failRateDelta: Double?
        /// strict (fails more often than the consensus by more than 5 points), lenient (less), or balanced.
        public var lean: Lean
    }

    /// The calibration report.
    public struct Report: Sendable, Hashable, Codable {
        /// Session.
        public var session: CalibrationID
        /// Sample.
        public var sample: SampleID
        /// Rubric id.
        public var rubric: RubricID
        /// Reviewers.
        public var reviewers: [PersonID]
        /// Interaction × item units rated by at least two reviewers.
        public var units: Int
        /// Mean pairwise agreement over all units.
        public var agreement: Double?
        /// Cohen's kappa (exactly two reviewers).
        public var cohenKappa: Double?
        /// Fleiss' kappa over units every reviewer rated (three or more reviewers).
        public var fleissKappa: Double?
        /// Krippendorff's alpha (nominal; tolerates missing reviews).
        public var krippendorffAlpha: Double?
        /// Share of consensus units where the automatic verdict equals the consensus.
        public var automaticAgreement: Double?
        /// Cohen's kappa between the automatic verdicts and the consensus.
        public var automaticKappa: Double?
        /// Units with a (strict-majority) consensus.
        public var consensusUnits: Int
        /// Per item.
        public var items: [ItemAgreement]
        /// Per reviewer.
        public var deviations: [ReviewerDeviation]
    }

    /// Computes the report for session `name`.
    public func report(_ name: CalibrationID) async throws -> Report {
        let store = try environment.qaStore
        guard let session = try await translatingStorageErrors({ try await store.calibration(name) }) else {
            throw ServiceError.notFound(name)
        }
        let rows = try await translatingStorageErrors { try await store.calibrationRatings(name) }
        return try Self.report(session, rows)
    }

    static func report(_ session: QACalibrationRecord, _ rows: [QACalibrationRating]) throws -> Report {
        let t = Ratings(rows)
        guard !t.ratings.isEmpty else {
            throw ServiceError(
                .precondition,
                "calibration session `\(session.name)` has no submitted reviews yet; its reviewers review sample \(session.sample) blind first",
                hint: .init(
                    "qa.review.calibration",
                    [
                        "sample": session.sample.rawValue, "session": session.name.rawValue,
                        "rubric": session.rubric.rawValue,
                    ]))
        }
        let reviewers = session.reviewers.map(\.rawValue)
        let keys = t.ratings.keys.sorted().filter { t.ratings[$0]!.count >= 2 }
        let consensus = t.consensus(keys)
        let consensusKeys = keys.filter { consensus[$0] != nil }
        let (cohen, fleiss) = t.kappas(keys, reviewers: reviewers)
        return Report(
            session: session.name, sample: session.sample, rubric: session.rubric, reviewers: session.reviewers,
            units: keys.count,
            agreement: mean(keys.map { pairwise(Array(t.ratings[$0]!.values)) }),
            cohenKappa: cohen, fleissKappa: fleiss,
            krippendorffAlpha: Agreement.krippendorffAlpha(keys.map { k in reviewers.map { t.ratings[k]![$0] } }),
            automaticAgreement: mean(consensusKeys.map { t.automatic[$0] == consensus[$0] ? 1 : 0 }),
            automaticKappa: consensusKeys.isEmpty
                ? nil
                : Agreement.cohenKappa(consensusKeys.map { t.automatic[$0]! }, consensusKeys.map { consensus[$0]! }),
            consensusUnits: consensusKeys.count,
            items: t.itemAgreements(keys, reviewers: reviewers, consensus: consensus),
            deviations: reviewers.map { t.deviation($0, consensusKeys: consensusKeys, consensus: consensus) })
    }

    static func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }

    /// The share of agreeing pairs among `values`.
    static func pairwise(_ values: [String]) -> Double {
        var agree = 0
        var pairs = 0
        for i in values.indices {
            for j in values.indices where j > i {
                pairs += 1
                if values[i] == values[j] { agree += 1 }
            }
        }
        return Double(agree) / Double(pairs)
    }

    /// A session's verdicts by unit (`interaction\u{1F}item`) and reviewer, with the automatic verdicts.
    struct Ratings {
        var ratings: [String: [String: String]] = [:]
        var automatic: [String: String] = [:]
        var reviewedCount: [String: Int] = [:]

        init(_ rows: [QACalibrationRating]) {
            var seenReviews = Set<String>()
            for row in rows {
                let key = row.interaction.rawValue + "\u{1F}" + row.item
                let reviewer = row.reviewer.rawValue
                ratings[key, default: [:]][reviewer] = row.verdict
                automatic[key] = row.automatic
                if seenReviews.insert(reviewer + "\u{1F}" + row.interaction.rawValue).inserted {
                    reviewedCount[reviewer, default: 0] += 1
                }
            }
        }

        /// The item of a unit key: what follows the last separator (an empty interaction id or item is no trap).
        static func item(ofKey key: String) -> String {
            guard let separator = key.lastIndex(of: "\u{1F}") else { return key }
            return String(key[key.index(after: separator)...])
        }

        func consensus(_ keys: [String]) -> [String: String] {
            var out: [String: String] = [:]
            for key in keys { out[key] = Agreement.consensus(Array(ratings[key]!.values)) }
            return out
        }

        /// Cohen's kappa for two reviewers, Fleiss' kappa for more, over units every reviewer rated.
        func kappas(_ keys: [String], reviewers: [String]) -> (cohen: Double?, fleiss: Double?) {
            let complete = keys.filter { k in reviewers.allSatisfy { ratings[k]![$0] != nil } }
            if reviewers.count == 2 {
                return (
                    complete.isEmpty
                        ? nil
                        : Agreement.cohenKappa(
                            complete.map { ratings[$0]![reviewers[0]]! }, complete.map { ratings[$0]![reviewers[1]]! }),
                    nil
                )
            }
            let categories = ["pass", "fail", "na", "error"]
            return (
                nil,
                Agreement.fleissKappa(
                    complete.map { k in categories.map { c in ratings[k]!.values.filter { $0 == c }.count } })
            )
        }

        func itemAgreements(_ keys: [String], reviewers: [String], consensus: [String: String]) -> [ItemAgreement] {
            let byItem = Dictionary(grouping: keys, by: Self.item(ofKey:))
            return byItem.keys.sorted().map { item in
                let ks = byItem[item]!
                let cks = ks.filter { consensus[$0] != nil }
                return ItemAgreement(
                    item: item, units: ks.count,
                    agreement: QACalibrationService.mean(
                        ks.map { QACalibrationService.pairwise(Array(ratings[$0]!.values)) }),
                    alpha: Agreement.krippendorffAlpha(ks.map { k in reviewers.map { ratings[k]![$0] } }),
                    automaticAgreement: QACalibrationService.mean(cks.map { automatic[$0] == consensus[$0] ? 1 : 0 }))
            }
        }

        func deviation(_ reviewer: String, consensusKeys: [String], consensus: [String: String]) -> ReviewerDeviation {
            let mine = consensusKeys.filter { ratings[$0]![reviewer] != nil }
            let agree = QACalibrationService.mean(mine.map { ratings[$0]![reviewer] == consensus[$0] ? 1 : 0 })
            let myFails = mine.filter { ratings[$0]![reviewer] == "fail" }.count
            let consensusFails = mine.filter { consensus[$0] == "fail" }.count
            let delta: Double? = mine.isEmpty ? nil : Double(myFails - consensusFails) / Double(mine.count) * 100
            let lean: Lean
            if let delta { lean = delta > 5 ? .strict : delta < -5 ? .lenient : .balanced } else { lean = .noData }
            return ReviewerDeviation(
                reviewer: PersonID(reviewer), reviewed: reviewedCount[reviewer] ?? 0, agreementWithConsensus: agree,
                failRateDelta: delta, lean: lean)
        }
    }
}
