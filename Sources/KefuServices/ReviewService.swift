import Foundation
import KefuContent
public import KefuCore
import KefuStorage
public import KefuTracks
import Logging

/// A finished feedback import.
public struct FeedbackImport: Sendable, Hashable, Codable {
    /// Where the rows came from (file name or label).
    public var source: String
    /// Rows stored.
    public var rows: Int
}

/// A computed and stored review cycle.
public struct ReviewCycleResult: Sendable, Hashable, Codable {
    /// The period (e.g. `2026-11`).
    public var period: String
    /// The scorecards stored, by person.
    public var scorecards: [Scorecard]
}

/// Performance reviews (policy digest §10): KPI inputs imported from CSV, measures computed from interactions, exams
/// and QA scores, scorecards per person for a month, quarter or year under `Tracks/reviews.yaml`, stored cycles,
/// reports with trends, and an SVG chart of a person's trend.
public struct ReviewService: Sendable {
    /// Storage, content and clock.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// Imports `date,person,kind,value` rows (header first) in one transaction; any bad row (listed as label:line:col)
    /// or unknown person imports nothing.
    public func importFeedback(_ source: InputSource, by actor: Identity) async throws -> FeedbackImport {
        try AccessPolicy.require(actor, .runReviews)
        let label = source.label
        let text = String(decoding: try source.readAll(), as: UTF8.self)
        var rows: [FeedbackRow] = []
        var problems: [Diagnostic] = []
        let lines = text.textLines()
        guard let header = lines.first,
            header.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) == [
                "date", "person", "kind", "value",
            ]
        else {
            throw ServiceError(.invalidInput, "\(label): the first line must be the header `date,person,kind,value`")
        }
        let kinds = FeedbackKind.allCases.map(\.rawValue).sorted().joined(separator: ", ")
        for (n, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            func fail(_ field: Int, _ message: String) {
                let column = fields.prefix(field).map { $0.count + 1 }.reduce(1, +)
                problems.append(
                    Diagnostic(.error, at: SourceLocation(file: label, line: n + 1, column: column), message))
            }
            guard fields.count == 4 else {
                fail(0, "expected 4 fields (date,person,kind,value), found \(fields.count)")
                continue
            }
            guard Timestamp.parse(fields[0] + "T00:00:00Z") != nil else {
                fail(0, "`\(fields[0])` is not a date YYYY-MM-DD")
                continue
            }
            guard let kind = FeedbackKind(rawValue: fields[2]) else {
                fail(2, "unknown kind `\(fields[2])`; use \(kinds)")
                continue
            }
            let range = kind.allowedValues
            guard let value = Double(fields[3]), range.contains(value) else {
                fail(
                    3,
                    "`\(fields[3])` is not a valid \(fields[2]) value (\(Int(range.lowerBound))–\(Int(range.upperBound)))"
                )
                continue
            }
            rows.append(FeedbackRow(date: fields[0], personID: PersonID(fields[1]), kind: kind, value: value))
        }
        if !problems.isEmpty {
            throw ServiceError(
                .invalidInput,
                "\(label) has \(problems.count) bad row(s); nothing was imported:\n"
                    + problems.map(\.description).joined(separator: "\n"))
        }
        let name = (label as NSString).lastPathComponent
        try await translatingStorageErrors { try await environment.storage.reviews.addFeedback(rows, source: name) }
        environment.logger.debug("feedback imported", metadata: ["rows": "\(rows.count)", "by": "\(actor.person)"])
        try await environment.audit(
            actor, "review.feedback-import", subject: "feedback", detail: ["source": label, "rows": String(rows.count)])
        return FeedbackImport(source: label, rows: rows.count)
    }

    /// The KPI measures of every person with data in `period`, from the period's inputs.
    static func measures(_ inputs: ReviewInputs) -> [PersonID: [String: KPIMeasure]] {
        var result: [PersonID: [String: KPIMeasure]] = [:]
        func set(_ person: PersonID, _ id: String, _ value: Double, _ basis: String) {
            result[person, default: [:]][id] = KPIMeasure(value, basis: basis)
        }
        let feedback = Dictionary(grouping: inputs.feedback, by: \.personID)
        var handled: [PersonID: Int] = [:]
        var firstResponses: [PersonID: [Double]] = [:]
        var handling: [PersonID: [Double]] = [:]
        for interaction in inputs.interactions {
            let agent = interaction.agent
            handled[agent, default: 0] += 1
            let turns = interaction.turns
            let times = turns.compactMap(\.at)
            if let first = times.min(), let last = times.max(), times.count >= 2 {
                handling[agent, default: []].append(last - first)
            }
            if let customer = turns.first(where: { $0.speaker == .customer && $0.at != nil }), let asked = customer.at,
                let reply = turns.first(where: { $0.speaker == .agent && ($0.at ?? -1) >= asked }),
                let answered = reply.at
            {
                firstResponses[agent, default: []].append(answered - asked)
            }
        }
        for (agent, average) in inputs.qaScores {
            set(agent, "qa-score", average.mean, "\(average.count) scored interactions")
        }
        for (person, average) in inputs.examScores {
            set(person, "exam-score", average.mean, "\(average.count) graded exam attempts")
        }
        for (agent, values) in firstResponses where !values.isEmpty {
            set(
                agent, "first-response", values.reduce(0, +) / Double(values.count),
                "\(values.count) timed interactions")
        }
        for (agent, values) in handling where !values.isEmpty {
            set(
                agent, "handling-time", values.reduce(0, +) / Double(values.count), "\(values.count) timed interactions"
            )
        }
        for (person, rows) in feedback {
            let surveys = rows.filter { $0.kind == .satisfaction }
            if !surveys.isEmpty {
                let satisfied = surveys.filter { $0.value >= 4 }.count
                set(
                    person, "satisfaction", Double(satisfied) / Double(surveys.count) * 100,
                    "\(satisfied) of \(surveys.count) surveys rated 4–5")
            }
            for (kind, id) in [(FeedbackKind.resolved, "resolution"), (.resolvedOnTime, "on-time-resolution")] {
                let cases = rows.filter { $0.kind == kind }
                if !cases.isEmpty {
                    let yes = cases.filter { $0.value >= 1 }.count
                    set(person, id, Double(yes) / Double(cases.count) * 100, "\(yes) of \(cases.count) cases")
                }
            }
            let teamwork = rows.filter { $0.kind == .teamworkSupervisor || $0.kind == .teamworkPeer }
            if !teamwork.isEmpty {
                set(
                    person, "teamwork", teamwork.map(\.value).reduce(0, +) / Double(teamwork.count),
                    "\(teamwork.count) ratings")
            }
        }
        // Complaints per 100 handled interactions: needs the interactions to count against.
        for (person, count) in handled where count > 0 {
            let complaints = feedback[person]?.filter { $0.kind == .complaint }.count ?? 0
            set(
                person, "complaint-rate", Double(complaints) / Double(count) * 100,
                "\(complaints) complaints in \(count) interactions")
        }
        return result
    }

    /// Computes and stores the cycle for `periodName` (one transaction); `replace` recomputes a stored one.
    public func runCycle(
        _ periodName: String, replace: Bool = false, by actor: Identity
    ) async throws -> ReviewCycleResult {
        try AccessPolicy.require(actor, .runReviews)
        guard let period = ReviewPeriod(periodName) else {
            throw ServiceError(
                .invalidInput, "`\(periodName)` is not a period: use 2026-11 (month), 2026-Q4 (quarter) or 2026 (year)")
        }
        let definition = try environment.content.reviewDefinition()
        let store = try environment.storage.reviews
        let inputs = try await translatingStorageErrors {
            try await store.reviewInputs(from: period.start, to: period.end)
        }
        let measures = Self.measures(inputs)
        let cards = measures.keys.filter(inputs.activePeople.contains).sorted().map {
            ReviewEngine.scorecard(
                person: $0.rawValue, period: period.name, kpis: definition.kpis, ratings: definition.ratings,
                measures: measures[$0] ?? [:])
        }
        let cycle = ReviewCycleRecord(
            period: period.name, kind: period.kind.rawValue, start: period.start, end: period.end,
            runAt: LedgerService.timestamp(environment.clock.now()), definition: definition.contentHash)
        let stored = try cards.map {
            StoredScorecard(
                period: period.name, start: period.start, end: period.end, personID: PersonID($0.person),
                total: $0.total, rating: $0.rating,
                kpis: try canonicalJSON($0.kpis))
        }
        do {
            try await store.storeCycle(cycle, scorecards: stored, replace: replace)
        } catch let error as StorageError where error.code == .conflict {
            throw ServiceError(
                .conflict, "the review cycle \(period.name) is already stored; recompute it to replace its scorecards",
                hint: .init("review-cycle.run", ["period": period.name]))
        } catch let error as StorageError { throw ServiceError(error) }
        try await environment.audit(
            actor, "review.cycle", subject: "cycle \(period.name)",
            detail: ["scorecards": String(cards.count), "replace": replace ? "yes" : "no"])
        environment.logger.debug(
            "review cycle stored",
            metadata: ["period": "\(period.name)", "scorecards": "\(cards.count)", "by": "\(actor.person)"])
        return ReviewCycleResult(period: period.name, scorecards: cards)
    }

    /// Stored scorecards (decoded), by period then person; only those the actor may read (their own, their
    /// apprentices', everyone's for leads and administrators).
    public func report(
        person: PersonID? = nil, team: String? = nil, period: String? = nil, by actor: Identity
    ) async throws -> [Scorecard] {
        let stored = try await translatingStorageErrors {
            try await environment.storage.reviews.scorecards(person: person, team: team, period: period)
        }
        var visible: [StoredScorecard] = []
        var subjects: [PersonID: Subject] = [:]
        for card in stored {
            if subjects[card.personID] == nil { subjects[card.personID] = try await environment.subject(card.personID) }
            if AccessPolicy.decide(actor, .viewPerformance, on: subjects[card.personID] ?? .none).allowed {
                visible.append(card)
            }
        }
        return visible.map {
            Scorecard(
                person: $0.personID.rawValue, period: $0.period, total: $0.total, rating: $0.rating,
                kpis: (try? JSONDecoder().decode([KPIResult].self, from: Data($0.kpis.utf8))) ?? [])
        }
    }

    /// An SVG line chart of a person's total per stored cycle, with the rating thresholds.
    public func chart(person: PersonID, by actor: Identity) async throws -> String {
        try AccessPolicy.requireVisible(
            actor, .viewPerformance, on: try await environment.subject(person), notFound: "no person `\(person)`")
        guard let who = try await translatingStorageErrors({ try await environment.storage.people.person(person) })
        else {
            throw ServiceError.notFound(person)
        }
        let cards = try await report(person: person, by: actor)
        guard !cards.isEmpty else {
            throw ServiceError(
                .precondition, "no review cycles for `\(person)` yet; compute a cycle first",
                hint: .init("review-cycle.compute"))
        }
        let definition = try environment.content.reviewDefinition()
        return SVGChart.line(
            title: "\(who.name) (\(who.id)) — KPI score", points: cards.map { ($0.period, $0.total, $0.rating) },
            thresholds: definition.ratings.filter { $0.minimum > 0 }.map { ($0.level, $0.minimum) })
    }
}

