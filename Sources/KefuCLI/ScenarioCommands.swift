import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu {
    /// `kefu scenario …`.
    struct ScenarioCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scenario",
            abstract: "List, show and draw the scripted customer conversations under Scenarios/.",
            subcommands: [List.self, Show.self, Graph.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Every scenario with its languages, channel and steps.")
            @OptionGroup var global: GlobalOptions

            func run() throws {
                let service: ScenarioService
                do { service = ScenarioService(environment: try Edge.environment(global: global, access: .none)) } catch
                { throw Edge.report(error) }
                let (all, errors) = service.scenarios()
                let byID = Dictionary(grouping: all, by: \.scenario.id)
                print(
                    "id".leftAligned(30) + "lang   " + "business".leftAligned(12) + "channel ".leftAligned(8)
                        + "steps  title")
                for id in byID.keys.sorted() {
                    let versions = byID[id, default: []].sorted { $0.scenario.language > $1.scenario.language }
                    guard let first = versions.first?.scenario else { continue }
                    let languages = versions.map { $0.scenario.language + ($0.errors.isEmpty ? "" : "!") }.joined(
                        separator: ",")
                    print(
                        id.leftAligned(30) + languages.leftAligned(7) + first.business.leftAligned(12)
                            + first.channel.rawValue.leftAligned(8)
                            + String(first.steps.count).leftAligned(7) + first.title)
                }
                if errors > 0 { print("\n\(errors) error(s) in scenario files (marked !): run `kefu lint Scenarios`") }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "One scenario: persona, checks, steps and branches.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Scenario id, id.language, or file.") var scenario: String
            @Option(help: "Language version.") var lang: TrainingLanguage?

            func run() throws {
                let loaded = try Edge.catching {
                    try ScenarioService(environment: try Edge.environment(global: global, access: .none)).scenario(
                        scenario, language: lang?.rawValue)
                }
                let s = loaded.scenario
                print(
                    "\(s.title)\n\(s.key) · \(loaded.path) · \(s.business) · \(s.channel.rawValue) · version \(s.contentHash.prefix(12))"
                )
                print(
                    "customer: \(s.persona.name) (\(s.persona.mood)) · pass mark \(short(s.passMark)) · max \(s.maxTurns) replies"
                        + (s.replyLimitSeconds.map { " · reply within \(short($0)) s" } ?? ""))
                print("sources: \(s.sources.joined(separator: ", "))")
                print(
                    "transcript rubrics: \(s.rubricIDs.isEmpty ? "none" : s.rubricIDs.joined(separator: ", ")) · weights checks \(short(s.weights.checks)) / rubrics \(short(s.weights.rubrics))"
                )
                print("\nchecks:")
                for item in s.checks.items {
                    print(
                        "  \(item.id.leftAligned(24)) \(item.kind.rawValue.leftAligned(10)) \(short(item.points)) pt\(item.isCritical ? " critical" : "")  \(item.title)"
                    )
                }
                print("\nsteps:")
                for step in s.steps {
                    let limit = s.replyLimit(of: step).map { " · \(short($0)) s" } ?? ""
                    print(
                        "  [\(step.id)]\(step.end.map { " END \($0.outcome)\($0.fails ? " (fails the run)" : "")" } ?? "")\(step.expectsReply ? limit : "")"
                    )
                    for (i, line) in step.customer.enumerated() {
                        print("    客户\(step.customer.count > 1 ? " (\(i + 1))" : ""): \(line)")
                    }
                    if !step.checks.isEmpty { print("    checks: \(step.checks.joined(separator: ", "))") }
                    for branch in step.branches { print("    → \(branch.next) when \(ScenarioService.label(branch))") }
                }
            }
        }

        struct Graph: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The branch graph as Graphviz DOT or Mermaid text.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Scenario id, id.language, or file.") var scenario: String
            @Option(help: "Language version.") var lang: TrainingLanguage?
            @Option(help: "Graph notation.") var format: Notation = .dot

            enum Notation: String, ExpressibleByArgument, CaseIterable { case dot, mermaid }

            func run() throws {
                let text = try Edge.catching {
                    try ScenarioService(environment: try Edge.environment(global: global, access: .none)).graph(
                        scenario, language: lang?.rawValue, mermaid: format == .mermaid)
                }
                print(text, terminator: "")
            }
        }
    }

    /// `kefu transcript …`.
    struct TranscriptCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transcript",
            abstract: "Stored scenario runs: the transcripts with their scores (evidence and mentor review material).",
            subcommands: [List.self, Show.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stored runs, newest first.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Only this person's runs.") var person: String?
            @Option(help: "Only runs of this scenario id.") var scenario: String?
            @Option(help: "At most this many.") var limit: Int = 50
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let service = ScenarioService(environment: environment)
                    let runs = try await service.transcripts(
                        person: person.map { PersonID($0) }, scenario: scenario.map { ScenarioID($0) }, limit: limit,
                        by: try await Edge.actor(actor, in: environment))
                    if runs.isEmpty {
                        print("no stored runs")
                        return
                    }
                    let header: [String] = [
                        "id".leftAligned(6), "person".leftAligned(8), "scenario".leftAligned(32), "mode".leftAligned(9),
                        "#".leftAligned(4),
                        "status".leftAligned(12), "outcome".leftAligned(16), "score".leftAligned(8), "result  started",
                    ]
                    print(header.joined())
                    for r in runs {
                        let result: String = r.status == .complete ? (r.passed ? "pass    " : "fail    ") : "–       "
                        let cells: [String] = [
                            String(r.id.rawValue).leftAligned(6), r.personID.rawValue.leftAligned(8),
                            "\(r.scenario).\(r.language)".leftAligned(32),
                            r.mode.rawValue.leftAligned(9), String(r.attemptNumber).leftAligned(4),
                            r.status.rawValue.leftAligned(12),
                            (r.outcome ?? "").leftAligned(16), short(r.score).leftAligned(8), result, r.startedAt,
                        ]
                        print(cells.joined())
                    }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "One run: the transcript with times, verdicts and evidence, or its JSONL.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Transcript (run) id.") var id: Int64
            @Option(help: "text, jsonl (Kefu's interaction format: feed it to `kefu score`) or json (the full report).")
            var format: Format = .text

            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            enum Format: String, ExpressibleByArgument, CaseIterable { case text, jsonl, json }

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let service = ScenarioService(environment: environment)
                    let t = try await service.transcript(RunID(id), by: try await Edge.actor(actor, in: environment))
                    switch format {
                    case .jsonl:
                        print(try canonicalJSON(t.interaction))
                    case .json:
                        print(try OutputJSON.string(t.report, pretty: true))
                    case .text:
                        printTranscript(t)
                    }
                }
            }
        }
    }
}

