import Crypto

/// What a ledger entry records.
public enum LedgerEventKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A certification was issued.
    case issued
    /// A certification was renewed (a new validity period).
    case renewed
    /// A certification reached the end of its validity.
    case expired
    /// A certification was revoked, with a reason.
    case revoked
    /// A promotion on a track was recorded.
    case promotion
}

/// One ledger entry: an append-only certification event with its evidence, chained to the previous one.
///
/// The entry's canonical JSON (``canonicalBytes``) contains every field including `prev_hash`; its
/// SHA-256 is the entry's chain hash, and SHA-256(0x00 ‖ canonical JSON) is its Merkle leaf.
public struct LedgerEntry: Sendable, Hashable {
    /// 1-based position in the ledger.
    public var sequence: Int
    /// The event.
    public var kind: LedgerEventKind
    /// The person it concerns.
    public var person: String
    /// The certification (or, for promotions, the level reached).
    public var subject: String
    /// When it was recorded (ISO-8601, UTC).
    public var recordedAt: String
    /// End of validity for issued and renewed certifications (ISO-8601 date), else nil.
    public var validUntil: String?
    /// The entry this one refers to (revocation, expiry, renewal), else nil.
    public var refersTo: Int?
    /// Why (revocations), else nil.
    public var reason: String?
    /// The evidence: attempt ids, scores, content versions, sign-offs.
    public var evidence: JSONValue
    /// Hex chain hash of the previous entry (64 zeros for the first).
    public var previousHash: String

    /// The chain hash of the genesis predecessor.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Creates an entry.
    public init(
        sequence: Int, kind: LedgerEventKind, person: String, subject: String, recordedAt: String,
        validUntil: String? = nil, refersTo: Int? = nil, reason: String? = nil, evidence: JSONValue = .object([:]),
        previousHash: String
    ) {
        self.sequence = sequence
        self.kind = kind
        self.person = person
        self.subject = subject
        self.recordedAt = recordedAt
        self.validUntil = validUntil
        self.refersTo = refersTo
        self.reason = reason
        self.evidence = evidence
        self.previousHash = previousHash
    }

