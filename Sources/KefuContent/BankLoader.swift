import Foundation
public import KefuCore
public import KefuExams
import KefuRegex
import Yams

/// A question bank as loaded from `QuestionBanks/`, with what lint needs beyond the engine's model.
public struct LoadedBank: Sendable {
    /// The bank.
    public var bank: Bank
    /// The file it came from (relative to the content root).
    public var path: String
    /// `yaml` or `gift`.
    public var format: String
    /// Where each question starts, by id.
    public var locations: [String: SourceLocation]
    /// Short-answer examples to grade in lint: question id → (answer, must be fully right).
    public var examples: [String: [(text: String, isRight: Bool, location: SourceLocation)]]
    /// Errors and warnings found while loading; a bank with errors is never used for an exam.
    public var diagnostics: [Diagnostic]

    /// The errors among the diagnostics.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    /// Creates a loaded bank.
    public init(
        bank: Bank, path: String, format: String, locations: [String: SourceLocation],
        examples: [String: [(text: String, isRight: Bool, location: SourceLocation)]], diagnostics: [Diagnostic]
    ) {
        self.bank = bank
        self.path = path
        self.format = format
        self.locations = locations
        self.examples = examples
        self.diagnostics = diagnostics
    }
}

/// Loads question banks: Kefu's YAML format (documented in `QuestionBanks/README.md`) and GIFT files named
/// `<bank>.<language>.gift`. Writes banks back as YAML.
public enum BankLoader {
    static let topKeys = (required: ["bank", "language", "questions"], optional: ["title", "source"])
    static let questionKeys = [
        "id", "type", "name", "category", "tags", "difficulty", "source", "text", "format", "answers", "right", "wrong",
        "pairs",
        "correct", "true_feedback", "false_feedback", "general_feedback", "case_sensitive", "allow_negative",
        "examples",
    ]

