public import KefuCore

/// Everything a person can ask Kefu to do that the access policy rules on. Each service asks
/// ``AccessPolicy`` about exactly one of these before it reads or changes a record; the web app
/// and the CLI share the answer, so a rule holds through every channel.
public enum Action: String, Sendable, Hashable, CaseIterable, Codable {
    // People, accounts, content
    /// Import, add or mark people as having left.
    case managePeople = "people.manage"
    /// Invite, reset, lock and unlock other people's accounts; list or revoke their sessions and tokens.
    case manageAccounts = "accounts.manage"
    /// Grant or withdraw roles.
    case grantRoles = "roles.grant"
    /// Set one's own password, list and revoke one's own sessions and API tokens.
    case manageOwnAccount = "account.own"
    /// Import or change content (question banks).
    case manageContent = "content.manage"
    /// Read the audit log.
    case viewAudit = "audit.view"

    // Exams
    /// Take an exam (one's own attempt only).
    case takeExam = "exam.take"
    /// Fix the seed of somebody's next paper (the system draws it otherwise).
    case fixSeed = "exam.fix-seed"
    /// See a person's exam results.
    case viewExamResult = "exam.view-result"
    /// See an attempt's answer key and every correct answer, whatever the blueprint shows candidates.
    case viewAnswerKey = "exam.view-key"
    /// Grade an essay answer.
    case gradeEssay = "exam.grade"
    /// Clear a retraining flag.
    case clearRetraining = "exam.clear-retraining"
    /// Read item statistics and the grading queue.
    case viewExamStatistics = "exam.statistics"

    // Scenarios and mentoring
    /// Play a scenario (one's own run only).
    case playScenario = "scenario.play"
    /// Read a scenario run's transcript.
    case viewTranscript = "scenario.view"
    /// Annotate or override a transcript's verdicts.
    case reviewTranscript = "mentor.review"
    /// Sign off an apprentice's transcript (counts towards certification).
    case signOff = "mentor.sign-off"
    /// Assign mentors to apprentices.
    case assignMentors = "mentor.assign"

    // QA
    /// Import interactions.
    case importInteractions = "qa.import"
    /// Score interactions and draw samples.
    case scoreInteractions = "qa.score"
    /// Read imported interactions, scores, samples and reports.
    case viewQA = "qa.view"
    /// Review an interaction (a human verdict per rubric item).
    case reviewInteraction = "qa.review"
    /// Open a dispute about a review of one's own interaction.
    case openDispute = "qa.dispute.open"
    /// Accept or reject a dispute.
    case decideDispute = "qa.dispute.decide"
    /// Run a calibration session.
    case calibrate = "qa.calibrate"

    // Reviews, promotion, certification
    /// Import KPI feedback and run review cycles.
    case runReviews = "review.run"
    /// Read a person's scorecards and promotion check.
    case viewPerformance = "review.view"
    /// Apply a promotion.
    case applyPromotion = "promotion.apply"
    /// Issue a certification when its requirements are met.
    case certify = "certification.issue"
    /// Revoke a certification.
    case revokeCertification = "certification.revoke"
    /// Expire certifications past their validity.
    case expireCertifications = "certification.expire"
    /// Enter evidence by hand (an attempt or a sign-off recorded outside Kefu).
    case enterManualEvidence = "evidence.manual"
    /// Write ledger checkpoints.
    case checkpointLedger = "ledger.checkpoint"
    /// Rotate the issuer's signing key (key custody).
    case manageKeys = "ledger.keys"
}

/// What an action is about: whose work it is (the owner), and the facts the rules need about that owner.
public struct Subject: Sendable, Hashable {
    /// The person whose work or record this is (the candidate, the apprentice, the interaction's agent);
    /// `nil` for actions on no one in particular (importing, listing, running a cycle).
    public var owner: PersonID?
    /// The owner's current mentor, when the action depends on it.
    public var ownerMentor: PersonID?

    /// Creates a subject.
    public init(owner: PersonID? = nil, ownerMentor: PersonID? = nil) {
        self.owner = owner
        self.ownerMentor = ownerMentor
    }

    /// An action about nobody in particular.
    public static let none = Subject()

    /// An action about `person`'s work, whose current mentor is `mentor`.
    public static func person(_ person: PersonID, mentor: PersonID? = nil) -> Subject {
        Subject(owner: person, ownerMentor: mentor)
    }
}

/// The answer to "may ACTOR do ACTION on SUBJECT": allowed, or refused with the reason.
public struct Decision: Sendable, Hashable {
    /// True when allowed.
    public var allowed: Bool
    /// Why not, in words for the person refused (empty when allowed).
    public var reason: String

    static let allow = Decision(allowed: true, reason: "")
    static func deny(_ reason: String) -> Decision { Decision(allowed: false, reason: reason) }
}

