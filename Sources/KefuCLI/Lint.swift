import ArgumentParser
import Foundation
import KefuContent
import KefuCore

extension Kefu {
    /// `kefu lint [PATH...]`.
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate content: YAML schema, regexes, rule examples, ids and policy citations.",
            discussion: "Prints `path:line:col: error|warning: message` with the offending line; exits 1 on any error.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Files or folders to lint (default: Policies/, Rubrics/, Scenarios/, QuestionBanks/).")
        var paths: [String] = []

        func run() throws {
            let diagnostics = Linter(repository: global.repository).lint(paths: paths)
            let out = Output(.standardOutput)
            for diagnostic in diagnostics { out.line(diagnostic.description) }
            let errors = diagnostics.filter { $0.severity == .error }.count
            let warnings = diagnostics.count - errors
            out.line("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
            out.flush()
            if errors > 0 { throw ExitCode(1) }
        }
    }
}
