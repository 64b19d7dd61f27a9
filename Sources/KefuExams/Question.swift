import Foundation
public import KefuCore

/// The kinds of question a bank holds (the GIFT types, named as `kefu bank inspect` prints them).
public enum QuestionType: String, Sendable, Hashable, Codable, CaseIterable {
    /// One answer is chosen; each choice carries a fraction (`=` full credit, `~` none, `~%50%` partial).
    case single
    /// Several answers may be chosen; fractions add up (negative marks allowed).
    case multiple
    /// True or false, with a feedback for each choice.
    case truefalse
    /// A typed answer graded by ordered rules (literal model answers or PCRE2 patterns).
    case short
    /// A number, accepted within a tolerance or a range.
    case numerical
    /// Pairs to match; credit per correct pair.
    case matching
    /// Free text graded by a person (the manual grading queue).
    case essay
    /// Text shown to the candidate; not graded.
    case description

    /// True for the types graded without a person.
    public var isAutomatic: Bool { self != .essay && self != .description }
}

/// How a text is marked up (GIFT's `[html]`, `[markdown]`, `[plain]`, `[moodle]`).
public enum TextFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// Moodle's auto-format (GIFT's default).
    case moodle
    /// HTML.
    case html
    /// Markdown.
    case markdown
    /// Plain text.
    case plain
}

/// How hard a question is meant to be (blueprints mix difficulties).
public enum Difficulty: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Recall of a stated rule.
    case easy
    /// Applying a rule to a case.
    case medium
    /// Combining rules or telling close cases apart.
    case hard

    /// Easy first.
    public static func < (lhs: Difficulty, rhs: Difficulty) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One answer of a question: a choice, a short-answer rule or a numerical answer.
///
/// Which fields are set depends on the question type:
/// - choices (`single`, `multiple`): `text`, `fraction`, `feedback`;
/// - short answer: `text` (a literal model answer; `*` matches any text, as in Moodle) **or** `pattern`
///   (PCRE2), optionally `absent` (patterns that must not occur for the rule to apply);
/// - numerical: `value` and `tolerance`, or `min` and `max`, or `text` = `*` (any other number).
public struct Answer: Sendable, Hashable, Codable {
    /// Choice text or literal short answer.
    public var text: String?
    /// Markup of `text` when it differs from the question's.
    public var format: TextFormat?
    /// Short answer: a PCRE2 pattern (anchored to the whole answer when the fraction is positive).
    public var pattern: String?
    /// Short answer: patterns that must not occur anywhere in the answer for this rule to apply.
    public var absent: [String]?
    /// Numerical: the accepted value.
    public var value: Double?
    /// Numerical: accepted error either side of `value`.
    public var tolerance: Double?
    /// Numerical: lowest accepted value.
    public var min: Double?
    /// Numerical: highest accepted value.
    public var max: Double?
    /// Credit in percent of the question's mark (−100…100).
    public var fraction: Double
    /// Shown when this answer is given.
    public var feedback: String?

    /// Creates an answer.
    public init(
        text: String? = nil, format: TextFormat? = nil, pattern: String? = nil, absent: [String]? = nil,
        value: Double? = nil,
        tolerance: Double? = nil, min: Double? = nil, max: Double? = nil, fraction: Double, feedback: String? = nil
    ) {
        self.text = text
        self.format = format
        self.pattern = pattern
        self.absent = absent
        self.value = value
        self.tolerance = tolerance
        self.min = min
        self.max = max
        self.fraction = fraction
        self.feedback = feedback
    }

    /// True for the numerical catch-all (`*`).
    public var isWildcard: Bool { text == "*" && pattern == nil && value == nil && min == nil }
}

/// One pair of a matching question. An empty `question` is a distractor: an extra answer to choose from.
public struct MatchPair: Sendable, Hashable, Codable {
    /// The item to match (empty for a distractor).
    public var question: String
    /// Markup of `question` when it differs from the question's.
    public var format: TextFormat?
    /// The matching answer.
    public var answer: String

