import ArgumentParser
import Foundation
import KefuQA
import KefuServices
import KefuStore

extension Kefu {
    /// `kefu qa …`.
    struct QA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "qa",
            abstract: "QA auditing: masked import, reproducible samples, pinned scores, review, disputes, calibration, reports.",
            subcommands: [Import.self, Show.self, Sample.self, Score.self, Review.self, Dispute.self, Resolve.self, Disputes.self, Audit.self, Calibration.self, Calibrate.self, Report.self])

        struct Import: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import interactions; personal data is masked before anything is stored.",
                discussion: "JSONL in Kefu's interaction format, or CSV with one row per turn: \(QAImportService.csvColumns.joined(separator: ",")). All or nothing unless --skip-invalid.")
            @OptionGroup var store: StoreOptions
            @Argument(help: "The file.") var file: String
            @Option(help: "jsonl or csv (default: from the file name).") var format: String?
            @Option(help: "Batch name (default: the file name).") var batch: String?
            @Flag(help: "Import the valid interactions and write a report of the invalid lines.") var skipInvalid = false
            @Option(help: "Where --skip-invalid writes its report (default: <file>.rejects.txt).") var report: String?
            @Option(help: "Kinds to mask, comma-separated (default: all): \(PersonalDataKind.allCases.filter { $0 != .custom }.map(\.rawValue).joined(separator: ",")).") var mask: String?
            @Option(help: "An extra masking rule: a PCRE2 pattern whose matches are masked except their last four digits (repeatable).") var maskPattern: [String] = []

            func run() throws {
                try reporting {
                    let chosen = format ?? (file.hasSuffix(".csv") ? "csv" : "jsonl")
                    guard let f = QAImportService.Format(rawValue: chosen) else { throw ServiceError("--format must be jsonl or csv") }
                    var kinds = Set(PersonalDataKind.allCases)
                    if let mask {
                        kinds = [.custom]
                        for name in mask.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                            guard let kind = PersonalDataKind(rawValue: name), kind != .custom else {
                                throw ServiceError("--mask: unknown kind `\(name)`; kinds: resident-id, bank-card, mobile, email")
                            }
                            kinds.insert(kind)
                        }
                    }
                    let masker: Masker
                    do { masker = try Masker(kinds: kinds, customPatterns: maskPattern) } catch {
                        throw ServiceError("--mask-pattern: \(error)")
                    }
                    let service = QAImportService(database: try store.open(), masker: masker)
                    let start = ContinuousClock.now
                    let r = try service.importFile(path: file, format: f, batch: batch ?? (file as NSString).lastPathComponent, skipInvalid: skipInvalid, now: Date())
                    let elapsed = ContinuousClock.now - start
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    print("imported \(r.imported) interaction(s) in \(String(format: "%.2f", seconds)) s; masked \(r.masked) personal-data span(s)")
                    for d in r.duplicates.prefix(20) { print("  skipped line \(d.line): id `\(d.id)` \(d.reason)") }
                    if r.duplicates.count > 20 { print("  … \(r.duplicates.count - 20) more duplicates") }
                    if !r.invalid.isEmpty {
                        let path = report ?? file + ".rejects.txt"
                        _ = FileManager.default.createFile(atPath: path, contents: Data((r.invalid.joined(separator: "\n") + "\n").utf8))
                        print("\(r.invalid.count) invalid line(s) not imported; see \(path)")
                    }
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one imported interaction as stored (masked).")
            @OptionGroup var store: StoreOptions
            @Argument(help: "Interaction id.") var id: String

            func run() throws {
                try reporting {
                    let database = try store.open()
                    guard let interaction = try database.read({ db in try database.qaInteraction(id, db) }) else {
                        throw ServiceError("no imported interaction `\(id)`")
                    }
                    print("\(interaction.id) · \(interaction.channel.rawValue) · agent \(interaction.agent) · \(interaction.startedAt ?? "no start time")")
                    for (i, turn) in interaction.turns.enumerated() {
                        let time = turn.at.map { String(format: "%6.0fs ", $0) } ?? ""
                        print("[\(i)] \(time)\(turn.speaker == .agent ? "客服 agent   " : "客户 customer") \(turn.text)")
                    }
                }
            }
        }

        struct Sample: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Draw a reproducible stratified sample per agent, or verify one.",
                discussion: "The sample records its seed, filters and a hash of the population; `--verify NAME` re-derives it and says whether it is identical or what changed.")
            @OptionGroup var store: StoreOptions
            @Option(help: "Period YYYY-MM (from started_at).") var period: String?
            @Option(help: "Interactions per agent (and per stratum).") var perAgent: Int?
            @Option(help: "Stratify by: channel.") var strata: String?
            @Option(name: .customLong("where"), help: "Filter channel=… or agent=… (repeatable).") var filters: [String] = []
            @Option(help: "Seed (record it: it makes the sample reproducible).") var seed: UInt64?
            @Option(help: "Name of the sample.") var name: String?
            @Option(help: "Verify the named sample instead of drawing.") var verify: String?
            @Option(help: "Also draw up to N more per agent (and stratum) among conversations that failed automatic scoring.") var oversampleFailed = 0
            @Option(help: "Rubric id whose (current version) automatic scores decide failure, with --oversample-failed.") var rubric: String?
            @OptionGroup var global: GlobalOptions

            func run() throws {
                try reporting {
                    let service = QASampleService(database: try store.open())
                    if let verify {
                        let v = try service.verify(name: verify)
                        if v.isIdentical {
                            print("sample \(verify) verified: re-derived identically (seed \(v.parameters.seed), population unchanged)")
                        } else {
                            print("sample \(verify) does NOT re-derive identically:")
                            for change in v.changes { print("  - \(change)") }
                            throw ExitCode(1)
                        }
                        return
                    }
                    guard let perAgent, let seed, let name else { throw ServiceError("give --per-agent, --seed and --name (or --verify NAME)") }
                    var where_: [String: String] = [:]
                    for f in filters {
                        let parts = f.split(separator: "=", maxSplits: 1).map(String.init)
                        guard parts.count == 2 else { throw ServiceError("--where takes field=value, not `\(f)`") }
                        where_[parts[0]] = parts[1]
                    }
                    let version = try rubric.map { try ScoreService(repository: global.repository).scorer(rubric: $0).rubric.sourceHash }
                    let drawn = try service.draw(
                        name: name,
                        parameters: .init(period: period, perAgent: perAgent, strata: strata, filters: where_, seed: seed,
                                          oversampleFailed: oversampleFailed, rubricVersion: version), now: Date())
                    print("sample \(name): \(drawn.members.count) of \(drawn.populationSize) interactions, seed \(seed), population hash \(drawn.populationHash.prefix(16))…")
                    for s in drawn.shortfalls {
                        print("  shortfall: agent \(s.agent)\(s.stratum.isEmpty ? "" : " / \(s.stratum)") has \(s.available) of \(s.wanted)")
                    }
                }
            }
        }

        struct Score: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Score a sample (or everything) with a rubric; scores are pinned to the rubric version.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Rubric id or path.") var rubric: String
            @Option(help: "Sample name (default: every imported interaction).") var sample: String?

            func run() throws {
                try reporting {
                    let scorer = try ScoreService(repository: global.repository).scorer(rubric: rubric)
                    let r = try QAScoreService(database: try store.open()).score(sample: sample, scorer: scorer, now: Date())
                    print("scored \(r.scored) interaction(s) with \(scorer.rubric.id) (version \(scorer.rubric.sourceHash.prefix(12))); \(r.unchanged) already scored with this version")
                }
            }
        }
    }
}
