import Foundation
import KefuCore
import KefuStorage
import PostgresNIO

/// Reviews, disputes and the QA audit log.
extension PostgresQAStore {
    // MARK: Reviews

    func reviewQueue(
        sample: SampleID, reviewer: PersonID, rubricVersion: String, calibration: CalibrationID?
    ) async throws -> [InteractionID] {
        let logger = database.logger
        return try await database.read { conn in
            guard try await Self.sampleExists(sample, conn, logger) else {
                throw StorageError(.notFound, "no sample `\(sample)`")
            }
            return try await conn.query(
                """
                SELECT m.interaction_id FROM qa_sample_member m
                WHERE m.sample = \(sample.rawValue) AND NOT EXISTS (
                    SELECT 1 FROM qa_review r WHERE r.interaction_id = m.interaction_id
                    AND r.reviewer = \(reviewer.rawValue) AND r.rubric_version = \(rubricVersion)
                    AND r.calibration = \(calibration?.rawValue ?? ""))
                ORDER BY m.interaction_id
                """, logger: logger
            ).all(String.self).map(InteractionID.init(rawValue:))
        }
    }

    func submitReview(
        _ review: NewQAReview, audit: @escaping @Sendable (ReviewID) -> [NewQAAuditEntry]
    ) async throws -> ReviewID {
        let logger = database.logger
        return try await database.write { conn in
            guard try await PostgresPeopleStore.exists(review.reviewer.rawValue, conn, logger) else {
                throw StorageError(.notFound, "no person `\(review.reviewer)`")
            }
            // ON CONFLICT instead of catching the unique violation: an error would abort the transaction.
            let inserted = try await conn.query(
                """
                INSERT INTO qa_review (interaction_id, reviewer, rubric, rubric_version, calibration, automatic_score,
                                       final_score, final_passed, comment, submitted_at)
                VALUES (\(review.interaction.rawValue), \(review.reviewer.rawValue), \(review.rubric.rawValue),
                        \(review.rubricVersion), \(review.calibration?.rawValue ?? ""), \(review.automaticScore),
                        \(review.finalScore), \(review.finalPassed), \(review.comment),
                        \(review.submittedAt)::timestamptz)
                ON CONFLICT (interaction_id, reviewer, rubric_version, calibration) DO NOTHING
                RETURNING id
                """, logger: logger
            ).first(Int64.self)
            guard let inserted else {
                throw StorageError(
                    .conflict, "\(review.reviewer) has already reviewed \(review.interaction) with this rubric version")
            }
            let id = ReviewID(inserted)
            let items = review.items
            try await conn.query(
                """
                INSERT INTO qa_review_item (review_id, item_id, automatic, verdict, comment, position)
                SELECT \(inserted), u.item, u.automatic, u.verdict, u.comment, u.position
                FROM unnest(\(items.map(\.item))::text[], \(items.map(\.automatic))::text[],
                            \(items.map(\.verdict))::text[], \(items.map(\.comment))::text[])
                     WITH ORDINALITY AS u(item, automatic, verdict, comment, position)
                """, logger: logger)
            for entry in audit(id) { try await Self.append(entry, conn, logger) }
            return id
        }
    }

    func review(_ id: ReviewID) async throws -> QAReviewRecord? {
        let logger = database.logger
        return try await database.read { conn in try await Self.reviews(ids: [id.rawValue], conn, logger).first }
    }

