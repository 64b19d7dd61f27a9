import Crypto
import Foundation
import GRDB
import KefuContent
import KefuCore
import KefuLedger
import KefuStore
import KefuTracks

/// The certification ledger's use cases: certify, revoke, expire, verify, checkpoint, prove, credentials.
/// The clock is injected (`now`), so tests and the web layer control time.
public struct LedgerService: Sendable {
    /// The database.
    public let database: KefuDatabase
    /// The signing key's store.
    public let keys: KeyStore
    /// The content (certification rules).
    public let repository: ContentRepository
    /// The ledger's name in checkpoints and credential ids.
    public let origin: String
    /// The credential issuer.
    public let issuer: OpenBadge.Issuer

    /// Creates the service.
    public init(database: KefuDatabase, keys: KeyStore, repository: ContentRepository, origin: String = "kefu.local/ledger",
                issuer: OpenBadge.Issuer = .init(id: "https://kefu.local/issuer", name: "Kefu Contact Centre")) {
        self.database = database
        self.keys = keys
        self.repository = repository
        self.origin = origin
        self.issuer = issuer
    }

    /// ISO-8601 UTC timestamp.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// ISO date (UTC).
    public static func day(_ date: Date) -> String { String(timestamp(date).prefix(10)) }

    // MARK: Certify

    /// The outcome of `kefu certify`.
    public struct CertifyOutcome: Sendable {
        /// The requirements, evaluated.
        public var checks: [RequirementCheck]
        /// The appended entry when every requirement was met.
        public var entry: LedgerEntry?
        /// The certification.
        public var rule: CertificationRule
    }

    /// Evaluates `certification` for `person` and, when every requirement is met, appends an `issued` (or
    /// `renewed`) entry with the evidence — all in one transaction.
    public func certify(person personID: String, certification: String, now: Date) throws -> CertifyOutcome {
        let rules = try repository.certificationRules()
        guard let rule = rules.first(where: { $0.id == certification }) else {
            throw ServiceError("no certification `\(certification)` in Tracks/certifications.yaml; known: \(rules.map(\.id).joined(separator: ", "))")
        }
        let today = Self.day(now)
        return try database.write { db in
            guard let person = try Row.fetchOne(db, sql: "SELECT * FROM person WHERE id = ?", arguments: [personID]).map(KefuDatabase.person) else {
                throw ServiceError("no person with id `\(personID)`; add them with `kefu people add`")
            }
            let entries = try database.entries(db)
            let (checks, evidence) = CertificationEvaluator.evaluate(
                rule, person: person, attempts: try database.attempts(of: personID, db), signOffs: try database.signOffs(of: personID, db),
                entries: entries, asOf: today)
            guard checks.allSatisfy(\.isMet) else { return CertifyOutcome(checks: checks, entry: nil, rule: rule) }
            let state = CertificationEvaluator.state(of: rule.id, person: personID, entries: entries, asOf: today)
            var kind = LedgerEventKind.issued
            var refersTo: Int?
            switch state {
            case .valid(let entry, let until):
                if daysBetween(today, until) > rule.renewalWindowDays {
                    throw ServiceError("`\(rule.id)` is valid until \(until) (ledger entry \(entry)); it can be renewed from \(rule.renewalWindowDays) days before that")
                }
                kind = .renewed
                refersTo = entry
            case .expired(let entry, _):
                kind = .renewed
                refersTo = entry
            case .revoked, .none:
                break
            }
            let draft = LedgerEntry(
                sequence: 0, kind: kind, person: personID, subject: rule.id, recordedAt: Self.timestamp(now),
                validUntil: CertificationEvaluator.addMonths(rule.validityMonths, to: today), refersTo: refersTo,
                evidence: evidence, previousHash: "")
            let entry = try database.append(draft, db)
            return CertifyOutcome(checks: checks, entry: entry, rule: rule)
        }
    }

    func daysBetween(_ from: String, _ to: String) -> Int {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        guard let a = formatter.date(from: from), let b = formatter.date(from: to) else { return 0 }
        return Int((b.timeIntervalSince(a) / 86_400).rounded())
    }

    // MARK: Revoke and expire

