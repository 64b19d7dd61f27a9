import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu {
    /// `kefu coverage [--format text|json]`.
    struct Coverage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which policy-digest clauses content cites, and which nothing cites yet.")

        /// Output formats.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json
        }

        @OptionGroup var global: GlobalOptions

        @Option(help: "Output format: text or json.")
        var format: Format = .text

        func run() async throws {
            try await Edge.run {
                let environment = try Edge.environment(global: global, access: .none)
                let report = try await CoverageService(environment: environment).report()
                switch format {
                case .text: print(CoverageService.text(report), terminator: "")
                case .json: print(try OutputJSON.string(report, pretty: true))
                }
            }
        }
    }
}
