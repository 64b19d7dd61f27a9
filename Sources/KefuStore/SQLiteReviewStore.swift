import Foundation
import GRDB
import KefuCore
import KefuLedger
import KefuStorage

/// ReviewStore on SQLite: the `kpi_feedback`, `review_cycle` and `review_scorecard` tables, and the
/// reads across QA (`qa_interaction`, `qa_score`), exams (`exam_attempt`), mentoring and the ledger that
/// reviews and promotion rules need.
struct SQLiteReviewStore: ReviewStore {
    let database: KefuDatabase

    func addFeedback(_ rows: [FeedbackRow], source: String) async throws {
        try await mentoringWrite(database) { db in
            for row in rows {
                guard try KefuDatabase.exists(row.personID.rawValue, db) else {
                    throw StorageError(.notFound, "no person with id `\(row.personID)`; nothing was imported")
                }
                try db.execute(
                    sql: "INSERT INTO kpi_feedback (date, person_id, kind, value, source) VALUES (?, ?, ?, ?, ?)",
                    arguments: [row.date, row.personID.rawValue, row.kind.rawValue, row.value, source])
            }
        }
    }

    func feedback(from start: String, to end: String) async throws -> [FeedbackRow] {
        try await mentoringRead(database) { db in try Self.feedback(from: start, to: end, db) }
    }

