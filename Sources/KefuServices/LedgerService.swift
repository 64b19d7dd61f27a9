import Crypto
public import Foundation
import KefuContent
public import KefuCore
public import KefuLedger
import KefuStorage
import KefuTracks
import Logging

/// The certification ledger's use cases: certify, revoke, expire, verify, checkpoint, prove, credentials.
///
/// Time comes from `environment.clock`, the signing key from `environment.keys`, the ledger's name
/// from `environment.configuration.ledgerOrigin`.
public struct LedgerService: Sendable {
    /// The environment.
    public let environment: KefuEnvironment
    /// The credential issuer.
    public let issuer: OpenBadge.Issuer

    /// Creates the service.
    public init(
        environment: KefuEnvironment,
        issuer: OpenBadge.Issuer = .init(id: "https://kefu.local/issuer", name: "Kefu Contact Centre")
    ) {
        self.environment = environment
        self.issuer = issuer
    }

    /// The ledger's name in checkpoints and credential ids.
    public var origin: String { environment.configuration.ledgerOrigin }

    /// The one stored timestamp format: ISO-8601 UTC with milliseconds (``Timestamp/format(_:)``).
    public static func timestamp(_ date: Date) -> String {
        Timestamp.format(date)
    }

    /// ISO date (UTC).
    public static func day(_ date: Date) -> String { String(Timestamp.format(date).prefix(10)) }

    var ledger: any LedgerStore {
        get throws { try environment.storage.ledger }
    }

    // MARK: Certify

    /// Carries the evaluated checks out of the append transaction.
    private final class Checks: @unchecked Sendable {
        private let lock = NSLock()
        private var value: [RequirementCheck] = []
        var checks: [RequirementCheck] {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }

    /// Evaluates `certification` for `person` and, when every requirement is met, appends an `issued`
    /// (or `renewed`) entry with the evidence — reading the evidence and appending in one transaction.
    public func certify(
        person: PersonID, certification: CertificationID, by actor: Identity
    ) async throws -> CertificationOutcome {
        let rules = try environment.content.certificationRules()
        guard let rule = rules.first(where: { $0.id == certification.rawValue }) else {
            throw ServiceError(
                .notFound,
                "no certification `\(certification)` in Tracks/certifications.yaml; known: \(rules.map(\.id).joined(separator: ", "))"
            )
        }
        let now = environment.clock.now()
        let today = Self.day(now)
        let ledger = try ledger
        let evaluated = Checks()
        let appended = try await translatingStorageErrors {
            try await ledger.append(concerning: person) { head in
                guard let found = head.person else {
                    throw ServiceError(.notFound, "no person `\(person)`", hint: .init("people.add"))
                }
                let (checks, evidence) = CertificationEvaluator.evaluate(
                    rule, person: found, attempts: head.evidence.attempts, signOffs: head.evidence.signOffs,
                    entries: head.entries, asOf: today)
                evaluated.checks = checks
                guard checks.allSatisfy(\.isMet) else { return [] }
                var kind = LedgerEventKind.issued
                var refersTo: Int?
                switch CertificationEvaluator.state(
                    of: rule.id, person: person.rawValue, entries: head.entries, asOf: today)
                {
                case .valid(let entry, let until):
                    if Self.daysBetween(today, until) > rule.renewalWindowDays {
                        throw ServiceError(
                            .precondition,
                            "`\(rule.id)` is valid until \(until) (ledger entry \(entry)); it can be renewed from \(rule.renewalWindowDays) days before that"
                        )
                    }
                    kind = .renewed
                    refersTo = entry
                case .expired(let entry, _):
                    kind = .renewed
                    refersTo = entry
                case .revoked, .none:
                    break
                }
                return [
                    LedgerEntry(
                        sequence: 0, kind: kind, person: person.rawValue, subject: rule.id,
                        recordedAt: Self.timestamp(now),
                        validUntil: CertificationEvaluator.addMonths(rule.validityMonths, to: today),
                        refersTo: refersTo,
                        evidence: evidence, previousHash: "")
                ]
            }
        }
        let checks = evaluated.checks.map(RequirementResult.init)
        guard let entry = appended.first else {
            return CertificationOutcome(
                certification: certification, title: rule.title, person: person, checks: checks, entry: nil)
        }
        environment.logger.debug(
            "certification issued", metadata: ["entry": "\(entry.sequence)", "actor": "\(actor.person)"])
        return CertificationOutcome(
            certification: certification, title: rule.title, person: person, checks: checks,
            entry: LedgerEntryView(entry))
    }