    /// The reviews with `ids`, with their items, in the order of `ids` (unknown ids are left out).
    static func reviews(ids: [Int64], _ conn: PostgresConnection, _ logger: Logger) async throws -> [QAReviewRecord] {
        let rows = try await conn.query(
            """
            SELECT r.id, r.interaction_id, r.reviewer, r.rubric, r.rubric_version, r.calibration, r.automatic_score,
                   r.final_score, r.final_passed, r.comment, kefu_time(r.submitted_at)
            FROM unnest(\(ids)::bigint[]) WITH ORDINALITY AS k(id, n) JOIN qa_review r ON r.id = k.id ORDER BY k.n
            """, logger: logger
        ).all((Int64, String, String, String, String, String, Double, Double, Bool, String, String).self)
        let items = try await reviewItems(ids: rows.map(\.0), conn, logger)
        return rows.map { r in
            QAReviewRecord(
                id: ReviewID(r.0),
                review: NewQAReview(
                    interaction: InteractionID(r.1), reviewer: PersonID(r.2), rubric: RubricID(r.3),
                    rubricVersion: r.4, calibration: r.5.isEmpty ? nil : CalibrationID(r.5), automaticScore: r.6,
                    finalScore: r.7, finalPassed: r.8, comment: r.9, submittedAt: r.10,
                    items: items[ReviewID(r.0)] ?? []))
        }
    }

    /// The items of the reviews `ids`, each review's in the order they were submitted.
    static func reviewItems(
        ids: [Int64], _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> [ReviewID: [QAReviewItemRecord]] {
        var items: [ReviewID: [QAReviewItemRecord]] = [:]
        guard !ids.isEmpty else { return items }
        let rows = try await conn.query(
            """
            SELECT review_id, item_id, automatic, verdict, comment, locked FROM qa_review_item
            WHERE review_id = ANY(\(ids)::bigint[]) ORDER BY review_id, position, item_id
            """, logger: logger)
        for try await row in rows {
            let (review, item, automatic, verdict, comment, locked) = try row.decode(
                (Int64, String, String, String, String, Bool).self)
            items[ReviewID(review), default: []].append(
                QAReviewItemRecord(item: item, automatic: automatic, verdict: verdict, comment: comment, locked: locked)
            )
        }
        return items
    }

    /// One review item with its review, the interaction's agent and whether a dispute is open on it.
    static func itemContext(
        _ review: ReviewID, _ item: String, _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> QAReviewItemContext {
        guard let record = try await reviews(ids: [review.rawValue], conn, logger).first,
            let found = record.review.items.first(where: { $0.item == item })
        else {
            throw StorageError(.notFound, "review \(review) has no item `\(item)`")
        }
        let agent =
            try await conn.query(
                "SELECT agent FROM qa_interaction WHERE id = \(record.review.interaction.rawValue)", logger: logger
            ).first(String.self) ?? ""
        let open =
            try await conn.query(
                """
                SELECT EXISTS(SELECT 1 FROM qa_dispute WHERE review_id = \(review.rawValue) AND item_id = \(item)
                              AND status = 'open')
                """, logger: logger
            ).first(Bool.self) ?? false
        return QAReviewItemContext(review: record, agent: PersonID(agent), item: found, hasOpenDispute: open)
    }

    // MARK: The audit log

    func auditLog(subjectContaining: String?) async throws -> [QAAuditRecord] {
        let logger = database.logger
        return try await database.read { conn in
            try await conn.query(
                """
                SELECT id, at, actor, action, subject, before, after FROM qa_audit
                WHERE strpos(subject, \(subjectContaining ?? "")) > 0 ORDER BY id
                """, logger: logger
            ).all((Int64, String, String, String, String, String?, String?).self).map { r in
                QAAuditRecord(
                    id: r.0,
                    entry: NewQAAuditEntry(
                        at: r.1, actor: PersonID(r.2), action: r.3, subject: r.4, before: r.5, after: r.6))
            }
        }
    }

    /// Appends one entry to the QA audit log, inside a transaction.
    static func append(_ entry: NewQAAuditEntry, _ conn: PostgresConnection, _ logger: Logger) async throws {
        try await conn.query(
            """
            INSERT INTO qa_audit (at, actor, action, subject, before, after)
            VALUES (\(entry.at), \(entry.actor.rawValue), \(entry.action), \(entry.subject), \(entry.before),
                    \(entry.after))
            """, logger: logger)
    }
}
