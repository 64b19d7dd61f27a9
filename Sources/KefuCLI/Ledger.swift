import ArgumentParser
import Foundation
import KefuCore
import KefuServices

/// Writes `text` to `output` (saying so; a new owner-only file renamed over it, never through a link), or prints it.
func writeOrPrint(_ text: String, to output: String?) throws {
    if let output {
        try OutputFile.write(Data(text.utf8), to: output)
        print("wrote \(output)")
    } else {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
    }
}

/// The text of a file named on the command line.
func readText(_ path: String) throws -> String {
    String(decoding: try InputSource.path(path).readAll(), as: UTF8.self)
}

/// A JWK Set (or single JWK) file named on the command line.
func readJWKS(_ path: String) throws -> JSONValue {
    do { return try JSONValue.parse(try readText(path)) } catch let error as ServiceError { throw error } catch {
        throw ServiceError(.invalidInput, "\(path) is not a JSON key set (JWKS): \(error)")
    }
}

/// Writes `text` to each witness file (replacing the file whole), saying so.
func writeWitnesses(_ text: String, to paths: [String]) throws {
    for path in paths {
        try OutputFile.write(Data(text.utf8), to: path, mode: OutputFile.contentMode)
        print("wrote \(path)")
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
                Credential.self, VerifyCredential.self, StatusListCommand.self, PublicKey.self, RotateKey.self,
            ] + debugSubcommands)

        #if DEBUG
        static let debugSubcommands: [any ParsableCommand.Type] = [StressAppend.self]
        #else
        static let debugSubcommands: [any ParsableCommand.Type] = []
        #endif

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
                        if let who = e.revokedBy { line += "  by: \(who)" }
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
                    let view = LedgerEntryView(e)
                    if let who = view.revokedBy { print("revoked by \(who): \(e.reason ?? "")") }
                    for manual in ManualEvidence.all(in: e.evidence) {
                        print("manual evidence: \(manual.what), entered by \(manual.enteredBy): \(manual.reason)")
                    }
                    print("chain hash \(e.chainHash)")
                    print("leaf hash  \(e.leafHash.hex)")
                }
            }
        }

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Recompute the chain and the Merkle tree, check every entry's signature; with checkpoints, also detect truncation and rewritten history.",
                discussion: """
                    Exit status 1 when the ledger was tampered with; the message names the first bad entry. Example:
                      kefu ledger verify --checkpoint /mnt/witness/kefu.checkpoint --checkpoint kept/checkpoint.txt
                    """
            )
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "A signed checkpoint kept outside the database (repeat for several witnesses).")
            var checkpoint: [String] = []
            @Option(help: "The issuer's public keys (JWKS file), when the key directory is not at hand.")
            var jwks: String?
            @Flag(
                help:
                    "Check every entry's signature, also under signed checkpoints (default: only the entries no checkpoint covers; a checkpoint's signed root vouches for the rest)."
            )
            var allSignatures = false
            @Option(help: "Output format.") var format: Format = .text

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let texts = try checkpoint.map(readText)
                    let keys = try jwks.map(readJWKS)
                    let report = try await LedgerService(environment: environment).verify(
                        checkpoints: texts, jwks: keys, signatures: allSignatures ? .every : .beyondCheckpoints)
                    if format == .json {
                        try printJSON(report)
                    } else if let problem = report.firstProblem {
                        print("FAILED at entry \(problem.entry): \(problem.message)")
                    } else {
                        let witnesses =
                            checkpoint.isEmpty ? "" : ", consistent with \(checkpoint.joined(separator: ", "))"
                        let signatures =
                            report.signaturesChecked == report.checked
                            ? "every signature valid"
                            : "\(report.signaturesChecked) signatures valid, the other \(report.checked - report.signaturesChecked) entries under a signed checkpoint"
                        print(
                            "ok: \(report.checked) entries, chain intact, \(signatures) (\(report.keys.count) key\(report.keys.count == 1 ? "" : "s")), root \(report.root)\(witnesses)"
                        )
                    }
                    if !report.isValid { throw ExitCode(1) }
                }
            }
        }

        struct CheckpointCommand: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "checkpoint",
                abstract: "Sign and store a checkpoint of the current tree; write copies to outside witness files.",
                discussion: """
                    Example: kefu ledger checkpoint --witness /mnt/audit/kefu.checkpoint --witness backup/kefu.checkpoint
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Also write it to this file.") var output: String?
            @Option(help: "A witness file kept outside the database's folder (repeat for several).")
            var witness: [String] = []
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let result = try await LedgerService(environment: environment).checkpoint(
                        by: try await Edge.actor(actor, in: environment))
                    if witness.isEmpty || output != nil { try writeOrPrint(result.text, to: output) }
                    try writeWitnesses(result.text, to: witness)
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
                commandName: "verify-credential",
                abstract:
                    "Check a credential: signature (kid in the issuer's JWKS), issuer, ledger origin, validity, revocation.",
                discussion: """
                    Fails closed: an unknown key, another issuer or ledger, or a revocation that cannot be checked is
                    exit status 1. Examples:
                      kefu ledger verify-credential badge.jwt
                      kefu ledger verify-credential badge.jwt --jwks issuer.jwks --status-list status.jwt
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Credential file (VC-JWT, compact JWS).") var file: String
            @Option(help: "The issuer's public keys (JWKS file); default: this ledger's keys.") var jwks: String?
            @Option(
                help:
                    "The issuer's status list (from `kefu ledger status-list`): checks revocation without the database."
            )
            var statusList: String?

            func run() async throws {
                try await Edge.run {
                    let access: StorageAccess = statusList == nil ? .readOnly : .none
                    let environment = try Edge.environment(global: global, store: store, access: access)
                    let check = try await LedgerService(environment: environment).verifyCredential(
                        try readText(file), jwks: try jwks.map(readJWKS), statusList: try statusList.map(readText))
                    let credential = check.credential.value
                    let subject = credential["credentialSubject"]
                    if let kid = check.kid {
                        print(
                            "signature valid (key \(kid)): \(credential["name"]?.stringValue ?? "") for \(subject?["name"]?.stringValue ?? "")"
                        )
                    }
                    if check.problems.isEmpty {
                        print(
                            "ok: valid until \(credential["validUntil"]?.stringValue ?? "-"), not revoked (checked in the \(check.revocationCheckedBy.joined(separator: " and the ")))"
                        )
                    } else {
                        for p in check.problems { print("INVALID: \(p)") }
                        throw ExitCode(1)
                    }
                }
            }
        }

        struct StatusListCommand: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "status-list",
                abstract:
                    "Write the issuer's revocation list as a signed W3C Bitstring Status List credential (VC-JWT).",
                discussion: "Publish it at the URL credentials name (Policies/issuer.yaml `status_list`).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Write it to this file.") var output: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let result = try await LedgerService(environment: environment).statusList()
                    try writeOrPrint(result.jwt + "\n", to: output)
                    if output != nil {
                        print(
                            "\(result.size) entries, \(result.revoked.count) revoked; publish it at \(result.url)")
                    }
                }
            }
        }

        struct PublicKey: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "public-key",
                abstract:
                    "Print the issuer's current public key as a JWK, or with --jwks every key (current and retired).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Flag(help: "Print the JWK Set of all the issuer's keys (publish it for verifiers).") var jwks = false

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let service = LedgerService(environment: environment)
                    print(try (jwks ? service.publicJWKS() : service.publicJWK()).canonicalString)
                }
            }
        }

        struct RotateKey: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "rotate-key",
                abstract:
                    "Replace the signing key; the old public key stays in the JWKS, so old entries keep verifying.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let rotation = try await LedgerService(environment: environment).rotateKey(
                        by: try await Edge.actor(actor, in: environment))
                    if let retired = rotation.retired { print("retired key \(retired) (its public key is kept)") }
                    print(
                        "signing key is now \(rotation.current); publish the new JWKS (kefu ledger public-key --jwks)")
                }
            }
        }

        #if DEBUG
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
        #endif
    }
}
