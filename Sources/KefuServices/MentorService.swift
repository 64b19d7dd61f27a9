public import Foundation
import KefuContent
public import KefuCore
import KefuMentoring
public import KefuStorage
import KefuTracks
import Logging

/// A pair the assignment makes.
public struct ProposedPair: Sendable, Hashable, Codable {
    /// The apprentice.
    public var apprentice: PersonID
    /// The mentor.
    public var mentor: PersonID
    /// The pair's preference score.
    public var score: Figure
    /// The terms of the score.
    public var reasons: [String]
}

/// An apprentice the assignment could not match, with the constraint that blocked them.
public struct UnmatchedApprentice: Sendable, Hashable, Codable {
    /// The apprentice.
    public var apprentice: PersonID
    /// Why.
    public var reason: String
}

/// An active pair that ends because someone left.
public struct EndedPair: Sendable, Hashable, Codable {
    /// The pair.
    public var pair: MentorshipRecord
    /// Why it ends.
    public var reason: String
}

/// A person at a mentoring level who may not take apprentices now.
public struct IneligibleMentor: Sendable, Hashable, Codable {
    /// The mentor.
    public var mentor: PersonID
    /// Why (certification missing, expired or revoked).
    public var reason: String
}

/// A mentor assignment: what it proposes and, unless it was a dry run, what it stored.
public struct MentorAssignment: Sendable, Hashable, Codable {
    /// New pairs.
    public var pairs: [ProposedPair]
    /// Apprentices left without a mentor.
    public var unmatched: [UnmatchedApprentice]
    /// Active pairs that end.
    public var endings: [EndedPair]
    /// Active pairs that stay.
    public var kept: [MentorshipRecord]
    /// Mentors who may not take apprentices, and why.
    public var ineligible: [IneligibleMentor]
    /// True when nothing was stored.
    public var dryRun: Bool
    /// The stored pairs with their ids (empty for a dry run).
    public var stored: [MentorshipRecord]
    /// The matching's objective (sum of the pairs' scores less load penalties).
    public var objective: Figure

    /// True when every apprentice who needed a mentor has one.
    public var isComplete: Bool
}

/// Mentor assignment (导师带徒) as a use case: who needs a mentor, who may mentor, the optimal pairing under
/// `Tracks/mentoring.yaml`, and storing it. Pairs whose mentor (or apprentice) has left are ended first; every
/// other pair is kept and counts against its mentor's capacity, so re-matching moves nobody else.
public struct MentorService: Sendable {
    /// Storage, content and clock.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// Works out the assignment as of `date` (default: now) without storing anything.
    public func propose(asOf date: Date? = nil) async throws -> MentorAssignment {
        let rules = try environment.content.mentoringRules()
        let today = LedgerService.day(date ?? environment.clock.now())
        let snapshot = try await translatingStorageErrors {
            try await environment.storage.mentoring.assignmentSnapshot()
        }
        let byID = Dictionary(uniqueKeysWithValues: snapshot.people.map { ($0.id, $0) })
        var endings: [EndedPair] = []
        var kept: [MentorshipRecord] = []
        for pair in snapshot.active {
            if byID[pair.mentorID.rawValue]?.isActive != true {
                endings.append(EndedPair(pair: pair, reason: "mentor \(pair.mentorID) left"))
            } else if byID[pair.apprenticeID.rawValue]?.isActive != true {
                endings.append(EndedPair(pair: pair, reason: "apprentice \(pair.apprenticeID) left"))
            } else {
                kept.append(pair)
            }
        }
        let mentored = Set(kept.map(\.apprenticeID.rawValue))
        let since = CertificationEvaluator.addMonths(-rules.newHireMonths, to: today)
        let apprentices = snapshot.people
            .filter {
                $0.isActive && $0.level == .specialist && $0.hireDate >= since && $0.hireDate <= today
                    && !mentored.contains($0.id)
            }
            .map {
                Apprentice(
                    id: $0.id, languages: $0.languages, channels: $0.channels, site: $0.site, team: $0.team,
                    managerID: $0.managerID)
            }
        var mentors: [Mentor] = []
        var ineligible: [IneligibleMentor] = []
        for person in snapshot.people where person.isActive && rules.levels.contains(person.level) {
            var reason: String?
            if let certification = rules.requiredCertification {
                switch CertificationEvaluator.state(
                    of: certification, person: person.id, entries: snapshot.ledger, asOf: today)
                {
                case .valid: break
                case .none: reason = "does not hold the `\(certification)` certification"
                case .expired(_, let on): reason = "`\(certification)` expired on \(on)"
                case .revoked(_, let why): reason = "`\(certification)` was revoked (\(why))"
                }
            }
            if let reason { ineligible.append(IneligibleMentor(mentor: PersonID(person.id), reason: reason)) }
            mentors.append(
                Mentor(
                    id: person.id, languages: person.languages, channels: person.channels, site: person.site,
                    team: person.team,
                    capacity: rules.capacities[person.id] ?? rules.capacity,
                    load: kept.filter { $0.mentorID.rawValue == person.id }.count, ineligibility: reason))
        }
        let plan = MentorMatcher(weights: rules.weights, lineManager: rules.lineManager).assign(
            apprentices: apprentices, mentors: mentors)
        return MentorAssignment(
            pairs: plan.pairs.map {
                ProposedPair(
                    apprentice: PersonID($0.apprentice), mentor: PersonID($0.mentor), score: Figure($0.score),
                    reasons: $0.reasons)
            },
            unmatched: plan.unmatched.map {
                UnmatchedApprentice(apprentice: PersonID($0.apprentice), reason: $0.reason)
            },
            endings: endings, kept: kept, ineligible: ineligible, dryRun: true, stored: [],
            objective: Figure(plan.objective),
            isComplete: plan.unmatched.isEmpty)
    }