    func reviewInputs(from start: String, to end: String) async throws -> ReviewInputs {
        try await mentoringRead(database) { db in
            let active = Set(
                try String.fetchAll(db, sql: "SELECT id FROM person WHERE status = 'active'").map { PersonID($0) })
            let decoder = JSONDecoder()
            let interactions = try Row.fetchAll(
                db,
                sql: """
                    SELECT agent, turns FROM qa_interaction WHERE substr(started_at, 1, 10) >= ? AND substr(started_at, 1, 10) <= ? ORDER BY started_at, id
                    """, arguments: [start, end]
            ).map { row in
                let turns = (try? decoder.decode([Turn].self, from: Data((row["turns"] as String).utf8))) ?? []
                return InteractionTiming(
                    agent: PersonID(row["agent"] as String),
                    turns: turns.map { TimedTurn(speaker: $0.speaker, at: $0.at) })
            }
            var qa: [PersonID: Average] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT i.agent AS agent, AVG(s.score) AS mean, COUNT(*) AS n FROM qa_score s JOIN qa_interaction i ON i.id = s.interaction_id
                    WHERE substr(i.started_at, 1, 10) >= ? AND substr(i.started_at, 1, 10) <= ? GROUP BY i.agent
                    """, arguments: [start, end])
            {
                qa[PersonID(row["agent"] as String)] = Average(mean: row["mean"], count: row["n"])
            }
            var exams: [PersonID: Average] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT person_id, AVG(percent) AS mean, COUNT(*) AS n FROM exam_attempt
                    WHERE status = 'graded' AND substr(submitted_at, 1, 10) >= ? AND substr(submitted_at, 1, 10) <= ? GROUP BY person_id
                    """, arguments: [start, end])
            {
                exams[PersonID(row["person_id"] as String)] = Average(mean: row["mean"], count: row["n"])
            }
            return ReviewInputs(
                activePeople: active, feedback: try Self.feedback(from: start, to: end, db), interactions: interactions,
                qaScores: qa, examScores: exams)
        }
    }

    func storeCycle(_ cycle: ReviewCycleRecord, scorecards: [StoredScorecard], replace: Bool) async throws {
        try await mentoringWrite(database) { db in
            if try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM review_cycle WHERE period = ?)", arguments: [cycle.period])
                ?? false
            {
                guard replace else {
                    throw StorageError(.conflict, "the review cycle \(cycle.period) is already stored")
                }
                try db.execute(sql: "DELETE FROM review_scorecard WHERE period = ?", arguments: [cycle.period])
                try db.execute(sql: "DELETE FROM review_cycle WHERE period = ?", arguments: [cycle.period])
            }
            try db.execute(
                sql:
                    "INSERT INTO review_cycle (period, kind, start, end, run_at, definition) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [cycle.period, cycle.kind, cycle.start, cycle.end, cycle.runAt, cycle.definition])
            for card in scorecards {
                try db.execute(
                    sql: "INSERT INTO review_scorecard (period, person_id, total, rating, kpis) VALUES (?, ?, ?, ?, ?)",
                    arguments: [cycle.period, card.personID.rawValue, card.total, card.rating, card.kpis])
            }
        }
    }

    func scorecards(person: PersonID?, team: String?, period: String?) async throws -> [StoredScorecard] {
        try await mentoringRead(database) { db in try Self.scorecards(person: person, team: team, period: period, db) }
    }

    func promotionEvidence(
        for person: PersonID, approver: PersonID?, qaSince: Set<String>, asOf date: String
    ) async throws -> PromotionEvidence? {
        try await mentoringRead(database) { [database] db in
            try Self.evidence(person, approver: approver, qaSince: qaSince, asOf: date, database: database, db)
        }
    }

    func promote(
        _ person: PersonID, approver: PersonID, qaSince: Set<String>, asOf date: String, signer: LedgerSigner,
        _ decide: @escaping @Sendable (PromotionEvidence) throws -> PromotionWrite
    ) async throws -> LedgerEntry {
        try await mentoringWrite(database) { [database] db in
            guard
                let evidence = try Self.evidence(
                    person, approver: approver, qaSince: qaSince, asOf: date, database: database, db)
            else {
                throw StorageError(.notFound, "no person with id `\(person)`")
            }
            let write = try decide(evidence)
            let entry = try database.append(write.entry, signer: signer, db)
            try database.setLevel(write.level, for: person.rawValue, db)
            return entry
        }
    }

    static func feedback(from start: String, to end: String, _ db: Database) throws -> [FeedbackRow] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM kpi_feedback WHERE date >= ? AND date <= ? ORDER BY id", arguments: [start, end]
        ).compactMap { row in
            guard let kind = FeedbackKind(rawValue: row["kind"]) else { return nil }
            return FeedbackRow(
                date: row["date"], personID: PersonID(row["person_id"] as String), kind: kind, value: row["value"])
        }
    }

    static func scorecards(
        person: PersonID?, team: String?, period: String?, _ db: Database
    ) throws -> [StoredScorecard] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let person {
            conditions.append("s.person_id = ?")
            arguments.append(person.rawValue)
        }
        if let team {
            conditions.append("s.person_id IN (SELECT id FROM person WHERE team = ?)")
            arguments.append(team)
        }
        if let period {
            conditions.append("s.period = ?")
            arguments.append(period)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try Row.fetchAll(
            db,
            sql: """
                SELECT s.*, c.start, c.end FROM review_scorecard s JOIN review_cycle c ON c.period = s.period \(whereClause)
                ORDER BY c.start, c.end, s.person_id
                """, arguments: StatementArguments(arguments)
        ).map {
            StoredScorecard(
                period: $0["period"], start: $0["start"], end: $0["end"], personID: PersonID($0["person_id"] as String),
                total: $0["total"],
                rating: $0["rating"], kpis: $0["kpis"])
        }
    }

    static func evidence(
        _ id: PersonID, approver: PersonID?, qaSince: Set<String>, asOf date: String, database: KefuDatabase,
        _ db: Database
    ) throws
        -> PromotionEvidence?
    {
        guard let person = try database.person(id.rawValue, db) else { return nil }
        var qa: [String: Average] = [:]
        for from in qaSince {
            if let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT AVG(s.score) AS mean, COUNT(*) AS n FROM qa_score s JOIN qa_interaction i ON i.id = s.interaction_id
                    WHERE i.agent = ? AND substr(i.started_at, 1, 10) >= ? AND substr(i.started_at, 1, 10) <= ?
                    """, arguments: [id.rawValue, from, date]), let n = row["n"] as Int?, n > 0
            {
                qa[from] = Average(mean: row["mean"], count: n)
            }
        }
        var exams: [BlueprintID: Double] = [:]
        for row in try Row.fetchAll(
            db,
            sql:
                "SELECT blueprint, MAX(percent) AS best FROM exam_attempt WHERE person_id = ? AND status = 'graded' GROUP BY blueprint",
            arguments: [id.rawValue])
        {
            exams[BlueprintID(row["blueprint"] as String)] = row["best"]
        }
        let apprentices =
            try Int.fetchOne(
                db, sql: "SELECT COUNT(DISTINCT apprentice_id) FROM mentorship WHERE mentor_id = ?",
                arguments: [id.rawValue]) ?? 0
        return PromotionEvidence(
            person: person, approver: try approver.flatMap { try database.person($0.rawValue, db) },
            ledger: try database.entries(db),
            qaAverages: qa, bestExams: exams, apprenticesMentored: apprentices,
            scorecards: try scorecards(person: id, team: nil, period: nil, db))
    }
}