/// The one place that decides who may do what. Pure: the facts come in, a decision comes out.
///
/// The rules (README "Roles and the policy" has the matrix):
/// - Nobody judges their own work: signing off, reviewing, grading, deciding a dispute, clearing
///   retraining, certifying, revoking, promoting or entering evidence about oneself is refused.
/// - Some things are only ever one's own: taking an exam, playing a scenario, opening a dispute,
///   managing one's own account.
/// - Roles come from the level and from explicit grants; `admin` administers (people, accounts,
///   content, seeds, hand-entered evidence, certification bookkeeping) but does not judge trainees'
///   work unless they also hold the role that does.
public enum AccessPolicy {
    /// Decides whether `actor` may do `action` on `subject`.
    public static func decide(_ actor: Identity, _ action: Action, on subject: Subject = .none) -> Decision {
        let own = subject.owner.map { $0 == actor.person } ?? false
        if own, Self.judgements.contains(action) {
            return .deny("nobody may \(Self.phrase(action)) when it is their own work; ask someone else to")
        }
        if Self.ownOnly.contains(action) {
            guard let owner = subject.owner else { return .allow }
            return owner == actor.person
                ? .allow
                : .deny(
                    "\(actor.person) may not \(Self.phrase(action)) for \(owner): only \(owner) may, for themselves")
        }
        let roles = actor.roles
        let isMentorOfOwner = subject.ownerMentor.map { $0 == actor.person } ?? false
        if let rule = Self.rules[action], rule.allows(roles: roles, own: own, mentorOfOwner: isMentorOfOwner) {
            return .allow
        }
        return .deny(Self.refusal(action, actor: actor))
    }

    /// Throws ``ServiceError`` `forbidden` unless `actor` may do `action` on `subject`.
    public static func require(_ actor: Identity, _ action: Action, on subject: Subject = .none) throws {
        let decision = decide(actor, action, on: subject)
        guard decision.allowed else { throw ServiceError(.forbidden, decision.reason) }
    }

    /// Like ``require(_:_:on:)`` but refuses as `notFound`, for reads where a refusal must not reveal
    /// that the record exists (the web app's URLs with somebody else's id).
    public static func requireVisible(
        _ actor: Identity, _ action: Action, on subject: Subject, notFound message: String
    ) throws {
        guard decide(actor, action, on: subject).allowed else { throw ServiceError(.notFound, message) }
    }

    /// Actions that judge somebody's work: never allowed on one's own.
    public static let judgements: Set<Action> = [
        .gradeEssay, .clearRetraining, .reviewTranscript, .signOff, .reviewInteraction, .decideDispute,
        .applyPromotion, .certify, .revokeCertification, .enterManualEvidence, .fixSeed,
    ]

    /// Actions a person only ever does for themselves.
    public static let ownOnly: Set<Action> = [.takeExam, .playScenario, .openDispute, .manageOwnAccount]

    /// Who may do each action that is not own-only.
    struct Rule: Sendable {
        /// Any of these roles allows it.
        var roles: Set<Role>
        /// The owner may do it on their own record.
        var owner = false
        /// The owner's current mentor may do it.
        var mentor = false

        func allows(roles held: Set<Role>, own: Bool, mentorOfOwner: Bool) -> Bool {
            !roles.isDisjoint(with: held) || (owner && own) || (mentor && mentorOfOwner)
        }
    }

    static let leads: Set<Role> = [.teamLead, .supervisor, .manager]
    static let supervisors: Set<Role> = [.supervisor, .manager]

    static let rules: [Action: Rule] = [
        .managePeople: Rule(roles: [.admin]),
        .manageAccounts: Rule(roles: [.admin]),
        .grantRoles: Rule(roles: [.admin]),
        .manageContent: Rule(roles: [.admin]),
        .viewAudit: Rule(roles: supervisors.union([.admin])),
        .fixSeed: Rule(roles: [.admin]),
        .viewExamResult: Rule(roles: leads.union([.admin]), owner: true, mentor: true),
        .viewAnswerKey: Rule(roles: leads.union([.admin])),
        .gradeEssay: Rule(roles: leads, mentor: true),
        .clearRetraining: Rule(roles: supervisors),
        .viewExamStatistics: Rule(roles: leads.union([.admin, .mentor])),
        .viewTranscript: Rule(roles: leads.union([.admin]), owner: true, mentor: true),
        .reviewTranscript: Rule(roles: supervisors, mentor: true),
        .signOff: Rule(roles: supervisors, mentor: true),
        .assignMentors: Rule(roles: supervisors.union([.admin])),
        .importInteractions: Rule(roles: leads.union([.admin, .qaReviewer])),
        .scoreInteractions: Rule(roles: leads.union([.admin, .qaReviewer])),
        .viewQA: Rule(roles: leads.union([.admin, .qaReviewer]), owner: true),
        .reviewInteraction: Rule(roles: leads.union([.qaReviewer])),
        .decideDispute: Rule(roles: leads),
        .calibrate: Rule(roles: leads.union([.qaReviewer])),
        .runReviews: Rule(roles: supervisors.union([.admin])),
        .viewPerformance: Rule(roles: leads.union([.admin]), owner: true, mentor: true),
        .applyPromotion: Rule(roles: supervisors),
        .certify: Rule(roles: supervisors.union([.admin])),
        .revokeCertification: Rule(roles: supervisors.union([.admin])),
        .expireCertifications: Rule(roles: supervisors.union([.admin])),
        .enterManualEvidence: Rule(roles: [.admin]),
        .checkpointLedger: Rule(roles: supervisors.union([.admin])),
        .manageKeys: Rule(roles: [.admin]),
    ]

