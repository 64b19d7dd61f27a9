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
    public var chainHash: String { Array(SHA256.hash(data: canonicalBytes)).hex }

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

/// Verifies a ledger: the chain (order, links, hashes, canonical bodies), every entry's signature
/// against the issuer's keys and, given checkpoints, that each signed tree is a prefix of the current
/// one (catching truncation and rewritten history).
public enum LedgerVerifier {
    /// Verifies the chain only (no signatures): for tests of the chain and for code that checks
    /// signatures itself.
    public static func verify(_ stored: [StoredEntry], checkpoint: Checkpoint? = nil) -> VerificationReport {
        verify(stored, keys: nil, checkpoints: checkpoint.map { [$0] } ?? [])
    }

    /// Verifies stored entries in sequence order; `keys` nil skips the signatures.
    public static func verify(
        _ stored: [StoredEntry], keys: TrustedKeys?, checkpoints: [Checkpoint] = []
    ) -> VerificationReport {
        var previous = LedgerEntry.genesisHash
        var leaves: [Merkle.Hash] = []
        leaves.reserveCapacity(stored.count)
        // Signatures are checked on every core first; the chain is walked in order, and the first row with either
        // problem is reported (a chain problem at the same row first).
        let badSignature = keys.flatMap { $0.firstBadSignature(in: stored) }
        for (index, row) in stored.enumerated() {
            switch check(row, expectedSequence: index + 1, previous: previous, keys: nil) {
            case .failure(let problem):
                return VerificationReport(
                    checked: leaves.count, firstProblem: (problem.sequence, problem.message), root: Merkle.root(leaves))
            case .success(let entry):
                if index == badSignature, let keys, let message = keys.problem(with: row, entry: entry) {
                    return VerificationReport(
                        checked: leaves.count, firstProblem: (row.sequence, message), root: Merkle.root(leaves))
                }
                previous = row.hash
                leaves.append(entry.leafHash)
            }
        }
        for checkpoint in checkpoints {
            if let problem = problem(with: checkpoint, leaves: leaves) {
                return VerificationReport(checked: leaves.count, firstProblem: problem, root: Merkle.root(leaves))
            }
        }
        return VerificationReport(checked: leaves.count, firstProblem: nil, root: Merkle.root(leaves))
    }

    /// A problem at an entry.
    struct Problem: Error {
        var sequence: Int
        var message: String
        init(_ sequence: Int, _ message: String) {
            self.sequence = sequence
            self.message = message
        }
    }

    /// Checks one row: its place, its body, its link, its hash and its signature.
    static func check(
        _ row: StoredEntry, expectedSequence: Int, previous: String, keys: TrustedKeys?
    ) -> Result<LedgerEntry, Problem> {
        guard row.sequence == expectedSequence else {
            let what =
                row.sequence > expectedSequence
                ? "entry \(expectedSequence) is missing (deleted?)"
                : "entry \(row.sequence) appears out of order or twice"
            return .failure(Problem(expectedSequence, "\(what): sequence numbers must run 1, 2, 3, … without gaps"))
        }
        let entry: LedgerEntry
        do {
            entry = try LedgerEntry(json: try JSONValue.parse(row.body))
        } catch {
            return .failure(
                Problem(row.sequence, "entry \(row.sequence) is not a readable ledger entry (edited?): \(error)"))
        }
        if entry.json.canonicalString != row.body {
            return .failure(
                Problem(row.sequence, "entry \(row.sequence) is not in canonical form (edited outside Kefu)"))
        }
        if entry.sequence != row.sequence {
            return .failure(
                Problem(row.sequence, "entry \(row.sequence) says it is entry \(entry.sequence) (moved or inserted)"))
        }
        if entry.previousHash != previous {
            return .failure(
                Problem(
                    row.sequence,
                    "entry \(row.sequence) does not link to entry \(row.sequence - 1): the chain is broken (an entry was inserted, deleted or edited)"
                ))
        }
        if entry.chainHash != row.hash {
            return .failure(
                Problem(row.sequence, "entry \(row.sequence) does not match its recorded hash (its content was edited)")
            )
        }
        if let keys, let problem = keys.problem(with: row, entry: entry) {
            return .failure(Problem(row.sequence, problem))
        }
        return .success(entry)
    }

    /// What a checkpoint says is wrong with the tree of `leaves`, or nil.
    static func problem(with checkpoint: Checkpoint, leaves: [Merkle.Hash]) -> (sequence: Int, message: String)? {
        if checkpoint.size < 0 {
            return (1, "a checkpoint claims a negative tree size (\(checkpoint.size)): it is not one Kefu signed")
        }
        if checkpoint.size > leaves.count {
            return (
                leaves.count + 1,
                "a checkpoint covers \(checkpoint.size) entries but the ledger has \(leaves.count): entries \(leaves.count + 1)–\(checkpoint.size) were removed (truncated tail)"
            )
        }
        if Merkle.root(leaves[..<checkpoint.size]) != checkpoint.root {
            // The root alone cannot say which entry differs; report the checkpoint's range.
            return (
                1,
                "the first \(checkpoint.size) entries do not match a signed checkpoint's root: history within entries 1–\(checkpoint.size) was rewritten"
            )
        }
        return nil
    }
}
