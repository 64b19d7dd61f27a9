import Foundation
import KefuContent
import KefuCore
import KefuMentoring
import KefuStore
import KefuTracks

/// Mentor assignment (导师带徒) as a use case: who needs a mentor, who may mentor, the optimal pairing under
/// `Tracks/mentoring.yaml`, and storing it. Pairs whose mentor (or apprentice) has left are ended first; every
/// other pair is kept and counts against its mentor's capacity, so re-matching moves nobody else.
public struct MentorService: Sendable {
    /// The database.
    public let database: KefuDatabase
    /// The content (rules).
    public let repository: ContentRepository
    /// Wall-clock time (injected so tests control it).
    public let now: @Sendable () -> Date

    /// Creates the service.
    public init(database: KefuDatabase, repository: ContentRepository, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.repository = repository
        self.now = now
    }

    /// A proposed assignment.
    public struct Proposal: Sendable {
        /// The new pairs and the apprentices left without a mentor.
        public var plan: AssignmentPlan
        /// Active pairs that end, and why.
        public var endings: [(pair: MentorshipRecord, reason: String)]
        /// Active pairs that stay.
        public var kept: [MentorshipRecord]
        /// Mentors who may not take apprentices, and why.
        public var ineligible: [(mentor: String, reason: String)]
        /// The rules applied.
        public var rules: MentoringRules
    }

    /// Works out the assignment as of `date` (default: now) without storing anything.
    public func propose(asOf date: Date? = nil) throws -> Proposal {
        let rules = try repository.mentoringRules()
        let today = LedgerService.day(date ?? now())
        let people = try database.people()
        let byID = Dictionary(uniqueKeysWithValues: people.map { ($0.id, $0) })
        var endings: [(MentorshipRecord, String)] = []
        var kept: [MentorshipRecord] = []
        for pair in try database.mentorships(activeOnly: true) {
            if byID[pair.mentorID]?.isActive != true {
                endings.append((pair, "mentor \(pair.mentorID) left"))
            } else if byID[pair.apprenticeID]?.isActive != true {
                endings.append((pair, "apprentice \(pair.apprenticeID) left"))
            } else {
                kept.append(pair)
            }
        }
        let mentored = Set(kept.map(\.apprenticeID))
        let since = CertificationEvaluator.addMonths(-rules.newHireMonths, to: today)
        let apprentices = people.filter { $0.isActive && $0.level == .specialist && $0.hireDate >= since && $0.hireDate <= today && !mentored.contains($0.id) }
            .map { Apprentice(id: $0.id, languages: $0.languages, channels: $0.channels, site: $0.site, team: $0.team, managerID: $0.managerID) }
        let entries = try database.read { try database.entries($0) }
        var mentors: [Mentor] = []
        var ineligible: [(String, String)] = []
        for person in people where person.isActive && rules.levels.contains(person.level) {
            var reason: String?
            if let certification = rules.requiredCertification {
                switch CertificationEvaluator.state(of: certification, person: person.id, entries: entries, asOf: today) {
                case .valid: break
                case .none: reason = "does not hold the `\(certification)` certification"
                case .expired(_, let on): reason = "`\(certification)` expired on \(on)"
                case .revoked(_, let why): reason = "`\(certification)` was revoked (\(why))"
                }
            }
            if let reason { ineligible.append((person.id, reason)) }
            mentors.append(Mentor(id: person.id, languages: person.languages, channels: person.channels, site: person.site, team: person.team,
                                  capacity: rules.capacities[person.id] ?? rules.capacity, load: kept.filter { $0.mentorID == person.id }.count,
                                  ineligibility: reason))
        }
        let plan = MentorMatcher(weights: rules.weights, lineManager: rules.lineManager).assign(apprentices: apprentices, mentors: mentors)
        return Proposal(plan: plan, endings: endings, kept: kept, ineligible: ineligible, rules: rules)
    }

    /// Proposes and, unless `dryRun`, stores the assignment (endings and new pairs in one transaction).
    public func assign(asOf date: Date? = nil, dryRun: Bool = false) throws -> (proposal: Proposal, stored: [MentorshipRecord]) {
        let time = date ?? now()
        let proposal = try propose(asOf: time)
        guard !dryRun else { return (proposal, []) }
        let stamp = LedgerService.timestamp(time)
        let pairs = proposal.plan.pairs.map {
            MentorshipRecord(apprenticeID: $0.apprentice, mentorID: $0.mentor, assignedAt: stamp, score: $0.score, reasons: $0.reasons)
        }
        let stored = try database.recordMentorships(ending: proposal.endings.map { ($0.pair.id, $0.reason) }, adding: pairs, at: stamp)
        return (proposal, stored)
    }

    /// Active pairs, by mentor then apprentice.
    public func active() throws -> [MentorshipRecord] {
        try database.mentorships(activeOnly: true).sorted { ($0.mentorID, $0.apprenticeID) < ($1.mentorID, $1.apprenticeID) }
    }

    /// A person's pairings (as apprentice or mentor), with history.
    public func history(of person: String) throws -> [MentorshipRecord] {
        guard try database.person(person) != nil else { throw ServiceError("no person with id `\(person)`") }
        return try database.mentorships(person: person)
    }

    /// The person's active mentor, if any.
    public func mentor(of apprentice: String) throws -> String? {
        try database.mentorships(person: apprentice, activeOnly: true).first { $0.apprenticeID == apprentice }?.mentorID
    }
}
