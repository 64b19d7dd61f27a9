import Foundation
import KefuStorage
import GRDB
import KefuCore

/// A stored QA interaction (turns already masked).
public struct StoredInteraction: Sendable, Hashable {
    /// The interaction.
    public var interaction: Interaction
    /// Batch name.
    public var batch: String
    /// `YYYY-MM` of `started_at`, when known.
    public var period: String?
    /// SHA-256 of the masked turns.
    public var contentHash: String
    /// How many spans were masked on import.
    public var maskedCount: Int

    /// Creates a stored interaction.
    public init(interaction: Interaction, batch: String, period: String?, contentHash: String, maskedCount: Int) {
        self.interaction = interaction
        self.batch = batch
        self.period = period
        self.contentHash = contentHash
        self.maskedCount = maskedCount
    }
}

extension KefuDatabase {
    /// Inserts a batch row.
    public func insertBatch(name: String, source: String, importedAt: String, count: Int, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO qa_batch (name, source, imported_at, count) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET count = count + excluded.count",
            arguments: [name, source, importedAt, count])
    }

    /// A prepared insert for interactions (reuse it for a whole import).
    public func interactionInserter(_ db: Database) throws -> Statement {
        try db.makeStatement(sql: """
            INSERT INTO qa_interaction (id, batch, channel, agent, started_at, period, turns, content_hash, masked_count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING
            """)
    }

    /// Inserts one interaction with the prepared statement; `turnsJSON` is the masked turns array.
    /// Returns false (and changes nothing) when an interaction with that id is already stored.
    public func insert(_ stored: StoredInteraction, turnsJSON: String, with statement: Statement, _ db: Database) throws -> Bool {
        statement.setUncheckedArguments([
            stored.interaction.id, stored.batch, stored.interaction.channel.rawValue, stored.interaction.agent,
            stored.interaction.startedAt, stored.period, turnsJSON, stored.contentHash, stored.maskedCount,
        ])
        try statement.execute()
        return db.changesCount > 0
    }

    /// Streams the population for sampling, ordered by id: id, agent, channel, the content hash
    /// recorded at import, and the stored turns' UTF-8 bytes (valid only during the call, so callers can
    /// recompute the hash and notice edits without holding every transcript in memory).
    public func forEachQAInteraction(
        period: String?, _ db: Database,
        _ body: (_ id: String, _ agent: String, _ channel: String, _ contentHash: String, _ turns: UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let sql = "SELECT id, agent, channel, content_hash, turns FROM qa_interaction\(period == nil ? "" : " WHERE period = ?") ORDER BY id"
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: period.map { [$0] } ?? [])
        while let row = try cursor.next() {
            let (id, agent, channel, hash): (String, String, String, String) = (row[0], row[1], row[2], row[3])
            try row.withUnsafeData(atIndex: 4) { data in
                try (data ?? Data()).withUnsafeBytes { bytes in try body(id, agent, channel, hash, bytes) }
            }
        }
    }

    /// One stored interaction's masked turns.
    public func qaInteraction(_ id: String, _ db: Database) throws -> Interaction? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM qa_interaction WHERE id = ?", arguments: [id]) else { return nil }
        let turns = try JSONDecoder().decode([Turn].self, from: Data((row["turns"] as String).utf8))
        return Interaction(id: row["id"], channel: Channel(rawValue: row["channel"]) ?? .chat, agent: row["agent"], startedAt: row["started_at"], turns: turns)
    }
}
