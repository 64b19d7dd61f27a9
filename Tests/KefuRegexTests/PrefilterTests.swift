import Testing

@testable import KefuRegex

@Suite("Literal prefilter")
struct PrefilterTests {
    func literals(_ source: String, caseless: Bool = true) throws -> Set<String>? {
        LiteralAnalysis.necessaryLiterals(of: try Pattern(source, options: PatternOptions(caseless: caseless)))
    }

    @Test("necessary literals of common rubric shapes")
    func extraction() throws {
        #expect(try literals("您好") == ["您好"])
        #expect(try literals("您好|你好") == ["您好", "你好"])
        // Two equally selective candidates: the smaller set wins.
        #expect(try literals("(请问|有什么).{0,6}帮您") == ["帮您"])
        #expect(try literals("(请问|有什么).{0,6}x") == ["请问", "有什么"])
        #expect(try literals("\\bSorry\\b") == ["sorry"])
        // The scan folds ASCII case in the text, so case-sensitive literals are folded too.
        #expect(try literals("Sorry", caseless: false) == ["sorry"])
        #expect(try literals("VIP", caseless: false) == ["vip"])
        #expect(try literals("感谢(您的)?来电") == ["感谢来电", "感谢您的来电"])
        #expect(try literals("请问？") == ["请问?"])
        #expect(try literals("a.*sorry for") == ["sorry for"])
        #expect(try literals("(您好|你好)\\s*请问") == ["请问"])
        // Nothing can be required: always a candidate.
        #expect(try literals("\\d{17}[\\dXx]") == nil)
        #expect(try literals("(?i)abc") == nil)
        #expect(try literals("a*") == nil)
        #expect(try literals("(a)\\1") == nil)
        #expect(try literals("abc|\\d+") == nil)
    }

    @Test("the scan finds literals anywhere, ASCII case-insensitively, and rules out the rest")
    func scan() throws {
        let patterns = try ["您好", "sorry", "\\d+", "保证(金)?"].map { try Pattern($0) }
        let filter = LiteralPrefilter(patterns: patterns)
        let candidates = filter.scan(Array("我们深表SORRY，保证".utf8))
        #expect(!candidates.mayMatch(0))
        #expect(candidates.mayMatch(1))
        #expect(candidates.mayMatch(2))
        #expect(candidates.mayMatch(3))
        let none = filter.scan(Array("hello".utf8))
        #expect(!none.mayMatch(0) && !none.mayMatch(1) && !none.mayMatch(3))
    }

    @Test(
        "a case-sensitive pattern with capitals is a candidate where its literal occurs in any case, and PCRE2 decides")
    func caseSensitiveCapitals() throws {
        let vip = try Pattern("VIP", options: PatternOptions(caseless: false))
        let filter = LiteralPrefilter(patterns: [vip])
        let text = "尊敬的VIP客户"
        #expect(filter.scan(Array(text.utf8)).mayMatch(0))
        let scratch = MatchScratch()
        #expect(try vip.matches(text, scratch: scratch))
        // Lower case: still a candidate for the scan (folded), but PCRE2 refuses it.
        let lower = "尊敬的vip客户"
        #expect(filter.scan(Array(lower.utf8)).mayMatch(0))
        #expect(try !vip.matches(lower, scratch: scratch))
        #expect(!filter.scan(Array("尊敬的客户".utf8)).mayMatch(0))
    }
}
