import Foundation
import KefuCore
import KefuStorage
import PostgresNIO

/// The web app's QA listings and calibration closing on PostgreSQL (``QAWebStore``).
extension PostgresQAStore: QAWebStore {
    func overview() async throws -> QAOverview {
        let logger = database.logger
        return try await database.read { conn in
            guard
                let r = try await conn.query(
                    """
                    SELECT (SELECT count(*) FROM qa_interaction), (SELECT count(*) FROM qa_batch),
                           (SELECT count(*) FROM qa_sample), (SELECT count(DISTINCT interaction_id) FROM qa_score),
                           (SELECT count(*) FROM qa_review WHERE calibration = ''),
                           (SELECT count(*) FROM qa_dispute WHERE status = 'open'),
                           (SELECT count(*) FROM qa_calibration c
                            WHERE NOT EXISTS(SELECT 1 FROM qa_calibration_closed x WHERE x.name = c.name))
                    """, logger: logger
                ).first((Int, Int, Int, Int, Int, Int, Int).self)
            else { throw StorageError(.unavailable, "the QA counts could not be read") }
            return QAOverview(
                interactions: r.0, batches: r.1, samples: r.2, scored: r.3, reviews: r.4, openDisputes: r.5,
                openCalibrations: r.6)
        }
    }

    func batches(limit: Int) async throws -> [QABatchSummary] {
        let logger = database.logger
        return try await database.read { conn in
            try await conn.query(
                """
                SELECT b.name, b.source, kefu_time(b.imported_at), b.count,
                       (SELECT COALESCE(sum(masked_count), 0) FROM qa_interaction i WHERE i.batch = b.name)
                FROM qa_batch b ORDER BY b.imported_at DESC, b.name LIMIT \(limit < 0 ? nil : limit)::bigint
                """, logger: logger
            ).all((String, String, String, Int, Int).self).map { r in
                QABatchSummary(name: BatchID(r.0), source: r.1, importedAt: r.2, count: r.3, masked: r.4)
            }
        }
    }

    func samples() async throws -> [QASampleSummary] {
        let logger = database.logger
        return try await database.read { conn in
            try await conn.query(
                """
                SELECT s.name, s.parameters::text, s.population_size, kefu_time(s.created_at),
                       (SELECT count(*) FROM qa_sample_member m WHERE m.sample = s.name)
                FROM qa_sample s ORDER BY s.created_at DESC, s.name
                """, logger: logger
            ).all((String, String, Int, String, Int).self).map { r in
                QASampleSummary(name: SampleID(r.0), parameters: r.1, populationSize: r.2, members: r.4, createdAt: r.3)
            }
        }
    }

    func sampleMembers(_ name: SampleID, rubricVersion: String?) async throws -> [QASampleMemberRow]? {
        let logger = database.logger
        let version = rubricVersion ?? ""
        return try await database.read { conn in
            guard try await Self.sampleExists(name, conn, logger) else { return nil }
            let rows = try await conn.query(
                """
                SELECT m.interaction_id, m.stratum, i.agent, i.channel, i.started_at, s.score, s.passed
                FROM qa_sample_member m JOIN qa_interaction i ON i.id = m.interaction_id
                LEFT JOIN qa_score s ON s.interaction_id = m.interaction_id AND s.rubric_version = \(version)
                WHERE m.sample = \(name.rawValue) ORDER BY m.interaction_id
                """, logger: logger
            ).all((String, String, String, String, String?, Double?, Bool?).self)
            var reviews: [String: [QAReviewRef]] = [:]
            for (id, interaction, reviewer) in try await conn.query(
                """
                SELECT r.id, r.interaction_id, r.reviewer FROM qa_review r
                JOIN qa_sample_member m ON m.interaction_id = r.interaction_id AND m.sample = \(name.rawValue)
                WHERE r.rubric_version = \(version) AND r.calibration = '' ORDER BY r.id
                """, logger: logger
            ).all((Int64, String, String).self) {
                reviews[interaction, default: []].append(
                    QAReviewRef(review: ReviewID(id), reviewer: PersonID(reviewer)))
            }
            return rows.map { r in
                QASampleMemberRow(
                    interaction: InteractionID(r.0), agent: PersonID(r.2), channel: r.3, startedAt: r.4, stratum: r.1,
                    score: r.5, passed: r.6, reviews: reviews[r.0] ?? [])
            }
        }
    }

