import Foundation
public import KefuCore

/// Moodle's GIFT text format: parsing (with line and column for every error) and writing.
///
/// Supported: `$CATEGORY:`, `//` comments with `[id:…]` and `[tag:…]`, `::title::`, `[html]`/`[markdown]`/`[plain]`/
/// `[moodle]`, single choice (`=`/`~`), multiple answers with `%n%` weights (negative allowed), `#feedback` and
/// `####general feedback`, true/false with both feedbacks, short answer, numerical (`{#v:tol}`, `{#min..max}`, graded
/// alternatives, `~` for any other number), matching (`=a -> b`, distractors `= -> c`), essay `{}`, description,
/// missing word (text after the answer block), and the escapes `\~ \= \# \{ \} \: \n \\`.
///
/// Kefu's own metadata rides in comments, which Moodle ignores: `[source:CLAUSE]`, `[difficulty:easy]`,
/// `[case:sensitive]`, `[negative:allowed]`, and one `// kefu-rule: {json}` line per short-answer rule when a
/// question uses PCRE2 patterns (its literal answers stay in the answer block for Moodle).
public enum GIFT {
    /// The result of parsing a GIFT file.
    public struct Parsed: Sendable {
        /// Questions in file order (only when there are no errors).
        public var questions: [Question]
        /// Errors and warnings, each at a line and column of the file.
        public var diagnostics: [Diagnostic]
    }

    /// Parses GIFT `text` read from `file` (for messages). The whole file is rejected when any question has an error.
    public static func parse(_ text: String, file: String) -> Parsed {
        var parser = Parser(file: file)
        return parser.parse(text)
    }

    // MARK: - Tokens

    /// One Unicode scalar of a question block, whether it was escaped, and where it came from.
    struct Token {
        var scalar: Unicode.Scalar
        var escaped: Bool
        var line: Int
        var column: Int

        func isSpecial(_ c: Unicode.Scalar) -> Bool { !escaped && scalar == c }
        var isSpace: Bool { !escaped && (scalar.properties.isWhitespace) }
    }

    struct Parser {
        let file: String
        var diagnostics: [Diagnostic] = []
        var category = ""
        var usedIDs: [String: Int] = [:]
        var questions: [Question] = []

        init(file: String) { self.file = file }

        mutating func parse(_ text: String) -> Parsed {
            var lines = text.textLines()
            if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
            var block: [(number: Int, text: Substring)] = []
            var comments: [(number: Int, text: Substring)] = []
            for (index, line) in lines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty {
                    if !block.isEmpty { question(block, comments: comments) }
                    block = []
                    comments = []
                } else if trimmed.hasPrefix("//") {
                    comments.append((index + 1, line))
                } else {
                    block.append((index + 1, line))
                }
            }
            if !block.isEmpty { question(block, comments: comments) }
            if questions.isEmpty && !diagnostics.contains(where: { $0.severity == .error })
                && text.contains(where: { !$0.isWhitespace })
            {
                diagnostics.append(
                    Diagnostic(
                        .error, at: SourceLocation(file: file, line: 1, column: 1),
                        "no questions found in non-empty text; a question is `Text {answers}`, questions are separated by blank lines"
                    ))
            }
            let hasErrors = diagnostics.contains { $0.severity == .error }
            return Parsed(questions: hasErrors ? [] : questions, diagnostics: diagnostics)
        }

        mutating func error(_ token: Token?, fallback: (Int, Int), _ message: String) {
            let (line, column) = token.map { ($0.line, $0.column) } ?? fallback
            diagnostics.append(Diagnostic(.error, at: SourceLocation(file: file, line: line, column: column), message))
        }

        /// Splits a block into tokens, resolving escapes.
        static func tokens(_ block: [(number: Int, text: Substring)]) -> [Token] {
            var tokens: [Token] = []
            for (i, line) in block.enumerated() {
                let scalars = Array(line.text.unicodeScalars)
                var j = 0
                while j < scalars.count {
                    let s = scalars[j]
                    if s == "\\", j + 1 < scalars.count, "~=#{}:\\n".unicodeScalars.contains(scalars[j + 1]) {
                        let next = scalars[j + 1]
                        tokens.append(
                            Token(scalar: next == "n" ? "\n" : next, escaped: true, line: line.number, column: j + 1))
                        j += 2
                    } else {
                        tokens.append(Token(scalar: s, escaped: false, line: line.number, column: j + 1))
                        j += 1
                    }
                }
                if i + 1 < block.count {
                    tokens.append(Token(scalar: "\n", escaped: false, line: line.number, column: scalars.count + 1))
                }
            }
            return tokens
        }

