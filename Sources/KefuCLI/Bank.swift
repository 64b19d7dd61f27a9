public import ArgumentParser
import Foundation
import KefuCore
public import KefuServices

extension Kefu {
    /// `kefu bank`.
    struct BankCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bank",
            abstract: "Question banks: list, inspect, import (GIFT or YAML, all or nothing), export.",
            subcommands: [List.self, Inspect.self, Import.self, Export.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the banks under QuestionBanks/ with their questions per type.")
            @OptionGroup var global: GlobalOptions

            func run() throws {
                try Edge.catching {
                    let (banks, hasErrors) = BankService(
                        environment: try Edge.environment(global: global, access: .none)
                    ).banks()
                    for loaded in banks {
                        let counts = BankService.typeCounts(loaded)
                        print(
                            "\(loaded.bank.id) (\(loaded.bank.language))  \(loaded.bank.questions.count) questions: \(counts.joined(separator: ", "))  \(loaded.path)\(loaded.errors.isEmpty ? "" : "  [errors: run kefu lint]")"
                        )
                    }
                    if banks.isEmpty { print("no banks under QuestionBanks/") }
                    if hasErrors { print("(some bank files have errors: run `kefu lint QuestionBanks`)") }
                }
            }
        }

        struct Inspect: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Parse a GIFT or YAML bank file and print its questions (nothing is stored).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "A .gift or .yaml file.") var file: String
            @Option(help: "Output format.") var format: TrainingFormat = .text

            func run() throws {
                try Edge.catching {
                    let service = BankService(environment: try Edge.environment(global: global, access: .none))
                    if format == .json {
                        print(try service.inspectJSON(.path(file)))
                        return
                    }
                    let loaded = try service.inspect(.path(file))
                    for (n, q) in loaded.bank.questions.enumerated() {
                        print(
                            "\(n + 1). [\(q.type.rawValue)] \(q.id) — \(q.name)\(q.category.isEmpty ? "" : "  (\(q.category))")"
                        )
                    }
                    print("\(loaded.bank.questions.count) questions")
                }
            }
        }

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import a GIFT or YAML file into QuestionBanks/<bank>.<lang>.yaml.",
                discussion:
                    "All or nothing: any error (reported as file:line:col) or an id already in the bank leaves the bank untouched."
            )
            @OptionGroup var global: GlobalOptions
            @Argument(help: "A .gift or .yaml file.") var file: String
            @Option(help: "Bank id (default: from the file name).") var into: String?
            @Option(help: "Language of the questions (default: from a <bank>.<lang>.gift name).") var lang:
                TrainingLanguage?
            @Flag(help: "Replace questions whose id the bank already has.") var replace = false
            @Option(name: .customLong("as"), help: "Who imports (default: kefu itself).") var person: String?
            @OptionGroup var store: StoreOptions

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(
                        global: global, store: store, access: person == nil ? .none : .readOnly)
                    let actor = try await Edge.actor(person, in: environment)
                    let result = try BankService(environment: environment)
                        .importBank(
                            .path(file), into: into.map { BankID($0) }, language: lang?.rawValue, replace: replace,
                            by: actor)
                    print("imported \(result.imported) questions into \(result.path)")
                }
            }
        }

        struct Export: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print a bank as GIFT (Moodle) or YAML.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Bank id.") var bank: String
            @Option(help: "Language version.") var lang: TrainingLanguage = .zh
            @Option(help: "Output format.") var format: BankFormat = .gift
            @Option(help: "Write to this file instead of stdout.") var output: String?

            func run() throws {
                try Edge.catching {
                    let text = try BankService(environment: try Edge.environment(global: global, access: .none)).export(
                        BankID(bank), language: lang.rawValue, format: format)
                    if let output {
                        try OutputFile.write(Data(text.utf8), to: output, mode: OutputFile.contentMode)
                    } else {
                        print(text, terminator: "")
                    }
                }
            }
        }
    }
}

extension BankFormat: ExpressibleByArgument {}