    static func daysBetween(_ from: String, _ to: String) -> Int {
        guard let a = Timestamp.parse(from.prefix(10) + "T00:00:00Z"),
            let b = Timestamp.parse(to.prefix(10) + "T00:00:00Z")
        else { return 0 }
        return Int((b.timeIntervalSince(a) / 86_400).rounded())
    }

    // MARK: Revoke and expire

    /// Appends a revocation of `entry`, recording who revoked it (`revoked_by` in its evidence).
    public func revoke(entry: EntryID, reason: String, by actor: Identity) async throws -> LedgerEntryView {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ServiceError(.invalidInput, "give the reason for the revocation")
        }
        let now = environment.clock.now()
        let sequence = Int(entry.rawValue)
        let ledger = try ledger
        let appended = try await translatingStorageErrors {
            try await ledger.append { head in
                guard let target = head.entries.first(where: { $0.sequence == sequence }) else {
                    throw ServiceError.notFound(entry)
                }
                guard target.kind == .issued || target.kind == .renewed else {
                    throw ServiceError(
                        .precondition,
                        "entry \(sequence) is a `\(target.kind.rawValue)` event; only issued or renewed certifications can be revoked"
                    )
                }
                if let earlier = head.entries.first(where: { $0.kind == .revoked && $0.refersTo == sequence }) {
                    throw ServiceError(.conflict, "entry \(sequence) was already revoked by entry \(earlier.sequence)")
                }
                return [
                    LedgerEntry(
                        sequence: 0, kind: .revoked, person: target.person, subject: target.subject,
                        recordedAt: Self.timestamp(now),
                        refersTo: sequence, reason: reason,
                        evidence: .object(["revoked_by": .string(actor.person.rawValue)]), previousHash: "")
                ]
            }
        }
        return LedgerEntryView(appended[0])
    }

    /// Records `expired` entries for certifications whose validity ended before `date` (YYYY-MM-DD;
    /// nil: today).
    public func expire(asOf date: String? = nil, by actor: Identity) async throws -> ExpiryOutcome {
        let now = environment.clock.now()
        let asOf = date ?? Self.day(now)
        guard Timestamp.parse(asOf + "T00:00:00Z") != nil else {
            throw ServiceError(.invalidInput, "`\(asOf)` is not a date (YYYY-MM-DD)")
        }
        let ledger = try ledger
        let appended = try await translatingStorageErrors {
            try await ledger.append { head in
                var drafts: [LedgerEntry] = []
                for entry in head.entries where entry.kind == .issued || entry.kind == .renewed {
                    guard let until = entry.validUntil, until < asOf else { continue }
                    let closed = head.entries.contains {
                        ($0.kind == .expired || $0.kind == .revoked || $0.kind == .renewed)
                            && $0.refersTo == entry.sequence
                    }
                    if closed { continue }
                    drafts.append(
                        LedgerEntry(
                            sequence: 0, kind: .expired, person: entry.person, subject: entry.subject,
                            recordedAt: Self.timestamp(now),
                            refersTo: entry.sequence,
                            evidence: .object(["valid_until": .string(until), "as_of": .string(asOf)]), previousHash: ""
                        ))
                }
                return drafts
            }
        }
        return ExpiryOutcome(asOf: asOf, expired: appended.map(LedgerEntryView.init))
    }

