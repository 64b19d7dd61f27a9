/// The outcome of one item on one interaction.
public enum Verdict: String, Sendable, Hashable, Codable {
    case pass
    case fail
    /// Not applicable: leaves the denominator.
    case na
    /// The rule could not be evaluated (e.g. a pattern hit a backtracking limit); counts as 0 points and the
    /// interaction cannot pass.
    case error
}

/// Where a verdict came from: a span of a turn, in Unicode code points of the ORIGINAL text.
public struct Evidence: Sendable, Hashable, Codable {
    /// Index into the interaction's turns.
    public var turn: Int
    /// First code point (0-based, as Python's `str` indexing counts).
    public var start: Int
    /// One past the last code point.
    public var end: Int
    /// The original text of the span.
    public var text: String

    /// Creates evidence.
    public init(turn: Int, start: Int, end: Int, text: String) {
        self.turn = turn
        self.start = start
        self.end = end
        self.text = text
    }
}

/// One item's result.
public struct ItemResult: Sendable, Hashable, Codable {
    /// Item id.
    public var id: String
    /// Category.
    public var category: String
    /// Kind.
    public var kind: ItemKind
    /// Verdict.
    public var verdict: Verdict
    /// Points earned.
    public var points: Double
    /// Points possible (0 when `na`).
    public var maxPoints: Double
    /// Evidence spans.
    public var evidence: [Evidence]
    /// A sentence explaining the verdict.
    public var message: String

    enum CodingKeys: String, CodingKey {
        case id, category, kind, verdict, points, evidence, message
        case maxPoints = "max_points"
    }
}

/// The result of scoring one interaction with one rubric.
public struct ScoreResult: Sendable, Hashable, Codable {
    /// Interaction id.
    public var interaction: String
    /// Rubric id.
    public var rubric: String
    /// SHA-256 of the rubric source.
    public var rubricVersion: String
    /// 0–100, two decimals.
    public var score: Double
    /// Score ≥ pass mark, no critical failure, no error.
    public var passed: Bool
    /// A critical item failed.
    public var criticalFailed: Bool
    /// Per-item results in rubric order.
    public var items: [ItemResult]

    /// Creates a result (scorers build these; stores rebuild them from what they kept).
    public init(
        interaction: String, rubric: String, rubricVersion: String, score: Double, passed: Bool, criticalFailed: Bool,
        items: [ItemResult]
    ) {
        self.interaction = interaction
        self.rubric = rubric
        self.rubricVersion = rubricVersion
        self.score = score
        self.passed = passed
        self.criticalFailed = criticalFailed
        self.items = items
    }

    enum CodingKeys: String, CodingKey {
        case interaction, rubric, score, passed, items
        case rubricVersion = "rubric_version"
        case criticalFailed = "critical_failed"
    }
}
