public import KefuCore

/// One requirement of a promotion step (Tracks/promotion.yaml).
public enum PromotionRequirement: Sendable, Hashable {
    /// Certifications valid in the ledger (not expired, not revoked).
    case certifications([String])
    /// Months at the current level.
    case tenure(months: Int)
    /// Ratings of the last `last` review cycles, each at least `minimum` (A best … D worst).
    case ratings(last: Int, minimum: String)
    /// Mean QA score of the person's scored interactions of the last `months` months.
    case qaAverage(minimum: Double, months: Int)
    /// Best graded result of an exam.
    case exam(blueprint: String, minScore: Double)
    /// Apprentices mentored (active or finished pairings).
    case mentoring(apprentices: Int)

    /// The requirement in words.
    public var description: String {
        switch self {
        case .certifications(let ids):
            return "valid certification\(ids.count == 1 ? "" : "s") \(ids.map { "`\($0)`" }.joined(separator: ", "))"
        case .tenure(let months): return "at least \(months) months at the current level"
        case .ratings(let last, let minimum):
            return "rating \(minimum) or better in each of the last \(last) review cycles"
        case .qaAverage(let minimum, let months):
            return "QA average ≥ \(format(minimum)) over the last \(months) months"
        case .exam(let blueprint, let minScore): return "exam `\(blueprint)` ≥ \(format(minScore))"
        case .mentoring(let count): return "has mentored at least \(count) apprentice\(count == 1 ? "" : "s")"
        }
    }
}

/// A step on a track: from one level to the next, with its requirements.
public struct PromotionStep: Sendable, Hashable {
    /// `specialist` or `management`.
    public var track: String
    /// Level before.
    public var from: Level
    /// Level after.
    public var to: Level
    /// Policy clauses.
    public var sources: [String]
    /// Requirements, all of which must be met.
    public var requirements: [PromotionRequirement]

    /// Creates a step.
    public init(track: String, from: Level, to: Level, sources: [String] = [], requirements: [PromotionRequirement]) {
        self.track = track
        self.from = from
        self.to = to
        self.sources = sources
        self.requirements = requirements
    }
}

/// What is known about a person when a promotion is checked.
public struct PromotionFacts: Sendable, Hashable {
    /// Current level.
    public var level: Level
    /// Date the current level started (ISO date).
    public var levelSince: String
    /// Certification states by id.
    public var certifications: [String: CertificationState]
    /// Ratings of review cycles, most recent first, with the cycle name.
    public var ratings: [(cycle: String, rating: String)]
    /// QA mean and the number of scored interactions, when any.
    public var qaAverage: (mean: Double, count: Int)?
    /// Best graded exam result per blueprint (percent).
    public var exams: [String: Double]
    /// Apprentices mentored.
    public var apprentices: Int

    /// Creates facts.
    public init(
        level: Level, levelSince: String, certifications: [String: CertificationState] = [:],
        ratings: [(cycle: String, rating: String)] = [],
        qaAverage: (mean: Double, count: Int)? = nil, exams: [String: Double] = [:], apprentices: Int = 0
    ) {
        self.level = level
        self.levelSince = levelSince
        self.certifications = certifications
        self.ratings = ratings
        self.qaAverage = qaAverage
        self.exams = exams
        self.apprentices = apprentices
    }

    /// Equal when every fact is equal.
    public static func == (a: PromotionFacts, b: PromotionFacts) -> Bool {
        a.level == b.level && a.levelSince == b.levelSince && a.certifications == b.certifications
            && a.ratings.map(\.cycle) == b.ratings.map(\.cycle)
            && a.ratings.map(\.rating) == b.ratings.map(\.rating) && a.qaAverage?.mean == b.qaAverage?.mean
            && a.qaAverage?.count == b.qaAverage?.count
            && a.exams == b.exams && a.apprentices == b.apprentices
    }

    /// Hashes the level and date.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(level)
        hasher.combine(levelSince)
    }
}

/// Checks promotion steps against facts (pure; the date is passed in).
public enum PromotionEvaluator {
    /// Rating levels, best first.
    public static let ratingScale = ["A", "B", "C", "D"]

    /// Every requirement of `step` as met/unmet with the actual value, as of `date` (ISO date).
    public static func check(_ step: PromotionStep, facts: PromotionFacts, asOf date: String) -> [RequirementCheck] {
        var checks: [RequirementCheck] = []
        if facts.level != step.from {
            checks.append(
                RequirementCheck(
                    requirement: "currently \(step.from.rawValue)", isMet: false,
                    actual: "currently \(facts.level.rawValue)"))
        }
        for requirement in step.requirements {
            switch requirement {
            case .certifications(let ids):
                for id in ids {
                    let actual: String
                    var met = false
                    switch facts.certifications[id] ?? .none {
                    case .valid(let entry, let until):
                        met = true
                        actual = "valid until \(until) (ledger entry \(entry))"
                    case .expired(_, let on): actual = "expired on \(on)"
                    case .revoked(_, let reason): actual = "revoked: \(reason)"
                    case .none: actual = "never issued"
                    }
                    checks.append(
                        RequirementCheck(requirement: "valid certification `\(id)`", isMet: met, actual: actual))
                }
            case .tenure(let months):
                let reached = CertificationEvaluator.addMonths(months, to: facts.levelSince)
                checks.append(
                    RequirementCheck(
                        requirement: requirement.description, isMet: reached <= date,
                        actual:
                            "\(facts.level.rawValue) since \(facts.levelSince)\(reached <= date ? "" : "; reaches \(months) months on \(reached)")"
                    ))
            case .ratings(let last, let minimum):
                let recent = Array(facts.ratings.prefix(last))
                let limit = ratingScale.firstIndex(of: minimum) ?? 0
                let good = recent.allSatisfy { (ratingScale.firstIndex(of: $0.rating) ?? ratingScale.count) <= limit }
                let actual =
                    recent.isEmpty
                    ? "no review cycles recorded" : recent.map { "\($0.cycle) \($0.rating)" }.joined(separator: ", ")
                checks.append(
                    RequirementCheck(
                        requirement: requirement.description, isMet: recent.count == last && good,
                        actual: recent.count < last && !recent.isEmpty
                            ? actual + " (only \(recent.count) cycles)" : actual))
            case .qaAverage(let minimum, _):
                let actual =
                    facts.qaAverage.map { "\(format($0.mean, decimals: 2)) over \($0.count) scored interactions" }
                    ?? "no scored interactions"
                checks.append(
                    RequirementCheck(
                        requirement: requirement.description, isMet: (facts.qaAverage?.mean ?? -1) >= minimum,
                        actual: actual))
            case .exam(let blueprint, let minScore):
                let best = facts.exams[blueprint]
                checks.append(
                    RequirementCheck(
                        requirement: requirement.description, isMet: (best ?? -1) >= minScore,
                        actual: best.map { "best \(format($0, decimals: 2))" } ?? "not taken"))
            case .mentoring(let count):
                checks.append(
                    RequirementCheck(
                        requirement: requirement.description, isMet: facts.apprentices >= count,
                        actual: "\(facts.apprentices) apprentice\(facts.apprentices == 1 ? "" : "s")"))
            }
        }
        return checks
    }

}
