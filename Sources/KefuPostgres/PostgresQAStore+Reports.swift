import Foundation
import KefuCore
import KefuStorage
import PostgresNIO

/// The reads of QA reports and of rubric evaluation.
extension PostgresQAStore {
    func reportData(rubric: RubricID, periods: [String], period: String) async throws -> QAReportData {
        let logger = database.logger
        return try await database.read { conn in
            let scores = try await Self.reportScores(rubric: rubric, periods: periods, conn, logger)
            let items = try await Self.reviewItems(ids: scores.compactMap(\.reviewID?.rawValue), conn, logger)
            var teams: [PersonID: String] = [:]
            for (id, team) in try await conn.query("SELECT id, team FROM person", logger: logger).all(
                (String, String?).self)
            {
                teams[PersonID(id)] = team ?? ""
            }
            let coverage = try await conn.query(
                """
                SELECT q.agent, count(*),
                       count(*) FILTER (WHERE EXISTS(SELECT 1 FROM qa_sample_member m WHERE m.interaction_id = q.id)),
                       count(*) FILTER (WHERE EXISTS(SELECT 1 FROM qa_review r WHERE r.interaction_id = q.id
                                                     AND r.calibration = ''))
                FROM qa_interaction q WHERE q.period = \(period) GROUP BY q.agent ORDER BY q.agent
                """, logger: logger
            ).all((String, Int, Int, Int).self).map { r in
                QACoverageRecord(agent: PersonID(r.0), population: r.1, sampled: r.2, reviewed: r.3)
            }
            return QAReportData(scores: scores, reviewItems: items, teams: teams, coverage: coverage)
        }
    }

    /// Each interaction of `periods` with its latest score with `rubric` and its latest ordinary review with that
    /// score's rubric version, in id order.
    static func reportScores(
        rubric: RubricID, periods: [String], _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> [QAReportScore] {
        try await conn.query(
            """
            SELECT q.id, q.agent, q.period, s.score, s.passed, s.items::text, r.id, r.final_score, r.final_passed
            FROM qa_interaction q
            JOIN qa_score s ON s.interaction_id = q.id AND s.rubric = \(rubric.rawValue)
                AND s.scored_at = (SELECT max(s2.scored_at) FROM qa_score s2 WHERE s2.interaction_id = q.id
                                   AND s2.rubric = \(rubric.rawValue))
            LEFT JOIN qa_review r ON r.id = (SELECT max(r2.id) FROM qa_review r2 WHERE r2.interaction_id = q.id
                AND r2.rubric_version = s.rubric_version AND r2.calibration = '')
            WHERE q.period = ANY(\(periods)::text[])
            ORDER BY q.id, s.rubric_version
            """, logger: logger
        ).all((String, String, String, Double, Bool, String, Int64?, Double?, Bool?).self).map { r in
            QAReportScore(
                interaction: InteractionID(r.0), agent: PersonID(r.1), period: r.2, score: r.3, passed: r.4,
                itemsJSON: r.5, reviewID: r.6.map(ReviewID.init(rawValue:)), finalScore: r.7, finalPassed: r.8)
        }
    }

    func reviewedItems(sample: SampleID, rubric: RubricID) async throws -> [QAReviewedInteraction] {
        let logger = database.logger
        return try await database.read { conn in
            guard try await Self.sampleExists(sample, conn, logger) else {
                throw StorageError(.notFound, "no sample `\(sample)`")
            }
            let reviews = try await conn.query(
                """
                SELECT r.id, r.interaction_id, r.reviewer FROM qa_review r
                JOIN qa_sample_member m ON m.interaction_id = r.interaction_id AND m.sample = \(sample.rawValue)
                WHERE r.rubric = \(rubric.rawValue) AND r.calibration = ''
                  AND r.id = (SELECT max(r2.id) FROM qa_review r2 WHERE r2.interaction_id = r.interaction_id
                              AND r2.rubric = r.rubric AND r2.calibration = '')
                ORDER BY r.interaction_id
                """, logger: logger
            ).all((Int64, String, String).self)
            let interactions = Dictionary(
                try await Self.interactions(ids: reviews.map(\.1), conn, logger).map { ($0.id, $0) },
                uniquingKeysWith: { first, _ in first })
            let items = try await Self.reviewItems(ids: reviews.map(\.0), conn, logger)
            return reviews.compactMap { review -> QAReviewedInteraction? in
                guard let interaction = interactions[review.1] else { return nil }
                return QAReviewedInteraction(
                    interaction: interaction, reviewer: PersonID(review.2), review: ReviewID(review.0),
                    verdicts: Dictionary(
                        (items[ReviewID(review.0)] ?? []).map { ($0.item, $0.verdict) },
                        uniquingKeysWith: { first, _ in first }))
            }
        }
    }
}
