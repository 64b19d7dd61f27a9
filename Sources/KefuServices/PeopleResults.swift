import Foundation
public import KefuCore

/// A person as typed into a form or on a command line: level and channels are text, checked by
/// ``PeopleService/add(_:by:)``.
public struct PersonInput: Sendable, Hashable, Codable {
    /// Staff id.
    public var id: PersonID
    /// Name.
    public var name: String
    /// Team.
    public var team: String
    /// Site.
    public var site: String
    /// Level name (empty: specialist).
    public var level: String
    /// Hire date, YYYY-MM-DD.
    public var hireDate: String
    /// Languages (`zh`, `en`, …).
    public var languages: [String]
    /// Channel names (`phone`, `chat`, `wechat`, `email`).
    public var channels: [String]
    /// Line manager's id.
    public var manager: PersonID?

    /// Creates the input.
    public init(
        id: PersonID, name: String, team: String = "", site: String = "", level: String = "", hireDate: String,
        languages: [String] = [], channels: [String] = [], manager: PersonID? = nil
    ) {
        self.id = id
        self.name = name
        self.team = team
        self.site = site
        self.level = level
        self.hireDate = hireDate
        self.languages = languages
        self.channels = channels
        self.manager = manager
    }
}

/// The outcome of a people import.
public struct PeopleImport: Sendable, Hashable, Codable {
    /// What was read (file path, upload name, `<stdin>`).
    public var source: String
    /// People added.
    public var imported: Int

    /// Creates the outcome.
    public init(source: String, imported: Int) {
        self.source = source
        self.imported = imported
    }
}

/// One person with their evidence and ledger entries.
public struct PersonRecord: Sendable, Hashable, Codable {
    /// The person.
    public var person: Person
    /// Their exam and scenario attempts, oldest first.
    public var attempts: [Attempt]
    /// Their mentors' sign-offs, oldest first.
    public var signOffs: [SignOff]
    /// The ledger entries about them, in sequence order.
    public var ledger: [LedgerEntryView]
}

/// What an evidence attempt was.
public enum AttemptKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// An exam.
    case exam
    /// A scenario.
    case scenario
}

/// The mode an attempt was taken in.
public enum AttemptMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Counted.
    case exam
    /// Practice (never counts for certification).
    case practice
}

/// Whether an attempt passed.
public enum AttemptResult: String, Sendable, Hashable, Codable, CaseIterable {
    /// Passed.
    case pass
    /// Failed.
    case fail
}

/// A hand-entered attempt.
public struct AttemptInput: Sendable, Hashable, Codable {
    /// Who took it.
    public var person: PersonID
    /// Exam or scenario.
    public var kind: AttemptKind
    /// Blueprint or scenario id.
    public var reference: String
    /// Score 0–100.
    public var score: Double
    /// Pass or fail.
    public var result: AttemptResult
    /// Content version (hash) attempted.
    public var contentVersion: String
    /// Exam or practice.
    public var mode: AttemptMode
    /// When it was completed (ISO-8601, not in the future); nil: now.
    public var completedAt: String?
    /// Why it is entered by hand (required; recorded with it and shown wherever it counts).
    public var reason: String

    /// Creates the input.
    public init(
        person: PersonID, kind: AttemptKind, reference: String, score: Double, result: AttemptResult,
        contentVersion: String = "unversioned", mode: AttemptMode = .exam, completedAt: String? = nil,
        reason: String = ""
    ) {
        self.reason = reason
        self.person = person
        self.kind = kind
        self.reference = reference
        self.score = score
        self.result = result
        self.contentVersion = contentVersion
        self.mode = mode
        self.completedAt = completedAt
    }
}

/// A hand-entered mentor's sign-off.
public struct SignOffInput: Sendable, Hashable, Codable {
    /// The apprentice.
    public var person: PersonID
    /// The mentor.
    public var mentor: PersonID
    /// The certification signed off.
    public var certification: CertificationID
    /// Comment.
    public var note: String
    /// Why it is entered by hand (required; recorded with it and shown wherever it counts).
    public var reason: String

    /// Creates the input.
    public init(
        person: PersonID, mentor: PersonID, certification: CertificationID, note: String = "", reason: String = ""
    ) {
        self.reason = reason
        self.person = person
        self.mentor = mentor
        self.certification = certification
        self.note = note
    }
}
