public import KefuCore
public import KefuLedger

/// A stored pairing of an apprentice with a mentor.
public struct MentorshipRecord: Sendable, Hashable, Codable {
    /// The pairing's id (0 before it is stored).
    public var id: MentorshipID
    /// The apprentice.
    public var apprenticeID: PersonID
    /// The mentor.
    public var mentorID: PersonID
    /// When the pair was made (ISO-8601).
    public var assignedAt: String
    /// The pair's preference score.
    public var score: Double
    /// The terms of the score.
    public var reasons: [String]
    /// When it ended.
    public var endedAt: String?
    /// Why it ended.
    public var endReason: String?

    /// Creates a record.
    public init(
        id: MentorshipID = 0, apprenticeID: PersonID, mentorID: PersonID, assignedAt: String, score: Double,
        reasons: [String],
        endedAt: String? = nil, endReason: String? = nil
    ) {
        self.id = id
        self.apprenticeID = apprenticeID
        self.mentorID = mentorID
        self.assignedAt = assignedAt
        self.score = score
        self.reasons = reasons
        self.endedAt = endedAt
        self.endReason = endReason
    }

    /// True while the pair is active.
    public var isActive: Bool { endedAt == nil }
}

/// An active pair to end, and why.
public struct MentorshipEnding: Sendable, Hashable, Codable {
    /// The pair.
    public var id: MentorshipID
    /// Why it ends (e.g. `mentor M001 left`).
    public var reason: String

    /// Creates an ending.
    public init(id: MentorshipID, reason: String) {
        self.id = id
        self.reason = reason
    }
}

/// What a mentor assignment reads, in one consistent snapshot.
public struct MentoringSnapshot: Sendable {
    /// Every person.
    public var people: [Person]
    /// The active pairs, oldest first.
    public var active: [MentorshipRecord]
    /// The ledger, in sequence order (mentors' certifications).
    public var ledger: [LedgerEntry]

    /// Creates a snapshot.
    public init(people: [Person], active: [MentorshipRecord], ledger: [LedgerEntry]) {
        self.people = people
        self.active = active
        self.ledger = ledger
    }
}

/// A mentor's verdict on one check of a reply.
public enum MentorVerdict: String, Sendable, Hashable, Codable, CaseIterable {
    /// The reply passes the check.
    case pass
    /// The reply fails the check.
    case fail
}

/// A mentor's note on a transcript turn.
public struct TranscriptAnnotation: Sendable, Hashable, Codable {
    /// Row id.
    public var id: Int64
    /// The run.
    public var runID: RunID
    /// Turn index in the transcript.
    public var turn: Int
    /// Who wrote it.
    public var mentorID: PersonID
    /// The note.
    public var note: String
    /// When (ISO-8601).
    public var at: String

    /// Creates a note (`id` 0 before it is stored).
    public init(id: Int64 = 0, runID: RunID, turn: Int, mentorID: PersonID, note: String, at: String) {
        self.id = id
        self.runID = runID
        self.turn = turn
        self.mentorID = mentorID
        self.note = note
        self.at = at
    }
}

/// A mentor's verdict replacing an automatic one (the automatic verdict is kept).
public struct TranscriptOverride: Sendable, Hashable, Codable {
    /// Row id.
    public var id: Int64
    /// The run.
    public var runID: RunID
    /// Turn index of the reply.
    public var turn: Int
    /// Check id.
    public var checkID: String
    /// The automatic verdict (`pass`, `fail`, `skipped`, …), kept as the runner reported it.
    public var automatic: String
    /// The mentor's verdict, as stored (`pass` or `fail`; see ``mentorVerdict``).
    public var verdict: String
    /// Why.
    public var reason: String
    /// Who.
    public var mentorID: PersonID
    /// When (ISO-8601).
    public var at: String

    /// Creates an override (`id` 0 before it is stored).
    public init(
        id: Int64 = 0, runID: RunID, turn: Int, checkID: String, automatic: String, verdict: MentorVerdict,
        reason: String,
        mentorID: PersonID, at: String
    ) {
        self.id = id
        self.runID = runID
        self.turn = turn
        self.checkID = checkID
        self.automatic = automatic
        self.verdict = verdict.rawValue
        self.reason = reason
        self.mentorID = mentorID
        self.at = at
    }

    /// The mentor's verdict as a closed value.
    public var mentorVerdict: MentorVerdict? { MentorVerdict(rawValue: verdict) }
}

/// A transcript's review: notes, overrides and whether it was signed off.
public struct TranscriptReviewRecord: Sendable, Hashable, Codable {
    /// Notes, oldest first.
    public var annotations: [TranscriptAnnotation]
    /// Overrides, oldest first.
    public var overrides: [TranscriptOverride]
    /// True once a mentor signed it off.
    public var isSignedOff: Bool

    /// Creates a review.
    public init(
        annotations: [TranscriptAnnotation] = [], overrides: [TranscriptOverride] = [], isSignedOff: Bool = false
    ) {
        self.annotations = annotations
        self.overrides = overrides
        self.isSignedOff = isSignedOff
    }
}

/// A submitted exam attempt of an apprentice, with what a mentor needs to find essays waiting for a mark.
public struct MentoredExamAttempt: Sendable, Hashable, Codable {
    /// The attempt.
    public var id: ExamAttemptID
    /// The apprentice.
    public var personID: PersonID
    /// The blueprint.
    public var blueprint: BlueprintID
    /// The stored marking (JSON), nil before marking.
    public var marking: String?
    /// Positions already marked by a person.
    public var gradedPositions: Set<Int>

    /// Creates an attempt.
    public init(
        id: ExamAttemptID, personID: PersonID, blueprint: BlueprintID, marking: String?, gradedPositions: Set<Int>
    ) {
        self.id = id
        self.personID = personID
        self.blueprint = blueprint
        self.marking = marking
        self.gradedPositions = gradedPositions
    }
}

/// What waits for a mentor, read in one snapshot: the active apprentices' finished runs not yet signed
/// off (oldest first) and their submitted exam attempts (oldest first).
public struct MentorQueueRecord: Sendable, Hashable, Codable {
    /// The mentor's active apprentices.
    public var apprentices: Set<PersonID>
    /// Runs waiting for review.
    public var runs: [ScenarioRunRecord]
    /// Submitted exam attempts (the service finds essays without a mark).
    public var examAttempts: [MentoredExamAttempt]

    /// Creates a queue.
    public init(apprentices: Set<PersonID>, runs: [ScenarioRunRecord], examAttempts: [MentoredExamAttempt]) {
        self.apprentices = apprentices
        self.runs = runs
        self.examAttempts = examAttempts
    }
}

/// A mentor's sign-off of a transcript: certification evidence for the apprentice.
public struct TranscriptSignOff: Sendable, Hashable, Codable {
    /// The run.
    public var run: RunID
    /// The apprentice.
    public var personID: PersonID
    /// The mentor.
    public var mentorID: PersonID
    /// The certification it counts for.
    public var certification: CertificationID
    /// When (ISO-8601).
    public var signedAt: String
    /// The note stored with the evidence.
    public var note: String

    /// Creates a sign-off.
    public init(
        run: RunID, personID: PersonID, mentorID: PersonID, certification: CertificationID, signedAt: String,
        note: String
    ) {
        self.run = run
        self.personID = personID
        self.mentorID = mentorID
        self.certification = certification
        self.signedAt = signedAt
        self.note = note
    }
}