    /// Bank id and language from a file name `<bank>.<language>.<ext>`.
    public static func nameParts(_ path: String) -> (bank: String, language: String)? {
        let name = (path as NSString).lastPathComponent
        let parts = name.split(separator: ".")
        guard parts.count == 3 else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// True for a valid bank or question id: letters, digits, `-`, `_`, `.`, starting with a letter or digit.
    static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, first.properties.isAlphabetic || ("0"..."9").contains(first) else {
            return false
        }
        return id.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        }
    }

    /// Loads a bank file (YAML or GIFT by extension).
    /// `checkName`: the file name must be `<bank>.<language>.yaml` (true for files under QuestionBanks/).
    public static func load(path: String, text: String, clauses: ClauseCatalog?, checkName: Bool = true) -> LoadedBank?
    {
        path.hasSuffix(".gift")
            ? loadGIFT(path: path, text: text, clauses: clauses)
            : loadYAML(path: path, text: text, clauses: clauses, checkName: checkName)
    }

    // MARK: GIFT

    static func loadGIFT(path: String, text: String, clauses: ClauseCatalog?) -> LoadedBank? {
        let parsed = GIFT.parse(text, file: path)
        var errors = parsed.diagnostics.filter { $0.severity == .error }
        guard let parts = nameParts(path) else {
            errors.append(
                Diagnostic(
                    .error, at: SourceLocation(file: path, line: 1, column: 1),
                    "name GIFT banks `<bank>.<language>.gift`, e.g. `channel-phone.zh.gift`"))
            return LoadedBank(
                bank: Bank(id: "", language: "", questions: []), path: path, format: "gift", locations: [:],
                examples: [:], diagnostics: errors)
        }
        // GIFT carries no locations in the model: find each `[id:…]` comment for messages.
        var locations: [String: SourceLocation] = [:]
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: "[id:"), let end = line[range.upperBound...].firstIndex(of: "]") {
                let column =
                    line.unicodeScalars.distance(from: line.unicodeScalars.startIndex, to: range.lowerBound) + 1
                locations[String(line[range.upperBound..<end]).trimmingCharacters(in: .whitespaces)] = SourceLocation(
                    file: path, line: n + 1, column: column)
            }
        }
        let bank = Bank(id: parts.bank, language: parts.language, title: parts.bank, questions: parsed.questions)
        var loaded = LoadedBank(
            bank: bank, path: path, format: "gift", locations: locations, examples: [:], diagnostics: errors)
        check(&loaded, clauses: clauses)
        return loaded
    }

    /// Checks shared by both formats: sources, patterns (compile, catastrophic shapes), unique ids.
    static func check(_ loaded: inout LoadedBank, clauses: ClauseCatalog?) {
        var seen = Set<String>()
        for question in loaded.bank.questions {
            let at = loaded.locations[question.id] ?? SourceLocation(file: loaded.path, line: 1, column: 1)
            if !seen.insert(question.id).inserted {
                loaded.diagnostics.append(
                    Diagnostic(.error, at: at, "duplicate question id `\(question.id)` in bank `\(loaded.bank.id)`"))
            }
            if let clauses {
                for source in question.sources where !clauses.contains(source) {
                    loaded.diagnostics.append(
                        Diagnostic(
                            .error, at: at,
                            "question `\(question.id)`: unknown policy clause `\(source)`; cite an id listed in Policies/clauses.yaml"
                        ))
                }
            }
            for answer in question.answers {
                for pattern in [answer.pattern].compactMap({ $0 }) + (answer.absent ?? []) {
                    if let problem = CatastrophicPatternCheck.problem(in: pattern) {
                        loaded.diagnostics.append(
                            Diagnostic(
                                .error, at: at, "question `\(question.id)`: pattern `\(pattern)`: \(problem.message)"))
                    }
                }
            }
            if question.type == .short {
                do {
                    _ = try Grader(questions: [question])
                } catch {
                    loaded.diagnostics.append(Diagnostic(.error, at: at, error.description))
                }
            }
        }
    }

    // MARK: YAML

    static func loadYAML(path: String, text: String, clauses: ClauseCatalog?, checkName: Bool = true) -> LoadedBank? {
        var reader = YAMLReader(file: path, text: text)
        guard let root = reader.root(),
            let top = reader.mapping(
                root, what: "a question bank", required: topKeys.required, optional: topKeys.optional)
        else {
            return LoadedBank(
                bank: Bank(id: "", language: "", questions: []), path: path, format: "yaml", locations: [:],
                examples: [:], diagnostics: reader.diagnostics)
        }
        let id = reader.string(top["bank"], "bank") ?? ""
        if !isValidID(id) { reader.error(top["bank"], "a bank id is letters, digits, `-`, `_` and `.`") }
        let language = reader.string(top["language"], "language") ?? ""
        if checkName, let parts = nameParts(path), parts != (id, language) {
            reader.error(
                top["bank"],
                "the file name says bank `\(parts.bank)` in `\(parts.language)`; name the file `\(id).\(language).yaml` or fix `bank`/`language`"
            )
        }
        let title = reader.string(top["title"], "title") ?? id
        let sources = ScenarioLoader.citedClauses(top["source"], clauses: clauses, reader: &reader)
        var questions: [Question] = []
        var locations: [String: SourceLocation] = [:]
        var examples: [String: [(String, Bool, SourceLocation)]] = [:]
        for node in reader.sequence(top["questions"], "questions") ?? [] {
            let before = reader.diagnostics.count
            guard
                let q = reader.mapping(
                    node, what: "a question", required: ["id", "type", "text"], optional: questionKeys)
            else { continue }
            guard let question = parseQuestion(q, node: node, reader: &reader, clauses: clauses) else { continue }
            if let examplesNode = q["examples"] {
                guard question.type == .short else {
                    reader.error(examplesNode, "`examples` are for short-answer questions")
                    continue
                }
                if let e = reader.mapping(examplesNode, what: "examples", required: [], optional: ["right", "wrong"]) {
                    for (key, isRight) in [("right", true), ("wrong", false)] {
                        for item in reader.sequence(e[key], key, allowScalar: true) ?? [] {
                            if let text = reader.string(item, key) {
                                examples[question.id, default: []].append((text, isRight, reader.location(item)))
                            }
                        }
                    }
                }
            }
            locations[question.id] = reader.location(node)
            for problem in question.problems() { reader.error(node, "question `\(question.id)`: \(problem)") }
            if reader.diagnostics.count == before
                || !reader.diagnostics[before...].contains(where: { $0.severity == .error })
            {
                questions.append(question)
            }
        }
        let bank = Bank(id: id, language: language, title: title, sources: sources, questions: questions)
        var loaded = LoadedBank(
            bank: bank, path: path, format: "yaml", locations: locations,
            examples: examples.mapValues { $0.map { (text: $0.0, isRight: $0.1, location: $0.2) } },
            diagnostics: reader.diagnostics)
        check(&loaded, clauses: nil)
        return loaded
    }

    static func parseQuestion(
        _ q: [String: Node], node: Node, reader: inout YAMLReader, clauses: ClauseCatalog?
    ) -> Question? {
        let id = reader.string(q["id"], "id") ?? ""
        if !isValidID(id) { reader.error(q["id"], "a question id is letters, digits, `-`, `_` and `.`") }
        guard let typeName = reader.string(q["type"], "type") else { return nil }
        guard let type = QuestionType(rawValue: typeName) else {
            reader.error(
                q["type"],
                "unknown question type `\(typeName)`; use \(QuestionType.allCases.map(\.rawValue).joined(separator: ", "))"
            )
            return nil
        }
        let text = reader.string(q["text"], "text") ?? ""
        var question = Question(
            id: id, name: reader.string(q["name"], "name") ?? "",
            category: reader.string(q["category"], "category") ?? "",
            tags: reader.strings(q["tags"], "tags", allowScalar: true) ?? [], type: type, text: text)
        if question.name.isEmpty { question.name = text.count > 60 ? String(text.prefix(60)) + "…" : text }
        question.sources = ScenarioLoader.citedClauses(q["source"], clauses: clauses, reader: &reader)
        if question.sources.isEmpty {
            reader.warning(
                at: reader.location(node),
                "question `\(id)` cites no policy clause; add `source:` with the clause it tests")
        }
        if let name = reader.string(q["difficulty"], "difficulty") {
            if let d = Difficulty(rawValue: name) {
                question.difficulty = d
            } else {
                reader.error(q["difficulty"], "difficulty is easy, medium or hard")
            }
        }
        if let name = reader.string(q["format"], "format") {
            if let f = TextFormat(rawValue: name) {
                question.textFormat = f
            } else {
                reader.error(q["format"], "format is moodle, html, markdown or plain")
            }
        }
        question.generalFeedback = reader.string(q["general_feedback"], "general_feedback")
        question.caseSensitive = reader.bool(q["case_sensitive"], "case_sensitive") ?? false
        question.allowsNegative = reader.bool(q["allow_negative"], "allow_negative") ?? false
        if let correct = q["correct"] { question.correct = reader.bool(correct, "correct") }
        question.trueFeedback = reader.string(q["true_feedback"], "true_feedback")
        question.falseFeedback = reader.string(q["false_feedback"], "false_feedback")
        if q["answers"] != nil, q["right"] != nil || q["wrong"] != nil {
            reader.error(q["right"] ?? q["wrong"], "use either `answers` or the `right`/`wrong` shorthand, not both")
        }
        for answerNode in reader.sequence(q["answers"], "answers") ?? [] {
            if let answer = parseAnswer(answerNode, type: type, reader: &reader) { question.answers.append(answer) }
        }
        if q["right"] != nil || q["wrong"] != nil {
            guard parseRightWrong(q, type: type, question: &question, reader: &reader) else { return nil }
        }
        for pairNode in reader.sequence(q["pairs"], "pairs") ?? [] {
            if let pair = parsePair(pairNode, reader: &reader) { question.pairs.append(pair) }
        }
        if type != .matching, let pairs = q["pairs"] { reader.error(pairs, "`pairs` are for matching questions") }
        if type != .truefalse, let node = q["correct"] ?? q["true_feedback"] ?? q["false_feedback"] {
            reader.error(node, "`correct` and the true/false feedbacks are for true/false questions")
        }
        return question
    }

    /// The `right`/`wrong` shorthand for a question's answers: single (right 100%, wrong 0%), multiple (right answers
    /// share 100%, each wrong one costs as much) or short (right answers only). Returns false when the question must
    /// be dropped (the right answers do not split 100% into a Moodle weight).
    static func parseRightWrong(
        _ q: [String: Node], type: QuestionType, question: inout Question, reader: inout YAMLReader
    ) -> Bool {
        let right = reader.strings(q["right"], "right", allowScalar: true) ?? []
        let wrong = reader.strings(q["wrong"], "wrong", allowScalar: true) ?? []
        switch type {
        case .single:
            question.answers =
                right.map { Answer(text: $0, fraction: 100) } + wrong.map { Answer(text: $0, fraction: 0) }
        case .multiple:
            // Right answers share 100%; each wrong one costs as much as a right one earns.
            let share = right.isEmpty ? 0 : 100 / Double(right.count)
            guard let weight = Question.moodleFraction(share) else {
                reader.error(
                    q["right"],
                    "\(right.count) right answers do not split 100% into a Moodle weight; write `answers` with weights"
                )
                return false
            }
            question.answers =
                right.map { Answer(text: $0, fraction: weight) } + wrong.map { Answer(text: $0, fraction: -weight) }
        case .short:
            question.answers = right.map { Answer(text: $0, fraction: 100) }
            if !wrong.isEmpty {
                reader.error(q["wrong"], "short answers list wrong answers as `answers` with `fraction: 0`")
            }
        default:
            reader.error(q["right"] ?? q["wrong"], "`right`/`wrong` are for single, multiple and short questions")
        }
        return true
    }

    /// One entry of a matching question's `pairs:` (`question`, `answer`, `format`); nil when it is not a valid
    /// mapping.
    static func parsePair(_ node: Node, reader: inout YAMLReader) -> MatchPair? {
        guard
            let p = reader.mapping(
                node, what: "a matching pair", required: ["answer"], optional: ["question", "format"])
        else { return nil }
        var pair = MatchPair(
            question: reader.string(p["question"], "question") ?? "",
            answer: reader.string(p["answer"], "answer") ?? "")
        if let name = reader.string(p["format"], "format") {
            if let f = TextFormat(rawValue: name) {
                pair.format = f
            } else {
                reader.error(p["format"], "format is moodle, html, markdown or plain")
            }
        }
        return pair
    }

    static func parseAnswer(_ node: Node, type: QuestionType, reader: inout YAMLReader) -> Answer? {
        let allowed: [String]
        switch type {
        case .numerical: allowed = ["value", "tolerance", "min", "max", "text", "fraction", "feedback"]
        case .short: allowed = ["text", "pattern", "absent", "fraction", "feedback"]
        default: allowed = ["text", "format", "fraction", "feedback"]
        }
        guard let a = reader.mapping(node, what: "an answer", required: [], optional: allowed) else { return nil }
        var answer = Answer(
            fraction: reader.number(a["fraction"], "fraction") ?? 0, feedback: reader.string(a["feedback"], "feedback"))
        answer.text = reader.string(a["text"], "text")
        if let name = reader.string(a["format"], "format") {
            if let f = TextFormat(rawValue: name) {
                answer.format = f
            } else {
                reader.error(a["format"], "format is moodle, html, markdown or plain")
            }
        }
        if let fractionNode = a["fraction"], Question.moodleFraction(answer.fraction) == nil {
            reader.error(
                fractionNode,
                "fraction \(answer.fraction) is not a grade Moodle accepts (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0 or a negative of one)"
            )
        }
        if let pattern = a["pattern"] {
            answer.pattern = reader.string(pattern, "pattern")
            if let source = answer.pattern { compileCheck(source, node: pattern, reader: &reader) }
        }
        if let absentNode = a["absent"] {
            let patterns = reader.strings(absentNode, "absent", allowScalar: true) ?? []
            let nodes = reader.sequence(absentNode, "absent", allowScalar: true) ?? []
            for (source, n) in zip(patterns, nodes) { compileCheck(source, node: n, reader: &reader) }
            answer.absent = patterns
        }
        answer.value = reader.number(a["value"], "value")
        answer.tolerance = reader.number(a["tolerance"], "tolerance") ?? (answer.value != nil ? 0 : nil)
        answer.min = reader.number(a["min"], "min")
        answer.max = reader.number(a["max"], "max")
        return answer
    }

    /// Reports a pattern that does not compile, or that can backtrack catastrophically, at its column.
    static func compileCheck(_ source: String, node: Node, reader: inout YAMLReader) {
        if let problem = CatastrophicPatternCheck.problem(in: source) {
            reader.error(at: reader.column(of: problem.offset, inScalar: node), problem.message)
            return
        }
        do {
            _ = try Pattern(source)
        } catch {
            reader.error(
                at: reader.column(of: error.patternOffset ?? 0, inScalar: node),
                "the pattern does not compile: \(error.engineMessage)")
        }
    }

    // MARK: Writing YAML

    /// Writes `bank` in Kefu's YAML format (the full `answers` form). Loading the result gives the same bank.
    public static func yaml(_ bank: Bank) -> String {
        var out = "# Question bank `\(bank.id)` (\(bank.language)). Format: QuestionBanks/README.md\n"
        out += "bank: \(quote(bank.id))\nlanguage: \(quote(bank.language))\ntitle: \(quote(bank.title))\n"
        if !bank.sources.isEmpty { out += "source: [\(bank.sources.map(quote).joined(separator: ", "))]\n" }
        out += "questions:\n"
        for q in bank.questions {
            out += "  - id: \(quote(q.id))\n    type: \(q.type.rawValue)\n    name: \(quote(q.name))\n"
            if !q.category.isEmpty { out += "    category: \(quote(q.category))\n" }
            if !q.tags.isEmpty { out += "    tags: [\(q.tags.map(quote).joined(separator: ", "))]\n" }
            if let d = q.difficulty { out += "    difficulty: \(d.rawValue)\n" }
            if !q.sources.isEmpty { out += "    source: [\(q.sources.map(quote).joined(separator: ", "))]\n" }
            if q.textFormat != .moodle { out += "    format: \(q.textFormat.rawValue)\n" }
            out += "    text: \(quote(q.text))\n"
            if q.caseSensitive { out += "    case_sensitive: true\n" }
            if q.allowsNegative { out += "    allow_negative: true\n" }
            if let correct = q.correct { out += "    correct: \(correct)\n" }
            if let f = q.trueFeedback { out += "    true_feedback: \(quote(f))\n" }
            if let f = q.falseFeedback { out += "    false_feedback: \(quote(f))\n" }
            if !q.answers.isEmpty {
                out += "    answers:\n"
                for a in q.answers {
                    var fields: [String] = []
                    if let t = a.text { fields.append("text: \(quote(t))") }
                    if let f = a.format { fields.append("format: \(f.rawValue)") }
                    if let p = a.pattern { fields.append("pattern: \(quote(p))") }
                    if let absent = a.absent { fields.append("absent: [\(absent.map(quote).joined(separator: ", "))]") }
                    if let v = a.value { fields.append("value: \(number(v))") }
                    if let t = a.tolerance { fields.append("tolerance: \(number(t))") }
                    if let v = a.min { fields.append("min: \(number(v))") }
                    if let v = a.max { fields.append("max: \(number(v))") }
                    fields.append("fraction: \(number(a.fraction))")
                    if let f = a.feedback { fields.append("feedback: \(quote(f))") }
                    out += "      - {\(fields.joined(separator: ", "))}\n"
                }
            }
            if !q.pairs.isEmpty {
                out += "    pairs:\n"
                for p in q.pairs {
                    out +=
                        "      - {question: \(quote(p.question)), "
                        + (p.format.map { "format: \($0.rawValue), " } ?? "") + "answer: \(quote(p.answer))}\n"
                }
            }
            if let g = q.generalFeedback { out += "    general_feedback: \(quote(g))\n" }
        }
        return out
    }

    /// A YAML double-quoted scalar.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\x%02X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
