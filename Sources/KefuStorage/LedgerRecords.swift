public import KefuCore
public import KefuLedger

/// What an append sees inside its transaction.
public struct LedgerHead: Sendable {
    /// The entries the append needs, decoded, in sequence order: the named person's entries when the append
    /// concerns a person (so an append costs what that person's history costs, not the whole ledger's), else
    /// every entry.
    public var entries: [LedgerEntry]
    /// The person the append concerns, when one was named and exists.
    public var person: Person?
    /// That person's evidence (empty when no person was named).
    public var evidence: PersonEvidence
    /// The number of entries in the whole ledger so far (the last sequence number).
    public var size: Int

    /// Creates a head; `size` defaults to the number of `entries`.
    public init(
        entries: [LedgerEntry], size: Int? = nil, person: Person? = nil, evidence: PersonEvidence = PersonEvidence()
    ) {
        self.entries = entries
        self.size = size ?? entries.count
        self.person = person
        self.evidence = evidence
    }
}

/// The query columns stored next to an entry's body (verification checks they agree with it).
public struct LedgerColumns: Sendable, Hashable {
    /// The sequence number.
    public var sequence: Int
    /// The kind column.
    public var kind: String
    /// The person column.
    public var person: String
    /// The subject column.
    public var subject: String
    /// The valid-until column.
    public var validUntil: String?
    /// The refers-to column.
    public var refersTo: Int?
    /// The body the columns sit next to.
    public var body: String

    /// Creates the columns.
    public init(
        sequence: Int, kind: String, person: String, subject: String, validUntil: String?, refersTo: Int?, body: String
    ) {
        self.sequence = sequence
        self.kind = kind
        self.person = person
        self.subject = subject
        self.validUntil = validUntil
        self.refersTo = refersTo
        self.body = body
    }
}

/// Everything verification reads, taken in one read transaction.
public struct LedgerSnapshot: Sendable {
    /// The stored rows in sequence order.
    public var stored: [StoredEntry]
    /// Their query columns, in sequence order.
    public var columns: [LedgerColumns]
    /// The stored checkpoints' signed texts, oldest first.
    public var checkpoints: [String]

    /// Creates a snapshot.
    public init(stored: [StoredEntry], columns: [LedgerColumns], checkpoints: [String]) {
        self.stored = stored
        self.columns = columns
        self.checkpoints = checkpoints
    }
}

/// A checkpoint with its signed text.
public struct SignedCheckpoint: Sendable, Hashable {
    /// The checkpoint.
    public var checkpoint: Checkpoint
    /// Its signed note text.
    public var text: String

    /// Creates a signed checkpoint.
    public init(checkpoint: Checkpoint, text: String) {
        self.checkpoint = checkpoint
        self.text = text
    }
}
