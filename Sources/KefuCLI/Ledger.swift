import ArgumentParser
import Foundation
import KefuCore
import KefuServices

/// Writes `text` to `output` (saying so), or prints it.
func writeOrPrint(_ text: String, to output: String?) throws {
    if let output {
        guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
            throw ServiceError(.unavailable, "cannot write \(output); check that its folder exists and is writable")
        }
        print("wrote \(output)")
    } else {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
    }
}

/// The text of a file named on the command line.
func readText(_ path: String) throws -> String {
    String(decoding: try InputSource.path(path).readAll(), as: UTF8.self)
}

/// A JWK file named on the command line.
func readJWK(_ path: String) throws -> KefuServices.JSONDocument {
    do { return try OutputJSON.decoder().decode(JSONDocument.self, from: Data(try readText(path).utf8)) } catch let
        error as ServiceError
    {
        throw error
    } catch {
        throw ServiceError(.invalidInput, "\(path) is not a JSON key (JWK)")
    }
}

extension Kefu {
    /// `kefu certify PERSON CERT`.
    struct Certify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Evaluate a certification's requirements for a person; issue it (a ledger entry) or explain what is missing.",
            discussion: """
                Exit status 1 when a requirement is unmet. Examples:
                  kefu certify E001 onboarding
                  kefu certify E001 onboarding --format json
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Person id.") var person: String
        @Argument(help: "Certification id (Tracks/certifications.yaml).") var certification: String
        @Option(help: "Output format.") var format: LedgerCommand.Format = .text
        @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

        func run() async throws {
            try await Edge.run {
                let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                let outcome = try await LedgerService(environment: environment).certify(
                    person: PersonID(person), certification: CertificationID(certification),
                    by: try await Edge.actor(actor, in: environment))
                if format == .json {
                    try printJSON(outcome)
                } else {
                    print("\(outcome.certification) — \(outcome.title) for \(person):")
                    for check in outcome.checks {
                        print("  \(check.met ? "✓ met  " : "✗ unmet") \(check.requirement): \(check.actual)")
                    }
                    if let entry = outcome.entry {
                        print(
                            "\(entry.kind.rawValue): ledger entry \(entry.sequence), valid until \(entry.validUntil ?? "-"), hash \(entry.chainHash.prefix(16))…"
                        )
                    } else {
                        print("not issued: \(outcome.checks.filter { !$0.met }.count) requirement(s) unmet")
                    }
                }
                if !outcome.isIssued { throw ExitCode(1) }
            }
        }
    }

    /// `kefu ledger …`.
    struct LedgerCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ledger",
            abstract: "The tamper-evident certification ledger.",
            discussion: """
                Examples:
                  kefu ledger verify --checkpoint kept/checkpoint.txt
                  kefu ledger list --person E001 --format json
                """,
            subcommands: [
                List.self, Show.self, Verify.self, CheckpointCommand.self, Prove.self, Revoke.self, Expire.self,
                Credential.self, VerifyCredential.self, PublicKey.self, StressAppend.self,
            ])

        /// Output formats.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List entries.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Only this person's entries.") var person: String?
            @Option(help: "Output format.") var format: Format = .text

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let entries = try await LedgerService(environment: environment).list(
                        person: person.map { PersonID($0) })
                    if format == .json { return try printJSON(entries) }
                    for e in entries {
                        var line =
                            "\(String(e.sequence.rawValue).padding(toLength: 5, withPad: " ", startingAt: 0)) \(e.recordedAt)  \(e.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(e.person)  \(e.subject)"
                        if let until = e.validUntil { line += "  valid until \(until)" }
                        if let ref = e.refersTo { line += "  (entry \(ref))" }
                        if let reason = e.reason { line += "  reason: \(reason)" }
                        print(line)
                    }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show one entry as canonical JSON with its hashes.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Entry number.") var entry: Int64

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let e = try await LedgerService(environment: environment).entry(EntryID(entry))
                    print(e.json.canonicalString)
                    print("chain hash \(e.chainHash)")
                    print("leaf hash  \(e.leafHash.hex)")
                }
            }
        }

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Recompute the chain and the Merkle tree; with a checkpoint, also detect truncation and rewritten history.",
                discussion:
                    "Exit status 1 when the ledger was tampered with. Example: kefu ledger verify --checkpoint kept/checkpoint.txt"
            )
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "A signed checkpoint kept outside the database.") var checkpoint: String?
            @Option(help: "The ledger's public key (JWK file), when the key file is not at hand.") var jwk: String?
            @Option(help: "Output format.") var format: Format = .text

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let text = try checkpoint.map(readText)
                    let key = try jwk.map(readJWK)
                    let report = try await LedgerService(environment: environment).verify(
                        checkpoint: text, publicKey: key?.value)
                    if format == .json {
                        try printJSON(report)
                    } else if let problem = report.firstProblem {
                        print("FAILED at entry \(problem.entry): \(problem.message)")
                    } else {
                        print(
                            "ok: \(report.checked) entries, chain intact, root \(report.root)\(checkpoint.map { ", consistent with \($0)" } ?? "")"
                        )
                    }
                    if !report.isValid { throw ExitCode(1) }
                }
            }
        }

        struct CheckpointCommand: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "checkpoint",
                abstract: "Sign and store a checkpoint of the current tree (keep a copy elsewhere).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Also write it to this file.") var output: String?
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let result = try await LedgerService(environment: environment).checkpoint(
                        by: try await Edge.actor(actor, in: environment))
                    try writeOrPrint(result.text, to: output)
                }
            }
        }

        struct Prove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print an RFC 6962 inclusion proof for an entry (JSON).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Entry number.") var entry: Int64

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    print(
                        try OutputJSON.string(
                            try await LedgerService(environment: environment).prove(entry: EntryID(entry))))
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Revoke an issued or renewed certification (appends an entry naming who revoked it).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Entry number of the issue or renewal.") var entry: Int64
            @Option(help: "Why.") var reason: String
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let e = try await LedgerService(environment: environment).revoke(
                        entry: EntryID(entry), reason: reason, by: try await Edge.actor(actor, in: environment))
                    print("revoked: ledger entry \(e.sequence) revokes entry \(entry)")
                }
            }
        }

        struct Expire: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Record the expiries due as of a date.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Date (YYYY-MM-DD; default today).") var asOf: String?
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let outcome = try await LedgerService(environment: environment).expire(
                        asOf: asOf, by: try await Edge.actor(actor, in: environment))
                    for e in outcome.expired {
                        print(
                            "expired: entry \(e.sequence) records the end of entry \(e.refersTo.map { "\($0)" } ?? "0") (\(e.person) \(e.subject))"
                        )
                    }
                    print("\(outcome.expired.count) expir\(outcome.expired.count == 1 ? "y" : "ies") recorded")
                }
            }
        }

        struct Credential: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write an Open Badges 3.0 credential (compact JWS, EdDSA) for an entry.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Entry number.") var entry: Int64
            @Option(help: "Write it to this file.") var output: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    try writeOrPrint(
                        try await LedgerService(environment: environment).credential(entry: EntryID(entry)) + "\n",
                        to: output)
                }
            }
        }

        struct VerifyCredential: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check a credential's signature, validity period and revocation.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Credential file (compact JWS).") var file: String
            @Option(help: "Issuer public key (JWK file); default: this ledger's key.") var jwk: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let jws = try readText(file)
                    let key = try jwk.map(readJWK)
                    let check = try await LedgerService(environment: environment).verifyCredential(jws, jwk: key?.value)
                    let credential = check.credential.value
                    let subject = credential["credentialSubject"]
                    print(
                        "signature valid: \(credential["name"]?.stringValue ?? "") for \(subject?["name"]?.stringValue ?? "")"
                    )
                    if check.problems.isEmpty {
                        print("ok: valid until \(credential["validUntil"]?.stringValue ?? "-"), not revoked")
                    } else {
                        for p in check.problems { print("INVALID: \(p)") }
                        throw ExitCode(1)
                    }
                }
            }
        }

        struct PublicKey: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "public-key",
                abstract: "Print the issuer's public key as a JWK (the private key is never printed).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    print(try LedgerService(environment: environment).publicJWK().canonicalString)
                }
            }
        }

        /// Appends entries in one long transaction (tests kill it midway to check crash safety).
        struct StressAppend: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "stress-append",
                abstract: "Append N test entries in one transaction (crash-safety tests).", shouldDisplay: false)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option var count = 1000
            @Option var person = "stress"

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    try await LedgerService(environment: environment).stressAppend(
                        count: count, person: PersonID(person)
                    ) { stored in
                        if stored == count / 2 + 1 { FileHandle.standardOutput.write(Data("halfway\n".utf8)) }
                    }
                }
            }
        }
    }
}