        static func string(_ tokens: ArraySlice<Token>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: tokens.map(\.scalar))
            return String(view).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        static func trim(_ tokens: ArraySlice<Token>) -> ArraySlice<Token> {
            var slice = tokens
            while let first = slice.first, first.isSpace { slice = slice.dropFirst() }
            while let last = slice.last, last.isSpace { slice = slice.dropLast() }
            return slice
        }

        /// Index of the first unescaped `scalar` in `tokens` at or after `from`.
        static func find(_ scalar: Unicode.Scalar, in tokens: ArraySlice<Token>, from: Int? = nil) -> Int? {
            var i = from ?? tokens.startIndex
            while i < tokens.endIndex {
                if tokens[i].isSpecial(scalar) { return i }
                i += 1
            }
            return nil
        }

        /// Index of the first unescaped two-scalar sequence.
        static func find(
            _ a: Unicode.Scalar, _ b: Unicode.Scalar, in tokens: ArraySlice<Token>, from: Int? = nil
        ) -> Int? {
            var i = from ?? tokens.startIndex
            while i + 1 < tokens.endIndex {
                if tokens[i].isSpecial(a) && tokens[i + 1].isSpecial(b) { return i }
                i += 1
            }
            return nil
        }

        /// A leading `[html]`-style marker: the format and the rest.
        static func format(_ tokens: ArraySlice<Token>) -> (TextFormat?, ArraySlice<Token>) {
            let slice = trim(tokens)
            guard slice.first?.scalar == "[", let close = slice.firstIndex(where: { $0.scalar == "]" }) else {
                return (nil, slice)
            }
            let name = string(slice[slice.startIndex + 1..<close])
            guard let format = TextFormat(rawValue: name) else { return (nil, slice) }
            return (format, slice[(close + 1)...])
        }

        mutating func question(_ block: [(number: Int, text: Substring)], comments: [(number: Int, text: Substring)]) {
            let all = Self.tokens(block)
            let tokens = Self.trim(all[...])
            guard let start = tokens.first else { return }
            let startPosition = (start.line, start.column)
            // $CATEGORY: sets the category of the questions that follow.
            let raw = Self.string(tokens)
            if raw.hasPrefix("$CATEGORY:") {
                category = String(raw.dropFirst("$CATEGORY:".count)).trimmingCharacters(in: .whitespaces)
                return
            }
            let errorsBefore = diagnostics.count
            var body = tokens
            var name: String?
            if body.count >= 2, body[body.startIndex].isSpecial(":"), body[body.startIndex + 1].isSpecial(":") {
                guard let close = Self.find(":", ":", in: body, from: body.startIndex + 2) else {
                    error(
                        body.first, fallback: startPosition,
                        "the title opened with `::` is not closed; write `::title::` before the question text, or escape a colon as `\\:`"
                    )
                    return
                }
                name = Self.string(body[(body.startIndex + 2)..<close])
                body = body[(close + 2)...]
            }
            let metadata = Metadata(comments: comments)
            diagnostics += metadata.errors(file: file)
            var question = Question(id: "", name: name ?? "", category: category, type: .description, text: "")
            guard let open = Self.find("{", in: body) else {
                if let stray = Self.find("}", in: body) {
                    error(
                        body[stray], fallback: startPosition,
                        "`}` without an opening `{`; escape it as `\\}` if it is text")
                    return
                }
                let (format, text) = Self.format(body)
                question.textFormat = format ?? .moodle
                question.text = Self.string(text)
                finish(&question, metadata: metadata, at: startPosition, errorsBefore: errorsBefore)
                return
            }
            guard let close = Self.find("}", in: body, from: open + 1) else {
                error(
                    body[open], fallback: startPosition,
                    "the answer block opened here is not closed with `}` (a blank line ends a question)")
                return
            }
            if let nested = Self.find("{", in: body[(open + 1)..<close]) {
                error(body[nested], fallback: startPosition, "a `{` inside an answer block; escape it as `\\{`")
                return
            }
            let after = Self.trim(body[(close + 1)...])
            if let second = Self.find("{", in: after) ?? Self.find("}", in: after) {
                error(
                    after[second], fallback: startPosition,
                    "a question has one answer block; escape braces in text as `\\{` and `\\}`")
                return
            }
            let (format, before) = Self.format(body[..<open])
            question.textFormat = format ?? .moodle
            let beforeText = Self.string(before)
            if after.isEmpty {
                question.text = beforeText
            } else {
                // Missing word: the blank stands where the answer block was.
                let afterText = Self.string(after)
                let joiner = afterText.first.map { GIFT.closingPunctuation.contains($0) } == true ? "" : " "
                question.text = beforeText + " _____" + joiner + afterText
            }
            answers(Self.trim(body[(open + 1)..<close]), into: &question, open: body[open])
            finish(&question, metadata: metadata, at: startPosition, errorsBefore: errorsBefore)
        }

