import Foundation
import KefuContent
import KefuCore
import KefuRubrics
import Testing

@testable import KefuScenarios

/// A small complaint scenario exercising every kind of branch: critical failure, late reply, passed check,
/// a self-loop bounded by `max_turns`, and an end step that expects a last reply.
let scenarioYAML = """
    id: test-complaint
    language: en
    title: test
    business: express
    channel: wechat
    persona: {name: Customer, mood: angry}
    source: [X]
    rubrics: [sorry.en]
    pass_mark: 80
    reply_limit_seconds: 60
    max_turns: 4
    replies: {model: m.jsonl, poor: p.jsonl}
    checks:
      - {id: apology, title: t, kind: required, category: apology, source: [X], match: ['\\bsorry\\b'], examples: {match: [sorry], no_match: [hello]}}
      - {id: no-rude, title: t, kind: forbidden, category: forbidden.rude, critical: true, source: [X], match: ['\\bidiot\\b'], examples: {match: [idiot], no_match: [hello]}}
      - {id: time, title: t, kind: required, category: reply-time-promise, source: [X], points: 3, match: ['\\btoday\\b'], examples: {match: [today], no_match: [soon]}}
    steps:
      - id: open
        customer: [Variant A, Variant B, Variant C]
        checks: [apology, no-rude]
        branches:
          - {if: {failed: [no-rude]}, next: gone}
          - {if: {late: true}, next: waited}
          - {if: {passed: [apology]}, next: calm}
          - next: angry
      - id: waited
        customer: Finally.
        checks: [apology]
        branches:
          - next: calm
      - id: angry
        customer: No apology?
        checks: [apology]
        branches:
          - {if: {passed: [apology]}, next: calm}
          - next: angry
      - id: calm
        customer: When?
        checks: [time]
        end: resolved
      - id: gone
        customer: Bye.
        end: {outcome: escalated, fails: true}
    """

let sorryRubricYAML = """
    id: sorry.en
    version: "1"
    title: t
    language: en
    channels: [wechat]
    pass_mark: 50
    sections:
      - id: s
        title: s
        weight: 1
        items:
          - {id: sorry, title: t, kind: required, category: apology, source: [X], match: ['\\bsorry\\b'], examples: {match: [sorry], no_match: [hi]}}
    """

func loadTestScenario(_ yaml: String = scenarioYAML) throws -> (Scenario, [Rubric]) {
    let (rubric, rubricDiagnostics) = RubricLoader.load(path: "sorry.en.yaml", text: sorryRubricYAML, clauses: nil)
    guard let rubric else { throw ContentError(rubricDiagnostics) }
    let (loaded, diagnostics) = ScenarioLoader.load(
        path: "test.yaml", text: yaml, clauses: nil, rubrics: ["sorry.en": rubric.rubric])
    guard let loaded, loaded.errors.isEmpty else { throw ContentError(diagnostics) }
    return (loaded.scenario, [rubric.rubric])
}

/// The customer lines in the actions.
func lines(_ actions: [ScenarioAction]) -> [String] {
    actions.compactMap { if case .customerSays(let line) = $0 { return line.step } else { return nil } }
}

@Suite("scenario runner state machine (manual clock)")
struct RunnerTests {
    @Test("an apology on time takes the calm branch; the end step's reply finishes a passing run")
    func happyPath() throws {
        let (scenario, rubrics) = try loadTestScenario()
        let clock = ManualClock()
        var runner = ScenarioRunner(scenario: scenario, rubrics: rubrics, trainee: "E001", seed: 1, clock: clock)
        #expect(lines(try runner.start()) == ["open"])
        #expect(runner.deadline == ManualClock.Instant(offset: .seconds(60)))
        clock.advance(by: .seconds(12))
        let first = try runner.reply("I am so sorry about that.")
        #expect(lines(first) == ["calm"])
        guard case .replyChecked(let record) = first.first else {
            Issue.record("no check result")
            return
        }
        #expect(record.seconds == 12 && !record.isLate && record.next == "calm")
        #expect(record.checks.map(\.verdict) == [.pass, .pass])
        #expect(record.checks[0].evidence.first?.turn == 1 && record.checks[0].evidence.first?.text == "sorry")
        clock.advance(by: .seconds(20))
        let last = try runner.reply("It will be fixed today.")
        guard case .finished(let report) = last.last else {
            Issue.record("not finished")
            return
        }
        #expect(report.status == .complete && report.outcome == "resolved" && report.passed)
        #expect(report.checksScore == 100 && report.score == 100)
        #expect(runner.turns.map(\.at) == [0, 12, 12, 32])
        #expect(report.durationSeconds == 32)
        #expect(throws: ScenarioError.self) { _ = try runner.reply("again") }
    }

