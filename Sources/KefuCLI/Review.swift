import ArgumentParser
import Foundation
import KefuServices
import KefuTracks

extension Kefu {
    /// `kefu review`.
    struct ReviewCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review",
            abstract: "Performance reviews: import KPI feedback, reports per person or team with trends, SVG charts.",
            subcommands: [Import.self, Report.self, Chart.self])

        struct Import: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import KPI inputs from CSV: date,person,kind,value (kinds: satisfaction 1–5, complaint 1, resolved 0/1, resolved_on_time 0/1, teamwork_supervisor 1–5, teamwork_peer 1–5).",
                discussion: "All or nothing: any bad row (file:line:col) or unknown person imports nothing.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "CSV file.") var file: String

            func run() throws {
                try reporting {
                    let count = try ReviewService(database: try store.open(), repository: global.repository).importFeedback(file)
                    print("imported \(count) feedback rows from \(file)")
                }
            }
        }

        struct Report: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stored scorecards: per person (trend over cycles) or per team, as text, CSV or JSON.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "One person.") var person: String?
            @Option(help: "One team.") var team: String?
            @Option(help: "One period (e.g. 2026-11).") var period: String?
            @Option(help: "text, csv or json.") var format: String = "text"

            func validate() throws {
                guard ["text", "csv", "json"].contains(format) else { throw ValidationError("--format must be text, csv or json") }
            }

            func run() throws {
                try reporting {
                    let cards = try ReviewService(database: try store.open(), repository: global.repository).report(person: person, team: team, period: period)
                    switch format {
                    case "json": print(try canonicalJSON(cards, pretty: true))
                    case "csv":
                        let ids = cards.first?.kpis.map(\.id) ?? []
                        print((["period", "person", "total", "rating"] + ids).joined(separator: ","))
                        for c in cards {
                            print(([c.period, c.person, String(format: "%.2f", c.total), c.rating] + c.kpis.map { $0.actual.map { String(format: "%.2f", $0) } ?? "" })
                                .joined(separator: ","))
                        }
                    default:
                        if cards.isEmpty { print("no stored scorecards; `kefu review-cycle run --period …` computes them") }
                        for (who, list) in Dictionary(grouping: cards, by: \.person).sorted(by: { $0.key < $1.key }) {
                            let trend = list.map { "\($0.period) \(String(format: "%.1f", $0.total)) \($0.rating)" }.joined(separator: " → ")
                            print("\(who): \(trend)")
                            guard let latest = list.last else { continue }
                            for k in latest.kpis {
                                let value = k.actual.map { String(format: "%.1f", $0) } ?? "–"
                                let score = k.score.map { String(format: "%.0f", $0) } ?? "–"
                                print("    \(k.id.padding(toLength: 20, withPad: " ", startingAt: 0)) \(value.padding(toLength: 8, withPad: " ", startingAt: 0)) target \(String(format: "%g", k.target)) · score \(score) · \(k.basis)")
                            }
                        }
                    }
                }
            }
        }

        struct Chart: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "An SVG chart of a person's KPI score per review cycle.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var person: String
            @Option(help: "Write the SVG here (default: stdout).") var output: String?

            func run() throws {
                try reporting {
                    let svg = try ReviewService(database: try store.open(), repository: global.repository).chart(person: person)
                    if let output {
                        try Data(svg.utf8).write(to: URL(fileURLWithPath: output))
                        print("wrote \(output)")
                    } else {
                        print(svg, terminator: "")
                    }
                }
            }
        }
    }

    /// `kefu review-cycle`.
    struct ReviewCycle: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review-cycle", abstract: "Compute and store a review cycle's scorecards.", subcommands: [Run.self])

        struct Run: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Scorecards for a month (2026-11), quarter (2026-Q4) or year (2026) under Tracks/reviews.yaml.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "The period.") var period: String
            @Flag(help: "Recompute a cycle that is already stored.") var replace = false

            func run() throws {
                try reporting {
                    let cards = try ReviewService(database: try store.open(), repository: global.repository).runCycle(period, replace: replace)
                    for c in cards {
                        let kpis = c.kpis.compactMap { k in k.score.map { "\(k.id) \(String(format: "%.0f", $0))" } }.joined(separator: ", ")
                        print("\(c.person)  \(String(format: "%5.1f", c.total))  \(c.rating)   \(kpis)")
                    }
                    print("stored review cycle \(period): \(cards.count) scorecards")
                }
            }
        }
    }
}
