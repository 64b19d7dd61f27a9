import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu {
    /// `kefu promote`.
    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Promotion tracks (Tracks/promotion.yaml): check the next step's rules, record a promotion.",
            subcommands: [Check.self, Apply.self])

        struct Check: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Explain every rule of the next step on each track as met or unmet, with the actual values (exit 1 when none is ready).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var person: String

            func run() throws {
                let ready: Bool = try reporting {
                    let (p, steps) = try PromotionService(database: try store.open(), repository: global.repository).check(person)
                    print("\(p.id) \(p.name) — \(p.level.rawValue) (\(p.level.chineseTitle))")
                    if steps.isEmpty { print("  no further step on either track") }
                    for step in steps {
                        print("\(step.step.track) track → \(step.step.to.rawValue) (\(step.step.to.chineseTitle)): \(step.isReady ? "READY" : "not yet")")
                        for check in step.checks { print("  \(check.isMet ? "✓ met  " : "✗ unmet") \(check.requirement): \(check.actual)") }
                    }
                    return steps.contains(where: \.isReady)
                }
                if !ready { throw ExitCode(1) }
            }
        }

        struct Apply: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Record a promotion whose rules are all met (ledger event + new level).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var person: String
            @Argument(help: "New level (e.g. senior-specialist, team-lead).") var level: String
            @Option(name: .customLong("as"), help: "The approving supervisor or manager.") var approver: String

            func run() throws {
                try reporting {
                    guard let target = Level(rawValue: level) else {
                        throw ValidationError("unknown level `\(level)`; use \(Level.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    let entry = try PromotionService(database: try store.open(), repository: global.repository).apply(person, to: target, approver: approver)
                    print("promoted \(person) to \(target.rawValue) (\(target.chineseTitle)): ledger entry \(entry.sequence), hash \(entry.chainHash.prefix(16))…")
                }
            }
        }
    }
}