    // MARK: Read

    /// The entries in sequence order, all or one person's.
    public func list(person: PersonID? = nil) async throws -> [LedgerEntryView] {
        let ledger = try ledger
        return try await translatingStorageErrors { try await ledger.entries(person: person) }.map(LedgerEntryView.init)
    }

    /// One entry (with its canonical body available through ``LedgerEntry/json``).
    public func entry(_ id: EntryID) async throws -> LedgerEntry {
        let ledger = try ledger
        guard let found = try await translatingStorageErrors({ try await ledger.entry(id) }) else {
            throw ServiceError.notFound(id)
        }
        return found
    }

    // MARK: Verify, checkpoint, prove

    /// Verifies the stored ledger: the chain, that the query columns agree with each entry's body, every
    /// stored checkpoint, and (given one) an external checkpoint. Never creates a key: checkpoints are
    /// checked with `publicKey` or the existing key.
    public func verify(
        checkpoint externalText: String? = nil, publicKey: JSONValue? = nil
    ) async throws -> LedgerVerification {
        let key: Curve25519.Signing.PublicKey?
        do { key = try publicKey.map(JOSE.publicKey(jwk:)) ?? environment.keys.existingPublicKey() } catch let error
            as LedgerError
        {
            throw ServiceError(.invalidInput, "the public key given is not an Ed25519 JWK: \(error)")
        }
        func requireKey() throws -> Curve25519.Signing.PublicKey {
            guard let key else {
                throw ServiceError(
                    .precondition,
                    "the ledger's signing key is missing, so checkpoints cannot be checked; give the ledger's public key or restore the key file",
                    hint: .init("ledger.verify.public-key"))
            }
            return key
        }
        func checkpoint(_ text: String, _ what: String) throws -> Checkpoint {
            do { return try Checkpoint.verify(text, publicKey: try requireKey()) } catch let error as LedgerError {
                throw ServiceError(.invalidInput, "\(what) does not verify with the ledger's key: \(error)")
            }
        }
        let external = try externalText.map { try checkpoint($0, "the checkpoint given") }
        let ledger = try ledger
        let snapshot = try await translatingStorageErrors { try await ledger.snapshot() }
        var report = LedgerVerifier.verify(snapshot.stored, checkpoint: external)
        var checkpoints = external == nil ? 0 : 1
        func result(_ report: VerificationReport) -> LedgerVerification {
            LedgerVerification(
                status: report.isValid ? .ok : .tampered, checked: report.checked, root: report.root.hex,
                firstProblem: report.firstProblem.map {
                    .init(entry: EntryID(Int64($0.sequence)), message: $0.message)
                },
                checkpointsChecked: checkpoints)
        }
        guard report.isValid else { return result(report) }
        // The denormalized columns that queries use must say what the body says.
        for row in snapshot.columns {
            let entry: LedgerEntry
            do { entry = try LedgerEntry(json: JSONValue.parse(row.body)) } catch {
                report.firstProblem = (row.sequence, "entry \(row.sequence)'s body cannot be read")
                return result(report)
            }
            let matches =
                entry.kind.rawValue == row.kind && entry.person == row.person && entry.subject == row.subject
                && entry.validUntil == row.validUntil && entry.refersTo == row.refersTo
            if !matches {
                report.firstProblem = (
                    entry.sequence, "entry \(entry.sequence)'s columns were edited and no longer match its signed body"
                )
                return result(report)
            }
        }
        for text in snapshot.checkpoints {
            let againstStored = LedgerVerifier.verify(
                snapshot.stored, checkpoint: try checkpoint(text, "a stored checkpoint"))
            checkpoints += 1
            if !againstStored.isValid {
                report.firstProblem = againstStored.firstProblem
                return result(report)
            }
        }
        return result(report)
    }

