public import KefuCore
public import KefuLedger

/// The certification ledger: entries (appended with their hash chain), checkpoints.
public protocol LedgerStore: Sendable {
    /// Appends the drafts `make` returns, in one transaction: `make` runs inside it over the current
    /// ``LedgerHead`` (the ledger's size and every entry so far — or, when `person` is given, that
    /// person's entries, record and evidence); the store fills in each draft's sequence number and previous hash, stores the
    /// canonical body, its chain hash and `signer`'s signature over it, and returns the stored
    /// entries. `progress`, when given, is told how many drafts are stored so far after each one.
    func append(
        concerning person: PersonID?, signer: LedgerSigner, progress: (@Sendable (Int) -> Void)?,
        _ make: @escaping @Sendable (LedgerHead) throws -> [LedgerEntry]
    ) async throws -> [LedgerEntry]
    /// The decoded entries in sequence order, all or one person's.
    func entries(person: PersonID?) async throws -> [LedgerEntry]
    /// One entry, or nil.
    func entry(_ id: EntryID) async throws -> LedgerEntry?
    /// The entries that refer to `id` (revocations, expiries, renewals), in sequence order.
    func events(referringTo id: EntryID) async throws -> [LedgerEntry]
    /// Everything verification reads, in one read transaction: the stored rows, their query
    /// columns, and the stored checkpoints' texts.
    func snapshot() async throws -> LedgerSnapshot
    /// Stores a checkpoint: `make` runs inside the transaction over the stored rows and returns the
    /// checkpoint and its signed text (or throws to store nothing). Returns what `make` returned.
    func addCheckpoint(
        _ make: @escaping @Sendable ([StoredEntry]) throws -> SignedCheckpoint
    ) async throws -> SignedCheckpoint
    /// The stored checkpoints' signed texts, oldest first.
    func checkpoints() async throws -> [String]
    /// An inclusion proof for the entry at 0-based `index` in the current tree, from the stored tree of
    /// complete subtree hashes (O(log n) reads); nil when there is no such entry.
    func inclusionProof(index: Int) async throws -> MerkleInclusion?
    /// A consistency proof from the tree of the first `size` entries to the current one, from the stored
    /// tree; nil when the ledger has fewer entries.
    func consistencyProof(from size: Int) async throws -> MerkleConsistency?
}

extension LedgerStore {
    /// Appends the drafts `make` returns, signed by `signer` (see ``append(concerning:signer:progress:_:)``).
    public func append(
        concerning person: PersonID? = nil, signer: LedgerSigner,
        _ make: @escaping @Sendable (LedgerHead) throws -> [LedgerEntry]
    ) async throws -> [LedgerEntry] {
        try await append(concerning: person, signer: signer, progress: nil, make)
    }
}
