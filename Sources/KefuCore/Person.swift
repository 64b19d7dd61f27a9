/// A level on one of the two promotion tracks (policy digest §11).
public enum Level: String, Sendable, Hashable, Codable, CaseIterable {
    /// 客服专员 Specialist (both tracks start here).
    case specialist
    /// 资深客服专员 Senior specialist (specialist track).
    case seniorSpecialist = "senior-specialist"
    /// 客服专家 Expert (specialist track).
    case expert
    /// 客服组长 Team lead (management track).
    case teamLead = "team-lead"
    /// 客服主管 Supervisor (management track).
    case supervisor
    /// 客服经理 Manager (management track).
    case manager

    /// Chinese title.
    public var chineseTitle: String {
        switch self {
        case .specialist: return "客服专员"
        case .seniorSpecialist: return "资深客服专员"
        case .expert: return "客服专家"
        case .teamLead: return "客服组长"
        case .supervisor: return "客服主管"
        case .manager: return "客服经理"
        }
    }
}

/// A person in the contact centre.
public struct Person: Sendable, Hashable, Codable {
    /// Stable id (staff number).
    public var id: String
    /// Name.
    public var name: String
    /// Team.
    public var team: String
    /// Site.
    public var site: String
    /// Level on the tracks.
    public var level: Level
    /// Hire date (ISO-8601 date).
    public var hireDate: String
    /// Languages (`zh`, `en`, …).
    public var languages: [String]
    /// Channels served.
    public var channels: [Channel]
    /// Active, or left.
    public var isActive: Bool
    /// Line manager's id, when known.
    public var managerID: String?

    /// Creates a person.
    public init(
        id: String, name: String, team: String = "", site: String = "", level: Level = .specialist, hireDate: String,
        languages: [String] = [], channels: [Channel] = [], isActive: Bool = true, managerID: String? = nil
    ) {
        self.id = id
        self.name = name
        self.team = team
        self.site = site
        self.level = level
        self.hireDate = hireDate
        self.languages = languages
        self.channels = channels
        self.isActive = isActive
        self.managerID = managerID
    }
}

/// Evidence entered by hand rather than recorded by Kefu itself: who entered it and why.
public struct ManualEntry: Sendable, Hashable, Codable {
    /// Why it was entered by hand (required).
    public var reason: String
    /// Who entered it (``Identity/auditName``).
    public var enteredBy: String

    /// Creates the record.
    public init(reason: String, enteredBy: String) {
        self.reason = reason
        self.enteredBy = enteredBy
    }
}

/// A recorded exam or scenario attempt: evidence for certification.
public struct Attempt: Sendable, Hashable, Codable {
    /// Row id (0 before it is stored).
    public var id: Int64
    /// Who.
    public var personID: String
    /// `exam` or `scenario`.
    public var kind: String
    /// Blueprint or scenario id.
    public var reference: String
    /// Hash of the content version attempted.
    public var contentVersion: String
    /// `exam` or `practice`.
    public var mode: String
    /// Score 0–100.
    public var score: Double
    /// Whether it passed.
    public var passed: Bool
    /// When (ISO-8601).
    public var completedAt: String
    /// Set when the attempt was entered by hand (nil: Kefu recorded it).
    public var manual: ManualEntry?

    /// Creates an attempt.
    public init(
        id: Int64 = 0, personID: String, kind: String, reference: String, contentVersion: String, mode: String = "exam",
        score: Double, passed: Bool, completedAt: String, manual: ManualEntry? = nil
    ) {
        self.manual = manual
        self.id = id
        self.personID = personID
        self.kind = kind
        self.reference = reference
        self.contentVersion = contentVersion
        self.mode = mode
        self.score = score
        self.passed = passed
        self.completedAt = completedAt
    }
}

/// A mentor's sign-off: evidence for certification.
public struct SignOff: Sendable, Hashable, Codable {
    /// Row id.
    public var id: Int64
    /// The apprentice.
    public var personID: String
    /// The mentor.
    public var mentorID: String
    /// For which certification.
    public var certification: String
    /// When.
    public var signedAt: String
    /// Comment.
    public var note: String
    /// Set when the sign-off was entered by hand (nil: the mentor signed off in Kefu).
    public var manual: ManualEntry?

    /// Creates a sign-off.
    public init(
        id: Int64 = 0, personID: String, mentorID: String, certification: String, signedAt: String, note: String = "",
        manual: ManualEntry? = nil
    ) {
        self.manual = manual
        self.id = id
        self.personID = personID
        self.mentorID = mentorID
        self.certification = certification
        self.signedAt = signedAt
        self.note = note
    }
}
