/// Rewrites a Kefu pattern into the PCRE2 pattern that is compiled, keeping a map from every byte of
/// the result back to a scalar offset in the pattern as written (for compile-error positions).
///
/// Two rewrites:
/// - `\b` and `\B` outside character classes become *script-aware* boundaries: a boundary stands
///   wherever the text changes between a Han character, another word character (letter, digit, `_`)
///   and anything else. So `\biphone\b` matches in `我的iphone坏了`, and `\b您好` matches after
///   punctuation or a Latin word, but there is never a boundary between two Han characters.
/// - Non-ASCII literal characters are normalized exactly as the text will be (full-width → half-width,
///   Traditional → Simplified), and a literal that normalizes to a regex metacharacter (`？` → `?`) is
///   escaped, so `请问有什么可以帮您？` still means a literal question mark.
struct PatternSource {
    /// The PCRE2 pattern.
    var compiled: String = ""
    /// For each UTF-8 byte of `compiled`, the scalar offset in the original pattern.
    var byteToSource: [Int] = []

    /// Non-Han word character class.
    static let latinWord = "[^\\W\\p{Han}]"
    /// Script-aware word boundary: PCRE2's own `\b` (with UCP, Han characters are word characters, so it
    /// fires between a word character and anything else) plus the two transitions it misses, Han→Latin
    /// and Latin→Han. PCRE2's `\b` comes first because it decides most positions cheaply.
    static let boundary = "(?:\\b|(?<=\\p{Han})(?=\(latinWord))|(?<=\(latinWord))(?=\\p{Han}))"
    static let nonBoundary = "(?!\(boundary))"
    /// Next to a literal Latin word character the boundary is one assertion about the other side.
    static let boundaryBeforeLatin = "(?<!\(latinWord))"
    static let boundaryAfterLatin = "(?!\(latinWord))"
    static let nonBoundaryBeforeLatin = "(?<=\(latinWord))"
    static let nonBoundaryAfterLatin = "(?=\(latinWord))"

    init(pattern: String, normalizer: Normalizer) {
        var rewriter = Rewriter(scalars: Array(pattern.unicodeScalars), normalizer: normalizer)
        rewriter.run()
        compiled = rewriter.compiled
        byteToSource = rewriter.byteToSource
    }

    /// The rewriting pass over the pattern's scalars: one token per step, in or out of a character
    /// class or a `\Q…\E` quote.
    private struct Rewriter {
        let scalars: [Unicode.Scalar]
        let normalizer: Normalizer
        var compiled = ""
        var byteToSource: [Int] = []
        var i = 0
        var inClass = false
        var classStart = -1
        var inQuote = false
        // True when the last token emitted outside a class is certainly one Latin word character (so a
        // following \b needs only look ahead); `groups` folds that over each group's alternatives.
        var lastTokenEndsWithLatinWord = false
        var groups: [Bool] = []

        init(scalars: [Unicode.Scalar], normalizer: Normalizer) {
            self.scalars = scalars
            self.normalizer = normalizer
        }

        mutating func run() {
            while i < scalars.count {
                let c = scalars[i]
                if inQuote {
                    quoted(c)
                } else if c == "\\" && i + 1 < scalars.count {
                    escape(c, scalars[i + 1])
                } else if inClass {
                    classMember(c)
                } else {
                    token(c)
                }
            }
        }

        mutating func append(_ text: String, source: Int) {
            compiled += text
            byteToSource.append(contentsOf: repeatElement(source, count: text.utf8.count))
        }

        mutating func appendScalar(_ scalar: Unicode.Scalar, source: Int) {
            compiled.unicodeScalars.append(scalar)
            byteToSource.append(contentsOf: repeatElement(source, count: UTF8.width(scalar)))
        }

        mutating func appendLiteral(_ scalar: Unicode.Scalar, source: Int) {
            guard scalar.value >= 0x80, let mapped = normalizer.mapped(scalar) else {
                appendScalar(scalar, source: source)
                return
            }
            if inClass && mapped.count != 1 {
                appendScalar(scalar, source: source)
                return
            }
            for m in mapped {
                let needsEscape =
                    inClass
                    ? (m.value < 0x80 && m.properties.isASCIIHexDigit == false && !m.properties.isAlphabetic
                        && m != " ")
                    : "\\^$.|?*+()[]{}".unicodeScalars.contains(m)
                if inQuote && m == "\\" {
                    appendScalar(scalar, source: source)
                    return
                }
                if needsEscape && inClass {
                    // `\x{3a}` rather than `\:`: PCRE2 reads `[:…:]` as a POSIX class even with escapes.
                    append("\\x{" + String(m.value, radix: 16) + "}", source: source)
                    continue
                }
                if needsEscape && !inQuote { append("\\", source: source) }
                if m == " " && !inClass && !inQuote {
                    // Keep normalized spaces literal even under (?x).
                    append("\\x20", source: source)
                    continue
                }
                appendScalar(m, source: source)
            }
        }

        /// Inside `\Q…\E`: literals until `\E`.
        mutating func quoted(_ c: Unicode.Scalar) {
            if c == "\\", i + 1 < scalars.count, scalars[i + 1] == "E" {
                append("\\E", source: i)
                inQuote = false
                i += 2
            } else {
                appendLiteral(c, source: i)
                i += 1
            }
        }