    @Test("a reply after the limit is late: it loses the reply-time points and takes the `late` branch")
    func lateReply() throws {
        let (scenario, rubrics) = try loadTestScenario()
        let clock = ManualClock()
        var runner = ScenarioRunner(scenario: scenario, rubrics: rubrics, trainee: "E001", seed: 1, clock: clock)
        _ = try runner.start()
        clock.advance(by: .seconds(61))
        let actions = try runner.reply("Sorry for the wait.")
        #expect(lines(actions) == ["waited"])
        guard case .replyChecked(let record) = actions.first else {
            Issue.record("no check result")
            return
        }
        #expect(record.isLate && record.seconds == 61)
        clock.advance(by: .seconds(5))
        _ = try runner.reply("Sorry again.")
        clock.advance(by: .seconds(5))
        guard case .finished(let report) = try runner.reply("Today.").last else {
            Issue.record("not finished")
            return
        }
        // Checks: apology 1 + no-rude 1, apology 1, time 3, all passed = 6 of 6; reply time: 2 of 3 points
        // (one late) → 8 of 9 = 88.89; the rubric scores 100; equal weights → 94.44.
        #expect(report.checksScore == 88.89)
        #expect(report.score == 94.44)
    }

    @Test("a critical check failure ends at the failing end step with score 0")
    func criticalFailure() throws {
        let (scenario, rubrics) = try loadTestScenario()
        var runner = ScenarioRunner(
            scenario: scenario, rubrics: rubrics, trainee: "E001", seed: 1, clock: ManualClock())
        _ = try runner.start()
        let actions = try runner.reply("Sorry, you idiot.")
        #expect(lines(actions) == ["gone"])
        guard case .finished(let report) = actions.last else {
            Issue.record("not finished")
            return
        }
        #expect(report.criticalFailed && report.score == 0 && !report.passed && report.outcome == "escalated")
    }

    @Test("a loop is cut at max_turns and the run fails")
    func maxTurns() throws {
        let (scenario, rubrics) = try loadTestScenario()
        var runner = ScenarioRunner(
            scenario: scenario, rubrics: rubrics, trainee: "E001", seed: 1, clock: ManualClock())
        _ = try runner.start()
        var steps: [String] = []
        var finished: RunReport?
        for _ in 0..<10 where finished == nil {
            for action in try runner.reply("Hello.") {
                if case .customerSays(let line) = action { steps.append(line.step) }
                if case .finished(let report) = action { finished = report }
            }
        }
        #expect(steps == ["angry", "angry", "angry"])
        #expect(finished?.outcome == "max-turns" && finished?.passed == false && finished?.replies.count == 4)
    }

    @Test("stopping early keeps the partial transcript, marked incomplete and never passing")
    func endOfInput() throws {
        let (scenario, rubrics) = try loadTestScenario()
        let clock = ManualClock()
        var runner = ScenarioRunner(scenario: scenario, rubrics: rubrics, trainee: "E001", seed: 1, clock: clock)
        _ = try runner.start()
        clock.advance(by: .seconds(3))
        _ = try runner.reply("Sorry!")
        #expect(runner.partialReport().status == .inProgress)
        let report = runner.stop(reason: "interrupted")
        #expect(report.status == .incomplete && report.outcome == "interrupted" && !report.passed)
        #expect(report.replies.count == 1 && runner.turns.count == 3)
        #expect(runner.stop(reason: "again") == report)
        #expect(!runner.isAwaitingReply)
    }

    @Test("the seed picks the customer's line variant, reproducibly")
    func variants() throws {
        let (scenario, rubrics) = try loadTestScenario()
        func firstLine(_ seed: UInt64) throws -> String {
            var runner = ScenarioRunner(
                scenario: scenario, rubrics: rubrics, trainee: "E001", seed: seed, clock: ManualClock())
            guard case .customerSays(let line) = try runner.start().first else { return "" }
            return line.text
        }
        let drawn = try (0..<24).map { try firstLine($0) }
        #expect(try drawn == (0..<24).map { try firstLine($0) })
        #expect(Set(drawn) == ["Variant A", "Variant B", "Variant C"])
    }

