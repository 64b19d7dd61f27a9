public import Foundation
import KefuContent
public import KefuCore
import KefuLedger
import KefuStorage
public import KefuTracks
import Logging

/// One step of a promotion track checked for a person.
public struct PromotionStepCheck: Sendable, Hashable, Codable {
    /// The track (`specialist` or `management`).
    public var track: String
    /// The level the step starts from.
    public var from: Level
    /// The level it leads to.
    public var to: Level
    /// Each rule, met or not, with the actual value.
    public var checks: [RequirementCheck]
    /// True when every rule is met.
    public var isReady: Bool
}

/// The next step(s) from a person's level on each track, every rule explained.
public struct PromotionCheck: Sendable, Hashable, Codable {
    /// The person.
    public var person: PersonID
    /// Their name.
    public var name: String
    /// Their level.
    public var level: Level
    /// The next step on each track (none at the top).
    public var steps: [PromotionStepCheck]
    /// True when some step is ready.
    public var isReady: Bool
}

/// A recorded promotion.
public struct PromotionRecord: Sendable, Hashable, Codable {
    /// Who was promoted.
    public var person: PersonID
    /// The track.
    public var track: String
    /// The level left.
    public var from: Level
    /// The new level.
    public var to: Level
    /// Who approved it.
    public var approvedBy: PersonID
    /// The `promotion` ledger entry.
    public var entry: EntryID
    /// The entry's chain hash (hex).
    public var hash: String
    /// When (ISO-8601).
    public var recordedAt: String
    /// The rules, all met, as recorded in the entry's evidence.
    public var checks: [RequirementCheck]
}

/// Promotion along the two tracks (`Tracks/promotion.yaml`): which rules of the next step are met, with the actual
/// values from the ledger, exams, QA scores and mentoring; and recording a promotion whose rules are all met.
public struct PromotionService: Sendable {
    /// Storage, content and clock.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// The start dates of the QA windows `steps` ask for, as of `date`.
    static func qaSince(_ steps: [PromotionStep], asOf date: String) -> Set<String> {
        var dates = Set<String>()
        for step in steps {
            for case .qaAverage(_, let months) in step.requirements {
                dates.insert(CertificationEvaluator.addMonths(-months, to: date))
            }
        }
        return dates
    }

    /// The facts for `step` from the stored evidence, as of `date` (ISO date).
    static func facts(_ evidence: PromotionEvidence, for step: PromotionStep, asOf date: String) -> PromotionFacts {
        let person = evidence.person
        let promotions = evidence.ledger.filter {
            $0.person == person.id && $0.kind == .promotion && $0.subject == person.level.rawValue
        }
        let since = promotions.last.map { String($0.recordedAt.prefix(10)) } ?? person.hireDate
        var facts = PromotionFacts(level: person.level, levelSince: since)
        for case .certifications(let ids) in step.requirements {
            for id in ids {
                facts.certifications[id] = CertificationEvaluator.state(
                    of: id, person: person.id, entries: evidence.ledger, asOf: date)
            }
        }
        for case .qaAverage(_, let months) in step.requirements {
            if let average = evidence.qaAverages[CertificationEvaluator.addMonths(-months, to: date)] {
                facts.qaAverage = (average.mean, average.count)
            }
        }
        for (blueprint, best) in evidence.bestExams { facts.exams[blueprint.rawValue] = best }
        facts.apprentices = evidence.apprenticesMentored
        // Ratings of stored review cycles that ended by `date`, the most recent (by end date) first.
        facts.ratings = evidence.scorecards.filter { $0.end <= date }
            .sorted { ($0.end, $0.start) > ($1.end, $1.start) }.map { (cycle: $0.period, rating: $0.rating) }
        return facts
    }

    /// The next step(s) from the person's level on each track, every rule explained.
    public func check(_ personID: PersonID, asOf date: Date? = nil, by actor: Identity) async throws -> PromotionCheck {
        try AccessPolicy.requireVisible(
            actor, .viewPerformance, on: try await environment.subject(personID),
            notFound: ServiceError.notFound(personID).message)
        let steps = try environment.content.promotionSteps()
        let today = LedgerService.day(date ?? environment.clock.now())
        let evidence = try await translatingStorageErrors {
            try await environment.storage.reviews.promotionEvidence(
                for: personID, approver: nil, qaSince: Self.qaSince(steps, asOf: today), asOf: today)
        }
        guard let evidence else { throw ServiceError.notFound(personID) }
        let person = evidence.person
        let checked = steps.filter { $0.from == person.level }.map { step in
            let checks = PromotionEvaluator.check(
                step, facts: Self.facts(evidence, for: step, asOf: today), asOf: today)
            return PromotionStepCheck(
                track: step.track, from: step.from, to: step.to, checks: checks, isReady: checks.allSatisfy(\.isMet))
        }
        return PromotionCheck(
            person: personID, name: person.name, level: person.level, steps: checked,
            isReady: checked.contains(where: \.isReady))
    }

