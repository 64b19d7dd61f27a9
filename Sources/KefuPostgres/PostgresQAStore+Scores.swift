import Foundation
import KefuCore
import KefuStorage
import PostgresNIO

/// Automatic scores pinned to a rubric version.
extension PostgresQAStore {
    /// Interactions read and scores written per round trip while scoring.
    static let scoringPage = 500

    func scoreInteractions(
        sample: SampleID?, rubricVersion: String, _ score: @escaping @Sendable (Interaction) throws -> QAScoreRecord
    ) async throws -> QAScoringCount {
        let logger = database.logger
        return try await database.write { conn in
            let total: Int
            if let sample {
                guard try await Self.sampleExists(sample, conn, logger) else {
                    throw StorageError(.notFound, "no sample `\(sample)`")
                }
                total =
                    try await conn.query(
                        "SELECT count(*) FROM qa_sample_member WHERE sample = \(sample.rawValue)", logger: logger
                    ).first(Int.self) ?? 0
            } else {
                total = try await conn.query("SELECT count(*) FROM qa_interaction", logger: logger).first(Int.self) ?? 0
            }
            // The cursor reads the snapshot of its declaration: the scores written meanwhile do not disturb it.
            try await conn.query(
                """
                DECLARE kefu_scoring NO SCROLL CURSOR FOR
                SELECT q.id, q.channel, q.agent, q.started_at, q.turns::text FROM qa_interaction q
                WHERE (\(sample?.rawValue)::text IS NULL
                       OR EXISTS(SELECT 1 FROM qa_sample_member m WHERE m.sample = \(sample?.rawValue)
                                 AND m.interaction_id = q.id))
                AND NOT EXISTS(SELECT 1 FROM qa_score s WHERE s.interaction_id = q.id
                               AND s.rubric_version = \(rubricVersion))
                ORDER BY q.id
                """, logger: logger)
            var scored = 0
            while true {
                let rows = try await conn.query(
                    "FETCH \(unescaped: String(Self.scoringPage)) FROM kefu_scoring", logger: logger
                ).all((String, String, String, String?, String).self)
                if rows.isEmpty { break }
                let scores = try rows.map { try score(try Self.interaction($0.0, $0.1, $0.2, $0.3, $0.4)) }
                try await Self.insert(scores, ids: rows.map(\.0), rubricVersion: rubricVersion, conn, logger)
                scored += scores.count
            }
            try await conn.query("CLOSE kefu_scoring", logger: logger)
            return QAScoringCount(scored: scored, unchanged: total - scored)
        }
    }

    /// Stores `scores` of the interactions `ids` (in the same order) with `rubricVersion`, in one statement.
    static func insert(
        _ scores: [QAScoreRecord], ids: [String], rubricVersion: String, _ conn: PostgresConnection, _ logger: Logger
    ) async throws {
        try await conn.query(
            """
            INSERT INTO qa_score (interaction_id, rubric, rubric_version, score, passed, critical_failed, items, scored_at)
            SELECT u.id, u.rubric, \(rubricVersion), u.score, u.passed, u.critical, u.items::json, u.at
            FROM unnest(\(ids)::text[], \(scores.map(\.rubric.rawValue))::text[], \(scores.map(\.score))::float8[],
                        \(scores.map(\.passed))::boolean[], \(scores.map(\.criticalFailed))::boolean[],
                        \(scores.map(\.itemsJSON))::text[], \(scores.map(\.scoredAt))::timestamptz[])
                 AS u(id, rubric, score, passed, critical, items, at)
            """, logger: logger)
    }

    func score(_ interaction: InteractionID, rubricVersion: String) async throws -> QAScoreRecord? {
        let logger = database.logger
        return try await database.read { conn in
            try await Self.score(interaction, rubricVersion: rubricVersion, conn, logger)
        }
    }

    /// The score of `interaction` with `rubricVersion`, inside a transaction.
    static func score(
        _ interaction: InteractionID, rubricVersion: String, _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> QAScoreRecord? {
        guard
            let row = try await conn.query(
                """
                SELECT rubric, score, passed, critical_failed, items::text, kefu_time(scored_at) FROM qa_score
                WHERE interaction_id = \(interaction.rawValue) AND rubric_version = \(rubricVersion)
                """, logger: logger
            ).first((String, Double, Bool, Bool, String, String).self)
        else { return nil }
        return QAScoreRecord(
            interaction: interaction, rubric: RubricID(row.0), rubricVersion: rubricVersion, score: row.1,
            passed: row.2, criticalFailed: row.3, itemsJSON: row.4, scoredAt: row.5)
    }
}
