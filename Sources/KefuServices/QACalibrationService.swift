import Foundation
import GRDB
import KefuQA
import KefuRubrics
import KefuStore

/// Calibration: several reviewers score the same sampled interactions blind (they see the transcript,
/// not the automatic verdicts nor each other's), then agreement is measured per item and overall, the
/// automatic scoring is compared with the human consensus, and each reviewer's lean is reported.
public struct QACalibrationService: Sendable {
    /// The database.
    public let database: KefuDatabase

    /// Creates the service.
    public init(database: KefuDatabase) { self.database = database }

    /// Opens a calibration session on `sample` for `reviewers` (at least two people).
    public func create(name: String, sample: String, scorer: Scorer, reviewers: [String], createdBy: String, now: Date) throws {
        let unique = Array(Set(reviewers)).sorted()
        guard unique.count >= 2 else { throw ServiceError("a calibration session needs at least two different reviewers (--reviewers A,B[,C…])") }
        try database.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM qa_sample WHERE name = ?)", arguments: [sample]) == true else {
                throw ServiceError("no sample named `\(sample)`")
            }
            if try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM qa_calibration WHERE name = ?)", arguments: [name]) == true {
                throw ServiceError("a calibration session named `\(name)` exists")
            }
            for r in unique + [createdBy] { try QAReviewService.requirePerson(r, role: "reviewer", db) }
            try db.execute(
                sql: "INSERT INTO qa_calibration (name, sample, rubric, rubric_version, reviewers, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [name, sample, scorer.rubric.id, scorer.rubric.sourceHash, unique.joined(separator: ","), createdBy, LedgerService.timestamp(now)])
            try QAReviewService.audit(db, at: LedgerService.timestamp(now), actor: createdBy, action: "calibration.create",
                                      subject: "calibration \(name) sample \(sample)", before: nil, after: unique.joined(separator: ","))
        }
    }

    /// Agreement on one rubric item.
    public struct ItemAgreement: Sendable, Hashable {
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
    public struct ReviewerDeviation: Sendable, Hashable {
        /// Reviewer.
        public var reviewer: String
        /// Interactions reviewed in the session.
        public var reviewed: Int
        /// Share of consensus units where the reviewer agreed with the consensus.
        public var agreementWithConsensus: Double?
        /// The reviewer's fail rate minus the consensus fail rate on the same units, in percentage points.
        public var failRateDelta: Double?
        /// strict (fails more often than the consensus by more than 5 points), lenient (less), or balanced.
        public var lean: String
    }

    /// The calibration report.
    public struct Report: Sendable {
        /// Session.
        public var session: String
        /// Sample.
        public var sample: String
        /// Rubric id.
        public var rubric: String
        /// Reviewers.
        public var reviewers: [String]
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
    public func report(name: String) throws -> Report {
        try database.read { db in
            guard let session = try Row.fetchOne(db, sql: "SELECT * FROM qa_calibration WHERE name = ?", arguments: [name]) else {
                throw ServiceError("no calibration session `\(name)`")
            }
            let reviewers = (session["reviewers"] as String).split(separator: ",").map(String.init)
            // unit key "interaction\u{1F}item" → reviewer → verdict; plus the automatic verdict.
            var ratings: [String: [String: String]] = [:]
            var automatic: [String: String] = [:]
            var reviewedCount: [String: Int] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.interaction_id, r.reviewer, i.item_id, i.automatic, i.verdict FROM qa_review r
                JOIN qa_review_item i ON i.review_id = r.id WHERE r.calibration = ? ORDER BY r.interaction_id, i.item_id
                """, arguments: [name])
            var seenReviews = Set<String>()
            for row in rows {
                let key = (row["interaction_id"] as String) + "\u{1F}" + (row["item_id"] as String)
                let reviewer: String = row["reviewer"]
                ratings[key, default: [:]][reviewer] = row["verdict"]
                automatic[key] = row["automatic"]
                if seenReviews.insert(reviewer + "\u{1F}" + (row["interaction_id"] as String)).inserted { reviewedCount[reviewer, default: 0] += 1 }
            }
            guard !ratings.isEmpty else {
                throw ServiceError("calibration session `\(name)` has no submitted reviews yet; reviewers run `kefu qa review \(session["sample"] as String) --as ID --calibration \(name)`")
            }
            let keys = ratings.keys.sorted().filter { ratings[$0]!.count >= 2 }
            func itemOf(_ key: String) -> String { String(key.split(separator: "\u{1F}")[1]) }
            func pairwise(_ values: [String]) -> Double {
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
            func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }
            let categories = ["pass", "fail", "na", "error"]

            var consensus: [String: String] = [:]
            for key in keys { consensus[key] = Agreement.consensus(Array(ratings[key]!.values)) }
            let consensusKeys = keys.filter { consensus[$0] != nil }

            var report = Report(
                session: name, sample: session["sample"], rubric: session["rubric"], reviewers: reviewers, units: keys.count,
                agreement: mean(keys.map { pairwise(Array(ratings[$0]!.values)) }),
                cohenKappa: nil, fleissKappa: nil,
                krippendorffAlpha: Agreement.krippendorffAlpha(keys.map { k in reviewers.map { ratings[k]![$0] } }),
                automaticAgreement: mean(consensusKeys.map { automatic[$0] == consensus[$0] ? 1 : 0 }),
                automaticKappa: consensusKeys.isEmpty ? nil : Agreement.cohenKappa(consensusKeys.map { automatic[$0]! }, consensusKeys.map { consensus[$0]! }),
                consensusUnits: consensusKeys.count, items: [], deviations: [])
            let complete = keys.filter { k in reviewers.allSatisfy { ratings[k]![$0] != nil } }
            if reviewers.count == 2 {
                report.cohenKappa = complete.isEmpty ? nil : Agreement.cohenKappa(complete.map { ratings[$0]![reviewers[0]]! }, complete.map { ratings[$0]![reviewers[1]]! })
            } else {
                report.fleissKappa = Agreement.fleissKappa(complete.map { k in categories.map { c in ratings[k]!.values.filter { $0 == c }.count } })
            }
            let byItem = Dictionary(grouping: keys, by: itemOf)
            report.items = byItem.keys.sorted().map { item in
                let ks = byItem[item]!
                let cks = ks.filter { consensus[$0] != nil }
                return ItemAgreement(
                    item: item, units: ks.count, agreement: mean(ks.map { pairwise(Array(ratings[$0]!.values)) }),
                    alpha: Agreement.krippendorffAlpha(ks.map { k in reviewers.map { ratings[k]![$0] } }),
                    automaticAgreement: mean(cks.map { automatic[$0] == consensus[$0] ? 1 : 0 }))
            }
            report.deviations = reviewers.map { reviewer in
                let mine = consensusKeys.filter { ratings[$0]![reviewer] != nil }
                let agree = mean(mine.map { ratings[$0]![reviewer] == consensus[$0] ? 1 : 0 })
                let myFails = mine.filter { ratings[$0]![reviewer] == "fail" }.count
                let consensusFails = mine.filter { consensus[$0] == "fail" }.count
                let delta: Double? = mine.isEmpty ? nil : Double(myFails - consensusFails) / Double(mine.count) * 100
                let lean: String
                if let delta { lean = delta > 5 ? "strict" : delta < -5 ? "lenient" : "balanced" } else { lean = "no data" }
                return ReviewerDeviation(reviewer: reviewer, reviewed: reviewedCount[reviewer] ?? 0, agreementWithConsensus: agree, failRateDelta: delta, lean: lean)
            }
            return report
        }
    }
}
