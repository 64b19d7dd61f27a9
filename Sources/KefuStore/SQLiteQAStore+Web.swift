import Foundation
import GRDB
import KefuCore
import KefuStorage

/// The web app's QA listings and calibration closing (``QAWebStore``).
extension SQLiteQAStore: QAWebStore {
    /// The migration that adds the table of closed calibration sessions (registered in `Database.swift`).
    static func migrateCalibrationClosing(_ db: Database) throws {
        // A closed session takes no more blind reviews; its verdicts and agreement report become visible.
        try db.create(table: "qa_calibration_closed") { t in
            t.primaryKey("name", .text).references("qa_calibration")
            t.column("closed_by", .text).notNull()
            t.column("closed_at", .text).notNull()
        }
    }

    func overview() async throws -> QAOverview {
        try await read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            return QAOverview(
                interactions: try count("SELECT COUNT(*) FROM qa_interaction"),
                batches: try count("SELECT COUNT(*) FROM qa_batch"),
                samples: try count("SELECT COUNT(*) FROM qa_sample"),
                scored: try count("SELECT COUNT(DISTINCT interaction_id) FROM qa_score"),
                reviews: try count("SELECT COUNT(*) FROM qa_review WHERE calibration = ''"),
                openDisputes: try count("SELECT COUNT(*) FROM qa_dispute WHERE status = 'open'"),
                openCalibrations: try count(
                    "SELECT COUNT(*) FROM qa_calibration WHERE name NOT IN (SELECT name FROM qa_calibration_closed)"))
        }
    }

    func batches(limit: Int) async throws -> [QABatchSummary] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT b.name, b.source, b.imported_at, b.count,
                           (SELECT COALESCE(SUM(masked_count), 0) FROM qa_interaction i WHERE i.batch = b.name) AS masked
                    FROM qa_batch b ORDER BY b.imported_at DESC, b.name LIMIT ?
                    """, arguments: [limit]
            ).map { r in
                QABatchSummary(
                    name: BatchID(r["name"] as String), source: r["source"], importedAt: r["imported_at"],
                    count: r["count"], masked: r["masked"])
            }
        }
    }

    func samples() async throws -> [QASampleSummary] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.name, s.parameters, s.population_size, s.created_at,
                           (SELECT COUNT(*) FROM qa_sample_member m WHERE m.sample = s.name) AS members
                    FROM qa_sample s ORDER BY s.created_at DESC, s.name
                    """
            ).map { r in
                QASampleSummary(
                    name: SampleID(r["name"] as String), parameters: r["parameters"],
                    populationSize: r["population_size"], members: r["members"], createdAt: r["created_at"])
            }
        }
    }

    func sampleMembers(_ name: SampleID, rubricVersion: String?) async throws -> [QASampleMemberRow]? {
        try await read { db in
            guard try Self.sampleExists(name, db) else { return nil }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.interaction_id, m.stratum, i.agent, i.channel, i.started_at, s.score, s.passed
                    FROM qa_sample_member m JOIN qa_interaction i ON i.id = m.interaction_id
                    LEFT JOIN qa_score s ON s.interaction_id = m.interaction_id AND s.rubric_version = ?
                    WHERE m.sample = ? ORDER BY m.interaction_id
                    """, arguments: [rubricVersion ?? "", name.rawValue])
            return try rows.map { r in
                let id: String = r["interaction_id"]
                let reviews = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, reviewer FROM qa_review WHERE interaction_id = ? AND rubric_version = ?
                        AND calibration = '' ORDER BY id
                        """, arguments: [id, rubricVersion ?? ""]
                ).map { QAReviewRef(review: ReviewID($0["id"] as Int64), reviewer: PersonID($0["reviewer"] as String)) }
                return QASampleMemberRow(
                    interaction: InteractionID(id), agent: PersonID(r["agent"] as String), channel: r["channel"],
                    startedAt: r["started_at"], stratum: r["stratum"], score: r["score"], passed: r["passed"],
                    reviews: reviews)
            }
        }
    }

    func scoredRubrics() async throws -> [RubricID] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT rubric FROM qa_score GROUP BY rubric ORDER BY COUNT(*) DESC, rubric")
                .map(RubricID.init(rawValue:))
        }
    }

    func reviews(ofAgent agent: PersonID) async throws -> [QAReviewRecord] {
        try await read { db in
            try Int64.fetchAll(
                db,
                sql: """
                    SELECT r.id FROM qa_review r JOIN qa_interaction i ON i.id = r.interaction_id
                    WHERE i.agent = ? AND r.calibration = '' ORDER BY r.id DESC
                    """, arguments: [agent.rawValue]
            ).compactMap { try Self.review(ReviewID($0), db) }
        }
    }

    func reviewAgent(_ id: ReviewID) async throws -> PersonID? {
        try await read { db in
            try String.fetchOne(
                db,
                sql: "SELECT i.agent FROM qa_review r JOIN qa_interaction i ON i.id = r.interaction_id WHERE r.id = ?",
                arguments: [id.rawValue]
            ).map(PersonID.init(rawValue:))
        }
    }

    func disputes(review id: ReviewID) async throws -> [QADisputeRecord] {
        try await read { db in try Self.disputes(where: "d.review_id = ?", [id.rawValue], db) }
    }

    func calibrations() async throws -> [QACalibrationSummary] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, x.closed_at FROM qa_calibration c LEFT JOIN qa_calibration_closed x ON x.name = c.name
                    ORDER BY c.created_at DESC, c.name
                    """
            ).map { row in
                QACalibrationSummary(
                    session: QACalibrationRecord(
                        name: CalibrationID(row["name"] as String), sample: SampleID(row["sample"] as String),
                        rubric: RubricID(row["rubric"] as String), rubricVersion: row["rubric_version"],
                        reviewers: (row["reviewers"] as String).split(separator: ",").map { PersonID(String($0)) },
                        createdBy: PersonID(row["created_by"] as String), createdAt: row["created_at"]),
                    closedAt: row["closed_at"])
            }
        }
    }

    func calibrationProgress(_ name: CalibrationID) async throws -> [PersonID: Int] {
        try await read { db in
            var out: [PersonID: Int] = [:]
            for r in try Row.fetchAll(
                db, sql: "SELECT reviewer, COUNT(*) AS n FROM qa_review WHERE calibration = ? GROUP BY reviewer",
                arguments: [name.rawValue])
            {
                out[PersonID(r["reviewer"] as String)] = r["n"]
            }
            return out
        }
    }

    func calibrationClosed(_ name: CalibrationID) async throws -> (at: String, by: PersonID)? {
        let row = try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT closed_at, closed_by FROM qa_calibration_closed WHERE name = ?",
                arguments: [name.rawValue]
            ).map { (String($0["closed_at"] as String), String($0["closed_by"] as String)) }
        }
        return row.map { (at: $0.0, by: PersonID($0.1)) }
    }

    func closeCalibration(_ name: CalibrationID, at: String, by: PersonID, audit: NewQAAuditEntry) async throws {
        try await write { db in
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM qa_calibration WHERE name = ?)", arguments: [name.rawValue])
                    == true
            else { throw StorageError(.notFound, "no calibration session `\(name)`") }
            do {
                try db.execute(
                    sql: "INSERT INTO qa_calibration_closed (name, closed_by, closed_at) VALUES (?, ?, ?)",
                    arguments: [name.rawValue, by.rawValue, at])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StorageError(.conflict, "calibration session `\(name)` is already closed")
            }
            try Self.append(audit, db)
        }
    }
}
