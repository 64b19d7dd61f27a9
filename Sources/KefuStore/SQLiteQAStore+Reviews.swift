import Foundation
import GRDB
import KefuCore
import KefuStorage

/// Reviews, disputes, calibration sessions, reports and the audit log.
extension SQLiteQAStore {
    // MARK: Reviews

    func reviewQueue(
        sample: SampleID, reviewer: PersonID, rubricVersion: String, calibration: CalibrationID?
    ) async throws -> [InteractionID] {
        try await read { db in
            guard try Self.sampleExists(sample, db) else { throw StorageError(.notFound, "no sample `\(sample)`") }
            return try String.fetchAll(
                db,
                sql: """
                    SELECT m.interaction_id FROM qa_sample_member m
                    WHERE m.sample = ? AND NOT EXISTS (
                        SELECT 1 FROM qa_review r WHERE r.interaction_id = m.interaction_id AND r.reviewer = ?
                        AND r.rubric_version = ? AND r.calibration = ?)
                    ORDER BY m.interaction_id
                    """, arguments: [sample.rawValue, reviewer.rawValue, rubricVersion, calibration?.rawValue ?? ""]
            ).map(InteractionID.init(rawValue:))
        }
    }

    func submitReview(
        _ review: NewQAReview, audit: @escaping @Sendable (ReviewID) -> [NewQAAuditEntry]
    ) async throws -> ReviewID {
        try await write { db in
            guard try KefuDatabase.exists(review.reviewer.rawValue, db) else {
                throw StorageError(.notFound, "no person `\(review.reviewer)`")
            }
            do {
                try db.execute(
                    sql: """
                        INSERT INTO qa_review (interaction_id, reviewer, rubric, rubric_version, calibration, automatic_score, final_score, final_passed, comment, submitted_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        review.interaction.rawValue, review.reviewer.rawValue, review.rubric.rawValue,
                        review.rubricVersion,
                        review.calibration?.rawValue ?? "", review.automaticScore, review.finalScore,
                        review.finalPassed, review.comment, review.submittedAt,
                    ])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StorageError(
                    .conflict, "\(review.reviewer) has already reviewed \(review.interaction) with this rubric version")
            }
            let id = ReviewID(db.lastInsertedRowID)
            for (position, item) in review.items.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO qa_review_item (review_id, item_id, automatic, verdict, comment, position)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [id.rawValue, item.item, item.automatic, item.verdict, item.comment, position + 1])
            }
            for entry in audit(id) { try Self.append(entry, db) }
            return id
        }
    }

    func review(_ id: ReviewID) async throws -> QAReviewRecord? {
        try await read { db in try Self.review(id, db) }
    }

    static func review(_ id: ReviewID, _ db: Database) throws -> QAReviewRecord? {
        guard let r = try Row.fetchOne(db, sql: "SELECT * FROM qa_review WHERE id = ?", arguments: [id.rawValue]) else {
            return nil
        }
        let calibration: String = r["calibration"]
        return QAReviewRecord(
            id: id,
            review: NewQAReview(
                interaction: InteractionID(r["interaction_id"] as String), reviewer: PersonID(r["reviewer"] as String),
                rubric: RubricID(r["rubric"] as String),
                rubricVersion: r["rubric_version"], calibration: calibration.isEmpty ? nil : CalibrationID(calibration),
                automaticScore: r["automatic_score"], finalScore: r["final_score"], finalPassed: r["final_passed"],
                comment: r["comment"],
                submittedAt: r["submitted_at"], items: try reviewItems(id, db)))
    }

    static func reviewItems(_ id: ReviewID, _ db: Database) throws -> [QAReviewItemRecord] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM qa_review_item WHERE review_id = ? ORDER BY position, rowid",
            arguments: [id.rawValue]
        ).map(reviewItem)
    }

    static func reviewItem(_ r: Row) -> QAReviewItemRecord {
        QAReviewItemRecord(
            item: r["item_id"], automatic: r["automatic"], verdict: r["verdict"], comment: r["comment"],
            locked: r["locked"])
    }

    /// One review item with its review, the interaction's agent and whether a dispute is open on it.
    static func itemContext(_ review: ReviewID, _ item: String, _ db: Database) throws -> QAReviewItemContext {
        guard let record = try Self.review(review, db),
            let found = record.review.items.first(where: { $0.item == item })
        else {
            throw StorageError(.notFound, "review \(review) has no item `\(item)`")
        }
        let agent =
            try String.fetchOne(
                db, sql: "SELECT agent FROM qa_interaction WHERE id = ?",
                arguments: [record.review.interaction.rawValue]) ?? ""
        let open =
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS(SELECT 1 FROM qa_dispute WHERE review_id = ? AND item_id = ? AND status = 'open')",
                arguments: [review.rawValue, item]) ?? false
        return QAReviewItemContext(review: record, agent: PersonID(agent), item: found, hasOpenDispute: open)
    }

    // MARK: Disputes

    func openDispute(
        review: ReviewID, item: String, _ make: @escaping @Sendable (QAReviewItemContext) throws -> NewQADispute
    ) async throws -> DisputeID {
        try await write { db in
            let dispute = try make(try Self.itemContext(review, item, db))
            try db.execute(
                sql:
                    "INSERT INTO qa_dispute (review_id, item_id, agent, reason, status, opened_at) VALUES (?, ?, ?, ?, 'open', ?)",
                arguments: [review.rawValue, item, dispute.agent.rawValue, dispute.reason, dispute.openedAt])
            let id = DisputeID(db.lastInsertedRowID)
            try Self.append(dispute.audit(id), db)
            return id
        }
    }

    func resolveDispute(
        _ id: DisputeID, _ decide: @escaping @Sendable (QADisputeContext) throws -> QADisputeDecision
    ) async throws -> QADisputeRecord {
        try await write { db in
            guard let dispute = try Self.disputes(where: "d.id = ?", [id.rawValue], db).first else {
                throw StorageError(.notFound, "no dispute \(id)")
            }
            let item = try Self.itemContext(dispute.review, dispute.item, db)
            let context = QADisputeContext(
                dispute: dispute, item: item, items: item.review.review.items,
                automatic: try Self.score(
                    item.review.review.interaction, rubricVersion: item.review.review.rubricVersion, db))
            let decision = try decide(context)
            if let verdict = decision.newVerdict {
                try db.execute(
                    sql: "UPDATE qa_review_item SET verdict = ? WHERE review_id = ? AND item_id = ?",
                    arguments: [verdict, dispute.review.rawValue, dispute.item])
            } else {
                try db.execute(
                    sql: "UPDATE qa_review_item SET locked = 1 WHERE review_id = ? AND item_id = ?",
                    arguments: [dispute.review.rawValue, dispute.item])
            }
            if let score = decision.finalScore, let passed = decision.finalPassed {
                try db.execute(
                    sql: "UPDATE qa_review SET final_score = ?, final_passed = ? WHERE id = ?",
                    arguments: [score, passed, dispute.review.rawValue])
            }
            try db.execute(
                sql: "UPDATE qa_dispute SET status = ?, resolver = ?, resolution = ?, resolved_at = ? WHERE id = ?",
                arguments: [decision.status, decision.resolver.rawValue, decision.comment, decision.at, id.rawValue])
            try Self.append(decision.audit, db)
            return try Self.disputes(where: "d.id = ?", [id.rawValue], db)[0]
        }
    }

    func dispute(_ id: DisputeID) async throws -> QADisputeRecord? {
        try await read { db in try Self.disputes(where: "d.id = ?", [id.rawValue], db).first }
    }

    func disputes(status: String?) async throws -> [QADisputeRecord] {
        try await read { db in
            if let status { return try Self.disputes(where: "d.status = ?", [status], db) }
            return try Self.disputes(where: "1", [], db)
        }
    }

    static func disputes(
        where condition: String, _ arguments: [any DatabaseValueConvertible], _ db: Database
    ) throws -> [QADisputeRecord] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT d.*, r.interaction_id, r.rubric FROM qa_dispute d JOIN qa_review r ON r.id = d.review_id
                WHERE \(condition) ORDER BY d.id DESC
                """, arguments: StatementArguments(arguments)
        ).map { r in
            QADisputeRecord(
                id: DisputeID(r["id"] as Int64), review: ReviewID(r["review_id"] as Int64),
                interaction: InteractionID(r["interaction_id"] as String),
                rubric: RubricID(r["rubric"] as String), item: r["item_id"], agent: PersonID(r["agent"] as String),
                reason: r["reason"], status: r["status"],
                resolver: (r["resolver"] as String?).map(PersonID.init(rawValue:)), resolution: r["resolution"],
                openedAt: r["opened_at"], resolvedAt: r["resolved_at"])
        }
    }

    // MARK: Calibration

    func createCalibration(_ session: QACalibrationRecord, audit: NewQAAuditEntry) async throws {
        try await write { db in
            guard try Self.sampleExists(session.sample, db) else {
                throw StorageError(.notFound, "no sample `\(session.sample)`")
            }
            if try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM qa_calibration WHERE name = ?)",
                arguments: [session.name.rawValue]) == true
            {
                throw StorageError(.conflict, "a calibration session named `\(session.name)` exists")
            }
            for person in session.reviewers + [session.createdBy] where try !KefuDatabase.exists(person.rawValue, db) {
                throw StorageError(.notFound, "no person `\(person)`")
            }
            try db.execute(
                sql:
                    "INSERT INTO qa_calibration (name, sample, rubric, rubric_version, reviewers, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    session.name.rawValue, session.sample.rawValue, session.rubric.rawValue, session.rubricVersion,
                    session.reviewers.map(\.rawValue).joined(separator: ","), session.createdBy.rawValue,
                    session.createdAt,
                ])
            try Self.append(audit, db)
        }
    }

    func calibration(_ name: CalibrationID) async throws -> QACalibrationRecord? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM qa_calibration WHERE name = ?", arguments: [name.rawValue])
            else { return nil }
            return QACalibrationRecord(
                name: name, sample: SampleID(row["sample"] as String), rubric: RubricID(row["rubric"] as String),
                rubricVersion: row["rubric_version"],
                reviewers: (row["reviewers"] as String).split(separator: ",").map { PersonID(String($0)) },
                createdBy: PersonID(row["created_by"] as String), createdAt: row["created_at"])
        }
    }

    func calibrationRatings(_ name: CalibrationID) async throws -> [QACalibrationRating] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.interaction_id, r.reviewer, i.item_id, i.automatic, i.verdict FROM qa_review r
                    JOIN qa_review_item i ON i.review_id = r.id WHERE r.calibration = ? ORDER BY r.interaction_id, i.item_id
                    """, arguments: [name.rawValue]
            ).map { r in
                QACalibrationRating(
                    interaction: InteractionID(r[0] as String), reviewer: PersonID(r[1] as String), item: r[2],
                    automatic: r[3], verdict: r[4])
            }
        }
    }

    // MARK: Reports and the audit log

    func reportData(rubric: RubricID, periods: [String], period: String) async throws -> QAReportData {
        try await read { db in
            let scores = try Self.reportScores(rubric: rubric, periods: periods, db)
            var items: [ReviewID: [QAReviewItemRecord]] = [:]
            let reviewIDs = scores.compactMap(\.reviewID)
            for start in stride(from: 0, to: reviewIDs.count, by: 500) {
                let slice = reviewIDs[start..<min(reviewIDs.count, start + 500)].map(\.rawValue)
                let marks = slice.map { _ in "?" }.joined(separator: ",")
                for r in try Row.fetchAll(
                    db, sql: "SELECT * FROM qa_review_item WHERE review_id IN (\(marks))",
                    arguments: StatementArguments(slice))
                {
                    items[ReviewID(r["review_id"] as Int64), default: []].append(Self.reviewItem(r))
                }
            }
            var teams: [PersonID: String] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT id, team FROM person") {
                teams[PersonID(r["id"] as String)] = r["team"] ?? ""
            }
            let coverage = try Row.fetchAll(
                db,
                sql: """
                    SELECT q.agent, COUNT(*) AS population,
                           SUM(EXISTS(SELECT 1 FROM qa_sample_member m WHERE m.interaction_id = q.id)) AS sampled,
                           SUM(EXISTS(SELECT 1 FROM qa_review r WHERE r.interaction_id = q.id AND r.calibration = '')) AS reviewed
                    FROM qa_interaction q WHERE q.period = ? GROUP BY q.agent ORDER BY q.agent
                    """, arguments: [period]
            ).map { r in
                QACoverageRecord(
                    agent: PersonID(r["agent"] as String), population: r["population"], sampled: r["sampled"],
                    reviewed: r["reviewed"])
            }
            return QAReportData(scores: scores, reviewItems: items, teams: teams, coverage: coverage)
        }
    }

    static func reportScores(rubric: RubricID, periods: [String], _ db: Database) throws -> [QAReportScore] {
        let marks = periods.map { _ in "?" }.joined(separator: ",")
        return try Row.fetchAll(
            db,
            sql: """
                SELECT q.id, q.agent, q.period, s.score, s.passed, s.items,
                       r.id AS review_id, r.final_score, r.final_passed
                FROM qa_interaction q
                JOIN qa_score s ON s.interaction_id = q.id AND s.rubric = ?
                    AND s.scored_at = (SELECT MAX(scored_at) FROM qa_score s2 WHERE s2.interaction_id = q.id AND s2.rubric = ?)
                LEFT JOIN qa_review r ON r.id = (SELECT MAX(id) FROM qa_review r2 WHERE r2.interaction_id = q.id
                    AND r2.rubric_version = s.rubric_version AND r2.calibration = '')
                WHERE q.period IN (\(marks))
                ORDER BY q.id
                """, arguments: StatementArguments([rubric.rawValue, rubric.rawValue] + periods)
        ).map { r in
            QAReportScore(
                interaction: InteractionID(r["id"] as String), agent: PersonID(r["agent"] as String),
                period: r["period"], score: r["score"],
                passed: r["passed"], itemsJSON: r["items"],
                reviewID: (r["review_id"] as Int64?).map(ReviewID.init(rawValue:)),
                finalScore: r["final_score"], finalPassed: r["final_passed"])
        }
    }

    func auditLog(subjectContaining: String?) async throws -> [QAAuditRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM qa_audit WHERE instr(subject, ?) > 0 ORDER BY id",
                arguments: [subjectContaining ?? ""]
            ).map { r in
                QAAuditRecord(
                    id: r["id"],
                    entry: NewQAAuditEntry(
                        at: r["at"], actor: PersonID(r["actor"] as String), action: r["action"], subject: r["subject"],
                        before: r["before"], after: r["after"]))
            }
        }
    }

    static func append(_ entry: NewQAAuditEntry, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO qa_audit (at, actor, action, subject, before, after) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [entry.at, entry.actor.rawValue, entry.action, entry.subject, entry.before, entry.after])
    }
}
