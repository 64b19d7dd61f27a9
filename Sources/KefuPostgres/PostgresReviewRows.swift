import Foundation
import KefuCore
import KefuStorage
import Logging
import PostgresNIO

/// The review tables' reads on PostgreSQL, and the reads across QA, exams, mentoring and the ledger that reviews and
/// promotion rules need, each inside the caller's transaction (`conn`). Periods compare as text (`YYYY-MM-DD`), as on
/// SQLite: an exam's day is its UTC submission day, an interaction's the first ten characters of its start.
enum PostgresReviewRows {
    /// A period's feedback, inclusive, in import order.
    static func feedback(
        from start: String, to end: String, _ conn: PostgresConnection, _ logger: Logger
    ) async throws
        -> [FeedbackRow]
    {
        try await conn.query(
            """
            SELECT date::text, person_id, kind, value FROM kpi_feedback
            WHERE date::text COLLATE "C" >= \(start) AND date::text COLLATE "C" <= \(end) ORDER BY id
            """, logger: logger
        ).all((String, String, String, Double).self).compactMap { row in
            FeedbackKind(rawValue: row.2).map {
                FeedbackRow(date: row.0, personID: PersonID(row.1), kind: $0, value: row.3)
            }
        }
    }

    /// Interactions of a period with their turn times, in start order.
    static func interactions(
        from start: String, to end: String, _ conn: PostgresConnection, _ logger: Logger
    )
        async throws -> [InteractionTiming]
    {
        let decoder = JSONDecoder()
        return try await conn.query(
            """
            SELECT agent, turns::text FROM qa_interaction
            WHERE substr(started_at, 1, 10) COLLATE "C" >= \(start) AND substr(started_at, 1, 10) COLLATE "C" <= \(end)
            ORDER BY started_at COLLATE "C", id COLLATE "C"
            """, logger: logger
        ).all((String, String).self).map { row in
            let turns = (try? decoder.decode([Turn].self, from: Data(row.1.utf8))) ?? []
            return InteractionTiming(
                agent: PersonID(row.0), turns: turns.map { TimedTurn(speaker: $0.speaker, at: $0.at) })
        }
    }

    /// Per person, the average QA score of a period's interactions and the average percent of exams graded in it.
    static func averages(
        from start: String, to end: String, _ conn: PostgresConnection, _ logger: Logger
    )
        async throws -> (qa: [PersonID: Average], exams: [PersonID: Average])
    {
        var qa: [PersonID: Average] = [:]
        for (agent, mean, count) in try await conn.query(
            """
            SELECT i.agent, AVG(s.score), COUNT(*) FROM qa_score s JOIN qa_interaction i ON i.id = s.interaction_id
            WHERE substr(i.started_at, 1, 10) COLLATE "C" >= \(start)
                AND substr(i.started_at, 1, 10) COLLATE "C" <= \(end)
            GROUP BY i.agent
            """, logger: logger
        ).all((String, Double, Int).self) {
            qa[PersonID(agent)] = Average(mean: mean, count: count)
        }
        var exams: [PersonID: Average] = [:]
        for (person, mean, count) in try await conn.query(
            """
            SELECT person_id, AVG(percent), COUNT(*) FROM exam_attempt
            WHERE status = 'graded' AND substr(kefu_time(submitted_at), 1, 10) COLLATE "C" >= \(start)
                AND substr(kefu_time(submitted_at), 1, 10) COLLATE "C" <= \(end)
            GROUP BY person_id
            """, logger: logger
        ).all((String, Double, Int).self) {
            exams[PersonID(person)] = Average(mean: mean, count: count)
        }
        return (qa, exams)
    }

    /// Scorecards filtered when given, by period start and end, then person.
    static func scorecards(
        person: PersonID?, team: String?, period: String?, _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> [StoredScorecard] {
        try await conn.query(
            """
            SELECT s.period, c.start::text, c."end"::text, s.person_id, s.total, s.rating, s.kpis::text
            FROM review_scorecard s JOIN review_cycle c ON c.period = s.period
            WHERE (\(person?.rawValue)::text IS NULL OR s.person_id = \(person?.rawValue))
            AND (\(team)::text IS NULL OR s.person_id IN (SELECT id FROM person WHERE team = \(team)))
            AND (\(period)::text IS NULL OR s.period = \(period))
            ORDER BY c.start, c."end", s.person_id COLLATE "C"
            """, logger: logger
        ).all((String, String, String, String, Double, String, String).self).map {
            StoredScorecard(
                period: $0.0, start: $0.1, end: $0.2, personID: PersonID($0.3), total: $0.4, rating: $0.5, kpis: $0.6)
        }
    }

    /// What promotion rules read about a person, or nil when there is no such person.
    static func evidence(
        _ id: PersonID, approver: PersonID?, qaSince: Set<String>, asOf date: String, _ conn: PostgresConnection,
        _ logger: Logger
    ) async throws -> PromotionEvidence? {
        guard let person = try await PostgresPeopleStore.person(id.rawValue, conn, logger) else { return nil }
        var qa: [String: Average] = [:]
        for from in qaSince {
            let row = try await conn.query(
                """
                SELECT AVG(s.score), COUNT(*) FROM qa_score s JOIN qa_interaction i ON i.id = s.interaction_id
                WHERE i.agent = \(id.rawValue) AND substr(i.started_at, 1, 10) COLLATE "C" >= \(from)
                    AND substr(i.started_at, 1, 10) COLLATE "C" <= \(date)
                """, logger: logger
            ).first((Double?, Int).self)
            if let row, row.1 > 0, let mean = row.0 { qa[from] = Average(mean: mean, count: row.1) }
        }
        var exams: [BlueprintID: Double] = [:]
        for (blueprint, best) in try await conn.query(
            """
            SELECT blueprint, MAX(percent) FROM exam_attempt WHERE person_id = \(id.rawValue) AND status = 'graded'
            GROUP BY blueprint
            """, logger: logger
        ).all((String, Double).self) {
            exams[BlueprintID(blueprint)] = best
        }
        let apprentices = try await conn.query(
            "SELECT COUNT(DISTINCT apprentice_id) FROM mentorship WHERE mentor_id = \(id.rawValue)", logger: logger
        ).first(Int.self)
        var approverPerson: Person?
        if let approver { approverPerson = try await PostgresPeopleStore.person(approver.rawValue, conn, logger) }
        return PromotionEvidence(
            person: person, approver: approverPerson,
            ledger: try await PostgresLedgerStore.entries(person: nil, conn, logger), qaAverages: qa,
            bestExams: exams, apprenticesMentored: apprentices ?? 0,
            scorecards: try await scorecards(person: id, team: nil, period: nil, conn, logger))
    }
}
