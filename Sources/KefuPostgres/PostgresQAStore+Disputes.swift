import Foundation
import KefuCore
import KefuStorage
import PostgresNIO

/// Disputes and calibration sessions.
extension PostgresQAStore {
    // MARK: Disputes

    func openDispute(
        review: ReviewID, item: String, _ make: @escaping @Sendable (QAReviewItemContext) throws -> NewQADispute
    ) async throws -> DisputeID {
        let logger = database.logger
        return try await database.write { conn in
            let dispute = try make(try await Self.itemContext(review, item, conn, logger))
            let inserted = try await conn.query(
                """
                INSERT INTO qa_dispute (review_id, item_id, agent, reason, status, opened_at)
                VALUES (\(review.rawValue), \(item), \(dispute.agent.rawValue), \(dispute.reason), 'open',
                        \(dispute.openedAt)::timestamptz)
                RETURNING id
                """, logger: logger
            ).first(Int64.self)
            let id = DisputeID(inserted ?? 0)
            try await Self.append(dispute.audit(id), conn, logger)
            return id
        }
    }

    func resolveDispute(
        _ id: DisputeID, _ decide: @escaping @Sendable (QADisputeContext) throws -> QADisputeDecision
    ) async throws -> QADisputeRecord {
        let logger = database.logger
        return try await database.write { conn in
            guard let dispute = try await Self.disputes(id: id, conn, logger).first else {
                throw StorageError(.notFound, "no dispute \(id)")
            }
            let item = try await Self.itemContext(dispute.review, dispute.item, conn, logger)
            let context = QADisputeContext(
                dispute: dispute, item: item, items: item.review.review.items,
                automatic: try await Self.score(
                    item.review.review.interaction, rubricVersion: item.review.review.rubricVersion, conn, logger))
            let decision = try decide(context)
            let (review, disputed) = (dispute.review.rawValue, dispute.item)
            if let verdict = decision.newVerdict {
                try await conn.query(
                    "UPDATE qa_review_item SET verdict = \(verdict) WHERE review_id = \(review) AND item_id = \(disputed)",
                    logger: logger)
            } else {
                try await conn.query(
                    "UPDATE qa_review_item SET locked = true WHERE review_id = \(review) AND item_id = \(disputed)",
                    logger: logger)
            }
            if let score = decision.finalScore, let passed = decision.finalPassed {
                try await conn.query(
                    "UPDATE qa_review SET final_score = \(score), final_passed = \(passed) WHERE id = \(review)",
                    logger: logger)
            }
            try await conn.query(
                """
                UPDATE qa_dispute SET status = \(decision.status), resolver = \(decision.resolver.rawValue),
                resolution = \(decision.comment), resolved_at = \(decision.at)::timestamptz WHERE id = \(id.rawValue)
                """, logger: logger)
            try await Self.append(decision.audit, conn, logger)
            guard let resolved = try await Self.disputes(id: id, conn, logger).first else {
                throw StorageError(.notFound, "no dispute \(id)")
            }
            return resolved
        }
    }

    func dispute(_ id: DisputeID) async throws -> QADisputeRecord? {
        let logger = database.logger
        return try await database.read { conn in try await Self.disputes(id: id, conn, logger).first }
    }

    func disputes(status: String?) async throws -> [QADisputeRecord] {
        let logger = database.logger
        return try await database.read { conn in try await Self.disputes(status: status, conn, logger) }
    }

