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
/// Time comes from `environment.clock`, the signing keys from `environment.keys`, the ledger's name
/// from `environment.configuration.ledgerOrigin`, the credential issuer from the content root's
/// issuer profile. Every entry is signed by the issuer's current key when it is appended.
public struct LedgerService: Sendable {
    /// The environment.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) {
        self.environment = environment
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
        try AccessPolicy.require(actor, .certify, on: .person(person))
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
        let signer = try environment.keys.signer()
        let evaluated = Checks()
        let appended = try await translatingStorageErrors {
            try await ledger.append(concerning: person, signer: signer) { head in
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
        try await environment.audit(
            actor, "certification.\(entry.kind.rawValue)", subject: "ledger entry \(entry.sequence)",
            detail: ["person": person.rawValue, "certification": rule.id])
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

    /// Appends a revocation of `entry`, recording who revoked it and why: the entry's `reason`, and in its
    /// evidence `revoked_by` (the person) and `revoked_by_actor` (the audit name: who acted, through what).
    public func revoke(entry: EntryID, reason: String, by actor: Identity) async throws -> LedgerEntryView {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ServiceError(.invalidInput, "give the reason for the revocation")
        }
        let now = environment.clock.now()
        let sequence = Int(entry.rawValue)
        let ledger = try ledger
        let signer = try environment.keys.signer()
        let appended = try await translatingStorageErrors {
            try await ledger.append(signer: signer) { head in
                guard let target = head.entries.first(where: { $0.sequence == sequence }) else {
                    throw ServiceError.notFound(entry)
                }
                try AccessPolicy.require(actor, .revokeCertification, on: .person(PersonID(target.person)))
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
                        evidence: .object([
                            "revoked_by": .string(actor.person.rawValue), "revoked_by_actor": .string(actor.auditName),
                        ]), previousHash: "")
                ]
            }
        }
        try await environment.audit(
            actor, "certification.revoke", subject: "ledger entry \(sequence)",
            detail: ["entry": "\(appended[0].sequence)", "reason": reason])
        return LedgerEntryView(appended[0])
    }

    /// Records `expired` entries for certifications whose validity ended before `date` (YYYY-MM-DD;
    /// nil: today). A date after today is refused: expiry records what has happened, not what will.
    public func expire(asOf date: String? = nil, by actor: Identity) async throws -> ExpiryOutcome {
        try AccessPolicy.require(actor, .expireCertifications)
        let now = environment.clock.now()
        let today = Self.day(now)
        let asOf = date ?? today
        guard asOf.count == 10, Timestamp.parse(asOf + "T00:00:00Z") != nil else {
            throw ServiceError(.invalidInput, "`\(asOf)` is not a date (YYYY-MM-DD)")
        }
        guard asOf <= today else {
            throw ServiceError(
                .invalidInput,
                "expiry runs only for dates up to today (\(today)); \(asOf) is in the future, and certifications still valid then must not be recorded as expired"
            )
        }
        let ledger = try ledger
        let signer = try environment.keys.signer()
        let appended = try await translatingStorageErrors {
            try await ledger.append(signer: signer) { head in Self.expiries(in: head.entries, asOf: asOf, at: now) }
        }
        if !appended.isEmpty {
            try await environment.audit(
                actor, "certification.expire", subject: "ledger",
                detail: ["as_of": asOf, "expired": "\(appended.count)"])
        }
        return ExpiryOutcome(asOf: asOf, expired: appended.map(LedgerEntryView.init))
    }

    /// The `expired` drafts due as of `asOf` for certifications still open in `entries`.
    static func expiries(in entries: [LedgerEntry], asOf: String, at now: Date) -> [LedgerEntry] {
        var drafts: [LedgerEntry] = []
        for entry in entries where entry.kind == .issued || entry.kind == .renewed {
            guard let until = entry.validUntil, until < asOf else { continue }
            let closed = entries.contains {
                ($0.kind == .expired || $0.kind == .revoked || $0.kind == .renewed) && $0.refersTo == entry.sequence
            }
            if closed { continue }
            drafts.append(
                LedgerEntry(
                    sequence: 0, kind: .expired, person: entry.person, subject: entry.subject,
                    recordedAt: timestamp(now), refersTo: entry.sequence,
                    evidence: .object(["valid_until": .string(until), "as_of": .string(asOf)]), previousHash: ""))
        }
        return drafts
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

    // MARK: Test support

    #if DEBUG
    /// Appends `count` test entries for `person` in one transaction, calling `progress` after each
    /// stored entry (the crash-safety test kills the process midway). Debug builds only.
    public func stressAppend(count: Int, person: PersonID, progress: @escaping @Sendable (Int) -> Void) async throws {
        let stamp = Self.timestamp(environment.clock.now())
        let ledger = try ledger
        let signer = try environment.keys.signer()
        _ = try await translatingStorageErrors {
            try await ledger.append(concerning: nil, signer: signer, progress: progress) { _ in
                (0..<count).map { i in
                    LedgerEntry(
                        sequence: 0, kind: .issued, person: person.rawValue, subject: "stress-\(i)", recordedAt: stamp,
                        previousHash: "")
                }
            }
        }
    }
    #endif
}
