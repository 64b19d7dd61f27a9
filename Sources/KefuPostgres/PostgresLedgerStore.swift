import Foundation
import KefuCore
import KefuLedger
import KefuStorage
import Logging
import PostgresNIO

/// LedgerStore on PostgreSQL: `ledger_entry` (append-only by trigger and by grants), `ledger_merkle_node` (the
/// stored tree levels, so proofs read O(log n) nodes) and `checkpoint`. Appends run holding the ledger's advisory
/// lock (``PostgresMigrations/ledgerLock``): one at a time across every process, each chained to the last.
struct PostgresLedgerStore: LedgerStore {
    let database: PostgresDatabase

    func append(
        concerning person: PersonID?, signer: LedgerSigner, progress: (@Sendable (Int) -> Void)?,
        _ make: @escaping @Sendable (LedgerHead) throws -> [LedgerEntry]
    ) async throws -> [LedgerEntry] {
        let logger = database.logger
        return try await database.write(lock: PostgresMigrations.ledgerLock) { connection in
            let size = try await Self.size(connection, logger)
            var head = LedgerHead(
                entries: try await Self.entries(person: person?.rawValue, connection, logger), size: size)
            if let person {
                head.person = try await PostgresPeopleStore.person(person.rawValue, connection, logger)
                head.evidence = try await PostgresPeopleStore.evidence(of: person.rawValue, connection, logger)
            }
            return try await Self.append(make(head), signer: signer, connection, logger, progress: progress)
        }
    }

    func entries(person: PersonID?) async throws -> [LedgerEntry] {
        try await database.read { connection in
            try await Self.entries(person: person?.rawValue, connection, database.logger)
        }
    }

    func entry(_ id: EntryID) async throws -> LedgerEntry? {
        try await database.read { connection in
            try await connection.query(
                "SELECT body FROM ledger_entry WHERE seq = \(Int64(id.rawValue))", logger: database.logger
            ).first(String.self).map { try LedgerEntry(json: JSONValue.parse($0)) }
        }
    }

    func events(referringTo id: EntryID) async throws -> [LedgerEntry] {
        try await database.read { connection in
            try await connection.query(
                "SELECT body FROM ledger_entry WHERE refers_to = \(Int64(id.rawValue)) ORDER BY seq",
                logger: database.logger
            ).all(String.self).map { try LedgerEntry(json: JSONValue.parse($0)) }
        }
    }

    func snapshot() async throws -> LedgerSnapshot {
        try await database.read { connection in
            var stored: [StoredEntry] = []
            var columns: [LedgerColumns] = []
            let rows = try await connection.query(
                """
                SELECT seq, body, hash, kid, signature, kind, person_id, subject, valid_until, refers_to
                FROM ledger_entry ORDER BY seq
                """, logger: database.logger)
            for try await row in rows {
                let (sequence, body, hash, kid, signature, kind, person, subject, validUntil, refersTo) =
                    try row.decode(
                        (Int, String, String, String?, String?, String, String, String, String?, Int?).self)
                stored.append(StoredEntry(sequence: sequence, body: body, hash: hash, kid: kid, signature: signature))
                columns.append(
                    LedgerColumns(
                        sequence: sequence, kind: kind, person: person, subject: subject, validUntil: validUntil,
                        refersTo: refersTo, body: body))
            }
            let checkpoints = try await Self.checkpoints(connection, database.logger)
            return LedgerSnapshot(stored: stored, columns: columns, checkpoints: checkpoints)
        }
    }

    func addCheckpoint(
        _ make: @escaping @Sendable ([StoredEntry]) throws -> SignedCheckpoint
    ) async throws -> SignedCheckpoint {
        try await database.write(lock: PostgresMigrations.ledgerLock) { connection in
            let signed = try make(try await Self.storedEntries(connection, database.logger))
            try await connection.query(
                """
                INSERT INTO checkpoint (size, root, created_at, text)
                VALUES (\(Int64(signed.checkpoint.size)), \(signed.checkpoint.root.hex), \(signed.checkpoint.timestamp),
                        \(signed.text))
                """, logger: database.logger)
            return signed
        }
    }

    func checkpoints() async throws -> [String] {
        try await database.read { connection in try await Self.checkpoints(connection, database.logger) }
    }

