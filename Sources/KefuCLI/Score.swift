import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu {
    /// `kefu score --rubric ID|PATH [--input FILE|-] [--format text|jsonl|summary]`.
    struct Score: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score interactions (JSON Lines) with a rubric; one result per interaction, in input order.",
            discussion: """
                A malformed line is reported on stderr with its line number (the first 20, then a count of the rest); the rest is still scored and the exit status is 1.

                  kefu score --rubric conduct.zh --input Samples/conduct.zh.jsonl
                  kefu score --rubric conduct.zh --format jsonl < interactions.jsonl
                """)

        /// Output formats (see ``ScoreService/Format``).
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, jsonl, summary
        }

        @OptionGroup var global: GlobalOptions

        @Option(
            help:
                "Rubric id (searched under Rubrics/), a path inside the content root, or an absolute path to a rubric file."
        )
        var rubric: String

        @Option(help: "Interactions file (JSON Lines), or - for standard input.")
        var input: String = "-"

        @Option(
            help:
                "Output format: text (readable report with evidence), jsonl (one JSON result per line) or summary (one line per interaction)."
        )
        var format: Format = .text

        @Option(help: "Worker threads (default: all cores).")
        var workers: Int?

        /// The rubric: content (an id or a path inside the root) or, for an absolute path, a file this
        /// edge reads and hands over with its path as label.
        var rubricSource: ScoreService.RubricSource {
            rubric.hasPrefix("/") ? .input(.file(rubric)) : .content(rubric)
        }

        func run() async throws {
            try await Edge.run {
                let environment = try Edge.environment(global: global, access: .none)
                let out = Output(.standardOutput)
                let err = Output(.standardError)
                let serviceFormat = ScoreService.Format(rawValue: format.rawValue) ?? .text
                var invalidCount = 0
                let summary = try ScoreService(environment: environment).score(
                    .path(input), rubric: rubricSource, format: serviceFormat, workers: workers,
                    write: { out.write($0) },
                    invalid: { line in
                        invalidCount += 1
                        guard invalidCount <= ErrorList.limit else { return }
                        out.flush()
                        err.line(line.description)
                        err.flush()
                    })
                if let remainder = ErrorList.remainder(total: invalidCount) {
                    out.flush()
                    err.line(remainder)
                    err.flush()
                }
                if format != .jsonl { out.line(ScoreReport.summary(summary)) }
                out.flush()
                if !summary.isClean { throw ExitCode(1) }
            }
        }
    }
}
