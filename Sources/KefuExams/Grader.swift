import Foundation
import KefuRegex

/// A candidate's answer to one question.
///
/// JSON: one key naming the kind — `{"choices": [0, 2]}` (indices into the question's answers, in bank order),
/// `{"truth": true}`, `{"text": "…"}` (short answer, essay), `{"number": 60}`, `{"matches": ["Ottawa", null]}`
/// (per matching item, in order, the chosen answer).
public enum Response: Sendable, Hashable, Codable {
    /// Chosen choices (bank-order indices).
    case choices([Int])
    /// True/false.
    case truth(Bool)
    /// Typed text.
    case text(String)
    /// A number.
    case number(Double)
    /// Matching: the answer chosen for each item.
    case matches([String?])

    enum Key: String, CodingKey { case choices, truth, text, number, matches }

    /// Decodes the one-key form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "a response has exactly one of choices, truth, text, number, matches"))
        }
        switch key {
        case .choices: self = .choices(try container.decode([Int].self, forKey: key))
        case .truth: self = .truth(try container.decode(Bool.self, forKey: key))
        case .text: self = .text(try container.decode(String.self, forKey: key))
        case .number: self = .number(try container.decode(Double.self, forKey: key))
        case .matches: self = .matches(try container.decode([String?].self, forKey: key))
        }
    }

    /// Encodes the one-key form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case .choices(let value): try container.encode(value, forKey: .choices)
        case .truth(let value): try container.encode(value, forKey: .truth)
        case .text(let value): try container.encode(value, forKey: .text)
        case .number(let value): try container.encode(value, forKey: .number)
        case .matches(let value): try container.encode(value, forKey: .matches)
        }
    }

    /// Whether this kind of response fits a question type.
    public func fits(_ type: QuestionType) -> Bool {
        switch (self, type) {
        case (.choices, .single), (.choices, .multiple), (.truth, .truefalse), (.text, .short), (.text, .essay),
            (.number, .numerical), (.matches, .matching):
            return true
        default: return false
        }
    }
}

/// The outcome of grading one response.
public struct Grade: Sendable, Hashable, Codable {
    /// Where grading stands.
    public enum State: String, Sendable, Hashable, Codable {
        /// Full credit.
        case correct
        /// Some credit.
        case partial
        /// No credit (or a penalty).
        case wrong
        /// Nothing given.
        case unanswered
        /// Waiting for a person (essays; short answers whose pattern hit a match limit).
        case needsGrading = "needs-grading"
        /// Not graded (descriptions).
        case ungraded
    }

    /// The state.
    public var state: State
    /// Credit as a fraction of the mark (−1…1); nil while a person has to grade.
    public var fraction: Double?
    /// Feedback for the answers given (in order), without the general feedback.
    public var feedback: [String]
    /// The answer or rule that decided the grade (bank order), when one did.
    public var rule: Int?

    /// Creates a grade.
    public init(state: State, fraction: Double?, feedback: [String] = [], rule: Int? = nil) {
        self.state = state
        self.fraction = fraction
        self.feedback = feedback
        self.rule = rule
    }

    static func from(fraction: Double, feedback: [String], rule: Int? = nil) -> Grade {
        let state: State = fraction >= 1 - 1e-9 ? .correct : fraction > 1e-9 ? .partial : .wrong
        return Grade(state: state, fraction: fraction, feedback: feedback, rule: rule)
    }
}

/// Grades responses. Short answers are matched with PCRE2 after Kefu's rubric normalization (NFKC,
/// traditional → simplified, whitespace), so traditional and full-width input grade the same as simplified and
/// half-width; rules are tried in order and the first that applies wins. Literal answers (with Moodle's `*`
/// wildcard) and positive-credit patterns must match the whole answer; zero- and negative-credit patterns
/// match anywhere ("mentions X"); `absent` patterns must not occur for a rule to apply.
public struct Grader: Sendable {
    struct Rule: Sendable {
        var pattern: Pattern
        var absent: [Pattern]
    }

    private var rules: [String: [Rule]] = [:]

    /// Compiles the short-answer rules of `questions`. Throws naming the question and rule when a pattern
    /// does not compile.
    public init(questions: [Question]) throws(ExamError) {
        for question in questions where question.type == .short {
            rules[question.id] = try Self.compile(question)
        }
    }

    /// The PCRE2 source a short-answer rule compiles to.
    public static func patternSource(for answer: Answer) -> String {
        if let pattern = answer.pattern {
            return answer.fraction > 0 ? "^\\s*(?:" + pattern + ")\\s*$" : pattern
        }
        let literal = (answer.text ?? "").split(separator: "*", omittingEmptySubsequences: false).map {
            escapeLiteral(String($0))
        }
        return "^\\s*" + literal.joined(separator: ".*") + "\\s*$"
    }