        mutating func finish(_ question: inout Question, metadata: Metadata, at position: (Int, Int), errorsBefore: Int)
        {
            guard diagnostics.count == errorsBefore else { return }
            question.tags = metadata.tags
            question.sources = metadata.sources
            question.caseSensitive = metadata.caseSensitive
            question.allowsNegative = metadata.allowsNegative
            if let difficulty = metadata.difficulty {
                guard let value = Difficulty(rawValue: difficulty) else {
                    error(
                        nil, fallback: metadata.location ?? position,
                        "difficulty `\(difficulty)` is not one of easy, medium, hard")
                    return
                }
                question.difficulty = value
            }
            if !metadata.rules.isEmpty {
                guard question.type == .short else {
                    error(
                        nil, fallback: metadata.location ?? position,
                        "`kefu-rule` lines belong to short-answer questions only")
                    return
                }
                question.answers = metadata.rules
            }
            if question.name.isEmpty {
                let flat = question.text.replacingOccurrences(of: "\n", with: " ")
                question.name = flat.count > 60 ? String(flat.prefix(60)) + "…" : flat
            }
            if let id = metadata.id {
                if let line = usedIDs[id] {
                    error(
                        nil, fallback: metadata.location ?? position, "duplicate id `\(id)`: line \(line) uses it too")
                    return
                }
                question.id = id
            } else {
                let base =
                    "q-"
                    + String(
                        fnv1a64(question.category + "\u{1}" + question.name + "\u{1}" + question.text) & 0xFFFF_FFFF,
                        radix: 16)
                var id = base
                var n = 2
                while usedIDs[id] != nil {
                    id = "\(base)-\(n)"
                    n += 1
                }
                question.id = id
            }
            usedIDs[question.id] = position.0
            for problem in question.problems() {
                error(nil, fallback: position, "question `\(question.name)`: \(problem)")
            }
            questions.append(question)
        }

        // MARK: Answer block

        mutating func answers(_ block: ArraySlice<Token>, into question: inout Question, open: Token) {
            var part = block
            if let general = part.indices.first(where: { i in
                i + 3 < part.endIndex && (0..<4).allSatisfy { part[i + $0].isSpecial("#") }
            }) {
                question.generalFeedback = Self.string(part[(general + 4)...])
                part = Self.trim(part[..<general])
            }
            let fallback = (open.line, open.column)
            if part.isEmpty {
                question.type = .essay
                return
            }
            if part.first?.isSpecial("#") == true {
                question.type = .numerical
                numerical(Self.trim(part.dropFirst()), into: &question, fallback: fallback)
                return
            }
            if Self.find("~", in: part) != nil {
                question.type = Self.find("=", in: part) == nil ? .multiple : .single
                for item in items(part, fallback: fallback) {
                    guard let answer = choice(item, fallback: fallback) else { continue }
                    question.answers.append(answer)
                }
                return
            }
            if Self.find("=", in: part) != nil, Self.find("-", ">", in: part) != nil {
                question.type = .matching
                matchingPairs(part, into: &question, fallback: fallback)
                return
            }
            let hash = Self.find("#", in: part)
            let head = Self.string(hash.map { part[..<$0] } ?? part)
            if ["T", "TRUE", "F", "FALSE"].contains(head) {
                question.type = .truefalse
                Self.trueFalse(part, head: head, hash: hash, into: &question)
                return
            }
            question.type = .short
            for item in items(part, fallback: fallback) {
                if item.marker?.scalar == "~" { error(item.marker, fallback: fallback, "short answers start with `=`") }
                guard let answer = choice(item, fallback: fallback) else { continue }
                question.answers.append(Answer(text: answer.text, fraction: answer.fraction, feedback: answer.feedback))
            }
        }