    /// Appends a revocation of entry `sequence`.
    public func revoke(entry sequence: Int, reason: String, now: Date) throws -> LedgerEntry {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ServiceError("give the reason for the revocation (--reason)") }
        return try database.write { db in
            let entries = try database.entries(db)
            guard let target = entries.first(where: { $0.sequence == sequence }) else { throw ServiceError("no ledger entry \(sequence)") }
            guard target.kind == .issued || target.kind == .renewed else {
                throw ServiceError("entry \(sequence) is a `\(target.kind.rawValue)` event; only issued or renewed certifications can be revoked")
            }
            if entries.contains(where: { $0.kind == .revoked && $0.refersTo == sequence }) {
                throw ServiceError("entry \(sequence) is already revoked")
            }
            return try database.append(LedgerEntry(
                sequence: 0, kind: .revoked, person: target.person, subject: target.subject, recordedAt: Self.timestamp(now),
                refersTo: sequence, reason: reason, evidence: .object([:]), previousHash: ""), db)
        }
    }

    /// Records `expired` entries for certifications whose validity ended before `date` (YYYY-MM-DD).
    public func expire(asOf date: String, now: Date) throws -> [LedgerEntry] {
        try database.write { db in
            let entries = try database.entries(db)
            var appended: [LedgerEntry] = []
            for entry in entries where (entry.kind == .issued || entry.kind == .renewed) {
                guard let until = entry.validUntil, until < date else { continue }
                let closed = entries.contains { ($0.kind == .expired || $0.kind == .revoked || $0.kind == .renewed) && $0.refersTo == entry.sequence }
                if closed { continue }
                appended.append(try database.append(LedgerEntry(
                    sequence: 0, kind: .expired, person: entry.person, subject: entry.subject, recordedAt: Self.timestamp(now),
                    refersTo: entry.sequence, evidence: .object(["valid_until": .string(until), "as_of": .string(date)]), previousHash: ""), db))
            }
            return appended
        }
    }

    // MARK: Verify, checkpoint, prove

    /// Verifies the stored ledger: the chain, that the query columns agree with each entry's body, every
    /// stored checkpoint, and (given one) an external checkpoint.
    public func verify(checkpointText: String? = nil, publicKey: Curve25519.Signing.PublicKey? = nil) throws -> VerificationReport {
        // Verification never creates a key: it uses the given public key or the existing key file.
        let key = try publicKey ?? keys.existingPublicKey()
        func requireKey() throws -> Curve25519.Signing.PublicKey {
            guard let key else {
                throw ServiceError("the signing key \(keys.path) is missing, so checkpoints cannot be checked; give the ledger's public key (--jwk) or restore the key file")
            }
            return key
        }
        let external = try checkpointText.map { try Checkpoint.verify($0, publicKey: try requireKey()) }
        return try database.read { db in
            let stored = try database.storedEntries(db)
            var report = LedgerVerifier.verify(stored, checkpoint: external)
            guard report.isValid else { return report }
            // The denormalized columns that queries use must say what the body says.
            for row in try Row.fetchAll(db, sql: "SELECT seq, kind, person_id, subject, valid_until, refers_to, body FROM ledger_entry ORDER BY seq") {
                let entry = try LedgerEntry(json: JSONValue.parse(row["body"]))
                let matches = entry.kind.rawValue == (row["kind"] as String) && entry.person == (row["person_id"] as String)
                    && entry.subject == (row["subject"] as String) && entry.validUntil == (row["valid_until"] as String?)
                    && entry.refersTo == (row["refers_to"] as Int?)
                if !matches {
                    report.firstProblem = (entry.sequence, "entry \(entry.sequence)'s columns were edited and no longer match its signed body")
                    return report
                }
            }
            for row in try Row.fetchAll(db, sql: "SELECT text FROM checkpoint ORDER BY id") {
                let checkpoint = try Checkpoint.verify(row["text"], publicKey: try requireKey())
                let againstStored = LedgerVerifier.verify(stored, checkpoint: checkpoint)
                if !againstStored.isValid {
                    report.firstProblem = againstStored.firstProblem
                    return report
                }
            }
            return report
        }
    }

    /// Signs a checkpoint of the current tree, stores it and returns its text.
    public func checkpoint(now: Date) throws -> String {
        let key = try keys.signingKey()
        return try database.write { db in
            let stored = try database.storedEntries(db)
            let report = LedgerVerifier.verify(stored)
            guard report.isValid else {
                throw ServiceError("the ledger does not verify (\(report.firstProblem?.message ?? "")); a checkpoint would sign a damaged history")
            }
            let checkpoint = Checkpoint(origin: origin, size: report.checked, root: report.root, timestamp: Self.timestamp(now))
            let text = try checkpoint.signed(with: key)
            try database.saveCheckpoint(checkpoint, text: text, db)
            return text
        }
    }

    /// An inclusion proof for entry `sequence` in the current tree, verified before it is returned.
    public func prove(entry sequence: Int) throws -> JSONValue {
        try database.read { db in
            let entries = try database.entries(db)
            guard sequence >= 1, sequence <= entries.count else { throw ServiceError("no ledger entry \(sequence) (the ledger has \(entries.count))") }
            let leaves = entries.map(\.leafHash)
            let proof = Merkle.inclusionProof(index: sequence - 1, leaves: leaves[...])
            let root = Merkle.root(leaves)
            guard Merkle.verifyInclusion(index: sequence - 1, size: leaves.count, leaf: leaves[sequence - 1], proof: proof, root: root) else {
                throw ServiceError("internal error: the inclusion proof does not verify")
            }
            return .object([
                "entry": .int(Int64(sequence)), "leaf_index": .int(Int64(sequence - 1)), "tree_size": .int(Int64(leaves.count)),
                "leaf_hash": .string(leaves[sequence - 1].hex), "root": .string(root.hex), "proof": .array(proof.map { .string($0.hex) }),
            ])
        }
    }

    // MARK: Credentials

    /// The issuer's public key as a JWK.
    public func publicJWK() throws -> JSONValue { JOSE.jwk(try keys.signingKey().publicKey) }

    /// An Open Badges 3.0 credential for an issued or renewed entry, as a compact JWS (EdDSA).
    public func credential(entry sequence: Int) throws -> String {
        let key = try keys.signingKey()
        let rules = try repository.certificationRules()
        return try database.read { db in
            let entries = try database.entries(db)
            guard let entry = entries.first(where: { $0.sequence == sequence }) else { throw ServiceError("no ledger entry \(sequence)") }
            guard entry.kind == .issued || entry.kind == .renewed else {
                throw ServiceError("entry \(sequence) is a `\(entry.kind.rawValue)` event; credentials are issued for issued or renewed certifications")
            }
            if entries.contains(where: { $0.kind == .revoked && $0.refersTo == sequence }) {
                throw ServiceError("entry \(sequence) has been revoked; no credential is issued for it")
            }
            let rule = rules.first { $0.id == entry.subject }
            let name = try String.fetchOne(db, sql: "SELECT name FROM person WHERE id = ?", arguments: [entry.person]) ?? entry.person
            let vc = OpenBadge.credential(
                entry: entry, issuer: issuer,
                achievement: .init(id: entry.subject, name: rule?.title ?? entry.subject, description: rule?.description ?? "", criteria: rule?.narrative ?? ""),
                personName: name, ledgerOrigin: origin)
            let header = JSONValue.object(["alg": .string("EdDSA"), "typ": .string("vc+jwt"), "cty": .string("vc"), "kid": .string(JOSE.thumbprint(key.publicKey))])
            return try JOSE.sign(payload: vc.canonicalBytes, header: header, key: key)
        }
    }

    /// The result of checking a credential.
    public struct CredentialCheck: Sendable {
        /// The credential's JSON.
        public var credential: JSONValue
        /// Problems found (empty: valid).
        public var problems: [String]
    }

    /// Checks a credential's signature (with `jwk`, or this ledger's key), its validity period and,
    /// when it comes from this ledger, its revocation.
    public func verifyCredential(_ jws: String, jwk: JSONValue? = nil, now: Date) throws -> CredentialCheck {
        let key = try jwk.map(JOSE.publicKey(jwk:)) ?? keys.signingKey().publicKey
        let (_, payload) = try JOSE.verify(jws, key: key)
        let credential = try JSONValue.parse(String(decoding: payload, as: UTF8.self))
        var problems: [String] = []
        let nowText = Self.timestamp(now)
        if let from = credential["validFrom"]?.stringValue, from > nowText { problems.append("not valid before \(from)") }
        if let until = credential["validUntil"]?.stringValue, until < nowText { problems.append("expired on \(until)") }
        if let id = credential["id"]?.stringValue, id.hasPrefix("urn:kefu:\(origin):entry:"), let sequence = Int(id.split(separator: ":").last ?? "") {
            let entries = try database.read { db in try database.entries(db) }
            if let revocation = entries.first(where: { $0.kind == .revoked && $0.refersTo == sequence }) {
                problems.append("revoked (ledger entry \(revocation.sequence)): \(revocation.reason ?? "")")
            }
            if let expiry = entries.first(where: { $0.kind == .expired && $0.refersTo == sequence }) {
                problems.append("recorded as expired (ledger entry \(expiry.sequence))")
            }
            if !entries.contains(where: { $0.sequence == sequence }) { problems.append("ledger entry \(sequence) does not exist in this ledger") }
        }
        return CredentialCheck(credential: credential, problems: problems)
    }
}
