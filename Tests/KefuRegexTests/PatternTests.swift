import Testing

@testable import KefuRegex

@Suite("PCRE2 patterns")
struct PatternTests {
    let scratch = MatchScratch()

    @Test("evidence offsets count code points of the original text, across emoji, CJK and combining marks")
    func offsetsInCodePoints() throws {
        let pattern = try Pattern("您好")
        #expect(try pattern.matchRanges(in: "😀您好", scratch: scratch) == [1..<3])
        let after = try Pattern("好")
        // "e" + COMBINING ACUTE is two code points, composed to one during NFKC.
        #expect(try after.matchRanges(in: "e\u{301}好", scratch: scratch) == [2..<3])
        let accented = try Pattern("café")
        #expect(try accented.matchRanges(in: "a cafe\u{301}!", scratch: scratch) == [2..<7])
        let flag = try Pattern("ok")
        #expect(try flag.matchRanges(in: "🇨🇳👨‍👩‍👧ok", scratch: scratch) == [7..<9])
    }

    @Test("full-width, Traditional and case variants match one pattern; evidence maps back to the original")
    func normalization() throws {
        let pattern = try Pattern("请问有什么可以帮您？")
        #expect(try pattern.matchRanges(in: "您好，請問有什麼可以幫您？", scratch: scratch) == [3..<13])
        #expect(try pattern.matchRanges(in: "請問有什麼可以幫您?", scratch: scratch) == [0..<10])
        let latin = try Pattern("abc123")
        #expect(try latin.matchRanges(in: "ＡＢＣ１２３", scratch: scratch) == [0..<6])
        let spaced = try Pattern("hello world")
        #expect(try spaced.matchRanges(in: "ｈｅｌｌｏ\u{3000} \t world", scratch: scratch) == [0..<14])
    }

    @Test("a full-width question mark in a pattern stays a literal, not a quantifier")
    func normalizedMetacharactersAreEscaped() throws {
        let pattern = try Pattern("帮您？")
        #expect(try pattern.matches("帮您?", scratch: scratch))
        #expect(try !pattern.matches("帮您", scratch: scratch))
        let colon = try Pattern("工号[:：]\\d+")
        #expect(try colon.matches("工号：1024", scratch: scratch))
        #expect(try colon.matches("工号:1024", scratch: scratch))
    }

    @Test("case sensitivity per pattern")
    func caseSensitivity() throws {
        let caseless = try Pattern("vip")
        #expect(try caseless.matches("VIP客户", scratch: scratch))
        let exact = try Pattern("VIP", options: PatternOptions(caseless: false))
        #expect(try !exact.matches("vip客户", scratch: scratch))
        #expect(try exact.matches("VIP客户", scratch: scratch))
    }

    @Test("\\b treats a Han–Latin transition as a word boundary")
    func scriptAwareBoundaries() throws {
        let iphone = try Pattern("\\biphone\\b")
        #expect(try iphone.matchRanges(in: "我的iphone坏了", scratch: scratch) == [2..<8])
        #expect(try !iphone.matches("iphones are great", scratch: scratch))
        #expect(try iphone.matches("my iPhone, broken", scratch: scratch))
        let greeting = try Pattern("\\b您好")
        #expect(try greeting.matches("喂，您好", scratch: scratch))
        #expect(try greeting.matches("Hi您好", scratch: scratch))
        #expect(try !greeting.matches("对您好一点", scratch: scratch))
        let inside = try Pattern("a\\Bb")
        #expect(try inside.matches("ab", scratch: scratch))
        #expect(try !inside.matches("a b", scratch: scratch))
        // Inside a character class \b is a backspace, as in PCRE2.
        let backspace = try Pattern("[\\b]")
        #expect(try backspace.matches("\u{8}", scratch: scratch))
    }

    @Test("a compile error reports PCRE2's message and the offset in the pattern as written")
    func compileErrors() {
        do {
            _ = try Pattern("您好(请问")
            Issue.record("expected a compile error")
        } catch {
            #expect(error.patternOffset == 5)
            #expect(error.engineMessage.contains("missing closing parenthesis"))
        }
        do {
            _ = try Pattern("\\b(abc")
            Issue.record("expected a compile error")
        } catch {
            // The \b rewrite must not shift the reported offset.
            #expect(error.patternOffset == 6)
        }
        do {
            _ = try Pattern("ab)c")
            Issue.record("expected a compile error")
        } catch {
            #expect(error.patternOffset == 2)
        }
    }

