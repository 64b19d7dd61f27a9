import ArgumentParser
import Foundation
import KefuContent
import KefuLedger
import KefuServices
import KefuStore

/// Builds the ledger service from the shared options.
func ledgerService(_ store: StoreOptions, _ global: GlobalOptions) throws -> LedgerService {
    let origin = ProcessInfo.processInfo.environment["KEFU_LEDGER_ORIGIN"] ?? "kefu.local/ledger"
    return LedgerService(database: try store.open(), keys: store.keyStore, repository: global.repository, origin: origin)
}

func writeOrPrint(_ text: String, to output: String?) throws {
    if let output {
        guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else { throw ServiceError("cannot write \(output)") }
        print("wrote \(output)")
    } else {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
    }
}

extension Kefu {
    /// `kefu certify PERSON CERT`.
    struct Certify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate a certification's requirements for a person; issue it (a ledger entry) or explain what is missing.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Person id.") var person: String
        @Argument(help: "Certification id (Tracks/certifications.yaml).") var certification: String

        func run() throws {
            try reporting {
                let outcome = try ledgerService(store, global).certify(person: person, certification: certification, now: Date())
                print("\(outcome.rule.id) — \(outcome.rule.title) for \(person):")
                for check in outcome.checks {
                    print("  \(check.isMet ? "✓ met  " : "✗ unmet") \(check.requirement): \(check.actual)")
                }
                if let entry = outcome.entry {
                    print("\(entry.kind.rawValue): ledger entry \(entry.sequence), valid until \(entry.validUntil ?? "-"), hash \(entry.chainHash.prefix(16))…")
                } else {
                    print("not issued: \(outcome.checks.filter { !$0.isMet }.count) requirement(s) unmet")
                    throw ExitCode(1)
                }
            }
        }
    }

    /// `kefu ledger …`.
    struct LedgerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ledger",
            abstract: "The tamper-evident certification ledger.",
            subcommands: [List.self, Show.self, Verify.self, CheckpointCommand.self, Prove.self, Revoke.self, Expire.self,
                          Credential.self, VerifyCredential.self, PublicKey.self, StressAppend.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List entries.")
            @OptionGroup var store: StoreOptions
            @Option(help: "Only this person's entries.") var person: String?

            func run() throws {
                try reporting {
                    let database = try store.open()
                    for e in try database.read({ try database.entries($0, person: person) }) {
                        var line = "\(String(e.sequence).padding(toLength: 5, withPad: " ", startingAt: 0)) \(e.recordedAt)  \(e.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(e.person)  \(e.subject)"
                        if let until = e.validUntil { line += "  valid until \(until)" }
                        if let ref = e.refersTo { line += "  (entry \(ref))" }
                        if let reason = e.reason { line += "  reason: \(reason)" }
                        print(line)
                    }
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one entry as canonical JSON with its hashes.")
            @OptionGroup var store: StoreOptions
            @Argument(help: "Entry number.") var entry: Int

            func run() throws {
                try reporting {
                    let database = try store.open()
                    guard let e = try database.read({ try database.entries($0) }).first(where: { $0.sequence == entry }) else {
                        throw ServiceError("no ledger entry \(entry)")
                    }
                    print(e.json.canonicalString)
                    print("chain hash \(e.chainHash)")
                    print("leaf hash  \(e.leafHash.hex)")
                }
            }
        }

        struct Verify: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Recompute the chain and the Merkle tree; with a checkpoint, also detect truncation and rewritten history.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "A signed checkpoint kept outside the database.") var checkpoint: String?
            @Option(help: "The ledger's public key (JWK file), when the key file is not at hand.") var jwk: String?

            func run() throws {
                try reporting {
                    let text = try checkpoint.map { path -> String in
                        guard let data = FileManager.default.contents(atPath: path) else { throw ServiceError("cannot read \(path)") }
                        return String(decoding: data, as: UTF8.self)
                    }
                    let publicKey = try jwk.map { path in
                        guard let data = FileManager.default.contents(atPath: path) else { throw ServiceError("cannot read \(path)") }
                        return try JOSE.publicKey(jwk: JSONValue.parse(String(decoding: data, as: UTF8.self)))
                    }
                    let report = try ledgerService(store, global).verify(checkpointText: text, publicKey: publicKey)
                    if let problem = report.firstProblem {
                        print("FAILED at entry \(problem.sequence): \(problem.message)")
                        throw ExitCode(1)
                    }
                    print("ok: \(report.checked) entries, chain intact, root \(report.root.hex)\(checkpoint.map { ", consistent with \($0)" } ?? "")")
                }
            }
        }

        struct CheckpointCommand: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Sign and store a checkpoint of the current tree (keep a copy elsewhere).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Also write it to this file.") var output: String?

            func run() throws {
                try reporting { try writeOrPrint(try ledgerService(store, global).checkpoint(now: Date()), to: output) }
            }
        }

        struct Prove: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print an RFC 6962 inclusion proof for an entry (JSON).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Entry number.") var entry: Int

            func run() throws {
                try reporting { print(try ledgerService(store, global).prove(entry: entry).canonicalString) }
            }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke an issued or renewed certification (appends an entry).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Entry number of the issue or renewal.") var entry: Int
            @Option(help: "Why.") var reason: String

            func run() throws {
                try reporting {
                    let e = try ledgerService(store, global).revoke(entry: entry, reason: reason, now: Date())
                    print("revoked: ledger entry \(e.sequence) revokes entry \(entry)")
                }
            }
        }

        struct Expire: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Record the expiries due as of a date.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Date (YYYY-MM-DD; default today).") var asOf: String?

            func run() throws {
                try reporting {
                    let entries = try ledgerService(store, global).expire(asOf: asOf ?? LedgerService.day(Date()), now: Date())
                    for e in entries { print("expired: entry \(e.sequence) records the end of entry \(e.refersTo ?? 0) (\(e.person) \(e.subject))") }
                    print("\(entries.count) expir\(entries.count == 1 ? "y" : "ies") recorded")
                }
            }
        }

        struct Credential: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Write an Open Badges 3.0 credential (compact JWS, EdDSA) for an entry.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Entry number.") var entry: Int
            @Option(help: "Write it to this file.") var output: String?

            func run() throws {
                try reporting { try writeOrPrint(try ledgerService(store, global).credential(entry: entry) + "\n", to: output) }
            }
        }

        struct VerifyCredential: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Check a credential's signature, validity period and revocation.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Credential file (compact JWS).") var file: String
            @Option(help: "Issuer public key (JWK file); default: this ledger's key.") var jwk: String?

            func run() throws {
                try reporting {
                    guard let data = FileManager.default.contents(atPath: file) else { throw ServiceError("cannot read \(file)") }
                    let key = try jwk.map { path -> JSONValue in
                        guard let d = FileManager.default.contents(atPath: path) else { throw ServiceError("cannot read \(path)") }
                        return try JSONValue.parse(String(decoding: d, as: UTF8.self))
                    }
                    let check = try ledgerService(store, global).verifyCredential(String(decoding: data, as: UTF8.self), jwk: key, now: Date())
                    let subject = check.credential["credentialSubject"]
                    print("signature valid: \(check.credential["name"]?.stringValue ?? "") for \(subject?["name"]?.stringValue ?? "")")
                    if check.problems.isEmpty {
                        print("ok: valid until \(check.credential["validUntil"]?.stringValue ?? "-"), not revoked")
                    } else {
                        for p in check.problems { print("INVALID: \(p)") }
                        throw ExitCode(1)
                    }
                }
            }
        }

        struct PublicKey: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "public-key", abstract: "Print the issuer's public key as a JWK (the private key is never printed).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions

            func run() throws {
                try reporting { print(try ledgerService(store, global).publicJWK().canonicalString) }
            }
        }

        /// Appends entries in one long transaction (tests kill it midway to check crash safety).
        struct StressAppend: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "stress-append", abstract: "Append N test entries in one transaction (crash-safety tests).", shouldDisplay: false)
            @OptionGroup var store: StoreOptions
            @Option var count = 1000
            @Option var person = "stress"

            func run() throws {
                try reporting {
                    let database = try store.open()
                    try database.write { db in
                        for i in 0..<count {
                            try database.append(LedgerEntry(sequence: 0, kind: .issued, person: person, subject: "stress-\(i)", recordedAt: LedgerService.timestamp(Date()), previousHash: ""), db)
                            if i == count / 2 { FileHandle.standardOutput.write(Data("halfway\n".utf8)) }
                        }
                    }
                }
            }
        }
    }
}
