import Foundation
import KefuCore
import KefuLedger
import KefuStorage
import PostgresNIO

/// ReviewStore on PostgreSQL: the `kpi_feedback`, `review_cycle` and `review_scorecard` tables, and the reads
/// across QA, exams, mentoring and the ledger (``PostgresReviewRows``); every method one transaction.
struct PostgresReviewStore: ReviewStore {
    /// The database.
    let database: PostgresDatabase

    /// Imports feedback rows all or nothing: an unknown person refuses the whole import.
    func addFeedback(_ rows: [FeedbackRow], source: String) async throws {
        let logger = database.logger
        try await database.write { conn in
            guard !rows.isEmpty else { return }
            let people = rows.map(\.personID.rawValue)
            let known = Set(
                try await conn.query("SELECT id FROM person WHERE id = ANY(\(people))", logger: logger).all(
                    String.self))
            if let unknown = people.first(where: { !known.contains($0) }) {
                throw StorageError(.notFound, "no person with id `\(unknown)`; nothing was imported")
            }
            _ = try await conn.query(
                """
                INSERT INTO kpi_feedback (date, person_id, kind, value, source)
                SELECT d::date, p, k, v, \(source)
                FROM unnest(\(rows.map(\.date))::text[], \(people)::text[], \(rows.map(\.kind.rawValue))::text[],
                    \(rows.map(\.value))::float8[]) WITH ORDINALITY AS f(d, p, k, v, n)
                ORDER BY n
                """, logger: logger)
        }
    }

    /// A period's feedback, inclusive, in import order.
    func feedback(from start: String, to end: String) async throws -> [FeedbackRow] {
        let logger = database.logger
        return try await database.read { conn in
            try await PostgresReviewRows.feedback(from: start, to: end, conn, logger)
        }
    }

    /// Everything a review cycle computes from, read in one snapshot.
    func reviewInputs(from start: String, to end: String) async throws -> ReviewInputs {
        let logger = database.logger
        return try await database.read { conn in
            let active = try await conn.query("SELECT id FROM person WHERE status = 'active'", logger: logger).all(
                String.self)
            let interactions = try await PostgresReviewRows.interactions(from: start, to: end, conn, logger)
            let (qa, exams) = try await PostgresReviewRows.averages(from: start, to: end, conn, logger)
            return ReviewInputs(
                activePeople: Set(active.map { PersonID($0) }),
                feedback: try await PostgresReviewRows.feedback(from: start, to: end, conn, logger),
                interactions: interactions, qaScores: qa, examScores: exams)
        }
    }

    /// Stores a cycle and its scorecards; a stored cycle is a conflict unless `replace`, which recomputes it.
    func storeCycle(_ cycle: ReviewCycleRecord, scorecards: [StoredScorecard], replace: Bool) async throws {
        let logger = database.logger
        try await database.write { conn in
            let exists = try await conn.query(
                "SELECT EXISTS (SELECT 1 FROM review_cycle WHERE period = \(cycle.period))", logger: logger
            ).first(Bool.self)
            if exists == true {
                guard replace else {
                    throw StorageError(.conflict, "the review cycle \(cycle.period) is already stored")
                }
                _ = try await conn.query("DELETE FROM review_scorecard WHERE period = \(cycle.period)", logger: logger)
                _ = try await conn.query("DELETE FROM review_cycle WHERE period = \(cycle.period)", logger: logger)
            }
            _ = try await conn.query(
                """
                INSERT INTO review_cycle (period, kind, start, "end", run_at, definition)
                VALUES (\(cycle.period), \(cycle.kind), \(cycle.start)::date, \(cycle.end)::date,
                    \(cycle.runAt)::timestamptz, \(cycle.definition))
                """, logger: logger)
            guard !scorecards.isEmpty else { return }
            _ = try await conn.query(
                """
                INSERT INTO review_scorecard (period, person_id, total, rating, kpis)
                SELECT \(cycle.period), p, t, r, k::jsonb
                FROM unnest(\(scorecards.map(\.personID.rawValue))::text[], \(scorecards.map(\.total))::float8[],
                    \(scorecards.map(\.rating))::text[], \(scorecards.map(\.kpis))::text[]) AS s(p, t, r, k)
                """, logger: logger)
        }
    }

    /// Scorecards filtered when given, by period, then person.
    func scorecards(person: PersonID?, team: String?, period: String?) async throws -> [StoredScorecard] {
        let logger = database.logger
        return try await database.read { conn in
            try await PostgresReviewRows.scorecards(person: person, team: team, period: period, conn, logger)
        }
    }

    /// What promotion rules read about a person, or nil for an unknown person.
    func promotionEvidence(
        for person: PersonID, approver: PersonID?, qaSince: Set<String>, asOf date: String
    ) async throws -> PromotionEvidence? {
        let logger = database.logger
        return try await database.read { conn in
            try await PostgresReviewRows.evidence(
                person, approver: approver, qaSince: qaSince, asOf: date, conn, logger)
        }
    }

    /// Reads the evidence, lets `decide` write the promotion, and appends its ledger entry and changes the level in
    /// one transaction holding the ledger's lock.
    func promote(
        _ person: PersonID, approver: PersonID, qaSince: Set<String>, asOf date: String, signer: LedgerSigner,
        _ decide: @escaping @Sendable (PromotionEvidence) throws -> PromotionWrite
    ) async throws -> LedgerEntry {
        let logger = database.logger
        return try await database.write(lock: PostgresMigrations.ledgerLock) { conn in
            guard
                let evidence = try await PostgresReviewRows.evidence(
                    person, approver: approver, qaSince: qaSince, asOf: date, conn, logger)
            else {
                throw StorageError(.notFound, "no person with id `\(person)`")
            }
            let write = try decide(evidence)
            let entries = try await PostgresLedgerStore.append([write.entry], signer: signer, conn, logger)
            _ = try await conn.query(
                "UPDATE person SET level = \(write.level.rawValue) WHERE id = \(person.rawValue)", logger: logger)
            guard let entry = entries.first else {
                throw StorageError(.unavailable, "the promotion's ledger entry was not stored; try again")
            }
            return entry
        }
    }
}