        /// A matching block's `=item -> answer` pairs.
        mutating func matchingPairs(_ part: ArraySlice<Token>, into question: inout Question, fallback: (Int, Int)) {
            for item in items(part, fallback: fallback) {
                if item.marker?.scalar == "~" {
                    error(item.marker, fallback: fallback, "matching pairs start with `=`")
                }
                guard let arrow = Self.find("-", ">", in: item.body) else {
                    error(item.marker, fallback: fallback, "each matching pair is written `=item -> answer`")
                    continue
                }
                if let hash = Self.find("#", in: item.body) {
                    error(
                        item.body[hash], fallback: fallback,
                        "matching pairs take no feedback; escape `#` as `\\#` if it is text")
                    continue
                }
                let (format, left) = Self.format(item.body[..<arrow])
                let answer = Self.string(item.body[(arrow + 2)...])
                if answer.isEmpty {
                    error(item.body[arrow], fallback: fallback, "a matching pair needs an answer after `->`")
                }
                question.pairs.append(MatchPair(question: Self.string(left), format: format, answer: answer))
            }
        }

        /// A true/false block: `head` is `T`, `TRUE`, `F` or `FALSE`, `hash` where its feedback starts (the first
        /// is shown for the wrong choice, the second for the right one).
        static func trueFalse(_ part: ArraySlice<Token>, head: String, hash: Int?, into question: inout Question) {
            let isTrue = head.hasPrefix("T")
            question.correct = isTrue
            var feedbacks: [String] = []
            if let hash {
                var rest = part[(hash + 1)...]
                if let second = Self.find("#", in: rest) {
                    feedbacks = [Self.string(rest[..<second]), Self.string(rest[(second + 1)...])]
                    rest = rest[..<second]
                } else {
                    feedbacks = [Self.string(rest)]
                }
            }
            // GIFT: the first feedback is shown for the wrong choice, the second for the right one.
            let wrong = feedbacks.first.flatMap { $0.isEmpty ? nil : $0 }
            let right = feedbacks.count > 1 && !feedbacks[1].isEmpty ? feedbacks[1] : nil
            question.trueFeedback = isTrue ? right : wrong
            question.falseFeedback = isTrue ? wrong : right
        }

        struct Item {
            var marker: Token?
            var body: ArraySlice<Token>
        }

        /// Splits an answer block at unescaped `=` and `~`.
        mutating func items(_ part: ArraySlice<Token>, fallback: (Int, Int)) -> [Item] {
            var items: [Item] = []
            var current: Item?
            var leading = part.startIndex
            for i in part.indices where part[i].isSpecial("=") || part[i].isSpecial("~") {
                if let item = current {
                    items.append(Item(marker: item.marker, body: part[(item.body.startIndex)..<i]))
                } else if !Self.trim(part[leading..<i]).isEmpty {
                    error(
                        Self.trim(part[leading..<i]).first, fallback: fallback,
                        "text before the first answer: answers start with `=` (right) or `~` (wrong)")
                }
                current = Item(marker: part[i], body: part[(i + 1)...])
                leading = i + 1
            }
            if let item = current {
                items.append(item)
            } else {
                error(
                    part.first, fallback: fallback,
                    "no answers: write `=right answer`, `~wrong answer`, `{T}`/`{F}`, `{#number}` or `{}` for an essay")
            }
            return items
        }

