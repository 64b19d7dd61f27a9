import ArgumentParser
import Foundation
import KefuContent
import KefuServices

extension Kefu {
    /// `kefu coverage [--format text|json]`.
    struct Coverage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which policy-digest clauses content cites, and which nothing cites yet.")

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json
        }

        @OptionGroup var global: GlobalOptions

        @Option(help: "Output format: text or json.")
        var format: Format = .text

        func run() throws {
            let report: CoverageService.Report
            do { report = try CoverageService(repository: global.repository).report() } catch { throw fail(error) }
            let out = Output(.standardOutput)
            switch format {
            case .text:
                out.write(CoverageService.text(report))
            case .json:
                out.line((try? canonicalJSON(report, pretty: true)) ?? "")
            }
            out.flush()
        }
    }
}
