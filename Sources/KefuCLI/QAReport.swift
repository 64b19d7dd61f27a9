import ArgumentParser
import Foundation
import KefuCore
import KefuServices

func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }
func decimal(_ value: Double?, _ digits: Int = 3) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "–" }

/// A CSV field: formula-looking text neutralised, quoted when needed.
func csvField(_ text: String) -> String { Spreadsheet.csvField(text) }

/// Output formats of `kefu qa report`.
enum QAReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, csv, json
}

extension Kefu.QA {
    /// `kefu qa calibration create`.
    struct Calibration: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a calibration session: several reviewers review the same sample blind.",
            subcommands: [Create.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Open a session on a sample for two or more reviewers.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Session name.") var name: String
            @Option(help: "Sample name.") var sample: String
            @Option(help: "Rubric id or path.") var rubric: String
            @Option(help: "Reviewers, comma-separated person ids.") var reviewers: String
            @Option(name: .customLong("as"), help: "Who opens the session (person id).") var creator: String

            func run() async throws {
                try await Edge.run {
                    let env = try Edge.environment(global: global, store: store, access: .readWrite)
                    let actor = try await Edge.identity(creator, in: env)
                    let list = reviewers.split(separator: ",").map { PersonID($0.trimmingCharacters(in: .whitespaces)) }
                    let session = try await QACalibrationService(environment: env).create(
                        CalibrationID(name), sample: SampleID(sample), rubric: rubric, reviewers: list, by: actor)
                    print(
                        "calibration session \(name) on sample \(sample) with \(session.rubric): reviewers \(list.map(\.rawValue).joined(separator: ", ")) run `kefu qa review \(sample) --rubric \(rubric) --calibration \(name) --as ID`"
                    )
                }
            }
        }
    }

    /// `kefu qa calibrate`.
    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Agreement report of a calibration session: per item and overall, Cohen/Fleiss kappa, Krippendorff alpha, automatic vs consensus, reviewer lean."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Session name.") var session: String
        @Option(help: "Output format.") var format: QAListFormat = .text

        func run() async throws {
            try await Edge.run {
                let env = try Edge.environment(global: global, store: store, access: .readOnly)
                let r = try await QACalibrationService(environment: env).report(CalibrationID(session))
                guard format == .text else {
                    print(try OutputJSON.string(r, pretty: true))
                    return
                }
                print(
                    "calibration \(r.session) · sample \(r.sample) · rubric \(r.rubric) · reviewers \(r.reviewers.map(\.rawValue).joined(separator: ", "))"
                )
                print("units (interaction × item rated by ≥ 2): \(r.units)")
                print("overall agreement \(percent(r.agreement))", terminator: "")
                if r.reviewers.count == 2 {
                    print(" · Cohen's κ \(decimal(r.cohenKappa))", terminator: "")
                } else {
                    print(" · Fleiss' κ \(decimal(r.fleissKappa))", terminator: "")
                }
                print(" · Krippendorff's α \(decimal(r.krippendorffAlpha))")
                print(
                    "automatic vs human consensus: \(percent(r.automaticAgreement)) agreement, κ \(decimal(r.automaticKappa)) over \(r.consensusUnits) consensus units"
                )
                print("\nper item:\n  item                              units  agree   α       auto=consensus")
                for i in r.items {
                    print(
                        "  \(i.item.padding(toLength: 32, withPad: " ", startingAt: 0))  \(String(i.units).leftAligned(5))  \(percent(i.agreement).leftAligned(6))  \(decimal(i.alpha).leftAligned(6))  \(percent(i.automaticAgreement))"
                    )
                }
                print("\nper reviewer (against the consensus):")
                for d in r.deviations {
                    print(
                        "  \(d.reviewer): \(d.reviewed) reviewed, agrees \(percent(d.agreementWithConsensus)), fail rate \(d.failRateDelta.map { String(format: "%+.1f", $0) } ?? "–") points → \(d.lean.rawValue)"
                    )
                }
            }
        }
    }

    /// `kefu qa report`.
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Quality per agent, team, category or rubric item with trend, frequent failures, automatic-vs-human agreement and sample coverage.",
            discussion: """
                  kefu qa report --period 2026-11 --rubric conduct.zh
                  kefu qa report --period 2026-11 --rubric conduct.zh --by team --format csv
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Option(help: "Period YYYY-MM.") var period: String
        @Option(help: "Rubric id.") var rubric: String
        @Option(help: "Grouping.") var by: QAReportService.Grouping = .agent
        @Option(help: "Output format.") var format: QAReportFormat = .text
        @Option(help: "Earlier periods in the trend.") var trend = 2
        @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

        func run() async throws {
            try await Edge.run {
                let env = try Edge.environment(global: global, store: store, access: .readOnly)
                let r = try await QAReportService(environment: env).report(
                    period: period, rubric: RubricID(rubric), by: by, trend: trend,
                    actor: try await Edge.actor(actor, in: env))
                let scoreName = by.isPeople ? "quality" : "pass_rate"
                switch format {
                case .json: print(try OutputJSON.string(r, pretty: true))
                case .csv:
                    print(
                        ([by.rawValue, "count", scoreName, "pass_rate", "reviewed"] + r.trendPeriods).joined(
                            separator: ","))
                    for l in r.lines {
                        print(
                            ([
                                csvField(l.key), String(l.count), String(format: "%.2f", l.score.value),
                                String(format: "%.1f", l.passRate.value), String(l.reviewed),
                            ]
                                + l.trend.map { $0.map { String(format: "%.2f", $0.value) } ?? "" }).joined(
                                    separator: ","))
                    }
                case .text:
                    print(
                        "QA report \(r.period) · rubric \(r.rubric) · by \(by.rawValue) (reviewed interactions count with their human score)"
                    )
                    let trendHeader = r.trendPeriods.map { $0.leftAligned(8) }.joined(separator: " ")
                    print(
                        "  \(by.rawValue.padding(toLength: 28, withPad: " ", startingAt: 0)) count  \(scoreName.leftAligned(9)) pass    reviewed  \(trendHeader)"
                    )
                    for l in r.lines {
                        let trendText = l.trend.map {
                            ($0.map { String(format: "%.1f", $0.value) } ?? "–").leftAligned(8)
                        }.joined(separator: " ")
                        print(
                            "  \(l.key.padding(toLength: 28, withPad: " ", startingAt: 0)) \(String(l.count).leftAligned(5))  \(String(format: "%.1f", l.score.value).leftAligned(9)) \(String(format: "%.0f%%", l.passRate.value).leftAligned(7)) \(String(l.reviewed).leftAligned(8))  \(trendText)"
                        )
                    }
                    print("\nmost frequent failures:")
                    for f in r.failures {
                        print("  \(String(f.count).leftAligned(4)) \(f.item) [\(f.category)] e.g. \(f.example)")
                    }
                    print(
                        "\nautomatic vs human (\(r.automaticVsHuman.items) reviewed item verdicts): \(percent(r.automaticVsHuman.agreement)) kept, κ \(decimal(r.automaticVsHuman.kappa))"
                    )
                    for a in r.automaticVsHuman.byItem {
                        print(
                            "  \(a.item.leftAligned(24)) \(String(a.compared).leftAligned(4)) compared, \(String(a.overridden).leftAligned(3)) overridden, \(percent(a.agreement)) kept, κ \(decimal(a.kappa))"
                        )
                    }
                    print("\nsample coverage:")
                    for c in r.coverage {
                        print(
                            "  \(c.agent.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)) \(c.population) interactions, \(c.sampled) sampled, \(c.reviewed) reviewed"
                        )
                    }
                }
            }
        }
    }
}

extension String {
    func leftAligned(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
