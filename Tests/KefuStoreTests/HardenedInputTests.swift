import Foundation
import KefuCore
import KefuStorage
import Testing

@testable import KefuServices

/// Regression tests for issue 20's input boundaries: hostile times, empty ids, CRLF, long lines, invalid UTF-8,
/// non-consecutive CSV rows and error caps.
@Suite("Input boundaries of imports and scoring")
struct HardenedInputTests {
    static func line(_ id: String, at: String, agentText: String = "您好，我是客服小王") -> String {
        #"{"id":"\#(id)","channel":"chat","agent":"E001","turns":[{"speaker":"customer","text":"在吗","at":0},{"speaker":"agent","text":"\#(agentText)","at":\#(at)}]}"#
    }

    /// The column (in characters) where the second turn's `at` value starts in ``line(_:at:agentText:)``.
    static func atColumn(_ line: String, value: String) -> Int {
        line.unicodeScalars.count - (value + "}]}").count + 1
    }

    static let csvHeader = "interaction_id,channel,agent,started_at,speaker,text,at"

    @Test("the decoder refuses at values that are huge, infinite, NaN or negative, with line and column")
    func hostileTimes() {
        for value in ["1e20", "1e999", "-1e999", "Infinity", "-Infinity", "NaN", "-1", "10000001"] {
            let text = Self.line("x", at: value)
            switch InteractionDecoder.decode(Array(text.utf8)[...], line: 7) {
            case .success: Issue.record("`\(value)` must be refused")
            case .failure(let error):
                #expect(error.line == 7)
                #expect(error.column == Self.atColumn(text, value: value), "\(value)")
                #expect(error.message.contains("turns[1].at"), "\(value): \(error.message)")
            }
        }
        for value in ["0", "10000000", "2.5"] {
            let text = Self.line("x", at: value)
            #expect(throws: Never.self, "\(value)") {
                try InteractionDecoder.decode(Array(text.utf8)[...], line: 1).get()
            }
        }
    }

    @Test("an empty interaction id is refused with its column, on the fast path and the fallback path")
    func emptyID() {
        guard case .failure(let fast) = InteractionDecoder.decode(Array(Self.line("", at: "1").utf8)[...], line: 3)
        else {
            Issue.record("an empty id must be refused")
            return
        }
        #expect(fast.column == 7 && fast.message.contains("`id` is empty"))
        // An escaped key makes the fast parser give up; JSONDecoder's result is checked the same way.
        let escaped = #"{"\u0069d":"","channel":"chat","agent":"a","turns":[{"speaker":"agent","text":"t"}]}"#
        guard case .failure(let slow) = InteractionDecoder.decode(Array(escaped.utf8)[...], line: 4) else {
            Issue.record("an empty id must be refused")
            return
        }
        #expect(slow.message.contains("`id` is empty"))
    }

    @Test("invalid UTF-8 is located in characters after CJK text, and a 1 MB line with a bad byte at the end completes")
    func invalidUTF8Column() {
        var bytes = Array("{\"id\":\"中文客服\"".utf8)
        bytes.append(0xFF)
        guard case .failure(let error) = InteractionDecoder.decode(bytes[...], line: 2) else {
            Issue.record("invalid UTF-8 must be refused")
            return
        }
        #expect(error.column == 13)  // `{"id":"中文客服"` is 12 characters
        #expect(error.message.contains("UTF-8"))
        // A truncated sequence at the end of a long line.
        var long = Array(repeating: UInt8(ascii: "a"), count: 1_000_000)
        long.append(contentsOf: [0xE4, 0xB8])
        #expect(InteractionDecoder.invalidUTF8Column(long[...]) == 1_000_001)
        let cjk = Array(String(repeating: "客", count: 300_000).utf8) + [0x80]
        #expect(InteractionDecoder.invalidUTF8Column(cjk[...]) == 300_001)
        #expect(InteractionDecoder.invalidUTF8Column(Array("中文 ok".utf8)[...]) == nil)
    }

    @Test("a line over 1 MiB is cut by the reader, refused by the decoder, and the next line is still read")
    func longLines() {
        let long = Array(repeating: UInt8(ascii: "x"), count: LineReader.defaultMaximumLineLength + 5000)
        let input = Array("first\r\n".utf8) + long + Array("\nlast\r\n".utf8)
        for reader in [LineReader(bytes: input), Self.fileReader(input, chunk: 4096)] {
            #expect(reader.next().map { Array($0) } == Array("first".utf8))
            let cut = reader.next()
            #expect(reader.lastLineWasCut)
            #expect(cut?.count == LineReader.defaultMaximumLineLength + 1)
            if let cut, case .failure(let error) = InteractionDecoder.decode(cut, line: reader.lineNumber) {
                #expect(error.line == 2 && error.message.contains("longer than 1048576 bytes"))
            } else {
                Issue.record("an over-long line must be refused")
            }
            #expect(reader.next().map { Array($0) } == Array("last".utf8))
            #expect(!reader.lastLineWasCut && reader.lineNumber == 3)
            #expect(reader.next() == nil)
        }
        let small = LineReader(bytes: Array("abcdef\nab".utf8), maximumLineLength: 3)
        #expect(small.next()?.count == 4 && small.lastLineWasCut)
        #expect(small.next().map { Array($0) } == Array("ab".utf8) && !small.lastLineWasCut)
    }

    static func fileReader(_ bytes: [UInt8], chunk: Int) -> LineReader {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-lines-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        // The handle stays open for the reader's life; the file is removed at once (POSIX keeps it readable).
        let handle = FileHandle(forReadingAtPath: url.path) ?? FileHandle.nullDevice
        try? FileManager.default.removeItem(at: url)
        return LineReader(handle: handle, chunkSize: chunk)
    }

    @Test("scoring a line with at 1e20 reports it as invalid instead of trapping")
    func scoreHostile() throws {
        let f = try QAFixture()
        let input = [Self.line("a", at: "1e20"), Self.line("b", at: "30")].joined(separator: "\n")
        var invalid: [Int] = []
        let summary = ScoreService.score(lines: LineReader(bytes: Array(input.utf8)), scorer: f.scorer, workers: 1) {
            line, outcome in
            if case .invalid = outcome { invalid.append(line) }
        }
        #expect(invalid == [1])
        #expect(summary.scored == 1 && summary.invalid == 1)
    }

    @Test("qa import refuses hostile at values and empty ids in JSONL with file:line:col; nothing is stored")
    func importJSONL() async throws {
        let f = try QAFixture()
        let lines = [Self.line("ok", at: "5"), Self.line("big", at: "1e20"), Self.line("", at: "5")]
        do {
            try await f.load(lines, name: "hostile.jsonl")
            Issue.record("the import must fail")
        } catch {
            let text = "\(error)"
            #expect(text.contains("hostile.jsonl:2:\(Self.atColumn(lines[1], value: "1e20")): field `turns[1].at`"))
            #expect(text.contains("hostile.jsonl:3:7: field `id` is empty"))
        }
        #expect(try f.count("qa_interaction") == 0)
    }

    @Test("qa import refuses inf, NaN and out-of-range at values in CSV with file:line:col")
    func importCSVTimes() async throws {
        let f = try QAFixture()
        for value in ["inf", "nan", "-Infinity", "1e20", "-3"] {
            let csv = "\(Self.csvHeader)\nc1,chat,E001,,customer,在吗,0\nc1,chat,E001,,agent,您好,\(value)\n"
            do {
                _ = try await f.importFile(try f.file("t.csv", csv), format: .csv, batch: "t", skipInvalid: false)
                Issue.record("`\(value)` must be refused")
            } catch {
                #expect(
                    "\(error)".contains("t.csv:3:\(csv.split(separator: "\n")[2].count - value.count + 1): at must"))
            }
        }
        #expect(try f.count("qa_interaction") == 0)
    }

    @Test("a QA CSV whose rows for one interaction are not consecutive is refused, naming the line")
    func importCSVNotConsecutive() async throws {
        let f = try QAFixture()
        let csv = """
            \(Self.csvHeader)
            c1,chat,E001,,customer,在吗,0
            c2,chat,E001,,customer,你好,0
            c1,chat,E001,,agent,您好,5
            """
        do {
            _ = try await f.importFile(try f.file("split.csv", csv), format: .csv, batch: "s", skipInvalid: false)
            Issue.record("non-consecutive rows must be refused")
        } catch {
            let text = "\(error)"
            #expect(text.contains("split.csv:4:1: the rows of interaction `c1` are not consecutive"))
            #expect(text.contains("line 2"))
        }
        #expect(try f.count("qa_interaction") == 0)
    }

    @Test("a QA CSV with CRLF line endings imports like LF, quoted newlines included")
    func importCSVCRLF() async throws {
        let f = try QAFixture()
        let csv =
            [
                Self.csvHeader, "c1,phone,E001,2026-11-03T09:00:00+08:00,agent,\"您好，\r\n我是小王\",0",
                "c1,phone,E001,2026-11-03T09:00:00+08:00,customer,快递没到,5", "c2,chat,E003,,customer,在吗,",
            ].joined(separator: "\r\n") + "\r\n"
        let report = try await f.importFile(try f.file("crlf.csv", csv), format: .csv, batch: "c", skipInvalid: false)
        #expect(report.imported == 2)
        let c1 = try await f.reviewing.interaction("c1", by: .system)
        #expect(c1.turns.map(\.at) == [0, 5])
        #expect(c1.turns.last?.text == "快递没到")
        #expect(c1.agent == "E001")
    }

    @Test("one file with thousands of bad lines prints the first 20 errors and a count of the rest")
    func errorCap() async throws {
        let f = try QAFixture()
        let lines = (0..<3000).map { Self.line("bad\($0)", at: "NaN") }
        do {
            try await f.load(lines, name: "many.jsonl")
            Issue.record("the import must fail")
        } catch {
            let text = "\(error)"
            #expect(text.split(separator: "\n").filter { $0.hasPrefix("many.jsonl:") }.count == 20)
            #expect(text.contains("many.jsonl:20:"))
            #expect(!text.contains("many.jsonl:21:"))
            #expect(text.contains("… and 2980 more errors"))
            #expect(text.contains("3000 invalid line(s)"))
        }
        #expect(ErrorList.joined(["a", "b"]) == "a\nb")
    }

    @Test("QA review decisions and people CSV files with CRLF line endings read like LF")
    func otherCSVsCRLF() throws {
        let decisions = "interaction_id,item,verdict,comment\r\nc1,greet,pass,ok\r\nc1,close,fail,\"two\r\nlines\"\r\n"
        let read = try QAReviewService.readDecisions(from: .bytes(Array(decisions.utf8), label: "d.csv"))
        #expect(read["c1"]?.map(\.verdict) == [.pass, .fail])
        #expect(read["c1"]?.first?.comment == "ok")
        let people = try String(
            contentsOf: repositoryRoot.appendingPathComponent("Samples/people.csv"), encoding: .utf8)
        let lf = try PeopleService.parseCSV(people, file: "people.csv")
        let crlf = try PeopleService.parseCSV(people.replacingOccurrences(of: "\n", with: "\r\n"), file: "people.csv")
        #expect(!lf.isEmpty && crlf == lf)
    }

    @Test("calibration keys with an empty interaction id or item do not trap")
    func calibrationKeys() {
        typealias Ratings = QACalibrationService.Ratings
        #expect(Ratings.item(ofKey: "\u{1F}greet") == "greet")
        #expect(Ratings.item(ofKey: "c1\u{1F}") == "")
        #expect(Ratings.item(ofKey: "no-separator") == "no-separator")
        let rows = [
            QACalibrationRating(interaction: "", reviewer: "Q1", item: "greet", automatic: "pass", verdict: "pass"),
            QACalibrationRating(interaction: "", reviewer: "Q2", item: "greet", automatic: "pass", verdict: "fail"),
            QACalibrationRating(interaction: "c1", reviewer: "Q1", item: "", automatic: "fail", verdict: "fail"),
            QACalibrationRating(interaction: "c1", reviewer: "Q2", item: "", automatic: "fail", verdict: "fail"),
        ]
        let ratings = Ratings(rows)
        let keys = Array(ratings.ratings.keys).sorted()
        let items = ratings.itemAgreements(keys, reviewers: ["Q1", "Q2"], consensus: ratings.consensus(keys))
        #expect(items.map(\.item) == ["", "greet"])
    }
}