    /// Signs a checkpoint of the current tree and stores it; returns it with its text.
    public func checkpoint(by actor: Identity) async throws -> CheckpointResult {
        // The raw key crosses into the transaction (the key type is not Sendable).
        let rawKey = try environment.keys.signingKey().rawRepresentation
        let origin = origin
        let stamp = Self.timestamp(environment.clock.now())
        let ledger = try ledger
        let signed = try await translatingStorageErrors {
            try await ledger.addCheckpoint { stored in
                let report = LedgerVerifier.verify(stored)
                guard report.isValid else {
                    throw ServiceError(
                        .precondition,
                        "the ledger does not verify (\(report.firstProblem?.message ?? "")); a checkpoint would sign a damaged history",
                        hint: .init("ledger.verify"))
                }
                let checkpoint = Checkpoint(origin: origin, size: report.checked, root: report.root, timestamp: stamp)
                return SignedCheckpoint(
                    checkpoint: checkpoint,
                    text: try checkpoint.signed(with: Curve25519.Signing.PrivateKey(rawRepresentation: rawKey)))
            }
        }
        environment.logger.debug(
            "checkpoint stored", metadata: ["size": "\(signed.checkpoint.size)", "actor": "\(actor.person)"])
        return CheckpointResult(
            origin: origin, size: signed.checkpoint.size, root: signed.checkpoint.root.hex, text: signed.text)
    }

    /// An inclusion proof for `entry` in the current tree, verified before it is returned.
    public func prove(entry: EntryID) async throws -> InclusionProof {
        let ledger = try ledger
        let entries = try await translatingStorageErrors { try await ledger.entries(person: nil) }
        let sequence = Int(entry.rawValue)
        guard sequence >= 1, sequence <= entries.count else {
            throw ServiceError(.notFound, "no ledger entry \(sequence) (the ledger has \(entries.count))")
        }
        let leaves = entries.map(\.leafHash)
        let proof = Merkle.inclusionProof(index: sequence - 1, leaves: leaves[...])
        let root = Merkle.root(leaves)
        guard
            Merkle.verifyInclusion(
                index: sequence - 1, size: leaves.count, leaf: leaves[sequence - 1], proof: proof, root: root)
        else {
            throw ServiceError(.unavailable, "internal error: the inclusion proof does not verify")
        }
        return InclusionProof(
            entry: entry, leafIndex: sequence - 1, treeSize: leaves.count, leafHash: leaves[sequence - 1].hex,
            root: root.hex,
            proof: proof.map(\.hex))
    }

    // MARK: Credentials

    /// The issuer's public key as a JWK. Never creates a key.
    public func publicJWK() throws -> JSONValue {
        guard let key = try environment.keys.existingPublicKey() else {
            throw ServiceError(
                .precondition,
                "the ledger has no signing key yet; it is created with the first checkpoint or credential",
                hint: .init("ledger.checkpoint"))
        }
        return JOSE.jwk(key)
    }

    /// An Open Badges 3.0 credential for an issued or renewed entry, as a compact JWS (EdDSA).
    public func credential(entry id: EntryID) async throws -> String {
        let storage = try environment.storage
        let sequence = Int(id.rawValue)
        let entry = try await self.entry(id)
        guard entry.kind == .issued || entry.kind == .renewed else {
            throw ServiceError(
                .precondition,
                "entry \(sequence) is a `\(entry.kind.rawValue)` event; credentials are issued for issued or renewed certifications"
            )
        }
        let events = try await translatingStorageErrors { try await storage.ledger.events(referringTo: id) }
        if events.contains(where: { $0.kind == .revoked }) {
            throw ServiceError(.precondition, "entry \(sequence) has been revoked; no credential is issued for it")
        }
        let rule = try environment.content.certificationRules().first { $0.id == entry.subject }
        let name =
            try await translatingStorageErrors { try await storage.people.person(PersonID(entry.person)) }?.name
            ?? entry.person
        let key = try environment.keys.signingKey()
        let vc = OpenBadge.credential(
            entry: entry, issuer: issuer,
            achievement: .init(
                id: entry.subject, name: rule?.title ?? entry.subject, description: rule?.description ?? "",
                criteria: rule?.narrative ?? ""),
            personName: name, ledgerOrigin: origin)
        let header = JSONValue.object([
            "alg": .string("EdDSA"), "typ": .string("vc+jwt"), "cty": .string("vc"),
            "kid": .string(JOSE.thumbprint(key.publicKey)),
        ])
        return try JOSE.sign(payload: vc.canonicalBytes, header: header, key: key)
    }

