import Foundation
public import KefuCore
import KefuQA
import KefuRubrics
import KefuStorage

/// Internal quality scores per agent, team, category or rubric item with the trend over earlier
/// periods, the most frequent failures with (masked) examples, automatic-versus-human agreement and
/// sample coverage. A reviewed interaction counts with its human (final) score and verdicts; the
/// others with their automatic ones.
public struct QAReportService: Sendable {
    /// The environment.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// Grouping.
    public enum Grouping: String, Sendable, Hashable, Codable, CaseIterable {
        /// Per agent.
        case agent
        /// Per team.
        case team
        /// Per rubric category.
        case category
        /// Per rubric item.
        case rubricItem = "rubric-item"

        /// True for agent and team (quality scores); false for category and item (pass rates).
        public var isPeople: Bool { self == .agent || self == .team }
    }

    /// One row of the report.
    public struct Line: Sendable, Hashable, Codable {
        /// Agent, team, category or item id.
        public var key: String
        /// Interactions (agent/team) or item evaluations other than n/a (category/item).
        public var count: Int
        /// Mean quality score 0–100 (agent/team), or pass rate in percent (category/item).
        public var score: Figure
        /// Share of passing interactions or items, percent.
        public var passRate: Figure
        /// How many of the interactions carry a human review.
        public var reviewed: Int
        /// The same score in earlier periods (oldest first); nil where there was no data.
        public var trend: [Figure?]
    }

    /// A frequent failure.
    public struct Failure: Sendable, Hashable, Codable {
        /// Item id.
        public var item: String
        /// Category.
        public var category: String
        /// Failures in the period.
        public var count: Int
        /// One example: interaction id and the evidence or explanation (texts are stored masked).
        public var example: String
    }

    /// Sample coverage per agent.
    public struct Coverage: Sendable, Hashable, Codable {
        /// Agent.
        public var agent: PersonID
        /// Interactions imported for the period.
        public var population: Int
        /// Of which in any sample.
        public var sampled: Int
        /// Of which reviewed by a human.
        public var reviewed: Int
    }

    /// Automatic verdicts compared with human ones on reviewed interactions.
    public struct AutomaticVersusHuman: Sendable, Hashable, Codable {
        /// Item verdicts compared.
        public var items: Int
        /// Share of reviewed items where the human kept the automatic verdict.
        public var agreement: Double?
        /// Cohen's kappa automatic vs human.
        public var kappa: Double?
        /// The same per rubric item, so QA sees which rules people override most (lowest agreement first).
        public var byItem: [ItemAgreement]
    }

    /// Automatic versus human verdicts on one rubric item.
    public struct ItemAgreement: Sendable, Hashable, Codable {
        /// Rubric item id.
        public var item: String
        /// Reviewed verdicts of this item.
        public var compared: Int
        /// How many the reviewer changed.
        public var overridden: Int
        /// Share kept.
        public var agreement: Double?
        /// Cohen's kappa on this item (nil when every verdict is the same).
        public var kappa: Double?
    }

    /// The report.
    public struct Report: Sendable, Hashable, Codable {
        /// Period.
        public var period: String
        /// Earlier periods shown in the trend (oldest first).
        public var trendPeriods: [String]
        /// Rubric.
        public var rubric: RubricID
        /// Grouping.
        public var by: Grouping
        /// Rows, sorted by key.
        public var lines: [Line]
        /// Most frequent failures.
        public var failures: [Failure]
        /// Automatic versus human verdicts.
        public var automaticVsHuman: AutomaticVersusHuman
        /// Coverage per agent.
        public var coverage: [Coverage]
    }

