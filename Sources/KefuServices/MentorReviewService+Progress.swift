import Foundation
public import KefuCore
import KefuStorage
import KefuTracks

/// One apprentice as their mentor sees them: who they are and how far they are towards each certification.
public struct ApprenticeProgress: Sendable, Hashable, Codable {
    /// The apprentice.
    public var person: PersonID
    /// Their name.
    public var name: String
    /// Their level (`specialist`, …).
    public var level: String
    /// Their team.
    public var team: String
    /// Since when the pairing holds (empty when the reader is not their mentor but a lead).
    public var since: String
    /// Every certification with its state and requirement checks.
    public var certifications: [CertificationProgress]
}

/// A certification's state and requirements for one person.
public struct CertificationProgress: Sendable, Hashable, Codable {
    /// The certification's id.
    public var certification: String
    /// Its title.
    public var title: String
    /// `valid`, `expired`, `revoked` or `none` (never issued).
    public var state: String
    /// Until when a valid certification holds.
    public var validUntil: String?
    /// Each requirement: met or not, and what the records show (the "why").
    public var checks: [RequirementResult]
    /// True when every requirement is met and the certification is not currently valid: it can be issued now.
    public var ready: Bool
    /// How many requirements are met.
    public var met: Int { checks.filter(\.met).count }
}

extension MentorReviewService {
    /// The ids of `mentor`'s active apprentices (the same reading rule as ``apprentices(of:by:)``), without evaluating
    /// their progress.
    public func apprenticeIDs(of mentor: PersonID, by actor: Identity) async throws -> Set<PersonID> {
        if mentor != actor.person, actor.roles.isDisjoint(with: [.supervisor, .manager, .admin]) {
            throw ServiceError(.forbidden, "\(actor.person) may list only their own apprentices")
        }
        return Set(
            try await translatingStorageErrors {
                try await environment.storage.mentoring.mentorships(of: mentor, activeOnly: true)
            }
            .filter { $0.mentorID == mentor }.map(\.apprenticeID))
    }

    /// The active apprentices of `mentor` with their progress, by id. A mentor reads their own; supervisors,
    /// managers and administrators anyone's.
    public func apprentices(of mentor: PersonID, by actor: Identity) async throws -> [ApprenticeProgress] {
        if mentor != actor.person, actor.roles.isDisjoint(with: [.supervisor, .manager, .admin]) {
            throw ServiceError(.forbidden, "\(actor.person) may list only their own apprentices")
        }
        let pairs = try await translatingStorageErrors {
            try await environment.storage.mentoring.mentorships(of: mentor, activeOnly: true)
        }
        .filter { $0.mentorID == mentor }
        .sorted { $0.apprenticeID < $1.apprenticeID }
        let rules = try environment.content.certificationRules()
        var result: [ApprenticeProgress] = []
        for pair in pairs {
            result.append(try await progress(of: pair.apprenticeID, since: pair.assignedAt, rules: rules))
        }
        return result
    }

    /// One apprentice's progress: for their current mentor, leads and administrators; anyone else is told the
    /// person does not exist (a mentor cannot open another mentor's apprentice).
    public func apprentice(_ person: PersonID, by actor: Identity) async throws -> ApprenticeProgress {
        let subject = try await environment.subject(person)
        try AccessPolicy.requireVisible(
            actor, .viewPerformance, on: subject, notFound: ServiceError.notFound(person).message)
        guard person != actor.person else { throw ServiceError.notFound(person) }
        let since = try await translatingStorageErrors {
            try await environment.storage.mentoring.mentorships(of: person, activeOnly: true)
                .first { $0.apprenticeID == person }?.assignedAt
        }
        return try await progress(of: person, since: since ?? "", rules: try environment.content.certificationRules())
    }

    /// Evaluates every certification for `person` as of today, read-only (`certify` evaluates the same rules).
    func progress(of person: PersonID, since: String, rules: [CertificationRule]) async throws -> ApprenticeProgress {
        let storage = try environment.storage
        let today = LedgerService.day(environment.clock.now())
        return try await translatingStorageErrors {
            guard let found = try await storage.people.person(person) else { throw ServiceError.notFound(person) }
            let evidence = try await storage.people.evidence(of: person)
            let entries = try await storage.ledger.entries(person: person)
            let certifications = rules.map { rule -> CertificationProgress in
                let (checks, _) = CertificationEvaluator.evaluate(
                    rule, person: found, attempts: evidence.attempts, signOffs: evidence.signOffs, entries: entries,
                    asOf: today)
                var state = "none"
                var until: String?
                switch CertificationEvaluator.state(of: rule.id, person: person.rawValue, entries: entries, asOf: today)
                {
                case .valid(_, let date):
                    state = "valid"
                    until = date
                case .expired: state = "expired"
                case .revoked: state = "revoked"
                case .none: break
                }
                return CertificationProgress(
                    certification: rule.id, title: rule.title, state: state, validUntil: until,
                    checks: checks.map(RequirementResult.init),
                    ready: state != "valid" && checks.allSatisfy(\.isMet))
            }
            return ApprenticeProgress(
                person: person, name: found.name, level: found.level.rawValue, team: found.team, since: since,
                certifications: certifications)
        }
    }
}

/// A certification a transcript can be signed off for.
public struct SignOffChoice: Sendable, Hashable, Codable {
    /// Its id.
    public var certification: String
    /// Its title.
    public var title: String
}

extension MentorReviewService {
    /// The certifications that need a mentor's sign-off (what a sign-off can count towards).
    public func signOffChoices() throws -> [SignOffChoice] {
        try environment.content.certificationRules().filter(\.requiresMentorSignOff).map {
            SignOffChoice(certification: $0.id, title: $0.title)
        }
    }
}