    func inclusionProof(index: Int) async throws -> MerkleInclusion? {
        try await database.read { connection in
            let size = try await Self.size(connection, database.logger)
            guard index >= 0, index < size else { return nil }
            let body = try await connection.query(
                "SELECT body FROM ledger_entry WHERE seq = \(Int64(index + 1))", logger: database.logger
            ).first(String.self)
            return try await Self.withNodes(connection, database.logger) { node in
                let leaf = try node(0, index)
                let proof = MerkleInclusion(
                    index: index, size: size, leaf: leaf,
                    proof: try Merkle.inclusionProof(index: index, size: size, node: node),
                    root: try Merkle.subtreeRoot(0..<size, node: node))
                // Checked last, so the first pass (fake hashes) still learns every node the proof reads.
                guard let body, Merkle.leafHash(Array(body.utf8)) == leaf else {
                    throw LedgerError.incompleteTree(level: 0, index: index)
                }
                return proof
            }
        }
    }

    func consistencyProof(from size: Int) async throws -> MerkleConsistency? {
        try await database.read { connection in
            let current = try await Self.size(connection, database.logger)
            guard size >= 0, size <= current else { return nil }
            return try await Self.withNodes(connection, database.logger) { node in
                MerkleConsistency(
                    from: size, size: current,
                    proof: try Merkle.consistencyProof(from: size, size: current, node: node),
                    oldRoot: try Merkle.subtreeRoot(0..<size, node: node),
                    newRoot: try Merkle.subtreeRoot(0..<current, node: node))
            }
        }
    }
}

extension PostgresLedgerStore {
    /// The number of entries (the last sequence number).
    static func size(_ connection: PostgresConnection, _ logger: Logger) async throws -> Int {
        try await connection.query("SELECT COALESCE(MAX(seq), 0)::bigint FROM ledger_entry", logger: logger)
            .first(Int.self) ?? 0
    }

    /// The decoded entries, of one person or all, in sequence order.
    static func entries(
        person: String?, _ connection: PostgresConnection, _ logger: Logger
    ) async throws
        -> [LedgerEntry]
    {
        let rows: PostgresRowSequence
        if let person {
            rows = try await connection.query(
                "SELECT body FROM ledger_entry WHERE person_id = \(person) ORDER BY seq", logger: logger)
        } else {
            rows = try await connection.query("SELECT body FROM ledger_entry ORDER BY seq", logger: logger)
        }
        return try await rows.all(String.self).map { try LedgerEntry(json: JSONValue.parse($0)) }
    }

    /// Every stored row, in sequence order (what verification and checkpoints read).
    static func storedEntries(_ connection: PostgresConnection, _ logger: Logger) async throws -> [StoredEntry] {
        try await connection.query(
            "SELECT seq, body, hash, kid, signature FROM ledger_entry ORDER BY seq", logger: logger
        ).all((Int, String, String, String?, String?).self).map {
            StoredEntry(sequence: $0.0, body: $0.1, hash: $0.2, kid: $0.3, signature: $0.4)
        }
    }

    /// Every checkpoint's text, oldest first.
    static func checkpoints(_ connection: PostgresConnection, _ logger: Logger) async throws -> [String] {
        try await connection.query("SELECT text FROM checkpoint ORDER BY id", logger: logger).all(String.self)
    }

