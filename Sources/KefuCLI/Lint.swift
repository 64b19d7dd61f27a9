import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu {
    /// `kefu lint [PATH...] [--format text|json]`.
    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate content: YAML schema, regexes, rule examples, ids and policy citations.",
            discussion: """
                Prints `path:line:col: error|warning: message` with the offending line; exits 1 on any error.

                  kefu lint
                  kefu lint Rubrics/conduct.zh.yaml --format json
                """)

        /// Output formats.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json
        }

        @OptionGroup var global: GlobalOptions

        @Argument(
            help:
                "Files or folders inside the content root to lint (default: Policies/, Rubrics/, Tracks/, Scenarios/, QuestionBanks/)."
        )
        var paths: [String] = []

        @Option(help: "Output format: text (diagnostics with the offending line) or json (the report).")
        var format: Format = .text

        func run() async throws {
            try await Edge.run {
                let environment = try Edge.environment(global: global, access: .none)
                let report = try await LintService(environment: environment).lint(paths: paths)
                switch format {
                case .text: print(report.text, terminator: "")
                case .json: print(try OutputJSON.string(report, pretty: true))
                }
                if !report.passed { throw ExitCode(1) }
            }
        }
    }
}
