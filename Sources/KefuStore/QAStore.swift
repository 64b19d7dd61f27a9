import Foundation
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
    /// Ids among `ids` that are already stored.
    public func existingInteractionIDs(_ ids: [String], _ db: Database) throws -> Set<String> {
        var found = Set<String>()
        for chunk in stride(from: 0, to: ids.count, by: 500) {
            let slice = Array(ids[chunk..<min(ids.count, chunk + 500)])
            let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
            found.formUnion(try String.fetchAll(db, sql: "SELECT id FROM qa_interaction WHERE id IN (\(marks))", arguments: StatementArguments(slice)))
        }
        return found
    }

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
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// Inserts one interaction with the prepared statement; `turnsJSON` is the masked turns array.
    public func insert(_ stored: StoredInteraction, turnsJSON: String, with statement: Statement) throws {
        try statement.execute(arguments: [
            stored.interaction.id, stored.batch, stored.interaction.channel.rawValue, stored.interaction.agent,
            stored.interaction.startedAt, stored.period, turnsJSON, stored.contentHash, stored.maskedCount,
        ])
    }

    /// The population for sampling, ordered by id: id, agent, channel, the content hash recorded at
    /// import, and the stored turns (so callers can recompute the hash and notice edits).
    public func qaPopulation(period: String?, _ db: Database) throws -> [(id: String, agent: String, channel: String, contentHash: String, turns: String)] {
        let rows: [Row]
        if let period {
            rows = try Row.fetchAll(db, sql: "SELECT id, agent, channel, content_hash, turns FROM qa_interaction WHERE period = ? ORDER BY id", arguments: [period])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT id, agent, channel, content_hash, turns FROM qa_interaction ORDER BY id")
        }
        return rows.map { (id: $0["id"], agent: $0["agent"], channel: $0["channel"], contentHash: $0["content_hash"], turns: $0["turns"]) }
    }

    /// One stored interaction's masked turns.
    public func qaInteraction(_ id: String, _ db: Database) throws -> Interaction? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM qa_interaction WHERE id = ?", arguments: [id]) else { return nil }
        let turns = try JSONDecoder().decode([Turn].self, from: Data((row["turns"] as String).utf8))
        return Interaction(id: row["id"], channel: Channel(rawValue: row["channel"]) ?? .chat, agent: row["agent"], startedAt: row["started_at"], turns: turns)
    }
}