    /// Appends `drafts` after the current last entry, inside the caller's transaction, which must hold the ledger's
    /// advisory lock (`database.write(lock: PostgresMigrations.ledgerLock)`): chains them, signs them on every core,
    /// stores them and the Merkle nodes they complete with one statement each (an absent `valid_until` travels as
    /// empty text, an absent `refers_to` as 0: sequence numbers start at 1), and tells `progress` how many are
    /// stored. Returns the stored entries.
    public static func append(
        _ drafts: [LedgerEntry], signer: LedgerSigner, _ connection: PostgresConnection, _ logger: Logger,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> [LedgerEntry] {
        guard !drafts.isEmpty else { return [] }
        let last = try await connection.query(
            "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC LIMIT 1", logger: logger
        ).first((Int, String).self)
        let size = last?.0 ?? 0
        let (entries, bodies, hashes) = LedgerEntry.chain(
            drafts, after: size, previous: last?.1 ?? LedgerEntry.genesisHash)
        let signatures = try signer.signatures(over: bodies)
        let frontier = try await nodes(Self.frontier(size: size), connection, logger)
        var tree = MerkleAppender(size: size)
        var computed: [(level: Int, index: Int, hash: Merkle.Hash)] = []
        for body in bodies {
            computed += try tree.append(leaf: Merkle.leafHash(body)) { level, index in
                guard let hash = frontier[NodeKey(level: level, index: index)] else {
                    throw LedgerError.incompleteTree(level: level, index: index)
                }
                return hash
            }
        }
        try await connection.query(
            """
            INSERT INTO ledger_entry (seq, kind, person_id, subject, recorded_at, valid_until, refers_to, body, hash,
                                      kid, signature)
            SELECT seq, kind, person, subject, recorded, NULLIF(valid, ''), NULLIF(refers, 0), body, hash, kid,
                   signature
            FROM unnest(\(entries.map { Int64($0.sequence) }), \(entries.map(\.kind.rawValue)),
                \(entries.map(\.person)), \(entries.map(\.subject)), \(entries.map(\.recordedAt)),
                \(entries.map { $0.validUntil ?? "" }), \(entries.map { Int64($0.refersTo ?? 0) }),
                \(bodies.map { String(decoding: $0, as: UTF8.self) }), \(hashes), \(signatures.map(\.kid)),
                \(signatures.map(\.signature)))
                AS e(seq, kind, person, subject, recorded, valid, refers, body, hash, kid, signature)
            """, logger: logger)
        try await storeNodes(computed, connection, logger)
        progress?(entries.count)
        return entries
    }

    /// Stores Merkle nodes, replacing stale ones (after a tail was cut outside Kefu).
    static func storeNodes(
        _ nodes: [(level: Int, index: Int, hash: Merkle.Hash)], _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO ledger_merkle_node (level, idx, hash)
            SELECT * FROM unnest(\(nodes.map { Int32($0.level) }), \(nodes.map { Int64($0.index) }),
                                 \(nodes.map { ByteBuffer(bytes: $0.hash) }))
            ON CONFLICT (level, idx) DO UPDATE SET hash = excluded.hash
            """, logger: logger)
    }

    /// A stored tree node's place.
    struct NodeKey: Hashable {
        /// 0 for leaves.
        var level: Int
        /// The node's index at its level.
        var index: Int
    }

    /// The complete subtrees a tree of `size` leaves ends with: the nodes an append may need as left siblings.
    static func frontier(size: Int) -> [NodeKey] {
        (0..<Int.bitWidth).compactMap { level in
            (size >> level) & 1 == 1 ? NodeKey(level: level, index: (size >> level) - 1) : nil
        }
    }

    /// The stored hashes of `keys` (missing ones are left out), with one query.
    static func nodes(
        _ keys: [NodeKey], _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [NodeKey: Merkle.Hash] {
        guard !keys.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT n.level, n.idx, n.hash FROM ledger_merkle_node n
            JOIN unnest(\(keys.map { Int32($0.level) }), \(keys.map { Int64($0.index) })) AS k(level, idx)
              ON n.level = k.level AND n.idx = k.idx
            """, logger: logger
        ).all((Int, Int, ByteBuffer).self)
        var found: [NodeKey: Merkle.Hash] = [:]
        for (level, index, buffer) in rows where buffer.readableBytes == 32 {
            found[NodeKey(level: level, index: index)] = Array(buffer.readableBytesView)
        }
        return found
    }

    /// Runs `compute` (a proof over the stored tree) twice: once to learn which nodes it reads (their places depend
    /// only on sizes and indexes, never on hashes), then with those nodes fetched in one query.
    static func withNodes<T>(
        _ connection: PostgresConnection, _ logger: Logger,
        _ compute: ((Int, Int) throws -> Merkle.Hash) throws -> T
    ) async throws -> T {
        var wanted: [NodeKey] = []
        _ = try? compute { level, index in
            wanted.append(NodeKey(level: level, index: index))
            return Merkle.Hash(repeating: 0, count: 32)
        }
        let found = try await nodes(Array(Set(wanted)), connection, logger)
        return try compute { level, index in
            guard let hash = found[NodeKey(level: level, index: index)] else {
                throw LedgerError.incompleteTree(level: level, index: index)
            }
            return hash
        }
    }
}
