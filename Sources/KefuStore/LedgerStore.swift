import Foundation
public import GRDB
import KefuCore
public import KefuLedger
import KefuStorage

extension KefuDatabase {
    /// Every stored ledger row in sequence order (what verification reads).
    public func storedEntries(_ db: Database) throws -> [StoredEntry] {
        try Row.fetchAll(db, sql: "SELECT seq, body, hash, kid, signature FROM ledger_entry ORDER BY seq").map {
            StoredEntry(
                sequence: $0["seq"], body: $0["body"], hash: $0["hash"], kid: $0["kid"], signature: $0["signature"])
        }
    }

    /// The decoded entries (for listing and rule evaluation).
    public func entries(_ db: Database, person: String? = nil) throws -> [LedgerEntry] {
        let rows: [Row]
        if let person {
            rows = try Row.fetchAll(
                db, sql: "SELECT body FROM ledger_entry WHERE person_id = ? ORDER BY seq", arguments: [person])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT body FROM ledger_entry ORDER BY seq")
        }
        return try rows.map { try LedgerEntry(json: JSONValue.parse($0["body"])) }
    }

    /// Appends an entry after the current last one, inside the caller's transaction: fills in sequence
    /// and previous hash, stores the canonical body, its hash and `signer`'s signature. Returns the
    /// stored entry.
    @discardableResult
    public func append(_ draft: LedgerEntry, signer: LedgerSigner, _ db: Database) throws -> LedgerEntry {
        try append([draft], signer: signer, db)[0]
    }

    /// Appends `drafts` after the current last entry, inside the caller's transaction: chains them, signs
    /// them on every core, stores each with one prepared statement along with the Merkle tree nodes it
    /// completes, and tells `progress` after each stored entry how many are stored. Returns the stored entries.
    @discardableResult
    public func append(
        _ drafts: [LedgerEntry], signer: LedgerSigner, _ db: Database, progress: ((Int) -> Void)? = nil
    ) throws -> [LedgerEntry] {
        guard !drafts.isEmpty else { return [] }
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC LIMIT 1")
        let size: Int = last?["seq"] ?? 0
        let (entries, bodies, hashes) = LedgerEntry.chain(
            drafts, after: size, previous: last?["hash"] ?? LedgerEntry.genesisHash)
        let signatures = try signer.signatures(over: bodies)
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO ledger_entry (seq, kind, person_id, subject, recorded_at, valid_until, refers_to, body, hash,
                                          kid, signature)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var tree = MerkleAppender(size: size)
        for (index, entry) in entries.enumerated() {
            try insert.execute(arguments: [
                entry.sequence, entry.kind.rawValue, entry.person, entry.subject, entry.recordedAt, entry.validUntil,
                entry.refersTo, String(decoding: bodies[index], as: UTF8.self), hashes[index],
                signatures[index].kid, signatures[index].signature,
            ])
            try Self.storeNodes(
                tree.append(leaf: Merkle.leafHash(bodies[index])) { try Self.merkleNode($0, $1, db) }, db)
            progress?(index + 1)
        }
        return entries
    }

    /// Stores Merkle tree nodes (see ``MerkleAppender``), replacing stale ones: after a tail was cut outside
    /// Kefu, the nodes past the new end are rewritten as entries are appended again.
    static func storeNodes(_ nodes: [(level: Int, index: Int, hash: Merkle.Hash)], _ db: Database) throws {
        let insert = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO ledger_merkle_node (level, idx, hash) VALUES (?, ?, ?)")
        for node in nodes { try insert.execute(arguments: [node.level, node.index, Data(node.hash)]) }
    }

    /// The stored hash of the complete subtree `index` at `level`.
    static func merkleNode(_ level: Int, _ index: Int, _ db: Database) throws -> Merkle.Hash {
        let select = try db.cachedStatement(sql: "SELECT hash FROM ledger_merkle_node WHERE level = ? AND idx = ?")
        guard let hash = try Data.fetchOne(select, arguments: [level, index]), hash.count == 32 else {
            throw LedgerError.incompleteTree(level: level, index: index)
        }
        return Array(hash)
    }

    /// Builds the Merkle tree nodes of the entries stored before the table existed (a migration).
    static func backfillMerkleNodes(_ db: Database) throws {
        var tree = MerkleAppender(size: 0)
        let bodies = try String.fetchCursor(db, sql: "SELECT body FROM ledger_entry ORDER BY seq")
        while let body = try bodies.next() {
            try Self.storeNodes(
                tree.append(leaf: Merkle.leafHash(Array(body.utf8))) { try Self.merkleNode($0, $1, db) }, db)
        }
    }

    /// The number of entries (the last sequence number).
    func ledgerSize(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM ledger_entry") ?? 0
    }

    /// An inclusion proof for the entry at 0-based `index` from the stored tree, checked against the entry's
    /// stored body; nil when there is no such entry.
    public func inclusionProof(index: Int, _ db: Database) throws -> MerkleInclusion? {
        let size = try ledgerSize(db)
        guard index >= 0, index < size else { return nil }
        let node = { (level: Int, index: Int) throws -> Merkle.Hash in try Self.merkleNode(level, index, db) }
        let leaf = try node(0, index)
        let body = try String.fetchOne(db, sql: "SELECT body FROM ledger_entry WHERE seq = ?", arguments: [index + 1])
        guard let body, Merkle.leafHash(Array(body.utf8)) == leaf else {
            throw LedgerError.incompleteTree(level: 0, index: index)
        }
        return MerkleInclusion(
            index: index, size: size, leaf: leaf,
            proof: try Merkle.inclusionProof(index: index, size: size, node: node),
            root: try Merkle.subtreeRoot(0..<size, node: node))
    }

    /// A consistency proof from the tree of the first `from` entries to the current one; nil when the
    /// ledger is smaller than that.
    public func consistencyProof(from: Int, _ db: Database) throws -> MerkleConsistency? {
        let size = try ledgerSize(db)
        guard from >= 0, from <= size else { return nil }
        let node = { (level: Int, index: Int) throws -> Merkle.Hash in try Self.merkleNode(level, index, db) }
        return MerkleConsistency(
            from: from, size: size, proof: try Merkle.consistencyProof(from: from, size: size, node: node),
            oldRoot: try Merkle.subtreeRoot(0..<from, node: node), newRoot: try Merkle.subtreeRoot(0..<size, node: node)
        )
    }

    /// Stores a checkpoint's text.
    public func saveCheckpoint(_ checkpoint: Checkpoint, text: String, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO checkpoint (size, root, created_at, text) VALUES (?, ?, ?, ?)",
            arguments: [checkpoint.size, checkpoint.root.hex, checkpoint.timestamp, text])
    }
}
