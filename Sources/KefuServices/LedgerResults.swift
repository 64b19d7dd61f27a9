import Foundation
public import KefuCore
public import KefuLedger
public import KefuTracks

/// A JSON document carried inside a result (ledger evidence, a credential): encodes as the JSON it holds.
public struct JSONDocument: Sendable, Hashable, Codable {
    /// The value.
    public var value: JSONValue

    /// Wraps `value`.
    public init(_ value: JSONValue) { self.value = value }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Encodes the value as plain JSON. Under ``OutputJSON`` object keys pass through its snake_case
    /// conversion: ledger evidence keys are snake_case already; read camelCase documents (credentials)
    /// through ``value``.
    public func encode(to encoder: any Encoder) throws {
        switch value {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .int(let i):
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(JSONDocument(item)) }
        case .object(let members):
            var c = encoder.container(keyedBy: Key.self)
            for (key, member) in members { try c.encode(JSONDocument(member), forKey: Key(stringValue: key)) }
        }
    }

    /// Decodes any JSON value (numbers with a fraction become strings, as in ledger bodies).
    public init(from decoder: any Decoder) throws {
        if let c = try? decoder.container(keyedBy: Key.self) {
            var members: [String: JSONValue] = [:]
            for key in c.allKeys { members[key.stringValue] = try c.decode(JSONDocument.self, forKey: key).value }
            value = .object(members)
        } else if var c = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !c.isAtEnd { items.append(try c.decode(JSONDocument.self).value) }
            value = .array(items)
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                value = .null
            } else if let b = try? c.decode(Bool.self) {
                value = .bool(b)
            } else if let i = try? c.decode(Int64.self) {
                value = .int(i)
            } else if let d = try? c.decode(Double.self) {
                value = .string(String(d))
            } else {
                value = .string(try c.decode(String.self))
            }
        }
    }
}

/// A ledger entry as shown.
public struct LedgerEntryView: Sendable, Hashable, Codable {
    /// Sequence number.
    public var sequence: EntryID
    /// The event.
    public var kind: LedgerEventKind
    /// The person it concerns.
    public var person: PersonID
    /// The certification (or, for promotions, the level reached).
    public var subject: String
    /// When it was recorded.
    public var recordedAt: String
    /// End of validity (issued, renewed).
    public var validUntil: String?
    /// The entry it refers to (revocation, expiry, renewal).
    public var refersTo: EntryID?
    /// Why (revocations).
    public var reason: String?
    /// The evidence recorded with it.
    public var evidence: JSONDocument
    /// Its chain hash (hex SHA-256 of the canonical body).
    public var chainHash: String
    /// Who revoked it (revocations): the audit name of the actor, or the person.
    public var revokedBy: String?

    /// The view of `entry`.
    public init(_ entry: LedgerEntry) {
        sequence = EntryID(Int64(entry.sequence))
        kind = entry.kind
        person = PersonID(entry.person)
        subject = entry.subject
        recordedAt = entry.recordedAt
        validUntil = entry.validUntil
        refersTo = entry.refersTo.map { EntryID(Int64($0)) }
        reason = entry.reason
        evidence = JSONDocument(entry.evidence)
        chainHash = entry.chainHash
        revokedBy =
            entry.kind == .revoked
            ? (entry.evidence["revoked_by_actor"]?.stringValue ?? entry.evidence["revoked_by"]?.stringValue) : nil
    }
}

/// A certification requirement, evaluated.
public struct RequirementResult: Sendable, Hashable, Codable {
    /// What is required.
    public var requirement: String
    /// Whether it is met.
    public var met: Bool
    /// What the records show.
    public var actual: String

    /// The result of `check`.
    public init(_ check: RequirementCheck) {
        requirement = check.requirement
        met = check.isMet
        actual = check.actual
    }
}

/// The outcome of certifying a person: every requirement and, when all are met, the entry appended.
public struct CertificationOutcome: Sendable, Hashable, Codable {
    /// The certification.
    public var certification: CertificationID
    /// Its title.
    public var title: String
    /// The person.
    public var person: PersonID
    /// The requirements, evaluated.
    public var checks: [RequirementResult]
    /// The `issued` or `renewed` entry, when every requirement was met.
    public var entry: LedgerEntryView?

