import Crypto
import Foundation
import KefuCore
import KefuStorage
import PostgresNIO

/// The QA import on PostgreSQL: one transaction for the whole batch (all or nothing), rows written in batches.
///
/// Shape: the import's body runs on a thread of its own (``PostgresQABridge``) and hands rows to a sink that
/// gathers them column by column; every 2,000 rows (or 4 MiB of turns) one `INSERT … SELECT FROM unnest($1::text[],
/// …)` statement stores them in `qa_interaction`, and one more stores their erasure-index digests in
/// `qa_identifier`, while the body prepares the next batch. Whether an id is already stored must be answered at
/// once, row by row, without a round trip per row: the sink holds the first 16 bytes of the SHA-256 of every stored
/// id (read in one query at the start, 16 bytes per stored interaction, computed by the server) and answers "already
/// stored" when an id's key is among them. Those answers are checked with the next batch's write (one `count(*)`
/// over the ids so answered): should two ids ever share a key, the import fails instead of skipping an interaction.
/// The transaction is READ COMMITTED and not retried (the body reads its input once): an interaction stored
/// meanwhile by a concurrent import of the same ids makes this one fail with `conflict`.
extension PostgresQAStore {
    func importInteractions<T: Sendable>(
        batch: BatchID, source: String, importedAt: String,
        _ body: @escaping @Sendable (any QAInteractionSink) throws -> T
    ) async throws -> (result: T, inserted: Int, committedAfter: Duration) {
        guard !database.isReadOnly else {
            throw StorageError(.readOnly, "the database was opened read-only; nothing was imported")
        }
        let started = ContinuousClock.now
        try await database.ready()
        let logger = database.logger
        do {
            let outcome = try await database.client.withConnection { conn -> Imported<T> in
                try await conn.query("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
                do {
                    let imported = try await Self.importing(
                        batch: batch, source: source, importedAt: importedAt, conn, logger, body)
                    try await conn.query("COMMIT", logger: logger)
                    return imported
                } catch {
                    _ = try? await conn.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
            return (outcome.result, outcome.inserted, ContinuousClock.now - started)
        } catch {
            throw PostgresDatabase.storageError(error, location: database.location.redacted)
        }
    }

    /// What an import's transaction returns.
    struct Imported<T: Sendable>: Sendable {
        /// The body's result.
        let result: T
        /// Interactions stored.
        let inserted: Int
    }

    /// The import inside its transaction.
    static func importing<T: Sendable>(
        batch: BatchID, source: String, importedAt: String, _ conn: PostgresConnection, _ logger: Logger,
        _ body: @escaping @Sendable (any QAInteractionSink) throws -> T
    ) async throws -> Imported<T> {
        try await conn.query(
            """
            INSERT INTO qa_batch (name, source, imported_at, count)
            VALUES (\(batch.rawValue), \(source), \(importedAt)::timestamptz, 0) ON CONFLICT (name) DO NOTHING
            """, logger: logger)
        let known = try await storedKeys(conn, logger)
        let imported = try await PostgresQABridge.run { bridge -> Imported<T> in
            let sink = PostgresQAInteractionSink(bridge: bridge, known: known, conn: conn, logger: logger)
            let result = try body(sink)
            try sink.finish()
            return Imported(result: result, inserted: sink.inserted)
        }
        try await conn.query(
            "UPDATE qa_batch SET count = count + \(imported.inserted) WHERE name = \(batch.rawValue)", logger: logger)
        return imported
    }

    /// The keys (``PostgresQAIDKey``) of every stored interaction id, read in one query.
    static func storedKeys(_ conn: PostgresConnection, _ logger: Logger) async throws -> Set<PostgresQAIDKey> {
        let rows = try await conn.query(
            """
            SELECT count(*), string_agg(substring(sha256(convert_to(id, 'UTF8')) FROM 1 FOR 16), ''::bytea)
            FROM qa_interaction
            """, logger: logger)
        var keys = Set<PostgresQAIDKey>()
        for try await row in rows {
            let (count, bytes) = try row.decode((Int, ByteBuffer?).self)
            keys.reserveCapacity(count + 100_000)
            guard var bytes else { break }
            while let high = bytes.readInteger(endianness: .big, as: UInt64.self),
                let low = bytes.readInteger(endianness: .big, as: UInt64.self)
            {
                keys.insert(PostgresQAIDKey(high: high, low: low))
            }
        }
        return keys
    }
}

/// The first 16 bytes of the SHA-256 of an interaction id's UTF-8, as the database computes them
/// (`substring(sha256(convert_to(id, 'UTF8')) FROM 1 FOR 16)`).
struct PostgresQAIDKey: Hashable, Sendable {
    /// Bytes 0–7, big-endian.
    let high: UInt64
    /// Bytes 8–15, big-endian.
    let low: UInt64

    /// The key read from the server.
    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The key of `id`.
    init(_ id: String) {
        let digest = Array(SHA256.hash(data: Array(id.utf8)))
        high = digest[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = digest[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// Gathers one import's rows and writes them in batches (see `PostgresQAStore+Import.swift`). Used from the import
/// body's thread only.
final class PostgresQAInteractionSink: QAInteractionSink {
    /// Rows per statement.
    static let batchRows = 2_000
    /// Bytes of turns per statement.
    static let batchBytes = 4 << 20

    let bridge: PostgresQABridge
    let conn: PostgresConnection
    let logger: Logger
    /// Keys of the ids stored before the import and of those it stored so far.
    var known: Set<PostgresQAIDKey>
    /// Rows not yet written.
    var pending = PostgresQAInteractionRows()
    /// The previous batch's write, while it runs.
    var writing: PostgresQABridge.Reply<Void>?
    /// Interactions stored (or about to be).
    var inserted = 0

    init(bridge: PostgresQABridge, known: Set<PostgresQAIDKey>, conn: PostgresConnection, logger: Logger) {
        self.bridge = bridge
        self.known = known
        self.conn = conn
        self.logger = logger
    }

    func insert(_ stored: StoredInteraction, turnsJSON: String) throws -> Bool {
        let id = stored.interaction.id
        if !known.insert(PostgresQAIDKey(id)).inserted {
            // Stored before the import or in one of its earlier batches: checked with the next write.
            if !pending.idSet.contains(id) { pending.unverified.append(id) }
            if pending.unverified.count >= Self.batchRows * 10 { try flush() }
            return false
        }
        pending.append(stored, turnsJSON: turnsJSON)
        inserted += 1
        if pending.count >= Self.batchRows || pending.turnsBytes >= Self.batchBytes { try flush() }
        return true
    }

    /// Starts writing the pending rows once the previous batch is written.
    func flush() throws {
        guard pending.count > 0 || !pending.unverified.isEmpty else { return }
        let rows = pending
        pending = PostgresQAInteractionRows()
        try writing?.take()
        let (conn, logger) = (conn, logger)
        writing = bridge.start { try await rows.write(conn, logger) }
    }

    /// Writes what is pending and waits for every write.
    func finish() throws {
        try flush()
        try writing?.take()
        writing = nil
    }
}

/// A batch of interactions, column by column, as one `unnest` statement takes them.
struct PostgresQAInteractionRows: Sendable {
    var ids: [String] = []
    var idSet: Set<String> = []
    /// Ids answered "already stored" by their key alone, to be found stored.
    var unverified: [String] = []
    var batches: [String] = []
    var channels: [String] = []
    var agents: [String] = []
    var startedAt: [String?] = []
    var periods: [String?] = []
    var turns: [String] = []
    var hashes: [String] = []
    var masked: [Int] = []
    var digests: [String] = []
    var digestIDs: [String] = []
    var turnsBytes = 0

    /// Rows gathered.
    var count: Int { ids.count }

    /// Adds one interaction.
    mutating func append(_ stored: StoredInteraction, turnsJSON: String) {
        let id = stored.interaction.id
        ids.append(id)
        idSet.insert(id)
        batches.append(stored.batch.rawValue)
        channels.append(stored.interaction.channel.rawValue)
        agents.append(stored.interaction.agent)
        startedAt.append(stored.interaction.startedAt)
        periods.append(stored.period)
        turns.append(turnsJSON)
        hashes.append(stored.contentHash)
        masked.append(stored.maskedCount)
        turnsBytes += turnsJSON.utf8.count
        for digest in stored.identifierDigests {
            digests.append(digest)
            digestIDs.append(id)
        }
    }

    /// Checks the ids answered "already stored" (one statement) and stores the rows (two).
    func write(_ conn: PostgresConnection, _ logger: Logger) async throws {
        if !unverified.isEmpty {
            let distinct = Array(Set(unverified))
            let found = try await conn.query(
                "SELECT count(*) FROM qa_interaction WHERE id = ANY(\(distinct)::text[])", logger: logger
            ).first(Int.self)
            guard found == distinct.count else {
                throw StorageError(
                    .conflict,
                    "a new interaction id shares the first 128 bits of its SHA-256 with a stored one (never seen so far); nothing was imported — report this"
                )
            }
        }
        guard !ids.isEmpty else { return }
        try await conn.query(
            """
            INSERT INTO qa_interaction (id, batch, channel, agent, started_at, period, turns, content_hash, masked_count)
            SELECT u.id, u.batch, u.channel, u.agent, u.started_at, u.period, u.turns::json, u.content_hash, u.masked
            FROM unnest(\(ids)::text[], \(batches)::text[], \(channels)::text[], \(agents)::text[],
                        \(PostgresQATexts(startedAt))::text[], \(PostgresQATexts(periods))::text[], \(turns)::text[],
                        \(hashes)::text[], \(masked)::bigint[])
                 AS u(id, batch, channel, agent, started_at, period, turns, content_hash, masked)
            """, logger: logger)
        guard !digests.isEmpty else { return }
        try await conn.query(
            """
            INSERT INTO qa_identifier (digest, interaction_id)
            SELECT * FROM unnest(\(digests)::text[], \(digestIDs)::text[]) ON CONFLICT DO NOTHING
            """, logger: logger)
    }
}

/// A `text[]` whose elements may be NULL (postgres-nio encodes arrays of non-optional elements only).
struct PostgresQATexts: PostgresNonThrowingEncodable, PostgresDynamicTypeEncodable {
    /// The elements.
    let values: [String?]

    /// Wraps `values`.
    init(_ values: [String?]) { self.values = values }

    static var psqlType: PostgresDataType { .textArray }
    static var psqlFormat: PostgresFormat { .binary }

    /// The binary array format: dimensions, has-nulls flag, element type, length and lower bound, then each
    /// element's length (-1 for NULL) and bytes.
    func encode<JSONEncoder: PostgresJSONEncoder>(
        into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        buffer.writeInteger(values.isEmpty ? 0 : 1, as: Int32.self)
        buffer.writeInteger(values.contains(nil) ? 1 : 0, as: Int32.self)
        buffer.writeInteger(PostgresDataType.text.rawValue)
        guard !values.isEmpty else { return }
        buffer.writeInteger(Int32(values.count))
        buffer.writeInteger(1, as: Int32.self)
        for value in values {
            if let value {
                buffer.writeInteger(Int32(value.utf8.count))
                buffer.writeString(value)
            } else {
                buffer.writeInteger(-1, as: Int32.self)
            }
        }
    }
}