        /// Parses `%weight%`; returns the weight (percent) and the rest.
        mutating func weight(_ body: ArraySlice<Token>, fallback: (Int, Int)) -> (Double?, ArraySlice<Token>)? {
            let slice = Self.trim(body)
            guard let first = slice.first, first.scalar == "%", !first.escaped else { return (nil, slice) }
            guard let close = slice.dropFirst().firstIndex(where: { $0.scalar == "%" }) else {
                error(first, fallback: fallback, "an answer weight is written `%50%`: the closing `%` is missing")
                return nil
            }
            let text = Self.string(slice[(slice.startIndex + 1)..<close])
            guard let value = Double(text) else {
                error(
                    first, fallback: fallback,
                    "`%\(text)%` is not a weight: write a percentage such as `%50%` or `%-33.33333%`")
                return nil
            }
            guard let moodle = Question.moodleFraction(value) else {
                error(
                    first, fallback: fallback,
                    "weight \(text)% is not a grade Moodle accepts; use one of \(Question.moodleFractions.map { Question.number($0) }.joined(separator: ", ")) (or their negatives)"
                )
                return nil
            }
            return (moodle, slice[(close + 1)...])
        }

        /// A choice or short answer: weight, text, feedback.
        mutating func choice(_ item: Item, fallback: (Int, Int)) -> Answer? {
            guard let (weight, rest) = weight(item.body, fallback: fallback) else { return nil }
            let isRight = item.marker?.scalar == "="
            let fraction = weight ?? (isRight ? 100 : 0)
            let hash = Self.find("#", in: rest)
            let (format, textTokens) = Self.format(hash.map { rest[..<$0] } ?? rest)
            let text = Self.string(textTokens)
            let feedback = hash.map { Self.string(rest[($0 + 1)...]) }
            if text.isEmpty { error(item.marker, fallback: fallback, "an answer without text") }
            return Answer(
                text: text, format: format, fraction: fraction, feedback: feedback.flatMap { $0.isEmpty ? nil : $0 })
        }

        /// The number `text` spells, when it is finite: `nan`, `inf` and `1e999` are not answers anyone can give.
        static func finite(_ text: String) -> Double? {
            guard let value = Double(text), value.isFinite else { return nil }
            return value
        }

