import ArgumentParser
import Foundation
import KefuServices

extension Kefu.QA {
    /// `kefu qa purge --before DATE`.
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retention: delete interactions that started before a date, with their scores and reviews.",
            discussion: """
                One transaction; the audit log records the date and the count.
                  kefu qa purge --before 2025-12-01
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Option(help: "Delete interactions that started before this date (YYYY-MM-DD).") var before: String
        @Option(name: .customLong("as"), help: "Who purges (person id; default: the operator).") var actor: String?

        func run() async throws {
            try await Edge.run {
                let env = try Edge.environment(global: global, store: store, access: .readWrite)
                let count = try await QAImportService(environment: env).purge(
                    before: before, by: try await Edge.actor(actor, in: env))
                print("purged \(count) interaction(s) that started before \(before)")
            }
        }
    }

    /// `kefu qa erase --term TEXT | --identifier NUMBER`.
    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erasure: delete one customer's interactions, found by their number or by a search term.",
            discussion: """
                --identifier finds the interactions from which that phone, bank-card or ID number or e-mail address \
                was masked on import (written any way: spaces, +86, full width), through a keyed index — the \
                numbers are never stored. --term matches the interaction id or the stored (masked) text. One \
                transaction; the audit log records the count and a SHA-256, never the number or the term.
                  kefu qa erase --identifier 13812345678
                  kefu qa erase --term 202611050123456789
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Option(help: "Text that identifies the customer's interactions (4 characters or more).") var term: String?
        @Option(help: "The customer's mobile, bank-card or resident-ID number, or e-mail address.")
        var identifier: String?
        @Option(name: .customLong("as"), help: "Who erases (person id; default: the operator).") var actor: String?

        func validate() throws {
            guard (term == nil) != (identifier == nil) else {
                throw ValidationError("give either --identifier NUMBER or --term TEXT")
            }
        }

        func run() async throws {
            try await Edge.run {
                let env = try Edge.environment(global: global, store: store, access: .readWrite)
                let service = QAImportService(environment: env)
                let actor = try await Edge.actor(actor, in: env)
                let count: Int
                if let identifier {
                    count = try await service.erase(identifier: identifier, by: actor)
                } else {
                    count = try await service.erase(term: term ?? "", by: actor)
                }
                print("erased \(count) interaction(s)")
            }
        }
    }
}
