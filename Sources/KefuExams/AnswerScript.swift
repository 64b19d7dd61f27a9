import Foundation
public import KefuCore

/// Answers given from a file instead of the terminal (`kefu exam take --answers FILE`): tests, the demo, batch runs.
///
/// JSON Lines, one answer per line, keyed by question id so one file can answer whichever questions a seeded
/// draw picks (questions not drawn are skipped; drawn questions without a line stay unanswered):
///
/// ```
/// {"id": "rings", "answer": "三声"}                       single choice: the choice's text
/// {"id": "wx-targets", "answer": ["满意度", "解决率"]}    multiple answers: texts
/// {"id": "tf-60s", "answer": true}                        true/false
/// {"id": "callback-days", "answer": 3}                    numerical
/// {"id": "apology", "answer": "很抱歉给您带来了不便"}     short answer or essay
/// {"id": "levels", "answer": {"致命": "立即通知"}}        matching: item → answer
/// {"id": "rings", "flag": true}                           flag for review
/// {"id": "rings", "answer": "三声", "at": 95}             given 95 s after the start (replays time limits)
/// ```
/// Blank lines and lines starting with `#` are ignored.
public struct AnswerScript: Sendable {
    /// One line.
    public struct Entry: Sendable {
        /// Question id.
        public var id: String
        /// The answer as written (JSON value).
        public var answer: AnswerValue?
        /// Flag for review.
        public var flag: Bool
        /// Seconds after the start when it is given.
        public var at: Double?
        /// Where it was written.
        public var location: SourceLocation
    }

    /// A JSON answer value.
    public enum AnswerValue: Sendable, Hashable, Decodable {
        /// Text.
        case text(String)
        /// Texts.
        case texts([String])
        /// Boolean.
        case bool(Bool)
        /// Number.
        case number(Double)
        /// Matching map.
        case map([String: String])

        /// Decodes whichever JSON form is present.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .text(value)
            } else if let value = try? container.decode([String].self) {
                self = .texts(value)
            } else {
                self = .map(try container.decode([String: String].self))
            }
        }
    }

    struct Line: Decodable {
        var id: String?
        var answer: AnswerValue?
        var flag: Bool?
        var at: Double?
    }

    /// The entries in file order.
    public var entries: [Entry]

    /// Parses `text` from `file`. Errors name the line and column.
    public static func parse(_ text: String, file: String) throws(ExamError) -> AnswerScript {
        var entries: [Entry] = []
        var diagnostics: [Diagnostic] = []
        for (n, line) in text.textLines().enumerated() {
            do {
                if let entry = try entry(line, number: n + 1, file: file) { entries.append(entry) }
            } catch {
                diagnostics += error.diagnostics
            }
        }
        if !diagnostics.isEmpty { throw ExamError(diagnostics) }
        return AnswerScript(entries: entries)
    }

    /// Parses one line (number `number`, 1-based) of an answers file: the entry, nil for a blank or `#` comment line,
    /// or an error with the line and column. Answers read from a pipe are parsed and saved one line at a time.
    public static func entry(_ line: Substring, number: Int, file: String) throws(ExamError) -> Entry? {
        var line = line
        if line.hasSuffix("\r") { line = line.dropLast() }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
        let location = SourceLocation(file: file, line: number, column: 1)
        guard
            let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed]))
                as? [String: Any]
        else {
            throw ExamError([
                Diagnostic(.error, at: location, "not a JSON object; write {\"id\": \"question-id\", \"answer\": …}")
            ])
        }
        let unknown = Set(object.keys).subtracting(["id", "answer", "flag", "at"])
        if let first = unknown.sorted().first {
            throw ExamError([
                Diagnostic(
                    .error, at: column(of: first, in: String(line), line: number, file: file),
                    "unknown key `\(first)`; an answer line has id, answer, flag and at")
            ])
        }
        let decoded: Line
        do {
            decoded = try JSONDecoder().decode(Line.self, from: Data(trimmed.utf8))
        } catch {
            let key =
                ["answer", "at", "flag", "id"].first { object[$0] != nil && !Self.decodes($0, object) } ?? "answer"
            throw ExamError([
                Diagnostic(
                    .error, at: column(of: key, in: String(line), line: number, file: file),
                    key == "answer"
                        ? "an answer is a text, a list of texts, true/false, a number or an object of item → answer"
                        : key == "at"
                            ? "\"at\" is seconds after the start (a number ≥ 0)" : "\"\(key)\" has the wrong type")
            ])
        }
        guard let id = decoded.id, !id.isEmpty else {
            throw ExamError([Diagnostic(.error, at: location, "every line names its question with \"id\"")])
        }
        if let at = decoded.at, at < 0 {
            throw ExamError([
                Diagnostic(
                    .error, at: column(of: "at", in: String(line), line: number, file: file),
                    "\"at\" is seconds after the start (a number ≥ 0)")
            ])
        }
        return Entry(id: id, answer: decoded.answer, flag: decoded.flag ?? false, at: decoded.at, location: location)
    }

    /// Whether the value under `key` decodes alone.
    static func decodes(_ key: String, _ object: [String: Any]) -> Bool {
        guard let value = object[key], let data = try? JSONSerialization.data(withJSONObject: [key: value]) else {
            return false
        }
        return (try? JSONDecoder().decode(Line.self, from: data)) != nil
    }

    static func column(of key: String, in line: String, line number: Int, file: String) -> SourceLocation {
        let column =
            line.range(of: "\"\(key)\"").map {
                line.unicodeScalars.distance(from: line.unicodeScalars.startIndex, to: $0.lowerBound) + 1
            } ?? 1
        return SourceLocation(file: file, line: number, column: column)
    }

    /// The ``Response`` this entry gives to `question`, matching choice texts after trimming.
    public static func response(
        _ value: AnswerValue, to question: Question, at location: SourceLocation
    ) throws(ExamError) -> Response {
        func fail(_ message: String) -> ExamError {
            ExamError([Diagnostic(.error, at: location, "question `\(question.id)`: \(message)")])
        }
        func index(_ text: String) throws(ExamError) -> Int {
            let wanted = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard
                let found = question.answers.firstIndex(where: {
                    $0.text?.trimmingCharacters(in: .whitespacesAndNewlines) == wanted
                })
            else {
                throw fail(
                    "`\(text)` is not one of its choices (\(question.answers.compactMap(\.text).joined(separator: " | ")))"
                )
            }
            return found
        }
        switch (question.type, value) {
        case (.single, .text(let text)): return .choices([try index(text)])
        case (.multiple, .texts(let texts)):
            var chosen: [Int] = []
            for text in texts { chosen.append(try index(text)) }
            return .choices(chosen)
        case (.multiple, .text(let text)): return .choices([try index(text)])
        case (.truefalse, .bool(let value)): return .truth(value)
        case (.numerical, .number(let value)): return .number(value)
        case (.numerical, .text(let text)):
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else {
                throw fail("`\(text)` is not a number")
            }
            return .number(value)
        case (.short, .text(let text)), (.essay, .text(let text)): return .text(text)
        case (.matching, .map(let map)):
            let items = question.matchingItems
            for key in map.keys where !items.contains(where: { $0.question == key }) {
                throw fail("`\(key)` is not one of its items (\(items.map(\.question).joined(separator: " | ")))")
            }
            return .matches(items.map { map[$0.question] })
        default:
            throw fail("a \(question.type.rawValue) question does not take this kind of answer")
        }
    }
}
