import Foundation
import GRDB
import KefuQA
import KefuRubrics
import KefuStore

/// `kefu qa report`: internal quality scores per agent, team, category or rubric item with the trend
/// over earlier periods, the most frequent failures with (masked) examples, automatic-versus-human
/// agreement and sample coverage. A reviewed interaction counts with its human (final) score and verdicts;
/// the others with their automatic ones.
public struct QAReportService: Sendable {
    /// The database.
    public let database: KefuDatabase

    /// Creates the service.
    public init(database: KefuDatabase) { self.database = database }

    /// Grouping.
    public enum Grouping: String, Sendable, CaseIterable {
        case agent, team, category
        case rubricItem = "rubric-item"
    }

    /// One row of the report.
    public struct Line: Sendable, Hashable {
        /// Agent, team, category or item id.
        public var key: String
        /// Interactions (agent/team) or item evaluations other than n/a (category/item).
        public var count: Int
        /// Mean quality score 0–100 (agent/team), or pass rate in percent (category/item).
        public var score: Double
        /// Share of passing interactions or items, percent.
        public var passRate: Double
        /// How many of the interactions carry a human review.
        public var reviewed: Int
        /// The same score in earlier periods (oldest first); nil where there was no data.
        public var trend: [Double?]
    }

    /// A frequent failure.
    public struct Failure: Sendable, Hashable {
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
    public struct Coverage: Sendable, Hashable {
        /// Agent.
        public var agent: String
        /// Interactions imported for the period.
        public var population: Int
        /// Of which in any sample.
        public var sampled: Int
        /// Of which reviewed by a human.
        public var reviewed: Int
    }

    /// The report.
    public struct Report: Sendable {
        /// Period.
        public var period: String
        /// Earlier periods shown in the trend (oldest first).
        public var trendPeriods: [String]
        /// Rubric.
        public var rubric: String
        /// Grouping.
        public var grouping: Grouping
        /// Rows, sorted by key.
        public var lines: [Line]
        /// Most frequent failures.
        public var failures: [Failure]
        /// Item verdicts compared on reviewed interactions.
        public var comparedItems: Int
        /// Share of reviewed items where the human kept the automatic verdict.
        public var automaticAgreement: Double?
        /// Cohen's kappa automatic vs human.
        public var automaticKappa: Double?
        /// Coverage per agent.
        public var coverage: [Coverage]
    }

    /// The `count` periods before `period` (`YYYY-MM`), oldest first.
    public static func previousPeriods(_ period: String, count: Int) throws -> [String] {
        let parts = period.split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month), parts[1].count == 2 else {
            throw ServiceError("--period must be YYYY-MM, like 2026-11 (got `\(period)`)")
        }
        return (1...max(1, count)).reversed().prefix(count).map { back in
            let index = year * 12 + (month - 1) - back
            return String(format: "%04d-%02d", index / 12, index % 12 + 1)
        }
    }

    struct Scored {
        var id: String
        var agent: String
        var period: String
        var score: Double
        var passed: Bool
        var reviewID: Int64?
        var items: String
    }

    /// Builds the report for `period` and `rubric` (rubric id; each interaction's most recent score with it).
    public func report(period: String, rubric: String, by grouping: Grouping, trend: Int = 2) throws -> Report {
        let earlier = trend > 0 ? try Self.previousPeriods(period, count: trend) : []
        return try database.read { db in
            let periods = earlier + [period]
            let marks = periods.map { _ in "?" }.joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: """
                SELECT q.id, q.agent, q.period, s.score, s.passed, s.items,
                       r.id AS review_id, r.final_score, r.final_passed
                FROM qa_interaction q
                JOIN qa_score s ON s.interaction_id = q.id AND s.rubric = ?
                    AND s.scored_at = (SELECT MAX(scored_at) FROM qa_score s2 WHERE s2.interaction_id = q.id AND s2.rubric = ?)
                LEFT JOIN qa_review r ON r.id = (SELECT MAX(id) FROM qa_review r2 WHERE r2.interaction_id = q.id
                    AND r2.rubric_version = s.rubric_version AND r2.calibration = '')
                WHERE q.period IN (\(marks))
                ORDER BY q.id
                """, arguments: StatementArguments([rubric, rubric] + periods))
            var scored: [Scored] = rows.map { r in
                let reviewID: Int64? = r["review_id"]
                return Scored(id: r["id"], agent: r["agent"], period: r["period"],
                              score: reviewID == nil ? r["score"] : r["final_score"],
                              passed: reviewID == nil ? r["passed"] : r["final_passed"], reviewID: reviewID, items: r["items"])
            }
            // Dedupe (two versions scored at the same instant): keep the first per id.
            var seen = Set<String>()
            scored = scored.filter { seen.insert($0.id).inserted }
            guard scored.contains(where: { $0.period == period }) else {
                throw ServiceError("no interactions of \(period) are scored with rubric \(rubric); run `kefu qa score --rubric \(rubric)` first")
            }
            var teams: [String: String] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT id, team FROM person") { teams[r["id"]] = r["team"] }

            // Human verdicts per review.
            var human: [Int64: [String: (auto: String, verdict: String)]] = [:]
            let reviewIDs = scored.compactMap(\.reviewID)
            for chunk in stride(from: 0, to: reviewIDs.count, by: 500) {
                let slice = Array(reviewIDs[chunk..<min(reviewIDs.count, chunk + 500)])
                let m = slice.map { _ in "?" }.joined(separator: ",")
                for r in try Row.fetchAll(db, sql: "SELECT review_id, item_id, automatic, verdict FROM qa_review_item WHERE review_id IN (\(m))", arguments: StatementArguments(slice)) {
                    human[r["review_id"], default: [:]][r["item_id"]] = (r["automatic"], r["verdict"])
                }
            }
            let decoder = JSONDecoder()
            func items(_ s: Scored) -> [ItemResult] {
                var list = (try? decoder.decode([ItemResult].self, from: Data(s.items.utf8))) ?? []
                if let id = s.reviewID, let h = human[id] {
                    for i in list.indices { if let v = h[list[i].id], let verdict = Verdict(rawValue: v.verdict) { list[i].verdict = verdict } }
                }
                return list
            }
            func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }

