/// A kind of record that has an identifier, named for messages ("person", "attempt", …).
public protocol IdentifierKind: Sendable {
    /// The record's name in messages, e.g. `person`.
    static var noun: String { get }
}

/// A typed text identifier: a `PersonID` cannot be passed where a `SampleID` is expected.
///
/// Encodes as a plain JSON string; compares and sorts by its text.
public struct Identifier<Kind: IdentifierKind>: RawRepresentable, Hashable, Comparable, Sendable, Codable,
    CustomStringConvertible, ExpressibleByStringLiteral
{
    /// The identifier's text as stored and shown.
    public let rawValue: String

    /// Wraps `rawValue`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Wraps `rawValue`.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Wraps a literal (tests and fixtures).
    public init(stringLiteral value: String) { self.rawValue = value }

    /// Decodes a plain JSON string.
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }

    /// Encodes a plain JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The identifier's text.
    public var description: String { rawValue }

    /// True when the text is empty (never a valid identifier).
    public var isEmpty: Bool { rawValue.isEmpty }

    /// Orders by text.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A typed numeric identifier assigned by storage (attempt numbers, ledger sequence numbers, …).
///
/// Encodes as a plain JSON integer.
public struct SerialNumber<Kind: IdentifierKind>: RawRepresentable, Hashable, Comparable, Sendable, Codable,
    CustomStringConvertible, ExpressibleByIntegerLiteral
{
    /// The number as stored and shown.
    public let rawValue: Int64

    /// Wraps `rawValue`.
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// Wraps `rawValue`.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    /// Wraps a literal (tests and fixtures).
    public init(integerLiteral value: Int64) { self.rawValue = value }

    /// Parses decimal text (as typed on a command line or in a URL); nil for anything else.
    public init?(_ text: String) {
        guard let value = Int64(text) else { return nil }
        self.rawValue = value
    }

    /// Decodes a plain JSON integer.
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int64.self) }

    /// Encodes a plain JSON integer.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The number in decimal.
    public var description: String { String(rawValue) }

    /// Orders by number.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Identifier kinds. Each names its record in messages.
public enum IDKind {
    /// A person (staff number).
    public enum Person: IdentifierKind { public static let noun = "person" }
    /// An evidence attempt (exam or scenario result used by certification rules).
    public enum Attempt: IdentifierKind { public static let noun = "attempt" }
    /// An exam attempt.
    public enum ExamAttempt: IdentifierKind { public static let noun = "exam attempt" }
    /// A scenario run.
    public enum Run: IdentifierKind { public static let noun = "scenario run" }
    /// A ledger entry (sequence number).
    public enum Entry: IdentifierKind { public static let noun = "ledger entry" }
    /// An imported QA interaction.
    public enum Interaction: IdentifierKind { public static let noun = "interaction" }
    /// A QA import batch.
    public enum Batch: IdentifierKind { public static let noun = "import batch" }
    /// A QA sample.
    public enum Sample: IdentifierKind { public static let noun = "sample" }
    /// A QA review.
    public enum Review: IdentifierKind { public static let noun = "review" }
    /// A QA dispute.
    public enum Dispute: IdentifierKind { public static let noun = "dispute" }
    /// A QA calibration session.
    public enum Calibration: IdentifierKind { public static let noun = "calibration session" }
    /// A rubric.
    public enum Rubric: IdentifierKind { public static let noun = "rubric" }
    /// A scenario.
    public enum Scenario: IdentifierKind { public static let noun = "scenario" }
    /// A question bank.
    public enum Bank: IdentifierKind { public static let noun = "question bank" }
    /// An exam blueprint.
    public enum Blueprint: IdentifierKind { public static let noun = "exam blueprint" }
    /// A question.
    public enum Question: IdentifierKind { public static let noun = "question" }
    /// A certification.
    public enum Certification: IdentifierKind { public static let noun = "certification" }
    /// A mentorship (mentor–apprentice pair).
    public enum Mentorship: IdentifierKind { public static let noun = "mentorship" }
    /// A performance-review cycle.
    public enum Cycle: IdentifierKind { public static let noun = "review cycle" }
}

/// A person's staff number.
public typealias PersonID = Identifier<IDKind.Person>
/// An evidence attempt's number.
public typealias AttemptID = SerialNumber<IDKind.Attempt>
/// An exam attempt's number.
public typealias ExamAttemptID = SerialNumber<IDKind.ExamAttempt>
/// A scenario run's number.
public typealias RunID = SerialNumber<IDKind.Run>
/// A ledger entry's sequence number.
public typealias EntryID = SerialNumber<IDKind.Entry>
/// An imported interaction's id.
public typealias InteractionID = Identifier<IDKind.Interaction>
/// An import batch's name.
public typealias BatchID = Identifier<IDKind.Batch>
/// A QA sample's name.
public typealias SampleID = Identifier<IDKind.Sample>
/// A QA review's number.
public typealias ReviewID = SerialNumber<IDKind.Review>
/// A QA dispute's number.
public typealias DisputeID = SerialNumber<IDKind.Dispute>
/// A calibration session's name.
public typealias CalibrationID = Identifier<IDKind.Calibration>
/// A rubric's id.
public typealias RubricID = Identifier<IDKind.Rubric>
/// A scenario's id.
public typealias ScenarioID = Identifier<IDKind.Scenario>
/// A question bank's id.
public typealias BankID = Identifier<IDKind.Bank>
/// An exam blueprint's id.
public typealias BlueprintID = Identifier<IDKind.Blueprint>
/// A question's id.
public typealias QuestionID = Identifier<IDKind.Question>
/// A certification's id.
public typealias CertificationID = Identifier<IDKind.Certification>
/// A mentorship's number.
public typealias MentorshipID = SerialNumber<IDKind.Mentorship>
/// A review cycle's number.
public typealias CycleID = SerialNumber<IDKind.Cycle>

extension IDKind {
    /// A signed-in session.
    public enum Session: IdentifierKind { public static let noun = "session" }
    /// An API token (the public part of `kefu_<id>_<secret>`).
    public enum APIToken: IdentifierKind { public static let noun = "API token" }
    /// A one-time invitation or password-reset token.
    public enum OneTimeToken: IdentifierKind { public static let noun = "one-time token" }
    /// A role grant.
    public enum Grant: IdentifierKind { public static let noun = "role grant" }
}

/// A session's number (never its secret).
public typealias SessionID = SerialNumber<IDKind.Session>
/// An API token's public id.
public typealias APITokenID = Identifier<IDKind.APIToken>
/// A one-time token's number (never the token itself).
public typealias OneTimeTokenID = SerialNumber<IDKind.OneTimeToken>
/// A role grant's number.
public typealias GrantID = SerialNumber<IDKind.Grant>