    /// The action in words, after "may".
    static func phrase(_ action: Action) -> String {
        switch action {
        case .managePeople: return "manage people"
        case .manageAccounts: return "manage other people's accounts"
        case .grantRoles: return "grant roles"
        case .manageOwnAccount: return "manage an account"
        case .manageContent: return "change content"
        case .viewAudit: return "read the audit log"
        case .takeExam: return "take an exam"
        case .fixSeed: return "fix exam seeds"
        case .viewExamResult: return "see these exam results"
        case .viewAnswerKey: return "see an attempt's answer key"
        case .gradeEssay: return "grade essays"
        case .clearRetraining: return "clear retraining flags"
        case .viewExamStatistics: return "read exam statistics and the grading queue"
        case .playScenario: return "play a scenario"
        case .viewTranscript: return "read this transcript"
        case .reviewTranscript: return "review transcripts"
        case .signOff: return "sign off transcripts"
        case .assignMentors: return "assign mentors"
        case .importInteractions: return "import interactions"
        case .scoreInteractions: return "score interactions and draw samples"
        case .viewQA: return "read QA records"
        case .reviewInteraction: return "review interactions"
        case .openDispute: return "open a dispute"
        case .decideDispute: return "decide disputes"
        case .calibrate: return "run calibration sessions"
        case .runReviews: return "run performance reviews"
        case .viewPerformance: return "read these performance records"
        case .applyPromotion: return "apply promotions"
        case .certify: return "issue certifications"
        case .revokeCertification: return "revoke certifications"
        case .expireCertifications: return "expire certifications"
        case .enterManualEvidence: return "enter evidence by hand"
        case .checkpointLedger: return "write ledger checkpoints"
        case .manageKeys: return "rotate the ledger's signing key"
        }
    }

    static func refusal(_ action: Action, actor: Identity) -> String {
        var who = (rules[action]?.roles ?? []).sorted().map(\.rawValue)
        if rules[action]?.mentor == true { who.append("the person's current mentor") }
        let held = actor.roles.sorted().map(\.rawValue).joined(separator: ", ")
        let takes =
            who.isEmpty
            ? "nobody may"
            : who.count == 1 ? "that takes: \(who[0])" : "that takes one of: \(who.joined(separator: ", "))"
        return "\(actor.person) (\(held.isEmpty ? "no roles" : held)) may not \(phrase(action)); \(takes)"
    }
}

extension KefuEnvironment {
    /// The subject for an action on `person`'s work: the person and their current mentor.
    public func subject(_ person: PersonID) async throws -> Subject {
        let mentorships = try await translatingStorageErrors {
            try await storage.mentoring.mentorships(of: person, activeOnly: true)
        }
        return .person(person, mentor: mentorships.first { $0.apprenticeID == person }?.mentorID)
    }

    /// Throws `forbidden` unless `actor` may do `action` on `person`'s work (their mentor looked up).
    public func require(_ actor: Identity, _ action: Action, on person: PersonID) async throws {
        let subject = AccessPolicy.ruleNeedsMentor(action) ? try await self.subject(person) : .person(person)
        try AccessPolicy.require(actor, action, on: subject)
    }
}

extension AccessPolicy {
    /// True when the rule for `action` depends on the owner's mentor.
    static func ruleNeedsMentor(_ action: Action) -> Bool { rules[action]?.mentor == true }
}

extension AccessPolicy {
    /// The policy as a Markdown table (README "Roles and the policy"): per action, the roles that may do it
    /// on anybody's record, whether the owner may on their own and whether the owner's mentor may.
    public static func markdownMatrix() -> String {
        var lines = [
            "| action | roles (anybody's record) | the owner, on their own | the owner's current mentor |",
            "| --- | --- | --- | --- |",
        ]
        for action in Action.allCases {
            let roles: String
            let own: String
            let mentor: String
            if ownOnly.contains(action) {
                (roles, own, mentor) = ("nobody", "yes (only)", "no")
            } else {
                let rule = rules[action] ?? Rule(roles: [])
                roles = rule.roles.isEmpty ? "nobody" : rule.roles.sorted().map(\.rawValue).joined(separator: ", ")
                own = judgements.contains(action) ? "never" : rule.owner ? "yes" : "as any other"
                mentor = rule.mentor ? "yes" : "no"
            }
            lines.append("| `\(action.rawValue)` | \(roles) | \(own) | \(mentor) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