    /// The entry as a JSON object (absent optionals are omitted).
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "seq": .int(Int64(sequence)), "kind": .string(kind.rawValue), "person": .string(person),
            "subject": .string(subject), "recorded_at": .string(recordedAt), "evidence": evidence,
            "prev_hash": .string(previousHash),
        ]
        if let validUntil { members["valid_until"] = .string(validUntil) }
        if let refersTo { members["refers_to"] = .int(Int64(refersTo)) }
        if let reason { members["reason"] = .string(reason) }
        return .object(members)
    }

    /// Reads an entry back from its JSON object.
    public init(json: JSONValue) throws {
        guard let seq = json["seq"]?.intValue, let kindName = json["kind"]?.stringValue,
            let kind = LedgerEventKind(rawValue: kindName), let person = json["person"]?.stringValue,
            let subject = json["subject"]?.stringValue, let recordedAt = json["recorded_at"]?.stringValue,
            let previous = json["prev_hash"]?.stringValue
        else { throw LedgerError(.malformed("a ledger entry lacks a required field")) }
        self.init(
            sequence: Int(seq), kind: kind, person: person, subject: subject, recordedAt: recordedAt,
            validUntil: json["valid_until"]?.stringValue, refersTo: json["refers_to"]?.intValue.map(Int.init),
            reason: json["reason"]?.stringValue, evidence: json["evidence"] ?? .object([:]), previousHash: previous)
    }

    /// The canonical JSON bytes that are hashed.
    public var canonicalBytes: [UInt8] { json.canonicalBytes }

    /// Hex SHA-256 of the canonical bytes: the chain hash.
    public var chainHash: String { Self.chainHash(of: canonicalBytes) }

    /// Hex SHA-256 of an entry's canonical bytes.
    public static func chainHash(of canonicalBytes: [UInt8]) -> String {
        Array(SHA256.hash(data: canonicalBytes)).hex
    }

    /// Chains `drafts` after an entry `size` whose chain hash is `previous`: fills in each one's sequence number
    /// and previous hash, and returns them with their canonical bytes and chain hashes. The bytes are written on
    /// every core with a placeholder previous hash that is then replaced in order, the same bytes
    /// ``canonicalBytes`` gives (checked: an entry whose placeholder cannot be found is written again).
    public static func chain(
        _ drafts: [LedgerEntry], after size: Int, previous: String
    ) -> (entries: [LedgerEntry], bodies: [[UInt8]], hashes: [String]) {
        var entries = drafts
        for index in entries.indices {
            entries[index].sequence = size + index + 1
            entries[index].previousHash = genesisHash
        }
        let pieces = Pieces<[UInt8]>()
        let placeholders = entries
        Parallel.chunks(entries.count, minimum: 256) { range in
            pieces.add(range.lowerBound, range.map { placeholders[$0].canonicalBytes })
        }
        var bodies = (try? pieces.joined()) ?? []
        var hashes: [String] = []
        hashes.reserveCapacity(entries.count)
        let key = Array(#""prev_hash":""#.utf8)
        var previous = previous
        for index in entries.indices {
            entries[index].previousHash = previous
            if let at = lastRange(of: key, in: bodies[index]), at + 64 <= bodies[index].count,
                bodies[index][at..<(at + 64)].allSatisfy({ $0 == UInt8(ascii: "0") }), previous.utf8.count == 64
            {
                bodies[index].replaceSubrange(at..<(at + 64), with: previous.utf8)
            } else {
                bodies[index] = entries[index].canonicalBytes
            }
            previous = chainHash(of: bodies[index])
            hashes.append(previous)
        }
        return (entries, bodies, hashes)
    }

    /// The index just after the last occurrence of `key` in `bytes` (the top-level `prev_hash` is the last
    /// one: the members after it are strings and integers, whose quotes are escaped).
    static func lastRange(of key: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= key.count else { return nil }
        var start = bytes.count - key.count
        while start >= 0 {
            if bytes[start] == key[0], bytes[start..<(start + key.count)].elementsEqual(key) {
                return start + key.count
            }
            start -= 1
        }
        return nil
    }

    /// The RFC 6962 leaf hash.
    public var leafHash: Merkle.Hash { Merkle.leafHash(canonicalBytes) }
}

/// An entry as stored: its canonical body and the hash recorded next to it.
public struct StoredEntry: Sendable, Hashable {
    /// The sequence number column.
    public var sequence: Int
    /// The canonical JSON body as stored.
    public var body: String
    /// The chain hash as stored.
    public var hash: String
    /// The id of the key that signed it, as stored (nil: unsigned).
    public var kid: String?
    /// Its signature (base64url), as stored (nil: unsigned).
    public var signature: String?

    /// Creates a stored entry.
    public init(sequence: Int, body: String, hash: String, kid: String? = nil, signature: String? = nil) {
        self.sequence = sequence
        self.body = body
        self.hash = hash
        self.kid = kid
        self.signature = signature
    }
}

/// The outcome of verifying a ledger.
public struct VerificationReport: Sendable, Hashable {
    /// Entries checked.
    public var checked: Int
    /// The first problem, if any: the sequence number it concerns and what is wrong.
    public var firstProblem: (sequence: Int, message: String)?
    /// Current tree head over all entries.
    public var root: Merkle.Hash
    /// Entry signatures checked (all of them, or those no checkpoint covers: ``SignatureCheck``).
    public var signaturesChecked = 0

    /// True when nothing is wrong.
    public var isValid: Bool { firstProblem == nil }

    public static func == (a: VerificationReport, b: VerificationReport) -> Bool {
        a.checked == b.checked && a.root == b.root && a.firstProblem?.sequence == b.firstProblem?.sequence
            && a.firstProblem?.message == b.firstProblem?.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(checked)
        hasher.combine(root)
        hasher.combine(firstProblem?.sequence)
    }
}
