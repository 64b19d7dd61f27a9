public import ArgumentParser
import Foundation
import KefuCore
public import KefuServices

extension Kefu {
    /// `kefu rubric …`: measuring rubrics.
    struct RubricCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rubric", abstract: "Measure rubrics against human labels.", subcommands: [Eval.self])

        /// Output formats of `rubric eval`.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json
        }

        struct Eval: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Precision, recall and F1 of a rubric per item and category against a labelled set.",
                discussion: """
                    The label file is JSON Lines: one interaction per line with a person's verdict for every item
                    (format: Rubrics/README.md). With --from-reviews, the labels are the QA reviewers' final verdicts
                    on a sample. Exit status 1 when a category falls below --min-precision/--min-recall.

                    Examples:
                      kefu rubric eval conduct.zh --labels Rubrics/eval/conduct.zh.labels.jsonl --split test
                      kefu rubric eval conduct.en --labels Rubrics/eval/conduct.en.labels.jsonl --min-precision 0.97 --format json
                      kefu rubric eval conduct.zh --from-reviews nov-sample
                    """)

            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Rubric id (under Rubrics/).") var rubric: String
            @Option(help: "Labelled interactions (JSON Lines), or - for standard input.") var labels: String?
            @Option(help: "Use the QA reviews of this sample as the labels (read from the database).")
            var fromReviews: String?

            func validate() throws {
                if (labels == nil) == (fromReviews == nil) {
                    throw ValidationError("give either --labels FILE or --from-reviews SAMPLE")
                }
            }
            @Option(help: "Which half to count.") var split: RubricEvalService.Split = .all
            @Option(help: "Lowest acceptable precision per category (0–1).") var minPrecision: Double?
            @Option(help: "Lowest acceptable recall per category (0–1).") var minRecall: Double?
            @Option(help: "Disagreements to list in text output.") var show: Int = 20
            @Option(help: "Output format.") var format: Format = .text

            func run() async throws {
                try await Edge.run {
                    let report: RubricEvalService.Report
                    if let sample = fromReviews {
                        let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                        report = try await RubricEvalService(environment: environment).evaluate(
                            rubric: RubricID(rubric), reviewsOf: SampleID(sample), minPrecision: minPrecision,
                            minRecall: minRecall)
                    } else {
                        let environment = try Edge.environment(global: global, access: .none)
                        report = try RubricEvalService(environment: environment).evaluate(
                            rubric: RubricID(rubric), labels: .path(labels ?? "-"), split: split,
                            minPrecision: minPrecision,
                            minRecall: minRecall)
                    }
                    switch format {
                    case .json: print(try OutputJSON.string(report, pretty: true))
                    case .text: print(Self.text(report, show: show), terminator: "")
                    }
                    if !report.belowThresholds.isEmpty { throw ExitCode(1) }
                }
            }

            static func text(_ report: RubricEvalService.Report, show: Int) -> String {
                var out =
                    "\(report.rubric) (\(report.rubricVersion.prefix(12))) on \(report.labels), \(report.split.rawValue): \(report.interactions) interactions\n"
                func row(_ r: RubricEvalService.Rates) -> String {
                    func f(_ x: Figure?) -> String { x.map { String(format: "%.2f", $0.rounded) } ?? "–" }
                    let name = r.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                    let kind = r.kind.padding(toLength: 10, withPad: " ", startingAt: 0)
                    return
                        "  \(name)\(kind)P \(f(r.precision))  R \(f(r.recall))  F1 \(f(r.f1))  agree \(f(r.agreement))  TP \(r.truePositives) FP \(r.falsePositives) FN \(r.falseNegatives) TN \(r.trueNegatives)\n"
                }
                out += "totals\n" + row(report.required) + row(report.forbidden)
                out += "categories\n" + report.categories.map(row).joined()
                out += "items\n" + report.items.map(row).joined()
                out += "disagreements: \(report.disagreements.count)\n"
                for d in report.disagreements.prefix(show) {
                    out += "  \(d.interaction) \(d.item): human \(d.human), rubric \(d.automatic) — \(d.message)\n"
                    for e in d.evidence { out += "      \(e)\n" }
                }
                if report.disagreements.count > show {
                    out += "  … \(report.disagreements.count - show) more (--show N, or --format json)\n"
                }
                for b in report.belowThresholds { out += "below threshold: \(b)\n" }
                return out
            }
        }
    }
}

extension RubricEvalService.Split: ExpressibleByArgument {}