        /// A backslash escape `c e`: boundaries are rewritten, `\Q` opens a quote, the rest is copied.
        mutating func escape(_ c: Unicode.Scalar, _ e: Unicode.Scalar) {
            if !inClass && (e == "b" || e == "B") {
                let positive = e == "b"
                if PatternSource.startsWithLatinWord(scalars, at: i + 2) {
                    append(
                        positive ? PatternSource.boundaryBeforeLatin : PatternSource.nonBoundaryBeforeLatin, source: i)
                } else if lastTokenEndsWithLatinWord {
                    append(positive ? PatternSource.boundaryAfterLatin : PatternSource.nonBoundaryAfterLatin, source: i)
                } else {
                    append(positive ? PatternSource.boundary : PatternSource.nonBoundary, source: i)
                }
                lastTokenEndsWithLatinWord = false
                i += 2
                return
            }
            if e == "Q" {
                append("\\Q", source: i)
                inQuote = true
                i += 2
                return
            }
            appendScalar(c, source: i)
            appendScalar(e, source: i + 1)
            lastTokenEndsWithLatinWord = false
            i += 2
            // Escapes with a braced argument: copy through the closing brace.
            if "pPxoNgkKu".unicodeScalars.contains(e), i < scalars.count, scalars[i] == "{" {
                while i < scalars.count {
                    let b = scalars[i]
                    appendScalar(b, source: i)
                    i += 1
                    if b == "}" { break }
                }
            }
        }

        /// A character inside `[…]`: the closing bracket, a POSIX class, or a literal.
        mutating func classMember(_ c: Unicode.Scalar) {
            if c == "]" && i > classStart + 1 && !(i == classStart + 2 && scalars[classStart + 1] == "^") {
                inClass = false
                appendScalar(c, source: i)
            } else if c == "[", i + 1 < scalars.count, scalars[i + 1] == ":" {
                // POSIX class [:alpha:]: copy through ":]".
                while i < scalars.count {
                    appendScalar(scalars[i], source: i)
                    if scalars[i] == "]" && i > 0 && scalars[i - 1] == ":" {
                        i += 1
                        break
                    }
                    i += 1
                }
                return
            } else {
                appendLiteral(c, source: i)
            }
            i += 1
        }

        /// A character outside classes and quotes: brackets, groups, alternation, or a literal.
        mutating func token(_ c: Unicode.Scalar) {
            if c == "[" {
                inClass = true
                classStart = i
                appendScalar(c, source: i)
                lastTokenEndsWithLatinWord = false
                i += 1
                return
            }
            switch c {
            case "(":
                let rest = scalars[(i + 1)...].prefix(3).map { Character($0) }
                let isAssertion =
                    rest.starts(with: ["?", "="]) || rest.starts(with: ["?", "!"])
                    || rest.starts(with: ["?", "<", "="]) || rest.starts(with: ["?", "<", "!"])
                groups.append(!isAssertion)
                lastTokenEndsWithLatinWord = false
                appendScalar(c, source: i)
            case "|":
                if !groups.isEmpty { groups[groups.count - 1] = groups[groups.count - 1] && lastTokenEndsWithLatinWord }
                lastTokenEndsWithLatinWord = false
                appendScalar(c, source: i)
            case ")":
                let all = (groups.popLast() ?? false) && lastTokenEndsWithLatinWord
                lastTokenEndsWithLatinWord = all
                appendScalar(c, source: i)
            default:
                appendLiteral(c, source: i)
                lastTokenEndsWithLatinWord = PatternSource.isASCIIWord(c)
            }
            i += 1
        }
    }

    static func isASCIIWord(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
    }

    /// True when every match of the pattern text at `j` certainly starts with one Latin word character:
    /// a literal ASCII word character (not made optional), or a plain group whose alternatives all do.
    static func startsWithLatinWord(_ s: [Unicode.Scalar], at j: Int) -> Bool {
        func optional(_ k: Int) -> Bool {
            guard k < s.count else { return false }
            return s[k] == "?" || s[k] == "*" || (s[k] == "{" && k + 1 < s.count && s[k + 1] == "0")
        }
        guard j < s.count else { return false }
        if isASCIIWord(s[j]) { return !optional(j + 1) }
        guard s[j] == "(" else { return false }
        var k = j + 1
        if k + 1 < s.count, s[k] == "?", s[k + 1] == ":" { k += 2 } else if k < s.count, s[k] == "?" { return false }
        var atAlternativeStart = true
        var depth = 0
        while k < s.count {
            let c = s[k]
            if atAlternativeStart {
                guard isASCIIWord(c), !optional(k + 1) else { return false }
                atAlternativeStart = false
            }
            if c == "\\" {
                k += 2
                continue
            }
            if c == "[" {
                // Skip a class.
                k += 1
                if k < s.count, s[k] == "]" { k += 1 }
                while k < s.count, s[k] != "]" { k += s[k] == "\\" ? 2 : 1 }
            } else if c == "(" {
                depth += 1
            } else if c == ")" {
                if depth == 0 { return !optional(k + 1) }
                depth -= 1
            } else if c == "|" && depth == 0 {
                atAlternativeStart = true
            }
            k += 1
        }
        return false
    }

    /// Scalar offset in the original pattern for a byte offset in the compiled pattern.
    func sourceOffset(forByte byte: Int) -> Int {
        if byteToSource.isEmpty { return 0 }
        if byte < byteToSource.count { return byteToSource[byte] }
        return (byteToSource.last ?? 0) + 1
    }
}
