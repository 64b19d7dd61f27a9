import KefuCore
import Testing

@testable import KefuExams

@Suite("Exam input boundaries: CRLF, empty banks, non-finite numbers")
struct HardenedInputTests {
    /// `everyConstruct` with Windows line endings.
    static let crlfBank = everyConstruct.replacingOccurrences(of: "\n", with: "\r\n")

    @Test("a GIFT bank with CRLF line endings parses to the same questions as with LF")
    func giftCRLF() {
        #expect(Self.crlfBank.contains("\r\n"))
        let lf = parseOK(everyConstruct)
        let crlf = parseOK(Self.crlfBank)
        #expect(!lf.isEmpty)
        #expect(crlf.map(\.id) == lf.map(\.id))
        #expect(crlf.map(\.type) == lf.map(\.type))
        #expect(crlf.map(\.text) == lf.map(\.text))
    }

    @Test("a GIFT bank that yields no question from non-empty text is an error; an empty one is not")
    func giftNoQuestions() {
        let onlyComments = errors("// just a comment\n// another\n")
        #expect(onlyComments.count == 1)
        #expect(onlyComments.first?.message.contains("no questions") == true)
        #expect(onlyComments.first?.location.line == 1)
        #expect(GIFT.parse("  \n\n", file: "empty.gift").diagnostics.isEmpty)
    }

    @Test("GIFT numerical answers NaN, inf and 1e999 are refused with line and column")
    func giftNonFinite() {
        for spec in ["nan", "NaN", "inf", "-inf", "infinity", "1e999", "1..inf", "nan..2", "3:nan", "3:inf"] {
            let found = errors("// a comment\nHow many? {#\(spec)}")
            #expect(found.count == 1, "\(spec)")
            #expect(found.first?.location.line == 2, "\(spec)")
            #expect(found.first?.location.column ?? 0 > 1, "\(spec)")
            #expect(found.first?.message.contains("not a") == true, "\(spec)")
        }
        #expect(errors("How many? {#3:0.5}").isEmpty)
    }

    @Test("an answers file with CRLF line endings reads one entry per line")
    func answersCRLF() throws {
        let text = "# answers\r\n{\"id\":\"q1\",\"answer\":\"a\"}\r\n\r\n{\"id\":\"q2\",\"answer\":true}\r\n"
        let script = try AnswerScript.parse(text, file: "a.jsonl")
        #expect(script.entries.map(\.id) == ["q1", "q2"])
        #expect(script.entries.last?.location.line == 4)
    }
}