    /// The `count` periods before `period` (`YYYY-MM`), oldest first.
    public static func previousPeriods(_ period: String, count: Int) throws -> [String] {
        let parts = period.split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month),
            parts[1].count == 2
        else {
            throw ServiceError(.invalidInput, "the period must be YYYY-MM, like 2026-11 (got `\(period)`)")
        }
        return (1...max(1, count)).reversed().prefix(count).map { back in
            let index = year * 12 + (month - 1) - back
            return String(format: "%04d-%02d", index / 12, index % 12 + 1)
        }
    }

    /// One interaction's counted result: human where reviewed, automatic otherwise.
    struct Scored {
        var id: String
        var agent: PersonID
        var period: String
        var score: Double
        var passed: Bool
        var reviewID: ReviewID?
        var items: [ItemResult]
        /// (automatic, human) per item id, for reviewed interactions.
        var human: [String: (auto: String, verdict: String)]
    }

    /// Builds the report for `period` and rubric `rubric` (each interaction's most recent score with it).
    public func report(
        period: String, rubric: RubricID, by grouping: Grouping, trend: Int = 2, actor: Identity
    ) async throws -> Report {
        try AccessPolicy.require(actor, .viewQA)
        let earlier = trend > 0 ? try Self.previousPeriods(period, count: trend) : []
        let store = try environment.qaStore
        let data = try await translatingStorageErrors {
            try await store.reportData(rubric: rubric, periods: earlier + [period], period: period)
        }
        let scored = Self.scored(data)
        guard scored.contains(where: { $0.period == period }) else {
            throw ServiceError(
                .precondition, "no interactions of \(period) are scored with rubric \(rubric); score them first",
                hint: .init("qa.score", ["rubric": rubric.rawValue]))
        }
        let lines =
            grouping.isPeople
            ? Self.peopleLines(scored, period: period, earlier: earlier, key: Self.key(grouping, teams: data.teams))
            : Self.itemLines(scored, period: period, earlier: earlier, byCategory: grouping == .category)
        let current = scored.filter { $0.period == period }
        return Report(
            period: period, trendPeriods: earlier, rubric: rubric, by: grouping,
            lines: lines.sorted { $0.key < $1.key },
            failures: Self.topFailures(current), automaticVsHuman: Self.automaticVersusHuman(current),
            coverage: data.coverage.map {
                Coverage(agent: $0.agent, population: $0.population, sampled: $0.sampled, reviewed: $0.reviewed)
            })
    }

    /// The counted result of every interaction, once per id (two versions scored at the same instant keep the first).
    static func scored(_ data: QAReportData) -> [Scored] {
        let decoder = JSONDecoder()
        var seen = Set<InteractionID>()
        return data.scores.filter { seen.insert($0.interaction).inserted }.map { s in
            var items = (try? decoder.decode([ItemResult].self, from: Data(s.itemsJSON.utf8))) ?? []
            var human: [String: (auto: String, verdict: String)] = [:]
            if let id = s.reviewID {
                for item in data.reviewItems[id] ?? [] { human[item.item] = (item.automatic, item.verdict) }
                for i in items.indices {
                    if let v = human[items[i].id], let verdict = Verdict(rawValue: v.verdict) {
                        items[i].verdict = verdict
                    }
                }
            }
            return Scored(
                id: s.interaction.rawValue, agent: s.agent, period: s.period,
                score: s.reviewID == nil ? s.score : s.finalScore ?? s.score,
                passed: s.reviewID == nil ? s.passed : s.finalPassed ?? s.passed, reviewID: s.reviewID, items: items,
                human: human)
        }
    }

    /// The grouping key of an interaction (agent or team).
    static func key(_ grouping: Grouping, teams: [PersonID: String]) -> (Scored) -> String {
        if grouping == .agent { return { $0.agent.rawValue } }
        return { s in teams[s.agent].map { $0.isEmpty ? "(no team)" : $0 } ?? "(not in people)" }
    }

    static func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }

    /// Agent or team lines: mean score, pass rate and the trend of the mean.
    static func peopleLines(_ scored: [Scored], period: String, earlier: [String], key: (Scored) -> String) -> [Line] {
        Dictionary(grouping: scored, by: key).compactMap { k, members in
            let now = members.filter { $0.period == period }
            guard !now.isEmpty else { return nil }
            return Line(
                key: k, count: now.count, score: Figure(mean(now.map(\.score)) ?? 0),
                passRate: Figure(Double(now.filter(\.passed).count) / Double(now.count) * 100),
                reviewed: now.filter { $0.reviewID != nil }.count,
                trend: earlier.map { p in mean(members.filter { $0.period == p }.map(\.score)).map { Figure($0) } })
        }
    }

    /// Category or item lines: pass rates of pass/fail verdicts and their trend.
    static func itemLines(_ scored: [Scored], period: String, earlier: [String], byCategory: Bool) -> [Line] {
        var tallies: [String: [String: (pass: Int, total: Int, reviewed: Int)]] = [:]  // key → period → tally
        for s in scored {
            for item in s.items where item.verdict == .pass || item.verdict == .fail {
                let k = byCategory ? item.category : item.id
                var t = tallies[k, default: [:]][s.period] ?? (0, 0, 0)
                t.total += 1
                if item.verdict == .pass { t.pass += 1 }
                if s.reviewID != nil { t.reviewed += 1 }
                tallies[k, default: [:]][s.period] = t
            }
        }
        return tallies.compactMap { k, byPeriod in
            guard let now = byPeriod[period] else { return nil }
            let rate = Figure(Double(now.pass) / Double(now.total) * 100)
            return Line(
                key: k, count: now.total, score: rate, passRate: rate, reviewed: now.reviewed,
                trend: earlier.map { p in byPeriod[p].map { Figure(Double($0.pass) / Double($0.total) * 100) } })
        }
    }

    /// The ten most frequent failures of the period, with one example each.
    static func topFailures(_ current: [Scored]) -> [Failure] {
        var failures: [String: Failure] = [:]
        for s in current {
            for item in s.items where item.verdict == .fail {
                let example = item.evidence.first.map { "\(s.id): “\($0.text)”" } ?? "\(s.id): \(item.message)"
                failures[item.id, default: Failure(item: item.id, category: item.category, count: 0, example: example)]
                    .count += 1
            }
        }
        return Array(failures.values.sorted { ($0.count, $1.item) > ($1.count, $0.item) }.prefix(10))
    }

    /// Automatic versus human verdicts on the period's reviewed interactions.
    static func automaticVersusHuman(_ current: [Scored]) -> AutomaticVersusHuman {
        var automatic: [String] = []
        var human: [String] = []
        var perItem: [String: (automatic: [String], human: [String])] = [:]
        for s in current where s.reviewID != nil {
            for (item, v) in s.human.sorted(by: { $0.key < $1.key }) {
                automatic.append(v.auto)
                human.append(v.verdict)
                perItem[item, default: ([], [])].automatic.append(v.auto)
                perItem[item, default: ([], [])].human.append(v.verdict)
            }
        }
        let byItem = perItem.map { item, pair in
            ItemAgreement(
                item: item, compared: pair.automatic.count,
                overridden: zip(pair.automatic, pair.human).filter { $0 != $1 }.count,
                agreement: Agreement.percentAgreement(pair.automatic, pair.human),
                kappa: Set(pair.automatic + pair.human).count < 2
                    ? nil : Agreement.cohenKappa(pair.automatic, pair.human))
        }.sorted { ($0.agreement ?? 1, $0.item) < ($1.agreement ?? 1, $1.item) }
        return AutomaticVersusHuman(
            items: automatic.count, agreement: Agreement.percentAgreement(automatic, human),
            kappa: automatic.isEmpty ? nil : Agreement.cohenKappa(automatic, human), byItem: byItem)
    }
}
