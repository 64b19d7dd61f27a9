import Foundation
import GRDB
import KefuContent
import KefuCore
import KefuStore
import KefuTracks

/// Performance reviews (policy digest §10): KPI inputs imported from CSV, measures computed from interactions, exams
/// and QA scores, scorecards per person for a month, quarter or year under `Tracks/reviews.yaml`, stored cycles,
/// reports with trends, and an SVG chart of a person's trend.
public struct ReviewService: Sendable {
    /// The database.
    public let database: KefuDatabase
    /// The content.
    public let repository: ContentRepository
    /// Wall-clock time (injected so tests control it).
    public let now: @Sendable () -> Date

    /// Creates the service.
    public init(database: KefuDatabase, repository: ContentRepository, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.repository = repository
        self.now = now
    }

    /// Feedback kinds and their allowed values.
    public static let feedbackKinds: [String: ClosedRange<Double>] = [
        "satisfaction": 1...5, "complaint": 1...1, "resolved": 0...1, "resolved_on_time": 0...1, "teamwork_supervisor": 1...5, "teamwork_peer": 1...5,
    ]

    /// Imports `date,person,kind,value` rows (header first) in one transaction; any bad row (listed as file:line:col)
    /// or unknown person imports nothing. Returns the number of rows.
    public func importFeedback(_ path: String) throws -> Int {
        let text = try ContentRepository.readText(URL(fileURLWithPath: path), displayPath: path)
        var rows: [FeedbackRow] = []
        var problems: [Diagnostic] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard let header = lines.first, header.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) == ["date", "person", "kind", "value"] else {
            throw ContentError(file: path, "the first line must be the header `date,person,kind,value`")
        }
        for (n, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            func fail(_ field: Int, _ message: String) {
                let column = fields.prefix(field).map { $0.count + 1 }.reduce(1, +)
                problems.append(Diagnostic(.error, at: SourceLocation(file: path, line: n + 1, column: column), message))
            }
            guard fields.count == 4 else {
                fail(0, "expected 4 fields (date,person,kind,value), found \(fields.count)")
                continue
            }
            guard Timestamp.parse(fields[0] + "T00:00:00Z") != nil else { fail(0, "`\(fields[0])` is not a date YYYY-MM-DD"); continue }
            guard let range = Self.feedbackKinds[fields[2]] else {
                fail(2, "unknown kind `\(fields[2])`; use \(Self.feedbackKinds.keys.sorted().joined(separator: ", "))")
                continue
            }
            guard let value = Double(fields[3]), range.contains(value) else {
                fail(3, "`\(fields[3])` is not a valid \(fields[2]) value (\(Int(range.lowerBound))–\(Int(range.upperBound)))")
                continue
            }
            rows.append(FeedbackRow(date: fields[0], personID: fields[1], kind: fields[2], value: value))
        }
        if !problems.isEmpty { throw ContentError(problems) }
        try database.addFeedback(rows, source: (path as NSString).lastPathComponent)
        return rows.count
    }

    /// The KPI measures of every person with data in `period`.
    public func measures(for period: ReviewPeriod) throws -> [String: [String: KPIMeasure]] {
        var result: [String: [String: KPIMeasure]] = [:]
        func set(_ person: String, _ id: String, _ value: Double, _ basis: String) { result[person, default: [:]][id] = KPIMeasure(value, basis: basis) }
        let feedback = Dictionary(grouping: try database.feedback(from: period.start, to: period.end), by: \.personID)
        var handled: [String: Int] = [:]
        var firstResponses: [String: [Double]] = [:]
        var handling: [String: [Double]] = [:]
        try database.read { db in
            for row in try Row.fetchAll(db, sql: "SELECT agent, turns FROM qa_interaction WHERE substr(started_at, 1, 10) >= ? AND substr(started_at, 1, 10) <= ?",
                                        arguments: [period.start, period.end]) {
                let agent: String = row["agent"]
                handled[agent, default: 0] += 1
                guard let turns = try? JSONDecoder().decode([Turn].self, from: Data((row["turns"] as String).utf8)) else { continue }
                let times = turns.compactMap(\.at)
                if let first = times.min(), let last = times.max(), times.count >= 2 { handling[agent, default: []].append(last - first) }
                if let customer = turns.first(where: { $0.speaker == .customer && $0.at != nil }),
                   let reply = turns.first(where: { $0.speaker == .agent && ($0.at ?? -1) >= customer.at! }) {
                    firstResponses[agent, default: []].append(reply.at! - customer.at!)
                }
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT i.agent AS agent, AVG(s.score) AS mean, COUNT(*) AS n FROM qa_score s JOIN qa_interaction i ON i.id = s.interaction_id
                WHERE substr(i.started_at, 1, 10) >= ? AND substr(i.started_at, 1, 10) <= ? GROUP BY i.agent
                """, arguments: [period.start, period.end]) {
                set(row["agent"], "qa-score", row["mean"], "\(row["n"] as Int) scored interactions")
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT person_id, AVG(percent) AS mean, COUNT(*) AS n FROM exam_attempt
                WHERE status = 'graded' AND substr(submitted_at, 1, 10) >= ? AND substr(submitted_at, 1, 10) <= ? GROUP BY person_id
                """, arguments: [period.start, period.end]) {
                set(row["person_id"], "exam-score", row["mean"], "\(row["n"] as Int) graded exam attempts")
            }
        }
        for (agent, values) in firstResponses where !values.isEmpty {
            set(agent, "first-response", values.reduce(0, +) / Double(values.count), "\(values.count) timed interactions")
        }
        for (agent, values) in handling where !values.isEmpty {
            set(agent, "handling-time", values.reduce(0, +) / Double(values.count), "\(values.count) timed interactions")
        }
        for (person, rows) in feedback {
            let surveys = rows.filter { $0.kind == "satisfaction" }
            if !surveys.isEmpty {
                let satisfied = surveys.filter { $0.value >= 4 }.count
                set(person, "satisfaction", Double(satisfied) / Double(surveys.count) * 100, "\(satisfied) of \(surveys.count) surveys rated 4–5")
            }
            for (kind, id) in [("resolved", "resolution"), ("resolved_on_time", "on-time-resolution")] {
                let cases = rows.filter { $0.kind == kind }
                if !cases.isEmpty {
                    let yes = cases.filter { $0.value >= 1 }.count
                    set(person, id, Double(yes) / Double(cases.count) * 100, "\(yes) of \(cases.count) cases")
                }
            }
            let teamwork = rows.filter { $0.kind == "teamwork_supervisor" || $0.kind == "teamwork_peer" }
            if !teamwork.isEmpty {
                set(person, "teamwork", teamwork.map(\.value).reduce(0, +) / Double(teamwork.count), "\(teamwork.count) ratings")
            }
        }
        // Complaints per 100 handled interactions: needs the interactions to count against.
        for (person, count) in handled where count > 0 {
            let complaints = feedback[person]?.filter { $0.kind == "complaint" }.count ?? 0
            set(person, "complaint-rate", Double(complaints) / Double(count) * 100, "\(complaints) complaints in \(count) interactions")
        }
        return result
    }

    /// Computes and stores the cycle for `period` (one transaction); `replace` recomputes a stored one.
    public func runCycle(_ periodName: String, replace: Bool = false) throws -> [Scorecard] {
        guard let period = ReviewPeriod(periodName) else { throw ServiceError("`\(periodName)` is not a period: use 2026-11 (month), 2026-Q4 (quarter) or 2026 (year)") }
        let definition = try repository.reviewDefinition()
        let measures = try measures(for: period)
        let people = Set(try database.people().filter(\.isActive).map(\.id))
        let cards = measures.keys.filter(people.contains).sorted().map {
            ReviewEngine.scorecard(person: $0, period: period.name, kpis: definition.kpis, ratings: definition.ratings, measures: measures[$0] ?? [:])
        }
        try database.storeCycle(period: period.name, kind: period.kind.rawValue, start: period.start, end: period.end, runAt: LedgerService.timestamp(now()),
                                definition: definition.contentHash,
                                scorecards: try cards.map { ($0.person, $0.total, $0.rating, try canonicalJSON($0.kpis)) }, replace: replace)
        return cards
    }

    /// Stored scorecards (decoded), by period then person.
    public func report(person: String? = nil, team: String? = nil, period: String? = nil) throws -> [Scorecard] {
        let members = try team.map { team in Set(try database.people().filter { $0.team == team }.map(\.id)) }
        return try database.scorecards(person: person, period: period).filter { members?.contains($0.personID) ?? true }.map {
            Scorecard(person: $0.personID, period: $0.period, total: $0.total, rating: $0.rating,
                      kpis: (try? JSONDecoder().decode([KPIResult].self, from: Data($0.kpis.utf8))) ?? [])
        }
    }

    /// An SVG line chart of a person's total per stored cycle, with the rating thresholds.
    public func chart(person: String) throws -> String {
        guard let who = try database.person(person) else { throw ServiceError("no person with id `\(person)`") }
        let cards = try report(person: person)
        guard !cards.isEmpty else { throw ServiceError("no review cycles for `\(person)` yet; run `kefu review-cycle run --period …`") }
        let definition = try repository.reviewDefinition()
        return SVGChart.line(title: "\(who.name) (\(who.id)) — KPI score", points: cards.map { ($0.period, $0.total, $0.rating) },
                             thresholds: definition.ratings.filter { $0.minimum > 0 }.map { ($0.level, $0.minimum) })
    }
}