    /// Escapes PCRE2 metacharacters.
    public static func escapeLiteral(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\^$.|?*+()[]{}/".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    static func compile(_ question: Question) throws(ExamError) -> [Rule] {
        let options = PatternOptions(caseless: !question.caseSensitive)
        var compiled: [Rule] = []
        for (n, answer) in question.answers.enumerated() {
            let source = patternSource(for: answer)
            do {
                let pattern = try Pattern(source, options: options)
                let absent = try (answer.absent ?? []).map { (text) throws(RegexError) in
                    try Pattern(text, options: options)
                }
                compiled.append(Rule(pattern: pattern, absent: absent))
            } catch {
                throw ExamError("question `\(question.id)`, answer \(n + 1): \(error.description); fix the pattern")
            }
        }
        return compiled
    }

    /// Grades `response` to `question`; nil response = unanswered.
    public func grade(_ question: Question, _ response: Response?) -> Grade {
        if question.type == .description { return Grade(state: .ungraded, fraction: 0) }
        guard let response else { return Grade(state: .unanswered, fraction: 0) }
        guard response.fits(question.type) else { return Grade(state: .wrong, fraction: 0) }
        switch (question.type, response) {
        case (.single, .choices(let chosen)):
            guard chosen.count == 1, question.answers.indices.contains(chosen[0]) else {
                return Grade(state: chosen.isEmpty ? .unanswered : .wrong, fraction: 0)
            }
            let answer = question.answers[chosen[0]]
            return .from(
                fraction: clamp(answer.fraction / 100, question), feedback: answer.feedback.map { [$0] } ?? [],
                rule: chosen[0])
        case (.multiple, .choices(let chosen)):
            let valid = Array(Set(chosen.filter { question.answers.indices.contains($0) })).sorted()
            if valid.isEmpty { return Grade(state: .unanswered, fraction: 0) }
            let total = valid.map { question.answers[$0].fraction }.reduce(0, +) / 100
            return .from(fraction: clamp(total, question), feedback: valid.compactMap { question.answers[$0].feedback })
        case (.truefalse, .truth(let value)):
            let feedback = (value ? question.trueFeedback : question.falseFeedback).map { [$0] } ?? []
            return .from(fraction: value == question.correct ? 1 : 0, feedback: feedback)
        case (.numerical, .number(let value)):
            for (n, answer) in question.answers.enumerated() where Self.accepts(answer, value) {
                return .from(
                    fraction: clamp(answer.fraction / 100, question), feedback: answer.feedback.map { [$0] } ?? [],
                    rule: n)
            }
            return .from(fraction: 0, feedback: [])
        case (.matching, .matches(let chosen)):
            let items = question.matchingItems
            guard !items.isEmpty else { return Grade(state: .ungraded, fraction: 0) }
            if chosen.allSatisfy({ $0 == nil }) { return Grade(state: .unanswered, fraction: 0) }
            let right = items.indices.filter { $0 < chosen.count && chosen[$0] == items[$0].answer }.count
            return .from(fraction: Double(right) / Double(items.count), feedback: [])
        case (.short, .text(let text)):
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return Grade(state: .unanswered, fraction: 0)
            }
            return gradeShort(question, text)
        case (.essay, .text(let text)):
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return Grade(state: .unanswered, fraction: 0)
            }
            return Grade(state: .needsGrading, fraction: nil)
        default:
            return Grade(state: .wrong, fraction: 0)
        }
    }

    func clamp(_ fraction: Double, _ question: Question) -> Double {
        min(1, max(question.allowsNegative ? -1 : 0, fraction))
    }

    static func accepts(_ answer: Answer, _ value: Double) -> Bool {
        if answer.isWildcard { return true }
        if let target = answer.value {
            let tolerance = answer.tolerance ?? 0
            return abs(value - target) <= tolerance + 1e-9 * max(1, abs(target))
        }
        if let low = answer.min, let high = answer.max { return value >= low - 1e-12 && value <= high + 1e-12 }
        return false
    }

    func gradeShort(_ question: Question, _ text: String) -> Grade {
        guard let compiled = rules[question.id] ?? (try? Self.compile(question)) else {
            return Grade(state: .needsGrading, fraction: nil, feedback: ["the question's rules do not compile"])
        }
        let scratch = MatchScratch()
        do {
            for (n, rule) in compiled.enumerated() {
                guard try rule.pattern.matches(text, scratch: scratch) else { continue }
                var excluded = false
                for pattern in rule.absent where try pattern.matches(text, scratch: scratch) {
                    excluded = true
                    break
                }
                if excluded { continue }
                let answer = question.answers[n]
                return .from(
                    fraction: clamp(answer.fraction / 100, question), feedback: answer.feedback.map { [$0] } ?? [],
                    rule: n)
            }
        } catch {
            // A pathological answer against a backtracking pattern: a person decides.
            return Grade(
                state: .needsGrading, fraction: nil, feedback: ["automatic grading stopped: \(error.description)"])
        }
        return .from(fraction: 0, feedback: [])
    }
}
