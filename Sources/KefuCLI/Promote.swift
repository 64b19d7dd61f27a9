import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu {
    /// `kefu promote`.
    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Promotion tracks (Tracks/promotion.yaml): check the next step's rules, record a promotion.",
            discussion: """
                Examples:
                  kefu promote check E001 --format json
                  kefu promote apply E001 senior-specialist --as S001
                """,
            subcommands: [Check.self, Apply.self])

        /// How `check` prints its result.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            /// Lines for a person.
            case text
            /// The check as JSON.
            case json
        }

        struct Check: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Explain every rule of the next step on each track as met or unmet, with the actual values (exit 1 when none is ready)."
            )
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var person: String
            @Option(help: "Output format.") var format: Format = .text
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                let ready: Bool = try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let result = try await PromotionService(environment: environment).check(
                        PersonID(person), by: try await Edge.actor(actor, in: environment))
                    if format == .json {
                        print(try OutputJSON.string(result, pretty: true))
                        return result.isReady
                    }
                    print("\(result.person) \(result.name) — \(result.level.rawValue) (\(result.level.chineseTitle))")
                    if result.steps.isEmpty { print("  no further step on either track") }
                    for step in result.steps {
                        print(
                            "\(step.track) track → \(step.to.rawValue) (\(step.to.chineseTitle)): \(step.isReady ? "READY" : "not yet")"
                        )
                        for check in step.checks {
                            print("  \(check.isMet ? "✓ met  " : "✗ unmet") \(check.requirement): \(check.actual)")
                        }
                    }
                    return result.isReady
                }
                if !ready { throw ExitCode(1) }
            }
        }

        struct Apply: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Record a promotion whose rules are all met (ledger event + new level).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var person: String
            @Argument(help: "New level (\(Level.allCases.map(\.rawValue).joined(separator: ", "))).") var level: String
            @Option(name: .customLong("as"), help: "The approving supervisor or manager.") var approver: String

            func validate() throws {
                guard Level(rawValue: level) != nil else {
                    throw ValidationError(
                        "unknown level `\(level)`; use \(Level.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }

            func run() async throws {
                try await Edge.run {
                    guard let target = Level(rawValue: level) else { throw ValidationError("unknown level `\(level)`") }
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let actor = try await Edge.identity(approver, in: environment)
                    let record = try await PromotionService(environment: environment).apply(
                        PersonID(person), to: target, by: actor)
                    print(
                        "promoted \(person) to \(record.to.rawValue) (\(record.to.chineseTitle)): ledger entry \(record.entry), hash \(record.hash.prefix(16))…"
                    )
                }
            }
        }
    }
}