    func scoredRubrics() async throws -> [RubricID] {
        let logger = database.logger
        return try await database.read { conn in
            try await conn.query(
                "SELECT rubric FROM qa_score GROUP BY rubric ORDER BY count(*) DESC, rubric", logger: logger
            ).all(String.self).map(RubricID.init(rawValue:))
        }
    }

    func reviews(ofAgent agent: PersonID) async throws -> [QAReviewRecord] {
        let logger = database.logger
        return try await database.read { conn in
            let ids = try await conn.query(
                """
                SELECT r.id FROM qa_review r JOIN qa_interaction i ON i.id = r.interaction_id
                WHERE i.agent = \(agent.rawValue) AND r.calibration = '' ORDER BY r.id DESC
                """, logger: logger
            ).all(Int64.self)
            return try await Self.reviews(ids: ids, conn, logger)
        }
    }

    func reviewAgent(_ id: ReviewID) async throws -> PersonID? {
        let logger = database.logger
        return try await database.read { conn in
            try await conn.query(
                """
                SELECT i.agent FROM qa_review r JOIN qa_interaction i ON i.id = r.interaction_id
                WHERE r.id = \(id.rawValue)
                """, logger: logger
            ).first(String.self).map(PersonID.init(rawValue:))
        }
    }

    func disputes(review id: ReviewID) async throws -> [QADisputeRecord] {
        let logger = database.logger
        return try await database.read { conn in try await Self.disputes(review: id, conn, logger) }
    }

    func calibrations() async throws -> [QACalibrationSummary] {
        let logger = database.logger
        return try await database.read { conn in try await Self.calibrations(name: nil, conn, logger) }
    }

    func calibrationProgress(_ name: CalibrationID) async throws -> [PersonID: Int] {
        let logger = database.logger
        return try await database.read { conn in
            var progress: [PersonID: Int] = [:]
            for (reviewer, count) in try await conn.query(
                "SELECT reviewer, count(*) FROM qa_review WHERE calibration = \(name.rawValue) GROUP BY reviewer",
                logger: logger
            ).all((String, Int).self) {
                progress[PersonID(reviewer)] = count
            }
            return progress
        }
    }

    func calibrationClosed(_ name: CalibrationID) async throws -> (at: String, by: PersonID)? {
        let logger = database.logger
        let row = try await database.read { conn in
            try await conn.query(
                "SELECT kefu_time(closed_at), closed_by FROM qa_calibration_closed WHERE name = \(name.rawValue)",
                logger: logger
            ).first((String, String).self)
        }
        return row.map { (at: $0.0, by: PersonID($0.1)) }
    }

    func closeCalibration(_ name: CalibrationID, at: String, by: PersonID, audit: NewQAAuditEntry) async throws {
        let logger = database.logger
        try await database.write { conn in
            let exists = try await conn.query(
                "SELECT EXISTS(SELECT 1 FROM qa_calibration WHERE name = \(name.rawValue))", logger: logger
            ).first(Bool.self)
            guard exists == true else { throw StorageError(.notFound, "no calibration session `\(name)`") }
            let closed = try await conn.query(
                """
                INSERT INTO qa_calibration_closed (name, closed_by, closed_at)
                VALUES (\(name.rawValue), \(by.rawValue), \(at)::timestamptz)
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: logger
            ).first(String.self)
            guard closed != nil else {
                throw StorageError(.conflict, "calibration session `\(name)` is already closed")
            }
            try await Self.append(audit, conn, logger)
        }
    }
}