    @Test("catastrophic backtracking hits the match limit instead of hanging")
    func matchLimits() throws {
        let pattern = try Pattern("(\\w+\\s?)+$", options: PatternOptions(normalization: .none))
        let text = String(repeating: "a", count: 40) + "!"
        #expect(throws: RegexError.self) { try pattern.matches(text, scratch: scratch) }
        do {
            _ = try pattern.matches(text, scratch: scratch)
        } catch {
            #expect(error.isResourceLimit)
            #expect(error.description.contains("backtracks catastrophically"))
        }
        // The same pattern on a short text is fine.
        #expect(try pattern.matches("ab cd", scratch: scratch))
    }

    @Test("empty matches advance one character, never loop")
    func emptyMatches() throws {
        let pattern = try Pattern("x*")
        #expect(try pattern.matchRanges(in: "a好b", scratch: scratch).count == 4)
    }

    @Test("one compiled pattern is matched from many tasks at once, each with its own scratch")
    func concurrentMatching() async throws {
        let pattern = try Pattern("(抱歉|sorry)")
        let texts = (0..<200).map { $0 % 2 == 0 ? "非常抱歉\($0)" : "no apology \($0)" }
        let counts = await withTaskGroup(of: Int.self) { group in
            for chunk in 0..<8 {
                group.addTask {
                    let scratch = MatchScratch()
                    var found = 0
                    for (i, text) in texts.enumerated() where i % 8 == chunk {
                        if (try? pattern.matches(text, scratch: scratch)) == true { found += 1 }
                    }
                    return found
                }
            }
            var total = 0
            for await count in group { total += count }
            return total
        }
        #expect(counts == 100)
    }

    @Test("patterns are JIT-compiled on this platform")
    func jit() throws {
        #expect(try Pattern("abc").isJIT)
    }
}

@Suite("Script-aware boundaries against a reference")
struct BoundaryReferenceTests {
    enum Kind { case latin, han, other }

    static func kind(_ s: Unicode.Scalar?) -> Kind {
        guard let s else { return .other }
        if s.properties.isIdeographic && s.value >= 0x3400 { return .han }
        if s.properties.isAlphabetic || s.properties.numericType == .decimal || s == "_" { return .latin }
        return .other
    }

    /// Kefu's definition: the classes on either side differ and at least one side is a word class.
    static func isBoundary(_ scalars: [Unicode.Scalar], _ i: Int) -> Bool {
        let before = kind(i > 0 ? scalars[i - 1] : nil)
        let after = kind(i < scalars.count ? scalars[i] : nil)
        return before != after && (before != .other || after != .other)
    }

    static func reference(word: String, in text: String) -> [Range<Int>] {
        let t = Array(text.unicodeScalars)
        let w = Array(word.unicodeScalars)
        var found: [Range<Int>] = []
        var i = 0
        while i + w.count <= t.count {
            if Array(t[i..<i + w.count]) == w && isBoundary(t, i) && isBoundary(t, i + w.count) {
                found.append(i..<i + w.count)
                i += w.count
            } else {
                i += 1
            }
        }
        return found
    }

    @Test("general and specialized rewrites agree with the definition", arguments: ["ab", "a1", "好", "ab好", "好ab"])
    func agree(word: String) throws {
        let texts = [
            "ab", "xab", "abx", "我ab", "ab我", "我ab我", "(ab)", "a ab ab", "好", "我好", "好我", "，好，", "ab好", "x好ab", "好ab好",
            "a1 a1", "_ab", "ab_",
        ]
        let scratch = MatchScratch()
        let forms = ["\\b\(word)\\b", "\\b(?:\(word))\\b", "\\b(\(word)|zz)\\b"]
        for form in forms {
            let pattern = try Pattern(form, options: PatternOptions(caseless: false, normalization: .none))
            for text in texts {
                let expected = Self.reference(word: word, in: text)
                #expect(try pattern.matchRanges(in: text, scratch: scratch) == expected, "\(form) on \(text)")
            }
        }
    }
}
