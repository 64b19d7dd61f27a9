import Crypto

/// One event of the audit log: who did what to which record, when, with short details. Events are
/// chained like ledger entries: each carries the hash of the one before, in the ledger's canonical JSON.
public struct AuditEvent: Sendable, Hashable {
    /// Position in the log, from 1.
    public var sequence: Int
    /// When (ISO-8601 UTC).
    public var at: String
    /// Who, as the audit log names them (`operator root acting as E001`, `E001 (web session)`).
    public var actor: String
    /// The person acting.
    public var person: String
    /// What, dotted (`exam.grade`, `account.invite`).
    public var action: String
    /// On what (`attempt 12`, `person E001`).
    public var subject: String
    /// Short details (already masked).
    public var detail: [String: String]
    /// Hash of the previous event (64 zeros for the first).
    public var previousHash: String

    /// The hash the first event links to.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Creates an event.
    public init(
        sequence: Int, at: String, actor: String, person: String, action: String, subject: String,
        detail: [String: String], previousHash: String
    ) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.person = person
        self.action = action
        self.subject = subject
        self.detail = detail
        self.previousHash = previousHash
    }

    /// The event as canonical JSON.
    public var json: JSONValue {
        .object([
            "seq": .int(Int64(sequence)), "at": .string(at), "actor": .string(actor), "person": .string(person),
            "action": .string(action), "subject": .string(subject), "detail": .object(detail.mapValues { .string($0) }),
            "prev_hash": .string(previousHash),
        ])
    }

    /// Reads an event back from its JSON.
    public init(json: JSONValue) throws {
        guard let seq = json["seq"]?.intValue, let at = json["at"]?.stringValue,
            let actor = json["actor"]?.stringValue, let person = json["person"]?.stringValue,
            let action = json["action"]?.stringValue, let subject = json["subject"]?.stringValue,
            let previous = json["prev_hash"]?.stringValue, case .object(let members)? = json["detail"]
        else { throw LedgerError(.malformed("an audit event lacks a required field")) }
        var detail: [String: String] = [:]
        for (key, value) in members {
            guard let text = value.stringValue else {
                throw LedgerError(.malformed("an audit event's detail `\(key)` is not text"))
            }
            detail[key] = text
        }
        self.init(
            sequence: Int(seq), at: at, actor: actor, person: person, action: action, subject: subject,
            detail: detail, previousHash: previous)
    }

    /// The canonical text that is stored and hashed.
    public var canonicalString: String { json.canonicalString }

    /// Hex SHA-256 of the canonical bytes.
    public var chainHash: String { Array(SHA256.hash(data: json.canonicalBytes)).hex }
}

/// An audit event as stored: the canonical body, the recorded hash, and the columns kept for queries
/// (which verification compares with the body).
public struct StoredAuditEvent: Sendable, Hashable {
    /// Sequence column.
    public var sequence: Int
    /// The canonical JSON body.
    public var body: String
    /// The recorded hash.
    public var hash: String
    /// Query columns: when, person, action, subject.
    public var at: String, person: String, action: String, subject: String

    /// Creates a stored event.
    public init(sequence: Int, body: String, hash: String, at: String, person: String, action: String, subject: String)
    {
        self.sequence = sequence
        self.body = body
        self.hash = hash
        self.at = at
        self.person = person
        self.action = action
        self.subject = subject
    }
}

/// The audit log's head, to keep outside the database: the number of events and the last hash. A later
/// verification against it catches a truncated or rewritten log even when the hashes were recomputed.
public struct AuditHead: Sendable, Hashable, Codable {
    /// Events covered.
    public var size: Int
    /// Hash of event `size` (the genesis hash when empty).
    public var hash: String

    /// Creates a head.
    public init(size: Int, hash: String) {
        self.size = size
        self.hash = hash
    }
}

/// The outcome of verifying the audit log.
public struct AuditVerification: Sendable, Hashable {
    /// Events checked.
    public var checked: Int
    /// The first problem: the event's sequence number and what is wrong.
    public var problem: AuditProblem?
    /// The head after the last good event.
    public var head: AuditHead

    /// True when nothing is wrong.
    public var isValid: Bool { problem == nil }
}

/// What is wrong with the audit log, at which event.
public struct AuditProblem: Sendable, Hashable {
    /// The event's sequence number.
    public var sequence: Int
    /// What is wrong, for the person who must act.
    public var message: String
}

/// Verifies the audit chain: sequence, links, hashes, canonical bodies, query columns; and, given
/// outside heads, that the log still holds exactly what each head recorded.
public enum AuditVerifier {
    /// Verifies `events` (in sequence order) against `heads` recorded earlier outside the database.
    public static func verify(_ events: [StoredAuditEvent], heads: [AuditHead] = []) -> AuditVerification {
        var previous = AuditEvent.genesisHash
        var hashes: [String] = []
        func fail(_ sequence: Int, _ message: String) -> AuditVerification {
            AuditVerification(
                checked: hashes.count, problem: AuditProblem(sequence: sequence, message: message),
                head: AuditHead(size: hashes.count, hash: previous))
        }
        for (index, row) in events.enumerated() {
            let expected = index + 1
            guard row.sequence == expected else {
                return fail(expected, "audit event \(expected) is missing or out of order (deleted or moved?)")
            }
            guard let json = try? JSONValue.parse(row.body), let event = try? AuditEvent(json: json),
                event.canonicalString == row.body
            else { return fail(expected, "audit event \(expected) is not a readable event (edited outside Kefu?)") }
            guard event.sequence == expected else {
                return fail(expected, "audit event \(expected) says it is event \(event.sequence) (moved or inserted)")
            }
            guard event.previousHash == previous else {
                return fail(
                    expected, "audit event \(expected) does not link to event \(expected - 1): the chain is broken")
            }
            guard event.chainHash == row.hash else {
                return fail(
                    expected, "audit event \(expected) does not match its recorded hash (its content was edited)")
            }
            guard event.at == row.at, event.person == row.person, event.action == row.action,
                event.subject == row.subject
            else {
                return fail(
                    expected, "audit event \(expected): its query columns disagree with its body (edited outside Kefu)")
            }
            previous = row.hash
            hashes.append(row.hash)
        }
        for head in heads.sorted(by: { $0.size < $1.size }) where head.size > 0 {
            guard head.size <= hashes.count else {
                return fail(
                    hashes.count + 1,
                    "a kept head covers \(head.size) events but the log has \(hashes.count): events were removed from its end"
                )
            }
            guard hashes[head.size - 1] == head.hash else {
                return fail(
                    head.size,
                    "event \(head.size) differs from the kept head: the log up to it was rewritten (hashes recomputed)")
            }
        }
        return AuditVerification(
            checked: hashes.count, problem: nil, head: AuditHead(size: hashes.count, hash: previous))
    }
}
