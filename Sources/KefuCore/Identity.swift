/// A role a person holds in Kefu. Roles follow from the person's level and from explicit grants.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Takes exams and plays scenarios (every active person).
    case trainee
    /// Reviews their apprentices' transcripts and marks their essays.
    case mentor
    /// Reviews sampled real interactions.
    case qaReviewer = "qa-reviewer"
    /// Leads a team: grades essays, decides disputes.
    case teamLead = "team-lead"
    /// Supervises: clears retraining, applies promotions, signs off.
    case supervisor
    /// Manages the centre.
    case manager
    /// Administers Kefu: people, accounts, content, hand-entered evidence.
    case admin

    /// Orders by the declaration order (trainee first).
    public static func < (lhs: Role, rhs: Role) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }

    /// The roles a level carries by itself (grants add more).
    public static func implied(by level: Level) -> Set<Role> {
        switch level {
        case .specialist: return [.trainee]
        case .seniorSpecialist, .expert: return [.trainee, .mentor]
        case .teamLead: return [.trainee, .mentor, .teamLead]
        case .supervisor: return [.trainee, .mentor, .teamLead, .supervisor]
        case .manager: return [.trainee, .mentor, .teamLead, .supervisor, .manager]
        }
    }
}

/// Who is acting: the person a mutating service call is done for, their roles, and through which
/// channel they were established (the CLI's operator, a signed-in web session, an API token).
///
/// Every mutating service method takes one, so that records say truthfully who did what.
public struct Identity: Sendable, Hashable, Codable {
    /// How the identity was established.
    public enum Channel: Sendable, Hashable, Codable {
        /// The command line: whoever can open the database file (the OS user named here) acting as `person`.
        case `operator`(osUser: String)
        /// An authenticated web session.
        case session
        /// An API token.
        case token
        /// Kefu itself (migrations, scheduled expiry, benchmarks).
        case system
    }

    /// The person acting.
    public var person: PersonID
    /// Their roles.
    public var roles: Set<Role>
    /// How they were established.
    public var channel: Channel

    /// Creates an identity.
    public init(person: PersonID, roles: Set<Role>, channel: Channel) {
        self.person = person
        self.roles = roles
        self.channel = channel
    }

    /// True when the identity holds `role`.
    public func has(_ role: Role) -> Bool { roles.contains(role) }

    /// Kefu itself, for work no person does (benchmarks, migrations).
    public static let system = Identity(person: "kefu", roles: [.admin], channel: .system)

    /// How the audit log names this identity, e.g. `operator root acting as E001`.
    public var auditName: String {
        switch channel {
        case .operator(let user): return "operator \(user) acting as \(person)"
        case .session: return "\(person) (web session)"
        case .token: return "\(person) (API token)"
        case .system: return "kefu"
        }
    }
}
