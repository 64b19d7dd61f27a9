import ArgumentParser
import Foundation
import KefuServices
import KefuStore

func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }
func decimal(_ value: Double?, _ digits: Int = 3) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "–" }

/// JSON text of a Foundation property list (sorted keys).
func jsonText(_ object: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
}

/// A CSV field, quoted when needed.
func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}

extension Kefu.QA {
    /// `kefu qa calibration create`.
    struct Calibration: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a calibration session: several reviewers review the same sample blind.",
            subcommands: [Create.self])

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Open a session on a sample for two or more reviewers.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Session name.") var name: String
            @Option(help: "Sample name.") var sample: String
            @Option(help: "Rubric id or path.") var rubric: String
            @Option(help: "Reviewers, comma-separated person ids.") var reviewers: String
            @Option(name: .customLong("as"), help: "Who opens the session (person id).") var creator: String

            func run() throws {
                try reporting {
                    let scorer = try ScoreService(repository: global.repository).scorer(rubric: rubric)
                    let list = reviewers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    try QACalibrationService(database: try store.open()).create(
                        name: name, sample: sample, scorer: scorer, reviewers: list, createdBy: creator, now: Date())
                    print("calibration session \(name) on sample \(sample) with \(scorer.rubric.id): reviewers \(list.joined(separator: ", ")) run `kefu qa review \(sample) --rubric \(rubric) --calibration \(name) --as ID`")
                }
            }
        }
    }

    /// `kefu qa calibrate`.
    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Agreement report of a calibration session: per item and overall, Cohen/Fleiss kappa, Krippendorff alpha, automatic vs consensus, reviewer lean.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Session name.") var session: String
        @Option(help: "text or json.") var format = "text"

        func run() throws {
            try reporting {
                let r = try QACalibrationService(database: try store.open()).report(name: session)
                switch format {
                case "json":
                    print(try jsonText([
                        "session": r.session, "sample": r.sample, "rubric": r.rubric, "reviewers": r.reviewers, "units": r.units,
                        "agreement": r.agreement as Any, "cohen_kappa": r.cohenKappa as Any, "fleiss_kappa": r.fleissKappa as Any,
                        "krippendorff_alpha": r.krippendorffAlpha as Any, "automatic_agreement": r.automaticAgreement as Any,
                        "automatic_kappa": r.automaticKappa as Any, "consensus_units": r.consensusUnits,
                        "items": r.items.map { ["item": $0.item, "units": $0.units, "agreement": $0.agreement as Any, "alpha": $0.alpha as Any, "automatic_agreement": $0.automaticAgreement as Any] },
                        "reviewers_deviation": r.deviations.map { ["reviewer": $0.reviewer, "reviewed": $0.reviewed, "agreement_with_consensus": $0.agreementWithConsensus as Any, "fail_rate_delta_points": $0.failRateDelta as Any, "lean": $0.lean] },
                    ]))
                case "text":
                    print("calibration \(r.session) · sample \(r.sample) · rubric \(r.rubric) · reviewers \(r.reviewers.joined(separator: ", "))")
                    print("units (interaction × item rated by ≥ 2): \(r.units)")
                    print("overall agreement \(percent(r.agreement))", terminator: "")
                    if r.reviewers.count == 2 { print(" · Cohen's κ \(decimal(r.cohenKappa))", terminator: "") } else { print(" · Fleiss' κ \(decimal(r.fleissKappa))", terminator: "") }
                    print(" · Krippendorff's α \(decimal(r.krippendorffAlpha))")
                    print("automatic vs human consensus: \(percent(r.automaticAgreement)) agreement, κ \(decimal(r.automaticKappa)) over \(r.consensusUnits) consensus units")
                    print("\nper item:\n  item                              units  agree   α       auto=consensus")
                    for i in r.items {
                        print("  \(i.item.padding(toLength: 32, withPad: " ", startingAt: 0))  \(String(i.units).leftAligned(5))  \(percent(i.agreement).leftAligned(6))  \(decimal(i.alpha).leftAligned(6))  \(percent(i.automaticAgreement))")
                    }
                    print("\nper reviewer (against the consensus):")
                    for d in r.deviations {
                        print("  \(d.reviewer): \(d.reviewed) reviewed, agrees \(percent(d.agreementWithConsensus)), fail rate \(d.failRateDelta.map { String(format: "%+.1f", $0) } ?? "–") points → \(d.lean)")
                    }
                default: throw ServiceError("--format must be text or json")
                }
            }
        }
    }

    /// `kefu qa report`.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Quality per agent, team, category or rubric item with trend, frequent failures, automatic-vs-human agreement and sample coverage.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Period YYYY-MM.") var period: String
        @Option(help: "Rubric id.") var rubric: String
        @Option(help: "agent, team, category or rubric-item.") var by = "agent"
        @Option(help: "text, csv or json.") var format = "text"
        @Option(help: "Earlier periods in the trend.") var trend = 2

        func run() throws {
            try reporting {
                guard let grouping = QAReportService.Grouping(rawValue: by) else { throw ServiceError("--by must be agent, team, category or rubric-item") }
                let r = try QAReportService(database: try store.open()).report(period: period, rubric: rubric, by: grouping, trend: trend)
                let scoreName = grouping == .agent || grouping == .team ? "quality" : "pass_rate"
                switch format {
                case "csv":
                    print(([by, "count", scoreName, "pass_rate", "reviewed"] + r.trendPeriods).joined(separator: ","))
                    for l in r.lines {
                        print(([csvField(l.key), String(l.count), String(format: "%.2f", l.score), String(format: "%.1f", l.passRate), String(l.reviewed)]
                               + l.trend.map { $0.map { String(format: "%.2f", $0) } ?? "" }).joined(separator: ","))
                    }
                case "json":
                    print(try jsonText([
                        "period": r.period, "rubric": r.rubric, "by": by, "trend_periods": r.trendPeriods,
                        "lines": r.lines.map { ["key": $0.key, "count": $0.count, scoreName: $0.score, "pass_rate": $0.passRate, "reviewed": $0.reviewed, "trend": $0.trend.map { $0 as Any }] },
                        "failures": r.failures.map { ["item": $0.item, "category": $0.category, "count": $0.count, "example": $0.example] },
                        "automatic_vs_human": ["items": r.comparedItems, "agreement": r.automaticAgreement as Any, "kappa": r.automaticKappa as Any],
                        "coverage": r.coverage.map { ["agent": $0.agent, "population": $0.population, "sampled": $0.sampled, "reviewed": $0.reviewed] },
                    ]))
                case "text":
                    print("QA report \(r.period) · rubric \(r.rubric) · by \(by) (reviewed interactions count with their human score)")
                    let trendHeader = r.trendPeriods.map { $0.leftAligned(8) }.joined(separator: " ")
                    print("  \(by.padding(toLength: 28, withPad: " ", startingAt: 0)) count  \(scoreName.leftAligned(9)) pass    reviewed  \(trendHeader)")
                    for l in r.lines {
                        let trendText = l.trend.map { ($0.map { String(format: "%.1f", $0) } ?? "–").leftAligned(8) }.joined(separator: " ")
                        print("  \(l.key.padding(toLength: 28, withPad: " ", startingAt: 0)) \(String(l.count).leftAligned(5))  \(String(format: "%.1f", l.score).leftAligned(9)) \(String(format: "%.0f%%", l.passRate).leftAligned(7)) \(String(l.reviewed).leftAligned(8))  \(trendText)")
                    }
                    print("\nmost frequent failures:")
                    for f in r.failures { print("  \(String(f.count).leftAligned(4)) \(f.item) [\(f.category)] e.g. \(f.example)") }
                    print("\nautomatic vs human (\(r.comparedItems) reviewed item verdicts): \(percent(r.automaticAgreement)) kept, κ \(decimal(r.automaticKappa))")
                    print("\nsample coverage:")
                    for c in r.coverage { print("  \(c.agent.padding(toLength: 20, withPad: " ", startingAt: 0)) \(c.population) interactions, \(c.sampled) sampled, \(c.reviewed) reviewed") }
                default: throw ServiceError("--format must be text, csv or json")
                }
            }
        }
    }
}

extension String {
    func leftAligned(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