            var lines: [Line] = []
            switch grouping {
            case .agent, .team:
                let key: (Scored) -> String = grouping == .agent ? { $0.agent } : { teams[$0.agent].map { $0.isEmpty ? "(no team)" : $0 } ?? "(not in people)" }
                let groups = Dictionary(grouping: scored, by: key)
                for (k, members) in groups {
                    let now = members.filter { $0.period == period }
                    guard !now.isEmpty else { continue }
                    lines.append(Line(
                        key: k, count: now.count, score: mean(now.map(\.score)) ?? 0,
                        passRate: Double(now.filter(\.passed).count) / Double(now.count) * 100,
                        reviewed: now.filter { $0.reviewID != nil }.count,
                        trend: earlier.map { p in mean(members.filter { $0.period == p }.map(\.score)) }))
                }
            case .category, .rubricItem:
                var tallies: [String: [String: (pass: Int, total: Int, reviewed: Int)]] = [:]  // key → period → tally
                for s in scored {
                    for item in items(s) where item.verdict == .pass || item.verdict == .fail {
                        let k = grouping == .category ? item.category : item.id
                        var t = tallies[k, default: [:]][s.period] ?? (0, 0, 0)
                        t.total += 1
                        if item.verdict == .pass { t.pass += 1 }
                        if s.reviewID != nil { t.reviewed += 1 }
                        tallies[k, default: [:]][s.period] = t
                    }
                }
                for (k, byPeriod) in tallies {
                    guard let now = byPeriod[period] else { continue }
                    let rate = Double(now.pass) / Double(now.total) * 100
                    lines.append(Line(key: k, count: now.total, score: rate, passRate: rate, reviewed: now.reviewed,
                                      trend: earlier.map { p in byPeriod[p].map { Double($0.pass) / Double($0.total) * 100 } }))
                }
            }
            lines.sort { $0.key < $1.key }

            // Most frequent failures in the period, with one example each.
            var failures: [String: Failure] = [:]
            var autoVerdicts: [String] = []
            var humanVerdicts: [String] = []
            for s in scored where s.period == period {
                for item in items(s) where item.verdict == .fail {
                    let example = item.evidence.first.map { "\(s.id): “\($0.text)”" } ?? "\(s.id): \(item.message)"
                    failures[item.id, default: Failure(item: item.id, category: item.category, count: 0, example: example)].count += 1
                }
                if let id = s.reviewID, let h = human[id] {
                    for (_, v) in h.sorted(by: { $0.key < $1.key }) {
                        autoVerdicts.append(v.auto)
                        humanVerdicts.append(v.verdict)
                    }
                }
            }
            let topFailures = failures.values.sorted { ($0.count, $1.item) > ($1.count, $0.item) }.prefix(10)

            // Coverage.
            var coverage: [Coverage] = []
            for r in try Row.fetchAll(db, sql: """
                SELECT q.agent, COUNT(*) AS population,
                       SUM(EXISTS(SELECT 1 FROM qa_sample_member m WHERE m.interaction_id = q.id)) AS sampled,
                       SUM(EXISTS(SELECT 1 FROM qa_review r WHERE r.interaction_id = q.id AND r.calibration = '')) AS reviewed
                FROM qa_interaction q WHERE q.period = ? GROUP BY q.agent ORDER BY q.agent
                """, arguments: [period]) {
                coverage.append(Coverage(agent: r["agent"], population: r["population"], sampled: r["sampled"], reviewed: r["reviewed"]))
            }
            return Report(
                period: period, trendPeriods: earlier, rubric: rubric, grouping: grouping, lines: lines, failures: Array(topFailures),
                comparedItems: autoVerdicts.count, automaticAgreement: Agreement.percentAgreement(autoVerdicts, humanVerdicts),
                automaticKappa: autoVerdicts.isEmpty ? nil : Agreement.cohenKappa(autoVerdicts, humanVerdicts), coverage: coverage)
        }
    }
}
