import KefuCore

/// A review period: a month (`2026-11`), a quarter (`2026-Q4`) or a year (`2026`).
public struct ReviewPeriod: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// What it spans.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A calendar month.
        case month
        /// A calendar quarter.
        case quarter
        /// A calendar year.
        case year
    }

    /// The period as written.
    public let name: String
    /// Its kind.
    public let kind: Kind
    /// First day (ISO date).
    public let start: String
    /// Last day (ISO date).
    public let end: String

    /// Parses `2026-11`, `2026-Q4` or `2026`; nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard let year = Int(parts.first ?? ""), year >= 2000, year < 3000 else { return nil }
        let y = String(year)
        func lastDay(_ month: Int) -> Int {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        if parts.count == 1 {
            (name, kind, start, end) = (y, .year, "\(y)-01-01", "\(y)-12-31")
        } else if parts.count == 2, parts[1].hasPrefix("Q"), let q = Int(parts[1].dropFirst()), (1...4).contains(q) {
            (name, kind, start, end) = (
                "\(y)-Q\(q)", .quarter, "\(y)-\(two(q * 3 - 2))-01", "\(y)-\(two(q * 3))-\(two(lastDay(q * 3)))"
            )
        } else if parts.count == 2, parts[1].count == 2, let m = Int(parts[1]), (1...12).contains(m) {
            (name, kind, start, end) = (
                "\(y)-\(two(m))", .month, "\(y)-\(two(m))-01", "\(y)-\(two(m))-\(two(lastDay(m)))"
            )
        } else {
            return nil
        }
    }

    /// Whether an ISO date or timestamp falls in the period.
    public func contains(_ date: String) -> Bool {
        let day = String(date.prefix(10))
        return day >= start && day <= end
    }

    /// Periods order by their first day, then shorter first.
    public static func < (a: ReviewPeriod, b: ReviewPeriod) -> Bool { (a.start, a.end) < (b.start, b.end) }

    /// The name.
    public var description: String { name }
}

/// One KPI of the scorecard.
public struct KPIDefinition: Sendable, Hashable, Codable {
    /// Which direction is better.
    public enum Better: String, Sendable, Hashable, Codable {
        /// Higher values are better.
        case higher
        /// Lower values are better.
        case lower
    }

    /// Id (one of the measures Kefu computes; see ``ReviewEngine/measures``).
    public var id: String
    /// Title.
    public var title: String
    /// Weight in the total.
    public var weight: Double
    /// Target value.
    public var target: Double
    /// Direction.
    public var better: Better
    /// Policy clauses.
    public var sources: [String]

    /// Creates a KPI.
    public init(
        id: String, title: String = "", weight: Double, target: Double, better: Better = .higher, sources: [String] = []
    ) {
        self.id = id
        self.title = title
        self.weight = weight
        self.target = target
        self.better = better
        self.sources = sources
    }
}

/// A rating level: the lowest total score that earns it.
public struct RatingLevel: Sendable, Hashable, Codable {
    /// `A`, `B`, …
    public var level: String
    /// Minimum total score.
    public var minimum: Double

    /// Creates a level.
    public init(level: String, minimum: Double) {
        self.level = level
        self.minimum = minimum
    }
}

/// One KPI on a scorecard.
public struct KPIResult: Sendable, Hashable, Codable {
    /// KPI id.
    public var id: String
    /// The measured value; nil without data.
    public var actual: Double?
    /// Target.
    public var target: Double
    /// Score 0–100 against the target; nil without data.
    public var score: Double?
    /// Weight.
    public var weight: Double
    /// What the value was computed from (e.g. `46 of 50 surveys`).
    public var basis: String
}

/// A person's scorecard for a period.
public struct Scorecard: Sendable, Hashable, Codable {
    /// Person id.
    public var person: String
    /// Period name.
    public var period: String
    /// Weighted total 0–100 over the KPIs with data.
    public var total: Double
    /// Rating level.
    public var rating: String
    /// Per KPI.
    public var kpis: [KPIResult]

    /// Creates a scorecard.
    public init(person: String, period: String, total: Double, rating: String, kpis: [KPIResult]) {
        self.person = person
        self.period = period
        self.total = total
        self.rating = rating
        self.kpis = kpis
    }
}

/// Raw measures for one person and period, as the service aggregates them.
public struct KPIMeasure: Sendable, Hashable {
    /// The value.
    public var value: Double
    /// What it was computed from.
    public var basis: String

    /// Creates a measure.
    public init(_ value: Double, basis: String) {
        self.value = value
        self.basis = basis
    }
}

/// Scores KPIs against targets and rates the total (pure).
public enum ReviewEngine {
    /// The measures Kefu computes, by KPI id.
    public static let measures = [
        "satisfaction": "share of survey answers of 4 or 5 (of 5), percent",
        "resolution": "share of cases resolved, percent",
        "on-time-resolution": "share of cases resolved on time, percent",
        "complaint-rate": "complaints per 100 handled interactions",
        "first-response": "mean seconds from the customer's first turn to the agent's first reply (timed interactions)",
        "handling-time": "mean seconds from first to last turn (timed interactions)",
        "exam-score": "mean graded exam result, percent",
        "qa-score": "mean QA score of scored interactions",
        "teamwork": "mean supervisor and peer teamwork rating (1–5)",
    ]

    /// Score of one value against its target: 100 at or beyond the target; below it proportionally
    /// (higher-is-better: actual/target; lower-is-better: 1 − (actual − target)/target), never below 0.
    public static func score(_ actual: Double, target: Double, better: KPIDefinition.Better) -> Double {
        guard target > 0 else { return actual <= 0 || better == .higher ? 100 : 0 }
        switch better {
        case .higher: return min(100, max(0, actual / target * 100))
        case .lower: return actual <= target ? 100 : max(0, (1 - (actual - target) / target) * 100)
        }
    }

    /// The scorecard of `person` for `period` from `measures` (KPI id → measure). KPIs without data are shown and left
    /// out of the total (the other weights are scaled up).
    public static func scorecard(
        person: String, period: String, kpis: [KPIDefinition], ratings: [RatingLevel], measures: [String: KPIMeasure]
    ) -> Scorecard {
        var results: [KPIResult] = []
        var weighted = 0.0
        var weights = 0.0
        for kpi in kpis {
            if let measure = measures[kpi.id] {
                let value = score(measure.value, target: kpi.target, better: kpi.better)
                weighted += value * kpi.weight
                weights += kpi.weight
                results.append(
                    KPIResult(
                        id: kpi.id, actual: measure.value, target: kpi.target, score: value, weight: kpi.weight,
                        basis: measure.basis))
            } else {
                results.append(
                    KPIResult(
                        id: kpi.id, actual: nil, target: kpi.target, score: nil, weight: kpi.weight, basis: "no data"))
            }
        }
        let total = weights > 0 ? weighted / weights : 0
        let rating =
            ratings.sorted { $0.minimum > $1.minimum }.first { total >= $0.minimum - 1e-9 }?.level ?? ratings.last?
            .level ?? "-"
        return Scorecard(
            person: person, period: period, total: total, rating: weights > 0 ? rating : "-", kpis: results)
    }
}