        mutating func numerical(_ part: ArraySlice<Token>, into question: inout Question, fallback: (Int, Int)) {
            var entries: [(marker: Token?, body: ArraySlice<Token>)] = []
            let markers = part.indices.filter { part[$0].isSpecial("=") || part[$0].isSpecial("~") }
            let firstMarker = markers.first ?? part.endIndex
            if !Self.trim(part[..<firstMarker]).isEmpty { entries.append((nil, part[..<firstMarker])) }
            for (n, m) in markers.enumerated() {
                let end = n + 1 < markers.count ? markers[n + 1] : part.endIndex
                entries.append((part[m], part[(m + 1)..<end]))
            }
            if entries.isEmpty { error(nil, fallback: fallback, "a numerical question needs a number after `#`") }
            for entry in entries {
                guard let (weight, rest) = weight(entry.body, fallback: fallback) else { continue }
                let isWrong = entry.marker?.scalar == "~"
                let hash = Self.find("#", in: rest)
                let spec = Self.string(hash.map { rest[..<$0] } ?? rest)
                let feedback = hash.map { Self.string(rest[($0 + 1)...]) }.flatMap { $0.isEmpty ? nil : $0 }
                var answer = Answer(fraction: weight ?? (isWrong ? 0 : 100), feedback: feedback)
                let at = entry.marker ?? rest.first
                if spec.isEmpty || spec == "*" {
                    guard isWrong || spec == "*" else {
                        error(
                            at, fallback: fallback, "a numerical answer needs a number, `min..max` or `value:tolerance`"
                        )
                        continue
                    }
                    answer.text = "*"
                } else if let range = spec.range(of: "..") {
                    guard let low = Self.finite(spec[..<range.lowerBound].trimmingCharacters(in: .whitespaces)),
                        let high = Self.finite(spec[range.upperBound...].trimmingCharacters(in: .whitespaces))
                    else {
                        error(at, fallback: fallback, "`\(spec)` is not a range: write `min..max`, e.g. `3.141..3.142`")
                        continue
                    }
                    answer.min = low
                    answer.max = high
                } else {
                    let parts = spec.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard let value = Self.finite(parts[0]), parts.count == 1 || Self.finite(parts[1]) != nil else {
                        error(
                            at, fallback: fallback,
                            "`\(spec)` is not a number: write `value`, `value:tolerance` or `min..max`")
                        continue
                    }
                    answer.value = value
                    answer.tolerance = parts.count > 1 ? Self.finite(parts[1]) : 0
                    if let tolerance = answer.tolerance, tolerance < 0 {
                        error(at, fallback: fallback, "a tolerance cannot be negative")
                    }
                }
                question.answers.append(answer)
            }
        }
    }

    /// Kefu's and Moodle's metadata from the comment lines before a question.
    struct Metadata {
        var id: String?
        var tags: [String] = []
        var sources: [String] = []
        var difficulty: String?
        var caseSensitive = false
        var allowsNegative = false
        var rules: [Answer] = []
        var location: (Int, Int)?
        var problems: [(Int, Int, String)] = []

        init(comments: [(number: Int, text: Substring)]) {
            for comment in comments {
                let text = String(comment.text.drop { $0 == " " || $0 == "\t" }.dropFirst(2))
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("kefu-rule:") {
                    let json = trimmed.dropFirst("kefu-rule:".count)
                    location = location ?? (comment.number, 1)
                    if let rule = try? JSONDecoder().decode(Answer.self, from: Data(json.utf8)) {
                        rules.append(rule)
                    } else {
                        problems.append(
                            (
                                comment.number, 1,
                                "`kefu-rule:` must be followed by a JSON answer such as {\"pattern\": \"…\", \"fraction\": 100}"
                            ))
                    }
                    continue
                }
                var rest = Substring(text)
                while let open = rest.firstIndex(of: "["), let colon = rest[open...].firstIndex(of: ":"),
                    let close = rest[colon...].firstIndex(of: "]")
                {
                    let key = rest[rest.index(after: open)..<colon]
                    let value = String(rest[rest.index(after: colon)..<close]).trimmingCharacters(in: .whitespaces)
                    rest = rest[rest.index(after: close)...]
                    guard !key.contains(" "), !key.isEmpty else { continue }
                    location = location ?? (comment.number, 1)
                    switch key {
                    case "id": id = value
                    case "tag": tags += value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    case "source":
                        sources += value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    case "difficulty": difficulty = value
                    case "case": caseSensitive = value == "sensitive"
                    case "negative": allowsNegative = value == "allowed"
                    default: break
                    }
                }
            }
        }

        func errors(file: String) -> [Diagnostic] {
            problems.map { Diagnostic(.error, at: SourceLocation(file: file, line: $0.0, column: $0.1), $0.2) }
        }
    }

    // MARK: - Writing

    /// Punctuation written straight after a missing-word blank, without a space.
    static let closingPunctuation: Set<Character> = [
        ".", ",", ";", ":", "!", "?", "。", "，", "；", "：", "！", "？", ")", "）",
    ]

    /// Writes `questions` as GIFT. Parsing the result gives the same questions back.
    public static func write(_ questions: [Question]) -> String {
        var out = ""
        var category: String?
        for question in questions {
            if question.category != category, !(category == nil && question.category.isEmpty) {
                out += "$CATEGORY: \(question.category)\n\n"
            }
            category = question.category
            var meta = "// [id:\(question.id)]"
            for tag in question.tags { meta += " [tag:\(tag)]" }
            for source in question.sources { meta += " [source:\(source)]" }
            if let difficulty = question.difficulty { meta += " [difficulty:\(difficulty.rawValue)]" }
            if question.caseSensitive { meta += " [case:sensitive]" }
            if question.allowsNegative { meta += " [negative:allowed]" }
            out += meta + "\n"
            let literalOnly = question.answers.allSatisfy { $0.pattern == nil && $0.absent == nil }
            if question.type == .short, !literalOnly {
                for rule in question.answers { out += "// kefu-rule: \(rule.json)\n" }
            }
            out += "::\(escape(question.name))::"
            if question.textFormat != .moodle { out += "[\(question.textFormat.rawValue)]" }
            let block = answerBlock(question, literalOnly: literalOnly)
            if question.type == .description {
                out += escape(question.text)
            } else if let blank = question.text.range(of: " _____") {
                let before = String(question.text[..<blank.lowerBound])
                var after = String(question.text[blank.upperBound...])
                if after.hasPrefix(" ") { after.removeFirst() }
                let joiner = after.first.map { closingPunctuation.contains($0) } == true ? "" : " "
                out += escape(before) + " " + block + (after.isEmpty ? "" : joiner + escape(after))
            } else {
                out += escape(question.text) + block
            }
            out += "\n\n"
        }
        return out
    }

    static func answerBlock(_ question: Question, literalOnly: Bool) -> String {
        var lines: [String] = []
        func feedback(_ text: String?) -> String { text.map { "#" + escape($0) } ?? "" }
        func weight(_ fraction: Double) -> String { "%\(Question.number(fraction))%" }
        func text(_ answer: Answer) -> String {
            (answer.format.map { "[\($0.rawValue)]" } ?? "") + escape(answer.text ?? "")
        }
        switch question.type {
        case .description:
            return ""
        case .essay:
            return question.generalFeedback.map { "{####\(escape($0))}" } ?? "{}"
        case .truefalse:
            let isTrue = question.correct ?? true
            let right = isTrue ? question.trueFeedback : question.falseFeedback
            let wrong = isTrue ? question.falseFeedback : question.trueFeedback
            var inner = isTrue ? "TRUE" : "FALSE"
            if wrong != nil || right != nil { inner += "#" + escape(wrong ?? "") }
            if let right { inner += "#" + escape(right) }
            if let general = question.generalFeedback { inner += "####" + escape(general) }
            return "{\(inner)}"
        case .single:
            for answer in question.answers {
                let marker = answer.fraction >= 100 ? "=" : answer.fraction == 0 ? "~" : "~" + weight(answer.fraction)
                lines.append(marker + text(answer) + feedback(answer.feedback))
            }
        case .multiple:
            for answer in question.answers {
                lines.append(
                    "~" + (answer.fraction == 0 ? "" : weight(answer.fraction)) + text(answer)
                        + feedback(answer.feedback))
            }
        case .short:
            for answer in question.answers where answer.text != nil && (literalOnly || answer.absent == nil) {
                lines.append(
                    "=" + (answer.fraction >= 100 ? "" : weight(answer.fraction)) + text(answer)
                        + feedback(answer.feedback))
            }
            // Pattern-only questions: Moodle still needs an answer; Kefu grades by the kefu-rule lines.
            if lines.isEmpty { lines.append("=%0%*") }
        case .numerical:
            for answer in question.answers {
                if answer.isWildcard {
                    lines.append(
                        "~" + (answer.fraction == 0 ? "" : weight(answer.fraction)) + "*" + feedback(answer.feedback))
                    continue
                }
                let spec =
                    answer.value.map { Question.number($0) + ":" + Question.number(answer.tolerance ?? 0) }
                    ?? Question.number(answer.min ?? 0) + ".." + Question.number(answer.max ?? 0)
                lines.append(
                    "=" + (answer.fraction >= 100 ? "" : weight(answer.fraction)) + spec + feedback(answer.feedback))
            }
            var block = "{#\n"
            for line in lines { block += "\t\(line)\n" }
            if let general = question.generalFeedback { block += "\t####\(escape(general))\n" }
            return block + "}"
        case .matching:
            for pair in question.pairs {
                lines.append(
                    "=" + (pair.format.map { "[\($0.rawValue)]" } ?? "") + escape(pair.question) + " -> "
                        + escape(pair.answer))
            }
        }
        var block = "{\n"
        for line in lines { block += "\t\(line)\n" }
        if let general = question.generalFeedback { block += "\t####\(escape(general))\n" }
        return block + "}"
    }

    /// Escapes GIFT's control characters, backslashes and line breaks.
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "~", "=", "#", "{", "}", ":": out += "\\" + String(scalar)
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension Answer {
    /// The answer as one line of canonical JSON (for `kefu-rule:` comments).
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
