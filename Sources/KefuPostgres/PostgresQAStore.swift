import Foundation
import KefuCore
import KefuStorage
import PostgresNIO

/// QAStore on PostgreSQL: interactions, samples and scores here; the import in `PostgresQAStore+Import.swift`;
/// reviews, disputes, calibration, reports and the audit log in `PostgresQAStore+Reviews.swift`. Ids and names are
/// `COLLATE "C"` columns, so they sort and compare byte for byte as on SQLite; the moments Kefu writes are
/// `timestamptz` (written `::timestamptz`, read `kefu_time`), while imported start times stay the source's text.
struct PostgresQAStore: QAStore {
    let database: PostgresDatabase

    // MARK: Interactions

    func interaction(_ id: InteractionID) async throws -> Interaction? {
        let logger = database.logger
        return try await database.read { conn in try await Self.interactions(ids: [id.rawValue], conn, logger).first }
    }

    /// The interactions with `ids`, in id order (unknown ids are left out).
    static func interactions(
        ids: [String], _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> [Interaction] {
        let rows = try await conn.query(
            """
            SELECT id, channel, agent, started_at, turns::text FROM qa_interaction
            WHERE id = ANY(\(ids)::text[]) ORDER BY id
            """, logger: logger)
        var interactions: [Interaction] = []
        for try await row in rows {
            let (id, channel, agent, startedAt, turns) = try row.decode((String, String, String, String?, String).self)
            interactions.append(try interaction(id, channel, agent, startedAt, turns))
        }
        return interactions
    }

    /// An interaction from its stored columns.
    static func interaction(
        _ id: String, _ channel: String, _ agent: String, _ startedAt: String?, _ turns: String
    ) throws -> Interaction {
        let decoded: [Turn]
        do { decoded = try JSONDecoder().decode([Turn].self, from: Data(turns.utf8)) } catch {
            throw StorageError(.unavailable, "the stored turns of interaction \(id) are damaged")
        }
        return Interaction(
            id: id, channel: Channel(rawValue: channel) ?? .chat, agent: agent, startedAt: startedAt, turns: decoded)
    }

    /// Deletes the selected interactions and everything that hangs off them, in one transaction.
    func deleteInteractions(_ selection: QAInteractionSelection) async throws -> Int {
        let logger = database.logger
        if case .identifiedBy(let digests) = selection, digests.isEmpty { return 0 }
        return try await database.write { conn in
            let ids: [String]
            switch selection {
            case .startedBefore(let date):
                ids = try await conn.query(
                    "SELECT id FROM qa_interaction WHERE started_at IS NOT NULL AND started_at < \(date)",
                    logger: logger
                ).all(String.self)
            case .containing(let term):
                ids = try await conn.query(
                    "SELECT id FROM qa_interaction WHERE strpos(id, \(term)) > 0 OR strpos(turns::text, \(term)) > 0",
                    logger: logger
                ).all(String.self)
            case .identifiedBy(let digests):
                ids = try await conn.query(
                    "SELECT DISTINCT interaction_id FROM qa_identifier WHERE digest = ANY(\(digests)::text[])",
                    logger: logger
                ).all(String.self)
            }
            guard !ids.isEmpty else { return 0 }
            let reviews = "SELECT id FROM qa_review WHERE interaction_id = ANY($1::text[])"
            for statement in [
                "DELETE FROM qa_dispute WHERE review_id IN (\(reviews))",
                "DELETE FROM qa_review_item WHERE review_id IN (\(reviews))",
                "DELETE FROM qa_review WHERE interaction_id = ANY($1::text[])",
                "DELETE FROM qa_score WHERE interaction_id = ANY($1::text[])",
                "DELETE FROM qa_sample_member WHERE interaction_id = ANY($1::text[])",
                "DELETE FROM qa_identifier WHERE interaction_id = ANY($1::text[])",
            ] {
                var binds = PostgresBindings()
                binds.append(ids)
                try await conn.query(PostgresQuery(unsafeSQL: statement, binds: binds), logger: logger)
            }
            let deleted = try await conn.query(
                "DELETE FROM qa_interaction WHERE id = ANY(\(ids)::text[]) RETURNING batch", logger: logger
            ).all(String.self)
            try await conn.query(
                """
                UPDATE qa_batch b SET count = (SELECT count(*) FROM qa_interaction i WHERE i.batch = b.name)
                WHERE b.name = ANY(\(Array(Set(deleted)))::text[])
                """, logger: logger)
            return deleted.count
        }
    }

    // MARK: Samples

    func createSample(
        _ name: SampleID, _ make: @escaping @Sendable (any QAPopulation) throws -> QASampleRecord
    ) async throws -> QASampleRecord {
        let logger = database.logger
        return try await database.write { conn in
            if try await Self.sampleExists(name, conn, logger) {
                throw StorageError(
                    .conflict, "a sample named `\(name)` exists; samples are never redrawn under the same name")
            }
            let record = try await PostgresQABridge.run { bridge in
                try make(PostgresQAPopulation(bridge: bridge, conn: conn, logger: logger))
            }
            try await conn.query(
                """
                INSERT INTO qa_sample (name, parameters, population_hash, population_size, members_hash, created_at)
                VALUES (\(name.rawValue), \(record.parameters)::json, \(record.populationHash),
                        \(record.populationSize), \(record.membersHash), \(record.createdAt)::timestamptz)
                """, logger: logger)
            try await conn.query(
                """
                INSERT INTO qa_sample_member (sample, interaction_id, stratum)
                SELECT \(name.rawValue), u.id, u.stratum
                FROM unnest(\(record.members.map(\.interaction.rawValue))::text[],
                            \(record.members.map(\.stratum))::text[]) AS u(id, stratum)
                """, logger: logger)
            return record
        }
    }

    func withSample<T: Sendable>(
        _ name: SampleID, _ body: @escaping @Sendable (QASampleRecord, any QAPopulation) throws -> T
    ) async throws -> T? {
        let logger = database.logger
        return try await database.read { conn in
            guard let record = try await Self.sample(name, conn, logger) else { return nil }
            return try await PostgresQABridge.run { bridge in
                try body(record, PostgresQAPopulation(bridge: bridge, conn: conn, logger: logger))
            }
        }
    }

    func sampleExists(_ name: SampleID) async throws -> Bool {
        let logger = database.logger
        return try await database.read { conn in try await Self.sampleExists(name, conn, logger) }
    }

    /// True when sample `name` exists, inside a transaction.
    static func sampleExists(_ name: SampleID, _ conn: PostgresConnection, _ logger: Logger) async throws -> Bool {
        try await conn.query("SELECT EXISTS(SELECT 1 FROM qa_sample WHERE name = \(name.rawValue))", logger: logger)
            .first(Bool.self) ?? false
    }

    /// Sample `name` with its members, or nil.
    static func sample(_ name: SampleID, _ conn: PostgresConnection, _ logger: Logger) async throws -> QASampleRecord? {
        guard
            let head = try await conn.query(
                """
                SELECT parameters::text, population_hash, population_size, members_hash, kefu_time(created_at)
                FROM qa_sample
                WHERE name = \(name.rawValue)
                """, logger: logger
            ).first((String, String, Int, String, String).self)
        else { return nil }
        let members = try await conn.query(
            """
            SELECT interaction_id, stratum FROM qa_sample_member WHERE sample = \(name.rawValue)
            ORDER BY interaction_id
            """, logger: logger
        ).all((String, String).self).map { QASampleMember(interaction: InteractionID($0.0), stratum: $0.1) }
        return QASampleRecord(
            name: name, parameters: head.0, populationHash: head.1, populationSize: head.2, membersHash: head.3,
            createdAt: head.4, members: members)
    }
}

/// The population read inside a sample's transaction, from the draw's own thread (``PostgresQABridge``): the
/// interactions stream through a server-side cursor, 1,000 rows a round trip, the next page read while the draw
/// handles the current one.
final class PostgresQAPopulation: QAPopulation {
    let bridge: PostgresQABridge
    let conn: PostgresConnection
    let logger: Logger
    /// Cursors opened so far (each stream has its own name).
    var cursors = 0

