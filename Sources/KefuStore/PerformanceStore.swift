import KefuStorage
import GRDB
import KefuCore

/// One imported KPI input row.
public struct FeedbackRow: Sendable, Hashable {
    /// ISO date.
    public var date: String
    /// The person it is about.
    public var personID: String
    /// `satisfaction`, `complaint`, `resolved`, `resolved_on_time`, `teamwork_supervisor`, `teamwork_peer`.
    public var kind: String
    /// The value.
    public var value: Double

    /// Creates a row.
    public init(date: String, personID: String, kind: String, value: Double) {
        self.date = date
        self.personID = personID
        self.kind = kind
        self.value = value
    }
}

/// A stored scorecard row.
public struct StoredScorecard: Sendable, Hashable {
    /// Period name.
    public var period: String
    /// Period start (for ordering).
    public var start: String
    /// Period end.
    public var end: String
    /// Person.
    public var personID: String
    /// Total.
    public var total: Double
    /// Rating.
    public var rating: String
    /// KPI results (JSON).
    public var kpis: String
}

extension KefuDatabase {
    /// Imports feedback rows in one transaction; unknown people fail the whole import.
    public func addFeedback(_ rows: [FeedbackRow], source: String) throws {
        try write { db in
            for row in rows {
                guard try Self.exists(row.personID, db) else { throw StorageError(.notFound, "no person with id `\(row.personID)`; nothing was imported") }
                try db.execute(sql: "INSERT INTO kpi_feedback (date, person_id, kind, value, source) VALUES (?, ?, ?, ?, ?)",
                               arguments: [row.date, row.personID, row.kind, row.value, source])
            }
        }
    }

    /// Feedback of a period (inclusive ISO dates), all people.
    public func feedback(from start: String, to end: String) throws -> [FeedbackRow] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM kpi_feedback WHERE date >= ? AND date <= ? ORDER BY id", arguments: [start, end]).map {
                FeedbackRow(date: $0["date"], personID: $0["person_id"], kind: $0["kind"], value: $0["value"])
            }
        }
    }

    /// Stores a cycle and its scorecards in one transaction; `replace` recomputes an existing cycle.
    public func storeCycle(period: String, kind: String, start: String, end: String, runAt: String, definition: String,
                           scorecards: [(person: String, total: Double, rating: String, kpis: String)], replace: Bool) throws {
        try write { db in
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM review_cycle WHERE period = ?", arguments: [period]) ?? 0 > 0 {
                guard replace else { throw StorageError(.conflict, "the review cycle \(period) is already stored; pass --replace to recompute it") }
                try db.execute(sql: "DELETE FROM review_scorecard WHERE period = ?", arguments: [period])
                try db.execute(sql: "DELETE FROM review_cycle WHERE period = ?", arguments: [period])
            }
            try db.execute(sql: "INSERT INTO review_cycle (period, kind, start, end, run_at, definition) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [period, kind, start, end, runAt, definition])
            for card in scorecards {
                try db.execute(sql: "INSERT INTO review_scorecard (period, person_id, total, rating, kpis) VALUES (?, ?, ?, ?, ?)",
                               arguments: [period, card.person, card.total, card.rating, card.kpis])
            }
        }
    }

    /// Stored scorecards, by period start then person; filtered by person or period when given.
    public func scorecards(person: String? = nil, period: String? = nil) throws -> [StoredScorecard] {
        try read { db in
            try scorecards(person: person, period: period, db)
        }
    }

    /// Stored scorecards inside a transaction.
    public func scorecards(person: String? = nil, period: String? = nil, _ db: Database) throws -> [StoredScorecard] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let person {
            conditions.append("s.person_id = ?")
            arguments.append(person)
        }
        if let period {
            conditions.append("s.period = ?")
            arguments.append(period)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try Row.fetchAll(db, sql: """
            SELECT s.*, c.start, c.end FROM review_scorecard s JOIN review_cycle c ON c.period = s.period \(whereClause)
            ORDER BY c.start, c.end, s.person_id
            """, arguments: StatementArguments(arguments)).map {
            StoredScorecard(period: $0["period"], start: $0["start"], end: $0["end"], personID: $0["person_id"], total: $0["total"], rating: $0["rating"], kpis: $0["kpis"])
        }
    }
}
