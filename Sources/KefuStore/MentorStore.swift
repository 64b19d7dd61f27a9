import Foundation
import KefuStorage
import GRDB
import KefuCore

/// A stored pairing of an apprentice with a mentor (see the `mentorship` table).
public struct MentorshipRecord: Sendable, Hashable, Codable {
    /// Row id.
    public var id: Int64
    /// The apprentice.
    public var apprenticeID: String
    /// The mentor.
    public var mentorID: String
    /// When the pair was made (ISO-8601).
    public var assignedAt: String
    /// The pair's preference score.
    public var score: Double
    /// The terms of the score.
    public var reasons: [String]
    /// When it ended.
    public var endedAt: String?
    /// Why it ended.
    public var endReason: String?

    /// Creates a record.
    public init(id: Int64 = 0, apprenticeID: String, mentorID: String, assignedAt: String, score: Double, reasons: [String],
                endedAt: String? = nil, endReason: String? = nil) {
        self.id = id
        self.apprenticeID = apprenticeID
        self.mentorID = mentorID
        self.assignedAt = assignedAt
        self.score = score
        self.reasons = reasons
        self.endedAt = endedAt
        self.endReason = endReason
    }

    init(row: Row) {
        let reasons = (try? JSONDecoder().decode([String].self, from: Data((row["reasons"] as String).utf8))) ?? []
        self.init(id: row["id"], apprenticeID: row["apprentice_id"], mentorID: row["mentor_id"], assignedAt: row["assigned_at"], score: row["score"],
                  reasons: reasons, endedAt: row["ended_at"], endReason: row["end_reason"])
    }

    /// True while the pair is active.
    public var isActive: Bool { endedAt == nil }
}

extension KefuDatabase {
    /// Mentorships, oldest first: all, or those of one person (as apprentice or mentor), or only the active ones.
    public func mentorships(person: String? = nil, activeOnly: Bool = false) throws -> [MentorshipRecord] {
        try read { db in
            var sql = "SELECT * FROM mentorship"
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let person {
                conditions.append("(apprentice_id = ? OR mentor_id = ?)")
                arguments += [person, person]
            }
            if activeOnly { conditions.append("ended_at IS NULL") }
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(arguments)).map(MentorshipRecord.init)
        }
    }

    /// Ends `endings` (id → reason) and stores `pairs` in one transaction. Fails, writing nothing, when an apprentice
    /// already has an active mentor (someone assigned meanwhile).
    public func recordMentorships(ending endings: [(id: Int64, reason: String)], adding pairs: [MentorshipRecord], at time: String) throws -> [MentorshipRecord] {
        try write { db in
            for ending in endings {
                try db.execute(sql: "UPDATE mentorship SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
                               arguments: [time, ending.reason, ending.id])
            }
            var stored: [MentorshipRecord] = []
            for pair in pairs {
                let reasons = String(decoding: try JSONEncoder().encode(pair.reasons), as: UTF8.self)
                do {
                    try db.execute(
                        sql: "INSERT INTO mentorship (apprentice_id, mentor_id, assigned_at, score, reasons) VALUES (?, ?, ?, ?, ?)",
                        arguments: [pair.apprenticeID, pair.mentorID, pair.assignedAt, pair.score, reasons])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw StorageError(.conflict, "`\(pair.apprenticeID)` already has a mentor (assigned meanwhile?); nothing was stored — run the assignment again")
                }
                var record = pair
                record.id = db.lastInsertedRowID
                stored.append(record)
            }
            return stored
        }
    }

    /// Marks a person as having left (or active again).
    public func setActive(_ active: Bool, person: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE person SET status = ? WHERE id = ?", arguments: [active ? "active" : "left", person])
            guard db.changesCount > 0 else { throw StorageError(.notFound, "no person with id `\(person)`") }
        }
    }
}
