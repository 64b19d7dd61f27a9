import Foundation
import GRDB
import KefuCore
import KefuStorage

/// QAStore on SQLite: every QA statement lives here and in `SQLiteQAStore+Reviews.swift`.
struct SQLiteQAStore: QAStore {
    let database: KefuDatabase

    // MARK: Transactions

    /// A read transaction off the cooperative pool, with database errors translated.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await translating { try await database.pool.read(body) }
    }

    /// A write transaction off the cooperative pool, with database errors translated.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if database.isReadOnly {
            throw StorageError(.readOnly, "\(database.path) is open read-only; the change was not made")
        }
        return try await translating { try await database.writeRetryingOnce { try await database.pool.write(body) } }
    }

    func translating<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_CONSTRAINT:
                throw StorageError(
                    .conflict, "the database refused the change: \(error.message ?? "constraint failed")")
            case .SQLITE_READONLY:
                throw StorageError(.readOnly, "\(database.path) is read-only; the change was not made")
            default:
                throw StorageError(
                    .unavailable, "the database failed: \(error.message ?? "SQLite error \(error.resultCode.rawValue)")"
                )
            }
        }
    }

    // MARK: Interactions and import batches

    func importInteractions<T: Sendable>(
        batch: BatchID, source: String, importedAt: String,
        _ body: @escaping @Sendable (any QAInteractionSink) throws -> T
    ) async throws -> (result: T, inserted: Int, committedAfter: Duration) {
        if database.isReadOnly {
            throw StorageError(.readOnly, "\(database.path) is open read-only; nothing was imported")
        }
        let started = ContinuousClock.now
        let pool = database.pool
        // No automatic checkpoint while the one big transaction commits; one checkpoint afterwards.
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        let outcome: (T, Int)
        do {
            outcome = try await translating {
                try await pool.write { db in
                    try db.execute(
                        sql:
                            "INSERT INTO qa_batch (name, source, imported_at, count) VALUES (?, ?, ?, 0) ON CONFLICT(name) DO NOTHING",
                        arguments: [batch.rawValue, source, importedAt])
                    let sink = try InteractionSink(db)
                    let result = try body(sink)
                    try db.execute(
                        sql: "UPDATE qa_batch SET count = count + ? WHERE name = ?",
                        arguments: [sink.inserted, batch.rawValue])
                    return (result, sink.inserted)
                }
            }
        } catch {
            try? await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
            throw error
        }
        let committedAfter = ContinuousClock.now - started
        try await translating {
            try await pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000")
                _ = try db.checkpoint(.truncate)
            }
        }
        return (outcome.0, outcome.1, committedAfter)
    }

    /// Inserts interactions with one prepared statement.
    final class InteractionSink: QAInteractionSink {
        let statement: Statement
        let identifier: Statement
        let db: Database
        var inserted = 0

        init(_ db: Database) throws {
            self.db = db
            statement = try db.makeStatement(
                sql: """
                    INSERT INTO qa_interaction (id, batch, channel, agent, started_at, period, turns, content_hash, masked_count)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING
                    """)
            identifier = try db.makeStatement(
                sql: "INSERT INTO qa_identifier (digest, interaction_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
        }

        func insert(_ stored: StoredInteraction, turnsJSON: String) throws -> Bool {
            statement.setUncheckedArguments([
                stored.interaction.id, stored.batch.rawValue, stored.interaction.channel.rawValue,
                stored.interaction.agent,
                stored.interaction.startedAt, stored.period, turnsJSON, stored.contentHash, stored.maskedCount,
            ])
            try statement.execute()
            // INSERT … ON CONFLICT DO NOTHING: no change means the id is already stored.
            guard db.changesCount > 0 else { return false }
            for digest in stored.identifierDigests {
                identifier.setUncheckedArguments([digest, stored.interaction.id])
                try identifier.execute()
            }
            inserted += 1
            return true
        }
    }

    func interaction(_ id: InteractionID) async throws -> Interaction? {
        try await read { db in try Self.interaction(id, db) }
    }

    static func interaction(_ id: InteractionID, _ db: Database) throws -> Interaction? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM qa_interaction WHERE id = ?", arguments: [id.rawValue])
        else { return nil }
        let turns: [Turn]
        do { turns = try JSONDecoder().decode([Turn].self, from: Data((row["turns"] as String).utf8)) } catch {
            throw StorageError(.unavailable, "the stored turns of interaction \(id) are damaged")
        }
        return Interaction(
            id: row["id"], channel: Channel(rawValue: row["channel"]) ?? .chat, agent: row["agent"],
            startedAt: row["started_at"], turns: turns)
    }

    // MARK: Samples

    /// The population read inside a sample's transaction.
    struct Population: QAPopulation {
        let db: Database

        func forEachInteraction(
            period: String?, _ body: (QAPopulationUnit, UnsafeRawBufferPointer) throws -> Void
        ) throws {
            let sql =
                "SELECT id, agent, channel, content_hash, turns FROM qa_interaction\(period == nil ? "" : " WHERE period = ?") ORDER BY id"
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: period.map { [$0] } ?? [])
            while let row = try cursor.next() {
                let unit = QAPopulationUnit(
                    id: InteractionID(row[0] as String), agent: PersonID(row[1] as String), channel: row[2],
                    contentHash: row[3])
                try row.withUnsafeData(atIndex: 4) { data in
                    try (data ?? Data()).withUnsafeBytes { bytes in try body(unit, bytes) }
                }
            }
        }

        func failedInteractions(rubricVersion: String) throws -> Set<InteractionID> {
            Set(
                try String.fetchAll(
                    db, sql: "SELECT interaction_id FROM qa_score WHERE rubric_version = ? AND passed = 0",
                    arguments: [rubricVersion]
                )
                .map(InteractionID.init(rawValue:)))
        }

        func hasScores(rubricVersion: String) throws -> Bool {
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM qa_score WHERE rubric_version = ?)", arguments: [rubricVersion])
                ?? false
        }
    }

    func createSample(
        _ name: SampleID, _ make: @escaping @Sendable (any QAPopulation) throws -> QASampleRecord
    ) async throws -> QASampleRecord {
        try await write { db in
            if try Self.sampleExists(name, db) {
                throw StorageError(
                    .conflict, "a sample named `\(name)` exists; samples are never redrawn under the same name")
            }
            let record = try make(Population(db: db))
            try db.execute(
                sql:
                    "INSERT INTO qa_sample (name, parameters, population_hash, population_size, members_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    name.rawValue, record.parameters, record.populationHash, record.populationSize, record.membersHash,
                    record.createdAt,
                ])
            let insert = try db.makeStatement(
                sql: "INSERT INTO qa_sample_member (sample, interaction_id, stratum) VALUES (?, ?, ?)")
            for m in record.members {
                try insert.execute(arguments: [name.rawValue, m.interaction.rawValue, m.stratum])
            }
            return record
        }
    }

    func withSample<T: Sendable>(
        _ name: SampleID, _ body: @escaping @Sendable (QASampleRecord, any QAPopulation) throws -> T
    ) async throws -> T? {
        try await read { db in
            guard let record = try Self.sample(name, db) else { return nil }
            return try body(record, Population(db: db))
        }
    }

    func reviewedItems(sample: SampleID, rubric: RubricID) async throws -> [QAReviewedInteraction] {
        try await read { db in
            guard try Self.sampleExists(sample, db) else { throw StorageError(.notFound, "no sample `\(sample)`") }
            let reviews = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.interaction_id, r.reviewer FROM qa_review r
                    JOIN qa_sample_member m ON m.interaction_id = r.interaction_id AND m.sample = ?
                    WHERE r.rubric = ? AND r.calibration = ''
                      AND r.id = (SELECT MAX(r2.id) FROM qa_review r2 WHERE r2.interaction_id = r.interaction_id
                                  AND r2.rubric = r.rubric AND r2.calibration = '')
                    ORDER BY r.interaction_id
                    """, arguments: [sample.rawValue, rubric.rawValue])
            return try reviews.compactMap { row -> QAReviewedInteraction? in
                let id: Int64 = row["id"]
                guard let interaction = try Self.interaction(InteractionID(row["interaction_id"] as String), db) else {
                    return nil
                }
                let items = try Row.fetchAll(
                    db, sql: "SELECT item_id, verdict FROM qa_review_item WHERE review_id = ?", arguments: [id])
                return QAReviewedInteraction(
                    interaction: interaction, reviewer: PersonID(row["reviewer"] as String), review: ReviewID(id),
                    verdicts: Dictionary(
                        uniqueKeysWithValues: items.map { ($0["item_id"] as String, $0["verdict"] as String) }))
            }
        }
    }

    func sampleExists(_ name: SampleID) async throws -> Bool {
        try await read { db in try Self.sampleExists(name, db) }
    }

    static func sampleExists(_ name: SampleID, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM qa_sample WHERE name = ?)", arguments: [name.rawValue])
            ?? false
    }

    static func sample(_ name: SampleID, _ db: Database) throws -> QASampleRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM qa_sample WHERE name = ?", arguments: [name.rawValue])
        else { return nil }
        let members = try Row.fetchAll(
            db, sql: "SELECT interaction_id, stratum FROM qa_sample_member WHERE sample = ? ORDER BY interaction_id",
            arguments: [name.rawValue]
        )
        .map { QASampleMember(interaction: InteractionID($0[0] as String), stratum: $0[1]) }
        return QASampleRecord(
            name: name, parameters: row["parameters"], populationHash: row["population_hash"],
            populationSize: row["population_size"],
            membersHash: row["members_hash"], createdAt: row["created_at"], members: members)
    }

    // MARK: Scores

    func scoreInteractions(
        sample: SampleID?, rubricVersion: String, _ score: @escaping @Sendable (Interaction) throws -> QAScoreRecord
    ) async throws -> QAScoringCount {
        try await write { db in
            let ids: [String]
            if let sample {
                guard try Self.sampleExists(sample, db) else { throw StorageError(.notFound, "no sample `\(sample)`") }
                ids = try String.fetchAll(
                    db, sql: "SELECT interaction_id FROM qa_sample_member WHERE sample = ? ORDER BY interaction_id",
                    arguments: [sample.rawValue])
            } else {
                ids = try String.fetchAll(db, sql: "SELECT id FROM qa_interaction ORDER BY id")
            }
            let already = Set(
                try String.fetchAll(
                    db, sql: "SELECT interaction_id FROM qa_score WHERE rubric_version = ?", arguments: [rubricVersion])
            )
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO qa_score (interaction_id, rubric, rubric_version, score, passed, critical_failed, items, scored_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            var scored = 0
            for id in ids where !already.contains(id) {
                guard let interaction = try Self.interaction(InteractionID(id), db) else { continue }
                let s = try score(interaction)
                try insert.execute(arguments: [
                    id, s.rubric.rawValue, rubricVersion, s.score, s.passed, s.criticalFailed, s.itemsJSON, s.scoredAt,
                ])
                scored += 1
            }
            return QAScoringCount(scored: scored, unchanged: ids.count - scored)
        }
    }

    func score(_ interaction: InteractionID, rubricVersion: String) async throws -> QAScoreRecord? {
        try await read { db in try Self.score(interaction, rubricVersion: rubricVersion, db) }
    }

    static func score(_ interaction: InteractionID, rubricVersion: String, _ db: Database) throws -> QAScoreRecord? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM qa_score WHERE interaction_id = ? AND rubric_version = ?",
                arguments: [interaction.rawValue, rubricVersion])
        else {
            return nil
        }
        return QAScoreRecord(
            interaction: interaction, rubric: RubricID(row["rubric"] as String), rubricVersion: rubricVersion,
            score: row["score"], passed: row["passed"],
            criticalFailed: row["critical_failed"], itemsJSON: row["items"], scoredAt: row["scored_at"])
    }
}

extension SQLiteQAStore {
    /// Deletes the selected interactions and everything that hangs off them, in one transaction.
    func deleteInteractions(_ selection: QAInteractionSelection) async throws -> Int {
        let condition: String
        let arguments: StatementArguments
        switch selection {
        case .startedBefore(let date):
            condition = "started_at IS NOT NULL AND started_at < ?"
            arguments = [date]
        case .containing(let term):
            condition = "instr(id, ?1) > 0 OR instr(turns, ?1) > 0"
            arguments = [term]
        case .identifiedBy(let digests):
            guard !digests.isEmpty else { return 0 }
            let marks = Array(repeating: "?", count: digests.count).joined(separator: ", ")
            condition = "id IN (SELECT interaction_id FROM qa_identifier WHERE digest IN (\(marks)))"
            arguments = StatementArguments(digests)
        }
        return try await write { db in
            try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS erase_ids (id TEXT PRIMARY KEY)")
            try db.execute(sql: "DELETE FROM erase_ids")
            try db.execute(
                sql: "INSERT INTO erase_ids SELECT id FROM qa_interaction WHERE \(condition)", arguments: arguments)
            let reviews = "SELECT id FROM qa_review WHERE interaction_id IN (SELECT id FROM erase_ids)"
            try db.execute(sql: "DELETE FROM qa_dispute WHERE review_id IN (\(reviews))")
            try db.execute(sql: "DELETE FROM qa_review_item WHERE review_id IN (\(reviews))")
            try db.execute(sql: "DELETE FROM qa_review WHERE interaction_id IN (SELECT id FROM erase_ids)")
            try db.execute(sql: "DELETE FROM qa_score WHERE interaction_id IN (SELECT id FROM erase_ids)")
            try db.execute(sql: "DELETE FROM qa_sample_member WHERE interaction_id IN (SELECT id FROM erase_ids)")
            try db.execute(sql: "DELETE FROM qa_identifier WHERE interaction_id IN (SELECT id FROM erase_ids)")
            try db.execute(sql: "DELETE FROM qa_interaction WHERE id IN (SELECT id FROM erase_ids)")
            let deleted = db.changesCount
            try db.execute(
                sql: "UPDATE qa_batch SET count = (SELECT COUNT(*) FROM qa_interaction WHERE batch = qa_batch.name)")
            try db.execute(sql: "DELETE FROM erase_ids")
            return deleted
        }
    }
}
