import ArgumentParser
import Foundation
import KefuContent
import KefuCore
import KefuRegex
import KefuRubrics
import KefuServices

extension Kefu {
    /// `kefu score --rubric ID|PATH [--input FILE|-] [--format text|jsonl]`.
    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score interactions (JSON Lines) with a rubric; one result per interaction, in input order.",
            discussion: "A malformed line is reported on stderr with its line number; the rest is still scored and the exit status is 1.")

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, jsonl, summary
        }

        @OptionGroup var global: GlobalOptions

        @Option(help: "Rubric id (searched under Rubrics/) or path to a rubric file.")
        var rubric: String

        @Option(help: "Interactions file (JSON Lines), or - for standard input.")
        var input: String = "-"

        @Option(help: "Output format: text (readable report with evidence), jsonl (one JSON result per line) or summary (one line per interaction).")
        var format: Format = .text

        @Option(help: "Worker threads (default: all cores).")
        var workers: Int = ProcessInfo.processInfo.activeProcessorCount

        func run() throws {
            let service = ScoreService(repository: global.repository)
            let scorer: Scorer
            do { scorer = try service.scorer(rubric: rubric) } catch { throw fail(error) }
            let handle: FileHandle
            if input == "-" {
                handle = .standardInput
            } else {
                guard let opened = FileHandle(forReadingAtPath: input) else {
                    throw fail(ContentError(file: input, "cannot open the input file; check the path"))
                }
                handle = opened
            }
            let out = Output(.standardOutput)
            let err = Output(.standardError)
            let label = input == "-" ? "<stdin>" : input
            let summary = ScoreService.score(lines: LineReader(handle: handle), scorer: scorer, workers: workers) { _, outcome in
                switch outcome {
                case .scored(let result, let interaction):
                    switch format {
                    case .jsonl:
                        out.line(ScoreReport.jsonLine(result))
                    case .text:
                        out.write(ScoreReport.text(result, interaction: interaction, rubric: scorer.rubric))
                    case .summary:
                        out.line(ScoreReport.summaryLine(result).trimmingTrailingSpaces)
                    }
                case .invalid(let error):
                    out.flush()
                    err.line("\(label):\(error.line):\(error.column ?? 1): error: \(error.message)")
                    err.flush()
                case .blank:
                    break
                }
            }
            if format != .jsonl { out.line(ScoreReport.summary(summary)) }
            out.flush()
            if summary.invalid > 0 || summary.ruleErrors > 0 { throw ExitCode(1) }
        }
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var copy = self
        while copy.hasSuffix(" ") { copy.removeLast() }
        return copy
    }
}