/// A small, dependency-free SVG line chart (0–100 scale).
enum SVGChart {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func line(title: String, points: [(label: String, value: Double, rating: String)], thresholds: [(String, Double)]) -> String {
        let width = 640.0, height = 320.0, left = 48.0, right = 16.0, top = 40.0, bottom = 40.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ i: Int) -> Double { points.count == 1 ? left + plotWidth / 2 : left + plotWidth * Double(i) / Double(points.count - 1) }
        func y(_ v: Double) -> Double { top + plotHeight * (1 - min(100, max(0, v)) / 100) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<title>\(escape(title))</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(f(left))\" y=\"24\" font-size=\"15\">\(escape(title))</text>\n"
        for tick in stride(from: 0.0, through: 100, by: 25) {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(tick)))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\" fill=\"#666\">\(Int(tick))</text>\n"
        }
        for (level, minimum) in thresholds {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y(minimum)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(minimum)))\" stroke=\"#c66\" stroke-dasharray=\"4 4\"/>"
            svg += "<text x=\"\(f(width - right - 2))\" y=\"\(f(y(minimum) - 4))\" text-anchor=\"end\" fill=\"#c66\">\(escape(level)) ≥ \(Int(minimum))</text>\n"
        }
        let path = points.enumerated().map { "\(f(x($0.offset))),\(f(y($0.element.value)))" }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"#2a6fdb\" stroke-width=\"2\" points=\"\(path)\"/>\n"
        for (i, point) in points.enumerated() {
            svg += "<circle cx=\"\(f(x(i)))\" cy=\"\(f(y(point.value)))\" r=\"4\" fill=\"#2a6fdb\"><title>\(escape(point.label)): \(f(point.value)) (\(escape(point.rating)))</title></circle>"
            svg += "<text x=\"\(f(x(i)))\" y=\"\(f(y(point.value) - 8))\" text-anchor=\"middle\">\(f(point.value)) \(escape(point.rating))</text>"
            svg += "<text x=\"\(f(x(i)))\" y=\"\(f(height - bottom + 18))\" text-anchor=\"middle\" fill=\"#333\">\(escape(point.label))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