    /// True when the certification was issued or renewed.
    public var isIssued: Bool { entry != nil }
}

/// The expiries recorded as of a date.
public struct ExpiryOutcome: Sendable, Hashable, Codable {
    /// The date (YYYY-MM-DD).
    public var asOf: String
    /// The `expired` entries appended.
    public var expired: [LedgerEntryView]
}

/// The result of verifying the ledger.
public struct LedgerVerification: Sendable, Hashable, Codable {
    /// Ok, or tampered.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// The chain, the columns and every checkpoint agree.
        case ok
        /// Something was changed, removed or rewritten.
        case tampered
    }

    /// Where verification first failed.
    public struct Problem: Sendable, Hashable, Codable {
        /// The first bad entry.
        public var entry: EntryID
        /// What is wrong.
        public var message: String
    }

    /// Ok or tampered.
    public var status: Status
    /// Entries checked.
    public var checked: Int
    /// The tree head over the entries checked (hex).
    public var root: String
    /// The first bad entry, when tampered.
    public var firstProblem: Problem?
    /// Checkpoints checked (stored ones and those given).
    public var checkpointsChecked: Int
    /// Checkpoints given from outside the database (witness files).
    public var checkpointsGiven: Int
    /// The ids of the keys signatures were checked against (current and retired).
    public var keys: [String]
    /// Entry signatures checked: every one, or (the default) those of entries no verified checkpoint
    /// covers — a checkpoint's signed root vouches for the bodies under it.
    public var signaturesChecked = 0

    /// True when nothing is wrong.
    public var isValid: Bool { status == .ok }
}

/// A signed checkpoint, as stored.
public struct CheckpointResult: Sendable, Hashable, Codable {
    /// The ledger's origin.
    public var origin: String
    /// Tree size.
    public var size: Int
    /// Tree head (hex).
    public var root: String
    /// The signed checkpoint text (keep a copy outside the database).
    public var text: String
}

/// A key rotation: the key retired (its public key kept in the JWKS) and the new current key.
public struct KeyRotation: Sendable, Hashable, Codable {
    /// The retired key's id, nil when there was no key before.
    public var retired: String?
    /// The new current key's id.
    public var current: String
}

/// An RFC 6962 inclusion proof.
public struct InclusionProof: Sendable, Hashable, Codable {
    /// The entry.
    public var entry: EntryID
    /// Its leaf index (entry − 1).
    public var leafIndex: Int
    /// The tree size.
    public var treeSize: Int
    /// The leaf hash (hex).
    public var leafHash: String
    /// The tree head (hex).
    public var root: String
    /// The audit path (hex).
    public var proof: [String]
}

/// An RFC 6962 consistency proof between two sizes of the ledger's tree.
public struct ConsistencyProof: Sendable, Hashable, Codable {
    /// The older tree's size (a checkpoint's).
    public var fromSize: Int
    /// The current tree size.
    public var treeSize: Int
    /// The older tree's head (hex).
    public var oldRoot: String
    /// The current tree head (hex).
    public var root: String
    /// The proof (hex).
    public var proof: [String]
}

/// The result of checking a credential. Fails closed: anything that could not be checked is a problem.
public struct CredentialCheck: Sendable, Hashable, Codable {
    /// The credential's JSON (the JWT payload; unverified when the signature is among the problems).
    public var credential: JSONDocument
    /// The key that signed it (`kid`), when its signature verified.
    public var kid: String?
    /// How revocation was checked: `ledger`, `status list`, or both.
    public var revocationCheckedBy: [String]
    /// Problems found (empty: valid).
    public var problems: [String]

    /// True when the signature verified and no problem was found.
    public var isValid: Bool { problems.isEmpty }
}

/// A signed W3C Bitstring Status List credential (VC-JWT) and what it says.
public struct StatusListResult: Sendable, Hashable, Codable {
    /// Where it is to be published (its id, the credentials' `statusListCredential`).
    public var url: String
    /// Entries in the list.
    public var size: Int
    /// The ledger entries marked revoked.
    public var revoked: [Int]
    /// The compact JWS.
    public var jwt: String
}
