public import ArgumentParser
import Foundation
import KefuCore
public import KefuServices

/// Output formats of the QA listing commands.
enum QAListFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

extension QAImportService.Format: ExpressibleByArgument {}
extension QASampleService.Strata: ExpressibleByArgument {}
extension QAReportService.Grouping: ExpressibleByArgument {}
extension HumanVerdict: ExpressibleByArgument {}
extension DisputeStatus: ExpressibleByArgument {}

extension Kefu {
    /// `kefu qa …`.
    struct QA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "qa",
            abstract:
                "QA auditing: masked import, reproducible samples, pinned scores, review, disputes, calibration, reports.",
            subcommands: [
                Import.self, Show.self, Sample.self, Score.self, Review.self, Dispute.self, Resolve.self, Disputes.self,
                Audit.self, Calibration.self, Calibrate.self, Report.self, MaskEval.self, Purge.self, Erase.self,
            ])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import interactions; personal data is masked before anything is stored.",
                discussion: """
                    JSONL in Kefu's interaction format, or CSV with one row per turn: \(QAImportService.csvColumns.joined(separator: ",")). \
                    All or nothing unless --skip-invalid.
                      kefu qa import calls.jsonl --batch 2026-11
                      kefu qa import turns.csv --mask mobile,resident-id
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "The file (- for standard input).") var file: String
            @Option(help: "Input format (default: from the file name).") var format: QAImportService.Format?
            @Option(help: "Batch name (default: the file name).") var batch: String?
            @Flag(help: "Import the valid interactions and write a report of the invalid lines.") var skipInvalid =
                false
            @Option(help: "Where --skip-invalid writes its report (default: <file>.rejects.txt).") var report: String?
            @Option(
                help:
                    "Kinds to mask, comma-separated (default: all): \(QAImportService.MaskingPolicy.kindNames.joined(separator: ","))."
            ) var mask: String?
            @Option(
                help:
                    "An extra masking rule: a PCRE2 pattern whose matches are masked except their last four digits (repeatable)."
            ) var maskPattern: [String] = []
            @Option(name: .customLong("as"), help: "Who imports (person id; default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let env = try Edge.environment(global: global, store: store, access: .readWrite)
                    let policy = QAImportService.MaskingPolicy(
                        kinds: mask.map { $0.split(separator: ",").map(String.init) }, patterns: maskPattern)
                    let r = try await QAImportService(environment: env).importInteractions(
                        from: .path(file), format: format, batch: batch.map(BatchID.init(rawValue:)),
                        skipInvalid: skipInvalid, masking: policy, by: try await Edge.actor(actor, in: env))
                    print(
                        "imported \(r.imported) interaction(s) in \(String(format: "%.2f", r.elapsedSeconds.value)) s; masked \(r.masked) personal-data span(s)"
                    )
                    for d in r.duplicates.prefix(20) { print("  skipped line \(d.line): id `\(d.id)` \(d.reason)") }
                    if r.duplicates.count > 20 { print("  … \(r.duplicates.count - 20) more duplicates") }
                    if !r.invalid.isEmpty {
                        let path = report ?? (file == "-" ? "stdin" : file) + ".rejects.txt"
                        try OutputFile.write(Data((r.invalid.joined(separator: "\n") + "\n").utf8), to: path)
                        print("\(r.invalid.count) invalid line(s) not imported; see \(path)")
                    }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show one imported interaction as stored (masked).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Interaction id.") var id: String
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let env = try Edge.environment(global: global, store: store, access: .readOnly)
                    let interaction = try await QAReviewService(environment: env).interaction(
                        InteractionID(id), by: try await Edge.actor(actor, in: env))
                    print(
                        "\(interaction.id) · \(interaction.channel.rawValue) · agent \(interaction.agent) · \(interaction.startedAt ?? "no start time")"
                    )
                    for (i, turn) in interaction.turns.enumerated() {
                        let time = turn.at.map { String(format: "%6.0fs ", $0) } ?? ""
                        print("[\(i)] \(time)\(turn.speaker == .agent ? "客服 agent   " : "客户 customer") \(turn.text)")
                    }
                }
            }
        }

        struct Sample: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Draw a reproducible stratified sample per agent, or verify one.",
                discussion: """
                    The sample records its seed, filters and a hash of the population; `--verify NAME` re-derives it and says \
                    whether it is identical or what changed.
                      kefu qa sample --period 2026-11 --per-agent 5 --seed 42 --name nov
                      kefu qa sample --verify nov
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Period YYYY-MM (from started_at).") var period: String?
            @Option(help: "Interactions per agent (and per stratum).") var perAgent: Int?
            @Option(help: "Stratify by.") var strata: QASampleService.Strata?
            @Option(name: .customLong("where"), help: "Filter channel=… or agent=… (repeatable).") var filters:
                [String] = []
            @Option(help: "Seed (record it: it makes the sample reproducible).") var seed: UInt64?
            @Option(help: "Name of the sample.") var name: String?
            @Option(help: "Verify the named sample instead of drawing.") var verify: String?
            @Option(
                help:
                    "Also draw up to N more per agent (and stratum) among conversations that failed automatic scoring.")
            var oversampleFailed = 0
            @Option(
                help: "Rubric id whose (current version) automatic scores decide failure, with --oversample-failed.")
            var rubric: String?
            @Option(help: "Output format.") var format: QAListFormat = .text
            @Option(name: .customLong("as"), help: "Who draws (person id; default: the operator).") var actor: String?

            func validate() throws {
                if verify == nil, perAgent == nil || seed == nil || name == nil {
                    throw ValidationError("give --per-agent, --seed and --name (or --verify NAME)")
                }
            }

            func run() async throws {
                try await Edge.run {
                    if let verify {
                        let env = try Edge.environment(global: global, store: store, access: .readOnly)
                        let v = try await QASampleService(environment: env).verify(SampleID(verify))
                        if format == .json {
                            print(try OutputJSON.string(v))
                        } else if v.isIdentical {
                            print(
                                "sample \(verify) verified: re-derived identically (seed \(v.parameters.seed), population unchanged)"
                            )
                        } else {
                            print("sample \(verify) does NOT re-derive identically:")
                            for change in v.changes { print("  - \(change)") }
                        }
                        if !v.isIdentical { throw ExitCode(1) }
                        return
                    }
                    guard let perAgent, let seed, let name else { throw ExitCode.validationFailure }
                    let env = try Edge.environment(global: global, store: store, access: .readWrite)
                    let parameters = QASampleService.Parameters(
                        period: period, perAgent: perAgent, strata: strata,
                        filters: try QASampleService.Parameters.filters(filters), seed: seed,
                        oversampleFailed: oversampleFailed)
                    let drawn = try await QASampleService(environment: env).draw(
                        SampleID(name), parameters: parameters, oversampleRubric: rubric,
                        by: try await Edge.actor(actor, in: env))
                    if format == .json {
                        print(try OutputJSON.string(drawn))
                        return
                    }
                    print(
                        "sample \(name): \(drawn.members.count) of \(drawn.populationSize) interactions, seed \(seed), population hash \(drawn.populationHash.prefix(16))…"
                    )
                    for s in drawn.shortfalls {
                        print(
                            "  shortfall: agent \(s.agent)\(s.stratum.isEmpty ? "" : " / \(s.stratum)") has \(s.available) of \(s.wanted)"
                        )
                    }
                }
            }
        }

        struct Score: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Score a sample (or everything) with a rubric; scores are pinned to the rubric version.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Rubric id or path.") var rubric: String
            @Option(help: "Sample name (default: every imported interaction).") var sample: String?
            @Option(name: .customLong("as"), help: "Who scores (person id; default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let env = try Edge.environment(global: global, store: store, access: .readWrite)
                    let r = try await QAScoreService(environment: env).score(
                        rubric: rubric, sample: sample.map(SampleID.init(rawValue:)),
                        by: try await Edge.actor(actor, in: env))
                    print(
                        "scored \(r.scored) interaction(s) with \(r.rubric) (version \(r.rubricVersion.prefix(12))); \(r.unchanged) already scored with this version"
                    )
                }
            }
        }
    }
}