    @Test("scripted play replays delays on a manual clock; a short script leaves the run incomplete")
    func scriptedPlay() throws {
        let (scenario, rubrics) = try loadTestScenario()
        let model = try ReplyScript.parse(
            #"{"text": "Sorry!", "delay": 30}\#n{"text": "Fixed today.", "delay": 10}"#, file: "m.jsonl")
        let (report, turns, unused) = try scenario.play(
            model + [ScriptedReply(text: "extra")], rubrics: rubrics, trainee: "E001", seed: 0)
        #expect(report.passed && unused == 1 && turns.compactMap(\.at) == [0, 30, 30, 40])
        let (short, _, _) = try scenario.play(Array(model.prefix(1)), rubrics: rubrics, trainee: "E001", seed: 0)
        #expect(short.status == .incomplete && short.outcome == "end-of-input")
    }
}

@Suite("reply files and branch graphs")
struct ReplyScriptTests {
    @Test("plain text: one reply per line, backslash continues, comments and a seed line")
    func plainText() throws {
        let file = try ReplyScript.parseFile(
            "# seed: 42\n# a comment\nfirst line \\\nsecond line\n\n   \nlast\n", file: "r.txt")
        #expect(file.seed == 42)
        #expect(file.replies.map(\.text) == ["first line \nsecond line", "last"])
        #expect(file.replies.allSatisfy { $0.delay == 0 })
    }

    @Test("reply scripts with CRLF line endings read as with LF, plain text and JSON Lines")
    func crlf() throws {
        let plain = "# seed: 42\n# a comment\nfirst line \\\nsecond line\n\n   \nlast\n"
        let file = try ReplyScript.parseFile(plain.replacingOccurrences(of: "\n", with: "\r\n"), file: "r.txt")
        #expect(file.seed == 42)
        #expect(file.replies.map(\.text) == ["first line \nsecond line", "last"])
        let jsonl =
            (#"{"seed": 7}"# + "\r\n" + #"{"text": "a", "delay": 2.5}"# + "\r\n\r\n" + #"{"text": "b"}"# + "\r\n")
        let json = try ReplyScript.parseFile(jsonl, file: "r.jsonl")
        #expect(json.seed == 7 && json.replies == [ScriptedReply(text: "a", delay: 2.5), ScriptedReply(text: "b")])
    }

    @Test("JSON Lines: text, delay and a seed header; errors name file and line")
    func jsonLines() throws {
        let file = try ReplyScript.parseFile(
            #"{"seed": 7}"# + "\n" + #"{"text": "a", "delay": 2.5}"# + "\n\n" + #"{"text": "b"}"#, file: "r.jsonl")
        #expect(file.seed == 7 && file.replies == [ScriptedReply(text: "a", delay: 2.5), ScriptedReply(text: "b")])
        let bad = #"{"text": "a"}"# + "\n" + #"{"txt": "b"}"#
        #expect { try ReplyScript.parse(bad, file: "r.jsonl") } throws: { error in
            "\(error)".hasPrefix("r.jsonl:2:1: not a reply line") && "\(error)".contains("missing `text`")
        }
        #expect(throws: ScenarioError.self) { try ReplyScript.parse(#"{"text": "a", "delay": -1}"#, file: "r.jsonl") }
    }

    @Test("DOT and Mermaid list every step and every branch with its condition")
    func graphs() throws {
        let (scenario, _) = try loadTestScenario()
        let dot = ScenarioGraph.dot(scenario)
        #expect(dot.hasPrefix("digraph \"test-complaint.en\" {"))
        #expect(dot.contains("\"open\" -> \"gone\" [label=\"failed: no-rude\"];"))
        #expect(dot.contains("\"open\" -> \"waited\" [label=\"late\"];"))
        #expect(dot.contains("\"angry\" -> \"angry\" [label=\"otherwise\"];"))
        #expect(dot.contains("peripheries=2, color=red"))
        let edges = scenario.steps.reduce(0) { $0 + $1.branches.count }
        #expect(dot.components(separatedBy: " -> ").count - 1 == edges)
        let mermaid = ScenarioGraph.mermaid(scenario)
        #expect(mermaid.hasPrefix("flowchart TD\n"))
        #expect(mermaid.contains("s_open -->|\"passed: apology\"| s_calm"))
        #expect(mermaid.contains("s_gone([\"gone [escalated]: Bye.\"])"))
        #expect(mermaid.components(separatedBy: " -->|").count - 1 == edges)
    }
}