    init(bridge: PostgresQABridge, conn: PostgresConnection, logger: Logger) {
        self.bridge = bridge
        self.conn = conn
        self.logger = logger
    }

    /// One streamed row: the unit and its stored turns.
    typealias Row = (QAPopulationUnit, ByteBuffer)

    func forEachInteraction(
        period: String?, _ body: (QAPopulationUnit, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        cursors += 1
        let cursor = "kefu_population_\(cursors)"
        let (conn, logger) = (conn, logger)
        try bridge.call {
            _ = try await conn.query(
                """
                DECLARE \(unescaped: cursor) NO SCROLL CURSOR FOR
                SELECT id, agent, channel, content_hash, turns::text FROM qa_interaction
                WHERE \(period)::text IS NULL OR period = \(period) ORDER BY id
                """, logger: logger)
        }
        let fetch: @Sendable () async throws -> [Row] = {
            var page: [Row] = []
            for try await row in try await conn.query("FETCH 1000 FROM \(unescaped: cursor)", logger: logger) {
                let (id, agent, channel, hash, turns) = try row.decode(
                    (String, String, String, String, ByteBuffer).self)
                page.append(
                    (
                        QAPopulationUnit(
                            id: InteractionID(id), agent: PersonID(agent), channel: channel, contentHash: hash),
                        turns
                    ))
            }
            return page
        }
        var next = bridge.start(fetch)
        while true {
            let page = try next.take()
            if page.isEmpty { break }
            next = bridge.start(fetch)
            for (unit, turns) in page { try turns.withUnsafeReadableBytes { try body(unit, $0) } }
        }
        try bridge.call { _ = try await conn.query("CLOSE \(unescaped: cursor)", logger: logger) }
    }

    func failedInteractions(rubricVersion: String) throws -> Set<InteractionID> {
        let (conn, logger) = (conn, logger)
        return Set(
            try bridge.call {
                try await conn.query(
                    "SELECT interaction_id FROM qa_score WHERE rubric_version = \(rubricVersion) AND NOT passed",
                    logger: logger
                ).all(String.self)
            }.map(InteractionID.init(rawValue:)))
    }

    func hasScores(rubricVersion: String) throws -> Bool {
        let (conn, logger) = (conn, logger)
        return try bridge.call {
            try await conn.query(
                "SELECT EXISTS(SELECT 1 FROM qa_score WHERE rubric_version = \(rubricVersion))", logger: logger
            ).first(Bool.self) ?? false
        }
    }
}
