import Foundation
import GRDB
import KefuCore
import KefuRegex
import KefuRubrics
import KefuStore

/// `kefu qa score`: scores a sample (or every imported interaction) with a rubric; each score is pinned
/// to the rubric version (SHA-256) that produced it, and re-scoring with a new version keeps the old.
public struct QAScoreService: Sendable {
    /// The database.
    public let database: KefuDatabase

    /// Creates the service.
    public init(database: KefuDatabase) { self.database = database }

    /// Scores the members of `sample` (all interactions when nil). Returns (scored, already scored with this version).
    public func score(sample: String?, scorer: Scorer, now: Date) throws -> (scored: Int, unchanged: Int) {
        try database.write { db in
            let ids: [String]
            if let sample {
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM qa_sample WHERE name = ?)", arguments: [sample]) == true else {
                    throw ServiceError("no sample named `\(sample)`")
                }
                ids = try String.fetchAll(db, sql: "SELECT interaction_id FROM qa_sample_member WHERE sample = ? ORDER BY interaction_id", arguments: [sample])
            } else {
                ids = try String.fetchAll(db, sql: "SELECT id FROM qa_interaction ORDER BY id")
            }
            let version = scorer.rubric.sourceHash
            let already = Set(try String.fetchAll(db, sql: "SELECT interaction_id FROM qa_score WHERE rubric_version = ?", arguments: [version]))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let scratch = MatchScratch()
            var scored = 0
            for id in ids where !already.contains(id) {
                guard let interaction = try database.qaInteraction(id, db) else { continue }
                let result = scorer.score(interaction, scratch: scratch)
                let items = String(decoding: try encoder.encode(result.items), as: UTF8.self)
                try db.execute(
                    sql: """
                        INSERT INTO qa_score (interaction_id, rubric, rubric_version, score, passed, critical_failed, items, scored_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [id, scorer.rubric.id, version, result.score, result.passed, result.criticalFailed, items, LedgerService.timestamp(now)])
                scored += 1
            }
            return (scored, ids.count - scored)
        }
    }
}