/// A small, dependency-free SVG line chart (0–100 scale).
enum SVGChart {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func line(
        title: String, points: [(label: String, value: Double, rating: String)], thresholds: [(String, Double)]
    ) -> String {
        let width = 640.0
        let height = 320.0
        let left = 48.0
        let right = 16.0
        let top = 40.0
        let bottom = 40.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        func x(_ i: Int) -> Double {
            points.count == 1 ? left + plotWidth / 2 : left + plotWidth * Double(i) / Double(points.count - 1)
        }
        func y(_ v: Double) -> Double { top + plotHeight * (1 - min(100, max(0, v)) / 100) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<title>\(escape(title))</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(f(left))\" y=\"24\" font-size=\"15\">\(escape(title))</text>\n"
        for tick in stride(from: 0.0, through: 100, by: 25) {
            svg +=
                "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(tick)))\" stroke=\"#eee\"/>"
            svg +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\" fill=\"#666\">\(Int(tick))</text>\n"
        }
        for (level, minimum) in thresholds {
            svg +=
                "<line x1=\"\(f(left))\" y1=\"\(f(y(minimum)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(minimum)))\" stroke=\"#c66\" stroke-dasharray=\"4 4\"/>"
            svg +=
                "<text x=\"\(f(width - right - 2))\" y=\"\(f(y(minimum) - 4))\" text-anchor=\"end\" fill=\"#c66\">\(escape(level)) ≥ \(Int(minimum))</text>\n"
        }
        let path = points.enumerated().map { "\(f(x($0.offset))),\(f(y($0.element.value)))" }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"#2a6fdb\" stroke-width=\"2\" points=\"\(path)\"/>\n"
        for (i, point) in points.enumerated() {
            svg +=
                "<circle cx=\"\(f(x(i)))\" cy=\"\(f(y(point.value)))\" r=\"4\" fill=\"#2a6fdb\"><title>\(escape(point.label)): \(f(point.value)) (\(escape(point.rating)))</title></circle>"
            svg +=
                "<text x=\"\(f(x(i)))\" y=\"\(f(y(point.value) - 8))\" text-anchor=\"middle\">\(f(point.value)) \(escape(point.rating))</text>"
            svg +=
                "<text x=\"\(f(x(i)))\" y=\"\(f(height - bottom + 18))\" text-anchor=\"middle\" fill=\"#333\">\(escape(point.label))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