    /// Proposes and, unless `dryRun`, stores the assignment (endings and new pairs in one transaction).
    public func assign(
        asOf date: Date? = nil, dryRun: Bool = false, by actor: Identity
    ) async throws -> MentorAssignment {
        let time = date ?? environment.clock.now()
        try AccessPolicy.require(actor, .assignMentors)
        var assignment = try await propose(asOf: time)
        guard !dryRun else { return assignment }
        let stamp = LedgerService.timestamp(time)
        let pairs = assignment.pairs.map {
            MentorshipRecord(
                apprenticeID: $0.apprentice, mentorID: $0.mentor, assignedAt: stamp, score: $0.score.value,
                reasons: $0.reasons)
        }
        let endings = assignment.endings.map { MentorshipEnding(id: $0.pair.id, reason: $0.reason) }
        assignment.stored = try await translatingStorageErrors {
            try await environment.storage.mentoring.recordAssignment(ending: endings, adding: pairs, at: stamp)
        }
        assignment.dryRun = false
        try await environment.audit(
            actor, "mentor.assign", subject: "mentorships",
            detail: [
                "pairs": assignment.stored.map { "\($0.apprenticeID)←\($0.mentorID)" }.joined(separator: " "),
                "ended": String(endings.count),
            ])
        environment.logger.debug(
            "mentor assignment stored", metadata: ["pairs": "\(assignment.stored.count)", "ended": "\(endings.count)"])
        return assignment
    }

    /// Active pairs, by mentor then apprentice.
    public func active() async throws -> [MentorshipRecord] {
        try await translatingStorageErrors {
            try await environment.storage.mentoring.mentorships(of: nil, activeOnly: true)
        }
        .sorted { ($0.mentorID, $0.apprenticeID) < ($1.mentorID, $1.apprenticeID) }
    }

    /// A person's pairings (as apprentice or mentor), with history.
    public func history(of person: PersonID) async throws -> [MentorshipRecord] {
        try await translatingStorageErrors {
            guard try await environment.storage.people.person(person) != nil else {
                throw ServiceError.notFound(person)
            }
            return try await environment.storage.mentoring.mentorships(of: person, activeOnly: false)
        }
    }

    /// The person's active mentor, if any.
    public func mentor(of apprentice: PersonID) async throws -> PersonID? {
        try await translatingStorageErrors {
            try await environment.storage.mentoring.mentorships(of: apprentice, activeOnly: true).first {
                $0.apprenticeID == apprentice
            }?.mentorID
        }
    }
}