    /// Promotes `personID` to `level` when a step from their current level leads there and all its rules are met:
    /// a `promotion` ledger event (with the checks as evidence) and the new level, in one transaction. Only supervisors
    /// and managers approve (the acting identity), never for themselves.
    public func apply(
        _ personID: PersonID, to level: Level, asOf date: Date? = nil, by actor: Identity
    ) async throws -> PromotionRecord {
        try AccessPolicy.require(actor, .applyPromotion, on: .person(personID))
        let steps = try environment.content.promotionSteps()
        let time = date ?? environment.clock.now()
        let today = LedgerService.day(time)
        let stamp = LedgerService.timestamp(time)
        let approver = actor.person
        let decided = DecisionBox()
        let entry = try await translatingStorageErrors {
            try await environment.storage.reviews.promote(
                personID, approver: approver, qaSince: Self.qaSince(steps, asOf: today), asOf: today,
                signer: try environment.keys.signer()
            ) { evidence in
                let person = evidence.person
                guard let boss = evidence.approver, [.supervisor, .manager].contains(boss.level), approver != personID
                else {
                    throw ServiceError(
                        .forbidden,
                        "promotions are approved by a supervisor or manager other than the person; `\(approver)` cannot"
                    )
                }
                guard let step = steps.first(where: { $0.from == person.level && $0.to == level }) else {
                    let options = steps.filter { $0.from == person.level }.map {
                        "\($0.to.rawValue) (\($0.track) track)"
                    }
                    throw ServiceError(
                        .invalidInput,
                        "no step from \(person.level.rawValue) to \(level.rawValue); from \(person.level.rawValue) the tracks lead to \(options.isEmpty ? "nothing further" : options.joined(separator: ", "))"
                    )
                }
                let checks = PromotionEvaluator.check(
                    step, facts: Self.facts(evidence, for: step, asOf: today), asOf: today)
                let unmet = checks.filter { !$0.isMet }
                guard unmet.isEmpty else {
                    throw ServiceError(
                        .precondition,
                        "not all rules are met: "
                            + unmet.map { "\($0.requirement) (\($0.actual))" }.joined(separator: "; "),
                        hint: .init("promote.check", ["person": personID.rawValue]))
                }
                decided.set(step: step, checks: checks)
                let evidence = JSONValue.object([
                    "track": .string(step.track), "from": .string(step.from.rawValue), "to": .string(level.rawValue),
                    "approved_by": .string(approver.rawValue),
                    "checks": .array(
                        checks.map { .object(["requirement": .string($0.requirement), "actual": .string($0.actual)]) }),
                ])
                return PromotionWrite(
                    entry: LedgerEntry(
                        sequence: 0, kind: .promotion, person: personID.rawValue, subject: level.rawValue,
                        recordedAt: stamp,
                        evidence: evidence, previousHash: ""), level: level)
            }
        }
        let (step, checks) = decided.value
        try await environment.audit(
            actor, "promotion.apply", subject: "person \(personID)",
            detail: ["to": level.rawValue, "track": step?.track ?? "", "entry": String(entry.sequence)])
        environment.logger.debug(
            "promotion recorded", metadata: ["entry": "\(entry.sequence)", "by": "\(actor.person)"])
        return PromotionRecord(
            person: personID, track: step?.track ?? "", from: step?.from ?? level, to: level, approvedBy: approver,
            entry: EntryID(Int64(entry.sequence)), hash: entry.chainHash, recordedAt: entry.recordedAt, checks: checks)
    }
}

/// What the promotion's decision chose, handed out of the transaction's closure.
private final class DecisionBox: @unchecked Sendable {
    private let lock = NSLock()
    private var step: PromotionStep?
    private var checks: [RequirementCheck] = []

    func set(step: PromotionStep, checks: [RequirementCheck]) {
        lock.withLock {
            self.step = step
            self.checks = checks
        }
    }

    var value: (PromotionStep?, [RequirementCheck]) { lock.withLock { (step, checks) } }
}
