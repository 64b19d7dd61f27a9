import Foundation
import Testing

/// `kefu play`, `kefu scenario` and `kefu transcript` through the binary; the terminal mode is driven
/// through stdin (`--interactive`), and interrupted with SIGINT.
@Suite("kefu play command line", .serialized)
struct PlayCLITests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-play-cli-\(UUID().uuidString)")
    var db: [String] { ["--db", folder.appendingPathComponent("k.sqlite").path] }

    func kefu(_ args: [String], stdin: String? = nil) throws -> KefuProcess.Result {
        try KefuProcess.run(args + db, stdin: stdin)
    }

    func prepare() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        #expect(try kefu(["people", "import", "Samples/people.csv"]).status == 0)
    }

    @Test("reply files: model passes (exit 0), poor fails (exit 1), JSON report, transcript as scorable JSONL")
    func replyFiles() throws {
        try prepare()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try kefu([
            "play", "express-damaged-parcel", "--as", "E001", "--mode", "exam", "--replies",
            "Scenarios/express/damaged-parcel.zh.model.jsonl", "--seed", "2",
        ])
        #expect(model.status == 2 && model.stderr.contains("in exam mode the system draws"), "\(model.stderr)")
        let drawn = try kefu([
            "play", "express-damaged-parcel", "--as", "E001", "--mode", "exam", "--replies",
            "Scenarios/express/damaged-parcel.zh.model.jsonl",
        ])
        #expect(drawn.status == 0, "\(drawn.stderr)")
        #expect(drawn.stdout.contains("result: PASS") && drawn.stdout.contains("saved as transcript 1 (attempt 1)"))
        let poor = try kefu([
            "play", "express-damaged-parcel", "--as", "E001", "--replies",
            "Scenarios/express/damaged-parcel.zh.poor.jsonl", "--format", "json",
        ])
        #expect(poor.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(poor.stdout.utf8)) as? [String: Any])
        let report = try #require(json["report"] as? [String: Any])
        #expect(
            json["attempt"] as? Int == 2 && report["passed"] as? Bool == false
                && report["outcome"] as? String == "escalated")

        let jsonl = try kefu(["transcript", "show", "1", "--format", "jsonl"])
        #expect(jsonl.status == 0 && jsonl.stdout.hasPrefix("{\"agent\":\"E001\""))
        let file = folder.appendingPathComponent("run1.jsonl")
        try Data(jsonl.stdout.utf8).write(to: file)
        let scored = try KefuProcess.run(["score", "--rubric", "complaint.zh", "--input", file.path])
        #expect(scored.status == 0 && scored.stdout.contains("run-1"), "\(scored.stdout)\(scored.stderr)")
        let text = try kefu(["transcript", "show", "2"]).stdout
        #expect(text.contains("complete (escalated)") && text.contains("✗no-shirking"))
        let list = try kefu(["transcript", "list", "--person", "E001"]).stdout
        #expect(
            list.contains("express-damaged-parcel.zh")
                && list.components(separatedBy: "\n").filter { $0.hasPrefix("1 ") || $0.hasPrefix("2 ") }.count == 2)

        let unknown = try kefu(["play", "no-such-scenario", "--as", "E001", "--replies", "-"], stdin: "hi\n")
        #expect(unknown.status == 2 && unknown.stderr.contains("known ids:"))
        let badFile = try kefu(
            ["play", "p2p-withdrawal-delay", "--as", "E001", "--replies", "-"],
            stdin: "{\"text\": \"hi\"}\n{\"delay\": 3}\n")
        #expect(badFile.status == 2 && badFile.stderr.contains("stdin:2:1: not a reply line"))
    }

    @Test("terminal mode through stdin: multi-line replies, practice feedback, end of input saves an incomplete run")
    func terminalEndOfInput() throws {
        try prepare()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = "您好，我是平台客服专员小周，\\\n出借有风险，这个产品不保本，我们不承诺收益。\n"
        let run = try kefu(
            ["play", "p2p-guaranteed-returns", "--as", "E002", "--interactive", "--seed", "1"], stdin: input)
        #expect(run.status == 1)
        #expect(run.stdout.contains("✓ risk “风险”") && run.stdout.contains("⏱"))
        #expect(run.stdout.contains("stopped (end-of-input): transcript 1 saved as incomplete"))
        let shown = try kefu(["transcript", "show", "1", "--format", "jsonl"]).stdout
        #expect(shown.contains("小周，\\n出借有风险"))
        #expect(try kefu(["transcript", "list"]).stdout.contains("incomplete"))
    }

    @Test("Ctrl-C in the terminal saves the partial run as interrupted")
    func terminalInterrupt() throws {
        try prepare()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (process, input, output) = try KefuProcess.start(
            ["play", "p2p-withdrawal-delay", "--as", "E001", "--interactive", "--mode", "exam"] + db)
        input.fileHandleForWriting.write(Data("您好，我是平台客服专员小李，很抱歉让您久等了。\n".utf8))
        // Wait until the first reply is stored, then interrupt while the second is awaited.
        var saved = false
        for _ in 0..<100 where !saved {
            Thread.sleep(forTimeInterval: 0.1)
            let shown = try kefu(["transcript", "show", "1", "--format", "jsonl"])
            saved = shown.status == 0 && shown.stdout.contains("小李")
        }
        #expect(saved)
        process.interrupt()
        process.waitUntilExit()
        try input.fileHandleForWriting.close()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 1, "\(out)")
        #expect(out.contains("stopped (interrupted)"))
        let list = try kefu(["transcript", "list"]).stdout
        #expect(list.contains("incomplete") && list.contains("interrupted"))
    }

    @Test("scenario list, show and graph")
    func scenarioCommands() throws {
        let list = try KefuProcess.run(["scenario", "list"]).stdout
        #expect(list.contains("securities-callback") && list.contains("zh,en"))
        let show = try KefuProcess.run(["scenario", "show", "securities-callback", "--lang", "en"]).stdout
        #expect(show.contains("securities-callback.en") && show.contains("→ unsatisfied-detail when passed: ask-why"))
        let dot = try KefuProcess.run(["scenario", "graph", "securities-callback"])
        #expect(dot.status == 0 && dot.stdout.hasPrefix("digraph \"securities-callback.zh\""))
        let mermaid = try KefuProcess.run(["scenario", "graph", "securities-callback", "--format", "mermaid"]).stdout
        #expect(mermaid.contains("s_feedback -->|\"passed: ask-suggestions\"| s_satisfied_end"))
    }
}
