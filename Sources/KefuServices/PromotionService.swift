import Foundation
import GRDB
import KefuContent
import KefuCore
import KefuLedger
import KefuStore
import KefuTracks

/// Promotion along the two tracks (`Tracks/promotion.yaml`): which rules of the next step are met, with the actual
/// values from the ledger, exams, QA scores and mentoring; and recording a promotion whose rules are all met.
public struct PromotionService: Sendable {
    /// The database.
    public let database: KefuDatabase
    /// The content.
    public let repository: ContentRepository
    /// Wall-clock time (injected so tests control it).
    public let now: @Sendable () -> Date

    /// Creates the service.
    public init(database: KefuDatabase, repository: ContentRepository, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.repository = repository
        self.now = now
    }

    /// One step checked for a person.
    public struct StepCheck: Sendable {
        /// The step.
        public var step: PromotionStep
        /// Each rule, met or not, with the actual value.
        public var checks: [RequirementCheck]
        /// True when every rule is met.
        public var isReady: Bool { checks.allSatisfy(\.isMet) }
    }

    /// The facts for `step` about `person`, read in `db` as of `date` (ISO date).
    func facts(_ person: Person, for step: PromotionStep, asOf date: String, _ db: Database) throws -> PromotionFacts {
        let entries = try database.entries(db)
        let promotions = entries.filter { $0.person == person.id && $0.kind == .promotion && $0.subject == person.level.rawValue }
        let since = promotions.last.map { String($0.recordedAt.prefix(10)) } ?? person.hireDate
        var facts = PromotionFacts(level: person.level, levelSince: since)
        for case .certifications(let ids) in step.requirements {
            for id in ids { facts.certifications[id] = CertificationEvaluator.state(of: id, person: person.id, entries: entries, asOf: date) }
        }
        for case .qaAverage(_, let months) in step.requirements {
            let from = CertificationEvaluator.addMonths(-months, to: date)
            if let row = try Row.fetchOne(db, sql: """
                SELECT AVG(s.score) AS mean, COUNT(*) AS n FROM qa_score s JOIN qa_interaction i ON i.id = s.interaction_id
                WHERE i.agent = ? AND substr(i.started_at, 1, 10) >= ? AND substr(i.started_at, 1, 10) <= ?
                """, arguments: [person.id, from, date]), let n = row["n"] as Int?, n > 0 {
                facts.qaAverage = (row["mean"], n)
            }
        }
        for row in try Row.fetchAll(db, sql: "SELECT blueprint, MAX(percent) AS best FROM exam_attempt WHERE person_id = ? AND status = 'graded' GROUP BY blueprint",
                                    arguments: [person.id]) {
            facts.exams[row["blueprint"]] = row["best"]
        }
        facts.apprentices = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT apprentice_id) FROM mentorship WHERE mentor_id = ?", arguments: [person.id]) ?? 0
        // Ratings of stored review cycles, the most recent (by end date) first.
        facts.ratings = try database.scorecards(person: person.id, db).filter { $0.end <= date }
            .sorted { ($0.end, $0.start) > ($1.end, $1.start) }.map { (cycle: $0.period, rating: $0.rating) }
        return facts
    }

    /// The next step(s) from the person's level on each track, every rule explained.
    public func check(_ personID: String, asOf date: Date? = nil) throws -> (person: Person, steps: [StepCheck]) {
        let steps = try repository.promotionSteps()
        let today = LedgerService.day(date ?? now())
        return try database.read { db in
            guard let person = try database.person(personID, db) else { throw ServiceError("no person with id `\(personID)`") }
            let next = steps.filter { $0.from == person.level }
            return (person, try next.map { step in
                StepCheck(step: step, checks: PromotionEvaluator.check(step, facts: try facts(person, for: step, asOf: today, db), asOf: today))
            })
        }
    }

    /// Promotes `personID` to `level` when a step from their current level leads there and all its rules are met:
    /// a `promotion` ledger event (with the checks as evidence) and the new level, in one transaction. Only supervisors
    /// and managers approve, never for themselves.
    public func apply(_ personID: String, to level: Level, approver: String, asOf date: Date? = nil) throws -> LedgerEntry {
        let steps = try repository.promotionSteps()
        let time = date ?? now()
        let today = LedgerService.day(time)
        return try database.write { db in
            guard let person = try database.person(personID, db) else { throw ServiceError("no person with id `\(personID)`") }
            guard let boss = try database.person(approver, db), [.supervisor, .manager].contains(boss.level), approver != personID else {
                throw ServiceError("promotions are approved by a supervisor or manager other than the person; `\(approver)` cannot")
            }
            guard let step = steps.first(where: { $0.from == person.level && $0.to == level }) else {
                let options = steps.filter { $0.from == person.level }.map { "\($0.to.rawValue) (\($0.track) track)" }
                throw ServiceError("no step from \(person.level.rawValue) to \(level.rawValue); from \(person.level.rawValue) the tracks lead to \(options.isEmpty ? "nothing further" : options.joined(separator: ", "))")
            }
            let checks = PromotionEvaluator.check(step, facts: try facts(person, for: step, asOf: today, db), asOf: today)
            let unmet = checks.filter { !$0.isMet }
            guard unmet.isEmpty else {
                throw ServiceError("not all rules are met: " + unmet.map { "\($0.requirement) (\($0.actual))" }.joined(separator: "; ") + "; `kefu promote check \(personID)` explains each")
            }
            let evidence = JSONValue.object([
                "track": .string(step.track), "from": .string(step.from.rawValue), "to": .string(level.rawValue), "approved_by": .string(approver),
                "checks": .array(checks.map { .object(["requirement": .string($0.requirement), "actual": .string($0.actual)]) }),
            ])
            let entry = try database.append(LedgerEntry(sequence: 0, kind: .promotion, person: personID, subject: level.rawValue,
                                                        recordedAt: LedgerService.timestamp(time), evidence: evidence, previousHash: ""), db)
            try database.setLevel(level, for: personID, db)
            return entry
        }
    }
}
