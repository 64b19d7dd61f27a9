import Foundation
import KefuCore
import KefuStorage
import Logging
import PostgresNIO

/// Saving a batch of exam answers on PostgreSQL in two statements (the attempts' statuses, then every accepted save
/// and the positions shown in one statement), with the outcome of each save as SQLite's store gives it.
enum PostgresExamSaves {
    /// Saves `saves` inside the caller's transaction; per save, nil when stored or why it was refused.
    static func save(
        _ saves: [ResponseSave], _ conn: PostgresConnection, _ logger: Logger
    ) async throws
        -> [StorageError?]
    {
        guard !saves.isEmpty else { return [] }
        let ids = Array(Set(saves.map(\.attempt.rawValue)))
        var statuses: [Int64: String] = [:]
        for (id, status) in try await conn.query(
            "SELECT id, status FROM exam_attempt WHERE id = ANY(\(ids))", logger: logger
        ).all((Int64, String).self) {
            statuses[id] = status
        }
        var outcomes: [StorageError?] = []
        var accepted: [ResponseSave] = []
        for save in saves {
            let refusal = save.refusal(status: statuses[save.attempt.rawValue])
            if refusal == nil { accepted.append(save) }
            outcomes.append(refusal)
        }
        if !accepted.isEmpty { try await write(accepted, conn, logger) }
        return outcomes
    }

    /// One statement: upserts the answers (several saves of one position merged as saving them in turn would
    /// leave it) and moves each attempt to the position its last save shows. Answers that give a flag and answers
    /// that keep the stored one go through two upserts, so nothing reads `exam_response` first: under SERIALIZABLE
    /// such a read would make concurrent candidates' saves (on the same index pages) fail and retry.
    static func write(_ saves: [ResponseSave], _ conn: PostgresConnection, _ logger: Logger) async throws {
        let rows = merged(saves)
        var positions: [Int64: Int] = [:]
        var order: [Int64] = []
        for save in saves {
            if positions.updateValue(save.current, forKey: save.attempt.rawValue) == nil {
                order.append(save.attempt.rawValue)
            }
        }
        let currents = order.map { positions[$0] ?? 0 }
        _ = try await conn.query(
            """
            WITH given AS (
                SELECT * FROM unnest(\(rows.map(\.attempt))::bigint[], \(rows.map(\.position))::bigint[],
                    \(rows.map { $0.response ?? "" })::text[], \(rows.map { $0.response != nil })::boolean[],
                    \(rows.map { $0.flagged ?? false })::boolean[], \(rows.map { $0.flagged != nil })::boolean[],
                    \(rows.map(\.savedAt))::text[]) AS u(a, p, r, hr, f, fk, s)),
            flagged AS (
                INSERT INTO exam_response (attempt_id, position, response, flagged, saved_at)
                SELECT a, p, CASE WHEN hr THEN r::json END, f, s::timestamptz FROM given WHERE fk
                ON CONFLICT (attempt_id, position) DO UPDATE SET response = excluded.response,
                    flagged = excluded.flagged, saved_at = excluded.saved_at
                RETURNING 1),
            unflagged AS (
                INSERT INTO exam_response (attempt_id, position, response, flagged, saved_at)
                SELECT a, p, CASE WHEN hr THEN r::json END, false, s::timestamptz FROM given WHERE NOT fk
                ON CONFLICT (attempt_id, position) DO UPDATE SET response = excluded.response,
                    saved_at = excluded.saved_at
                RETURNING 1),
            moved AS (
                UPDATE exam_attempt SET position = m.c
                FROM unnest(\(order)::bigint[], \(currents)::bigint[]) AS m(a, c) WHERE exam_attempt.id = m.a
                RETURNING 1)
            SELECT (SELECT count(*) FROM flagged) + (SELECT count(*) FROM unflagged) + (SELECT count(*) FROM moved)
            """, logger: logger
        ).first(Int.self)
    }

    /// One answer row to upsert: the merge of every save of one (attempt, position), in first-save order.
    struct Row {
        /// The attempt.
        var attempt: Int64
        /// Position in the paper.
        var position: Int
        /// The last save's response.
        var response: String?
        /// The last flag given (nil: none given, keep the stored one).
        var flagged: Bool?
        /// The last save's time.
        var savedAt: String
    }

    /// `saves` merged per (attempt, position): the last response and time win, the last flag given wins.
    static func merged(_ saves: [ResponseSave]) -> [Row] {
        var rows: [Row] = []
        var index: [String: Int] = [:]
        for save in saves {
            let key = "\(save.attempt.rawValue)/\(save.position)"
            if let at = index[key] {
                rows[at].response = save.response
                rows[at].savedAt = save.savedAt
                if let flag = save.flagged { rows[at].flagged = flag }
            } else {
                index[key] = rows.count
                rows.append(
                    Row(
                        attempt: save.attempt.rawValue, position: save.position, response: save.response,
                        flagged: save.flagged, savedAt: save.savedAt))
            }
        }
        return rows
    }
}