    /// Disputes, newest first: the one with `id`, those of `review`, those with `status`, or all (nil: no filter).
    static func disputes(
        id: DisputeID? = nil, review: ReviewID? = nil, status: String? = nil, _ conn: PostgresConnection,
        _ logger: Logger
    ) async throws -> [QADisputeRecord] {
        try await conn.query(
            """
            SELECT d.id, d.review_id, r.interaction_id, r.rubric, d.item_id, d.agent, d.reason, d.status, d.resolver,
                   d.resolution, kefu_time(d.opened_at), kefu_time(d.resolved_at)
            FROM qa_dispute d JOIN qa_review r ON r.id = d.review_id
            WHERE (\(id?.rawValue)::bigint IS NULL OR d.id = \(id?.rawValue))
            AND (\(review?.rawValue)::bigint IS NULL OR d.review_id = \(review?.rawValue))
            AND (\(status)::text IS NULL OR d.status = \(status))
            ORDER BY d.id DESC
            """, logger: logger
        ).all((Int64, Int64, String, String, String, String, String, String, String?, String?, String, String?).self)
            .map { r in
                QADisputeRecord(
                    id: DisputeID(r.0), review: ReviewID(r.1), interaction: InteractionID(r.2), rubric: RubricID(r.3),
                    item: r.4, agent: PersonID(r.5), reason: r.6, status: r.7,
                    resolver: r.8.map(PersonID.init(rawValue:)),
                    resolution: r.9, openedAt: r.10, resolvedAt: r.11)
            }
    }

    // MARK: Calibration

    func createCalibration(_ session: QACalibrationRecord, audit: NewQAAuditEntry) async throws {
        let logger = database.logger
        try await database.write { conn in
            guard try await Self.sampleExists(session.sample, conn, logger) else {
                throw StorageError(.notFound, "no sample `\(session.sample)`")
            }
            let taken = try await conn.query(
                "SELECT EXISTS(SELECT 1 FROM qa_calibration WHERE name = \(session.name.rawValue))", logger: logger
            ).first(Bool.self)
            if taken == true { throw StorageError(.conflict, "a calibration session named `\(session.name)` exists") }
            for person in session.reviewers + [session.createdBy]
            where try await !PostgresPeopleStore.exists(person.rawValue, conn, logger) {
                throw StorageError(.notFound, "no person `\(person)`")
            }
            try await conn.query(
                """
                INSERT INTO qa_calibration (name, sample, rubric, rubric_version, reviewers, created_by, created_at)
                VALUES (\(session.name.rawValue), \(session.sample.rawValue), \(session.rubric.rawValue),
                        \(session.rubricVersion), \(session.reviewers.map(\.rawValue))::text[],
                        \(session.createdBy.rawValue), \(session.createdAt)::timestamptz)
                """, logger: logger)
            try await Self.append(audit, conn, logger)
        }
    }

    func calibration(_ name: CalibrationID) async throws -> QACalibrationRecord? {
        let logger = database.logger
        return try await database.read { conn in
            try await Self.calibrations(name: name, conn, logger).first?.session
        }
    }

    /// Calibration sessions, newest first (only `name` when given), with when each was closed.
    static func calibrations(
        name: CalibrationID?, _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> [QACalibrationSummary] {
        try await conn.query(
            """
            SELECT c.name, c.sample, c.rubric, c.rubric_version, c.reviewers, c.created_by, kefu_time(c.created_at),
                   kefu_time(x.closed_at)
            FROM qa_calibration c LEFT JOIN qa_calibration_closed x ON x.name = c.name
            WHERE \(name?.rawValue)::text IS NULL OR c.name = \(name?.rawValue)
            ORDER BY c.created_at DESC, c.name
            """, logger: logger
        ).all((String, String, String, String, [String], String, String, String?).self).map { r in
            QACalibrationSummary(
                session: QACalibrationRecord(
                    name: CalibrationID(r.0), sample: SampleID(r.1), rubric: RubricID(r.2), rubricVersion: r.3,
                    reviewers: r.4.map { PersonID($0) }, createdBy: PersonID(r.5), createdAt: r.6),
                closedAt: r.7)
        }
    }

    func calibrationRatings(_ name: CalibrationID) async throws -> [QACalibrationRating] {
        let logger = database.logger
        return try await database.read { conn in
            try await conn.query(
                """
                SELECT r.interaction_id, r.reviewer, i.item_id, i.automatic, i.verdict FROM qa_review r
                JOIN qa_review_item i ON i.review_id = r.id WHERE r.calibration = \(name.rawValue)
                ORDER BY r.interaction_id, i.item_id, r.id
                """, logger: logger
            ).all((String, String, String, String, String).self).map { r in
                QACalibrationRating(
                    interaction: InteractionID(r.0), reviewer: PersonID(r.1), item: r.2, automatic: r.3, verdict: r.4)
            }
        }
    }
}
