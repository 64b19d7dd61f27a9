import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu {
    /// `kefu review`.
    struct ReviewCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review",
            abstract: "Performance reviews: import KPI feedback, reports per person or team with trends, SVG charts.",
            discussion: """
                Examples:
                  kefu review import feedback.csv
                  kefu review report --team 微信一组 --period 2026-11
                """,
            subcommands: [Import.self, Report.self, Chart.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Import KPI inputs from CSV: date,person,kind,value (kinds: satisfaction 1–5, complaint 1, resolved 0/1, resolved_on_time 0/1, teamwork_supervisor 1–5, teamwork_peer 1–5).",
                discussion: "All or nothing: any bad row (file:line:col) or unknown person imports nothing.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "CSV file, or - for standard input.") var file: String
            @Option(name: .customLong("as"), help: "The person importing (default: Kefu itself).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let identity = try await Edge.actor(actor, in: environment)
                    let result = try await ReviewService(environment: environment).importFeedback(
                        .path(file), by: identity)
                    print("imported \(result.rows) feedback rows from \(result.source)")
                }
            }
        }

        struct Report: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Stored scorecards: per person (trend over cycles) or per team, as text, CSV or JSON.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "One person.") var person: String?
            @Option(help: "One team.") var team: String?
            @Option(help: "One period (e.g. 2026-11).") var period: String?
            @Option(help: "Output format.") var format: Format = .text
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            /// How the report is printed.
            enum Format: String, ExpressibleByArgument, CaseIterable {
                /// Trends per person.
                case text
                /// One line per scorecard.
                case csv
                /// The scorecards as JSON.
                case json
            }

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let cards = try await ReviewService(environment: environment).report(
                        person: person.map { PersonID($0) }, team: team, period: period,
                        by: try await Edge.actor(actor, in: environment))
                    switch format {
                    case .json: print(try OutputJSON.string(cards, pretty: true))
                    case .csv:
                        let ids = cards.first?.kpis.map(\.id) ?? []
                        print((["period", "person", "total", "rating"] + ids).joined(separator: ","))
                        for c in cards {
                            print(
                                ([c.period, c.person, String(format: "%.2f", c.total), c.rating]
                                    + c.kpis.map { $0.actual.map { String(format: "%.2f", $0) } ?? "" })
                                    .joined(separator: ","))
                        }
                    case .text:
                        if cards.isEmpty {
                            print("no stored scorecards; `kefu review-cycle run --period …` computes them")
                        }
                        for (who, list) in Dictionary(grouping: cards, by: \.person).sorted(by: { $0.key < $1.key }) {
                            let trend = list.map { "\($0.period) \(String(format: "%.1f", $0.total)) \($0.rating)" }
                                .joined(separator: " → ")
                            print("\(who): \(trend)")
                            guard let latest = list.last else { continue }
                            for k in latest.kpis {
                                let value = k.actual.map { String(format: "%.1f", $0) } ?? "–"
                                let score = k.score.map { String(format: "%.0f", $0) } ?? "–"
                                print(
                                    "    \(k.id.padding(toLength: 20, withPad: " ", startingAt: 0)) \(value.padding(toLength: 8, withPad: " ", startingAt: 0)) target \(String(format: "%g", k.target)) · score \(score) · \(k.basis)"
                                )
                            }
                        }
                    }
                }
            }
        }

        struct Chart: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "An SVG chart of a person's KPI score per review cycle.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var person: String
            @Option(help: "Write the SVG here (default: stdout).") var output: String?
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    // Reads the database only; --output writes a file, never the database.
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let svg = try await ReviewService(environment: environment).chart(
                        person: PersonID(person), by: try await Edge.actor(actor, in: environment))
                    if let output {
                        try OutputFile.write(Data(svg.utf8), to: output)
                        print("wrote \(output)")
                    } else {
                        print(svg, terminator: "")
                    }
                }
            }
        }
    }

    /// `kefu review-cycle`.
    struct ReviewCycle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review-cycle", abstract: "Compute and store a review cycle's scorecards.",
            subcommands: [Run.self])

        struct Run: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Scorecards for a month (2026-11), quarter (2026-Q4) or year (2026) under Tracks/reviews.yaml.",
                discussion: "Example: kefu review-cycle run --period 2026-Q4 --replace")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "The period.") var period: String
            @Flag(help: "Recompute a cycle that is already stored.") var replace = false
            @Option(name: .customLong("as"), help: "The person running the cycle (default: Kefu itself).") var actor:
                String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let identity = try await Edge.actor(actor, in: environment)
                    let result = try await ReviewService(environment: environment).runCycle(
                        period, replace: replace, by: identity)
                    for c in result.scorecards {
                        let kpis = c.kpis.compactMap { k in k.score.map { "\(k.id) \(String(format: "%.0f", $0))" } }
                            .joined(separator: ", ")
                        print("\(c.person)  \(String(format: "%5.1f", c.total))  \(c.rating)   \(kpis)")
                    }
                    print("stored review cycle \(result.period): \(result.scorecards.count) scorecards")
                }
            }
        }
    }
}
