import ArgumentParser
import Foundation
import KefuCore
import KefuServices

/// An audit event as JSON output.
struct AuditEventJSON: Encodable {
    let seq: Int
    let at: String
    let actor: String
    let person: String
    let action: String
    let subject: String
    let detail: [String: String]

    init(_ e: AuditEvent) {
        (seq, at, actor, person, action, subject, detail) = (
            e.sequence, e.at, e.actor, e.person, e.action, e.subject, e.detail
        )
    }
}

extension Kefu {
    /// `kefu audit …`.
    struct AuditCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit",
            abstract: "The audit log of every state change: list, verify, keep its head outside the database.",
            discussion: """
                Examples:
                  kefu audit list --action exam. --since 2026-12-01
                  kefu audit head --output /mnt/witness/audit-head.json
                  kefu audit verify --head /mnt/witness/audit-head.json
                """,
            subcommands: [List.self, Verify.self, Head.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List audit events (supervisors, managers, administrators).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Only actions starting with this (e.g. `exam.` or `qa.dispute`).") var action: String?
            @Option(help: "Only events by this person.") var person: String?
            @Option(help: "Only subjects containing this text.") var subject: String?
            @Option(help: "Only events at or after this time (e.g. 2026-12-01).") var since: String?
            @Option(help: "At most this many (the newest).") var limit: Int?
            @Option(help: "Output format.") var format: LedgerCommand.Format = .text
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let filter = AuditFilter(
                        actionPrefix: action, person: person, subjectContaining: subject, since: since, limit: limit)
                    let events = try await AuditService(environment: environment).events(
                        filter, by: try await Edge.actor(actor, in: environment))
                    if format == .json { return try printJSON(events.map(AuditEventJSON.init)) }
                    for e in events {
                        let detail = e.detail.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                        print(
                            "\(e.sequence)  \(e.at)  \(e.actor)  \(e.action)  \(e.subject)\(detail.isEmpty ? "" : "  " + detail.joined(separator: " "))"
                        )
                    }
                    if events.isEmpty { print("no audit events match") }
                }
            }
        }

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Recompute the audit chain; with kept heads, also detect a truncated or rewritten log.",
                discussion: "Exit status 1 when the log was tampered with.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "A head written by `kefu audit head` and kept elsewhere (repeatable).") var head: [String] =
                []

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let heads = try head.map { try AuditService.decodeHead(try readText($0), file: $0) }
                    let report = try await AuditService(environment: environment).verify(heads: heads)
                    if let problem = report.problem {
                        print("FAILED at audit event \(problem.sequence): \(problem.message)")
                        throw ExitCode(1)
                    }
                    print(
                        "ok: \(report.checked) audit events, chain intact, head \(report.head.hash.prefix(16))…\(heads.isEmpty ? "" : ", consistent with \(heads.count) kept head(s)")"
                    )
                }
            }
        }

        struct Head: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print (or write) the audit log's current head, to keep outside the database.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Write it to this file.") var output: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let head = try await AuditService(environment: environment).head()
                    try writeOrPrint(AuditService.encode(head), to: output)
                }
            }
        }
    }
}

extension Kefu {
    /// `kefu policy`.
    struct PolicyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "policy",
            abstract: "Print who may do what (the access policy every channel follows), as a Markdown table.")

        func run() throws { print(AccessPolicy.markdownMatrix(), terminator: "") }
    }
}