/// A stored run as text: turns with times, the checks of each reply with their verdicts and evidence, the score.
func printTranscript(_ t: ScenarioService.Transcript) {
    let r = t.run
    print(
        "transcript \(r.id) · \(r.personID) · \(r.scenario).\(r.language) · \(r.mode.rawValue) attempt \(r.attemptNumber) · seed \(r.seed)"
    )
    print(
        "started \(r.startedAt)\(r.finishedAt.map { " · finished \($0)" } ?? "") · version \(r.contentVersion.prefix(12)) · \(r.status.rawValue)\(r.outcome.map { " (\($0))" } ?? "")"
    )
    printTranscriptBody(
        t.interaction, report: t.report, isComplete: r.status == .complete, attempt: r.attemptID?.description)
}

/// The turns of a run with times and highlighted evidence, each reply's checks (with `overrideMark`'s text beside a
/// check a mentor overrode, and `annotations` under a turn), then the score and the failed rubric items.
func printTranscriptBody(
    _ interaction: Interaction, report: RunReport?, isComplete: Bool, attempt: String?,
    overrideMark: (_ turn: Int, _ check: String) -> String? = { _, _ in nil },
    annotations: (_ turn: Int) -> [String] = { _ in [] }
) {
    let color = Edge.useColor
    var marks: [Int: [(Int, Int)]] = [:]
    var notes: [Int: [String]] = [:]
    for record in report?.replies ?? [] {
        var line =
            "⏱ \(short(record.seconds)) s" + (record.limitSeconds.map { " / \(short($0)) s" } ?? "")
            + (record.isLate ? " LATE" : "")
        for check in record.checks {
            line += "  \(check.verdict == .pass ? "✓" : check.verdict == .fail ? "✗" : "–")\(check.id)"
            if let mark = overrideMark(record.turn, check.id) { line += mark }
            for e in check.evidence where e.turn == record.turn { marks[e.turn, default: []].append((e.start, e.end)) }
        }
        notes[record.turn, default: []].append(line)
    }
    for (i, turn) in interaction.turns.enumerated() {
        let time = turn.at.map { String(format: "%7.1fs ", $0) } ?? ""
        let who = turn.speaker == .agent ? "客服 agent   " : "客户 customer"
        print("[\(i)] \(time)\(who) \(Kefu.QA.Review.highlight(turn.text, marks[i] ?? [], color: color))")
        for note in notes[i] ?? [] { print("              \(note)") }
        for annotation in annotations(i) { print("              \(annotation)") }
    }
    guard let report else { return }
    print(
        "\nscore \(short(report.score))\(isComplete ? (report.passed ? " · PASS" : " · FAIL") : "")"
            + (report.checksScore.map { " · checks \(short($0))" } ?? "")
            + report.rubrics.map { " · \($0.rubric) \(short($0.score))" }.joined())
    for rubric in report.rubrics {
        for item in rubric.items where item.verdict == .fail {
            print("   ✗ \(rubric.rubric)/\(item.id) — \(item.message)")
        }
    }
    if let attempt { print("evidence: attempt \(attempt)") }
}