    /// Creates a pair.
    public init(question: String, format: TextFormat? = nil, answer: String) {
        self.question = question
        self.format = format
        self.answer = answer
    }
}

/// A question in a bank.
public struct Question: Sendable, Hashable, Codable {
    /// Stable id, unique in its bank (GIFT: `// [id:…]`).
    public var id: String
    /// Short name (GIFT: `::name::`).
    public var name: String
    /// Category path (GIFT: `$CATEGORY:`), e.g. `onboarding/response-standards`.
    public var category: String
    /// Tags (GIFT: `// [tag:…]`).
    public var tags: [String]
    /// The type.
    public var type: QuestionType
    /// Question text; `_____` marks where the answer goes in a missing-word question.
    public var text: String
    /// Markup of the text.
    public var textFormat: TextFormat
    /// Answers (choices, short-answer rules or numerical answers), in order.
    public var answers: [Answer]
    /// Matching pairs (with distractors).
    public var pairs: [MatchPair]
    /// True/false: the correct value.
    public var correct: Bool?
    /// True/false: shown to a candidate who answers true.
    public var trueFeedback: String?
    /// True/false: shown to a candidate who answers false.
    public var falseFeedback: String?
    /// Shown to every candidate after grading (GIFT: `####`).
    public var generalFeedback: String?
    /// Short answer: letter case matters.
    public var caseSensitive: Bool
    /// Multiple answers: the total may go below zero (by default it stops at 0).
    public var allowsNegative: Bool
    /// Policy clauses the question tests (ids from Policies/clauses.yaml).
    public var sources: [String]
    /// Intended difficulty.
    public var difficulty: Difficulty?

    /// Creates a question.
    public init(
        id: String, name: String, category: String = "", tags: [String] = [], type: QuestionType, text: String,
        textFormat: TextFormat = .moodle, answers: [Answer] = [], pairs: [MatchPair] = [], correct: Bool? = nil,
        trueFeedback: String? = nil, falseFeedback: String? = nil, generalFeedback: String? = nil,
        caseSensitive: Bool = false,
        allowsNegative: Bool = false, sources: [String] = [], difficulty: Difficulty? = nil
    ) {
        self.id = id
        self.name = name
        self.category = category
        self.tags = tags
        self.type = type
        self.text = text
        self.textFormat = textFormat
        self.answers = answers
        self.pairs = pairs
        self.correct = correct
        self.trueFeedback = trueFeedback
        self.falseFeedback = falseFeedback
        self.generalFeedback = generalFeedback
        self.caseSensitive = caseSensitive
        self.allowsNegative = allowsNegative
        self.sources = sources
        self.difficulty = difficulty
    }

    /// Matching: the answers to choose from (each pair's answer, then distractors), without repeats, in bank order.
    public var matchingChoices: [String] {
        var seen = Set<String>()
        return pairs.map(\.answer).filter { seen.insert($0).inserted }
    }

    /// Matching: the pairs that are items to match (not distractors).
    public var matchingItems: [MatchPair] { pairs.filter { !$0.question.isEmpty } }

