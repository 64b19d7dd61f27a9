import ArgumentParser
import Foundation
import KefuQA
import KefuServices

extension Kefu.QA {
    /// `kefu qa mask-eval FILE`.
    struct MaskEval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mask-eval",
            abstract: "Measure masking on a labelled test set: precision and recall per kind.",
            discussion: """
                FILE is JSON Lines: {"text": "…", "spans": [{"kind": "mobile", "text": "138 1234 5678"}]} per line, \
                with no spans for look-alikes that must stay readable. Exits 1 when any kind is below a threshold.
                  kefu qa mask-eval Samples/qa/masking.jsonl --min-precision 0.98 --min-recall 0.95
                """)
        @Argument(help: "The test set (- for standard input).") var file: String
        @Option(help: "Lowest acceptable precision per kind (0–1).") var minPrecision: Double = 0
        @Option(help: "Lowest acceptable recall per kind (0–1).") var minRecall: Double = 0
        @Option(help: "Kinds to mask, comma-separated (default: all).") var mask: String?
        @Option(help: "An extra masking rule (PCRE2; repeatable).") var maskPattern: [String] = []
        @Option(help: "List up to N wrongly masked cases by line.") var show: Int = 0

        func validate() throws {
            guard (0...1).contains(minPrecision), (0...1).contains(minRecall) else {
                throw ValidationError("--min-precision and --min-recall are between 0 and 1")
            }
        }

        func run() async throws {
            try await Edge.run {
                let data: [UInt8]
                if file == "-" {
                    data = Array(FileHandle.standardInput.readDataToEndOfFile())
                } else {
                    guard let read = FileManager.default.contents(atPath: file) else {
                        throw ValidationError("cannot read \(file)")
                    }
                    data = Array(read)
                }
                let policy = QAImportService.MaskingPolicy(
                    kinds: mask.map { $0.split(separator: ",").map(String.init) }, patterns: maskPattern)
                let report = try QAImportService.evaluateMasking(data, label: file, masking: policy)
                print(Self.table(report))
                for miss in report.misses.prefix(show) { print("  case \(miss.index + 1): \(miss.problem)") }
                let below = report.kinds.filter { $0.precision < minPrecision || $0.recall < minRecall }
                if !below.isEmpty {
                    print(
                        "below the thresholds (precision ≥ \(minPrecision), recall ≥ \(minRecall)): "
                            + below.map(\.kind).joined(separator: ", "))
                    throw ExitCode(1)
                }
            }
        }

        /// The per-kind table.
        static func table(_ report: MaskingEvaluation.Report) -> String {
            func row(_ s: MaskingEvaluation.Score) -> String {
                let name = s.kind.padding(toLength: 12, withPad: " ", startingAt: 0)
                let p = String(format: "%.3f", s.precision)
                let r = String(format: "%.3f", s.recall)
                return "\(name)  \(p)      \(r)   \(s.found)/\(s.found + s.missed) found, \(s.spurious) spurious"
            }
            return (["kind          precision  recall"] + report.kinds.map(row) + [row(report.overall)])
                .joined(separator: "\n")
        }
    }
}