    /// Checks a credential's signature (with `jwk`, or this ledger's existing key — never a new one),
    /// its validity period and, when it comes from this ledger, its revocation and expiry.
    public func verifyCredential(_ jws: String, jwk: JSONValue? = nil) async throws -> CredentialCheck {
        let key: Curve25519.Signing.PublicKey
        do {
            if let jwk {
                key = try JOSE.publicKey(jwk: jwk)
            } else if let existing = try environment.keys.existingPublicKey() {
                key = existing
            } else {
                throw ServiceError(
                    .precondition,
                    "this ledger has no signing key, so the credential's signature cannot be checked; give the issuer's public key",
                    hint: .init("ledger.verify-credential.public-key"))
            }
        } catch let error as LedgerError {
            throw ServiceError(.invalidInput, "the public key given is not an Ed25519 JWK: \(error)")
        }
        let credential: JSONValue
        do {
            let (_, payload) = try JOSE.verify(jws.trimmingCharacters(in: .whitespacesAndNewlines), key: key)
            credential = try JSONValue.parse(String(decoding: payload, as: UTF8.self))
        } catch let error as LedgerError {
            throw ServiceError(.invalidInput, "the credential does not verify: \(error)")
        }
        var problems: [String] = []
        let nowText = Self.timestamp(environment.clock.now())
        if let from = credential["validFrom"]?.stringValue, from > nowText {
            problems.append("not valid before \(from)")
        }
        if let until = credential["validUntil"]?.stringValue, until < nowText { problems.append("expired on \(until)") }
        if let id = credential["id"]?.stringValue, id.hasPrefix("urn:kefu:\(origin):entry:"),
            let sequence = Int64(id.split(separator: ":").last ?? "")
        {
            let ledger = try ledger
            let entryID = EntryID(sequence)
            let (exists, events) = try await translatingStorageErrors {
                (try await ledger.entry(entryID) != nil, try await ledger.events(referringTo: entryID))
            }
            if let revocation = events.first(where: { $0.kind == .revoked }) {
                problems.append("revoked (ledger entry \(revocation.sequence)): \(revocation.reason ?? "")")
            }
            if let expiry = events.first(where: { $0.kind == .expired }) {
                problems.append("recorded as expired (ledger entry \(expiry.sequence))")
            }
            if !exists { problems.append("ledger entry \(sequence) does not exist in this ledger") }
        }
        return CredentialCheck(credential: JSONDocument(credential), problems: problems)
    }

    // MARK: Test support

    /// Appends `count` test entries for `person` in one transaction, calling `progress` after each
    /// stored entry (the crash-safety test kills the process midway). Removed with issue 14.
    public func stressAppend(count: Int, person: PersonID, progress: @escaping @Sendable (Int) -> Void) async throws {
        let stamp = Self.timestamp(environment.clock.now())
        let ledger = try ledger
        _ = try await translatingStorageErrors {
            try await ledger.append(concerning: nil, progress: progress) { _ in
                (0..<count).map { i in
                    LedgerEntry(
                        sequence: 0, kind: .issued, person: person.rawValue, subject: "stress-\(i)", recordedAt: stamp,
                        previousHash: "")
                }
            }
        }
    }
}