    /// Checks the question's own consistency (what Moodle's importer checks, plus Kefu's rules).
    /// Returns problems as messages; empty when the question is usable.
    public func problems() -> [String] {
        var found: [String] = []
        switch type {
        case .single:
            if answers.count < 2 { found.append("a single-choice question needs at least two choices") }
            if (answers.map(\.fraction).max() ?? 0) < 100 - Self.fractionTolerance {
                found.append("one of the choices must be worth 100% (mark it with `=`)")
            }
        case .multiple:
            if answers.count < 2 { found.append("a multiple-answer question needs at least two choices") }
            let positive = answers.map(\.fraction).filter { $0 > 0 }.reduce(0, +)
            if abs(positive - 100) > Self.fractionTolerance {
                found.append(
                    "the positive weights of a multiple-answer question must add up to 100%, not \(Self.percent(positive))"
                )
            }
        case .short:
            if answers.isEmpty { found.append("a short-answer question needs at least one answer") }
            if !answers.contains(where: { $0.fraction >= 100 - Self.fractionTolerance }) {
                found.append("one short answer must be worth 100%")
            }
            for answer in answers where (answer.text == nil) == (answer.pattern == nil) {
                found.append("each short answer has either `text` (literal) or `pattern` (PCRE2), not both or neither")
            }
        case .numerical:
            if answers.isEmpty { found.append("a numerical question needs at least one answer") }
            for answer in answers where !answer.isWildcard {
                if answer.value == nil && (answer.min == nil || answer.max == nil) {
                    found.append("each numerical answer needs `value` (and `tolerance`) or `min` and `max`")
                } else if let min = answer.min, let max = answer.max, min > max {
                    found.append(
                        "numerical range \(Self.number(min))..\(Self.number(max)) is empty: the minimum is above the maximum"
                    )
                }
            }
            if !answers.contains(where: { $0.fraction >= 100 - Self.fractionTolerance }) {
                found.append("one numerical answer must be worth 100%")
            }
        case .matching:
            if matchingItems.count < 2 { found.append("a matching question needs at least two pairs") }
            if matchingChoices.count < 3 {
                found.append(
                    "a matching question needs at least three answers to choose from (add a distractor `= -> …`)")
            }
        case .truefalse:
            if correct == nil { found.append("a true/false question needs its correct value") }
        case .essay, .description:
            if !answers.isEmpty || !pairs.isEmpty { found.append("\(type.rawValue) questions take no answers") }
        }
        if type != .truefalse, correct != nil { found.append("only true/false questions have `correct`") }
        for answer in answers where answer.fraction < -100 || answer.fraction > 100 {
            found.append("answer weights are percentages between -100 and 100, not \(Self.percent(answer.fraction))")
        }
        return found
    }

    /// How far fractions may be from an exact sum (Moodle accepts 33.33333 × 3).
    public static let fractionTolerance = 0.0001

    /// The answer weights Moodle accepts (its `fraction_options_full`), in percent; negatives of each are allowed too.
    public static let moodleFractions: [Double] = [
        100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111,
        10, 5, 0,
    ]

    /// The Moodle weight `percent` stands for, or nil when Moodle would reject it.
    public static func moodleFraction(_ percent: Double) -> Double? {
        let magnitude = abs(percent)
        guard let match = moodleFractions.first(where: { abs($0 - magnitude) < 0.001 }) else { return nil }
        return percent < 0 ? -match : match
    }

    /// `33.33333%`, `50%`.
    static func percent(_ value: Double) -> String { number(value) + "%" }

    /// A number without a trailing `.0`.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: "%.7f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}

/// A named set of questions in one language (`QuestionBanks/<id>.<lang>.yaml` or `.gift`).
public struct Bank: Sendable, Hashable, Codable {
    /// Bank id (shared by its language versions).
    public var id: String
    /// Language (`zh`, `en`).
    public var language: String
    /// Title.
    public var title: String
    /// Policy clauses the bank as a whole draws on.
    public var sources: [String]
    /// The questions, in file order.
    public var questions: [Question]

    /// Creates a bank.
    public init(id: String, language: String, title: String = "", sources: [String] = [], questions: [Question]) {
        self.id = id
        self.language = language
        self.title = title
        self.sources = sources
        self.questions = questions
    }

    /// A question by id.
    public func question(_ id: String) -> Question? { questions.first { $0.id == id } }
}

/// The one error type of KefuExams: what failed, and what to do about it.
public struct ExamError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong and what to do.
    public let description: String
    /// Where, when the error is about a file.
    public let diagnostics: [Diagnostic]

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
        self.diagnostics = []
    }

    /// Creates an error from content diagnostics (the description lists them).
    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
        self.description = diagnostics.map(\.description).joined(separator: "\n")
    }
}
