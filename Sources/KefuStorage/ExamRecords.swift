public import KefuCore

/// A stored exam attempt: the drawn paper, its seed and deadline, and the marking once submitted.
public struct ExamAttemptRecord: Sendable, Hashable {
    /// The attempt's id (0 before it is stored).
    public var id: ExamAttemptID
    /// Candidate.
    public var personID: PersonID
    /// Blueprint id.
    public var blueprint: BlueprintID
    /// Blueprint file hash.
    public var contentVersion: String
    /// Language of the banks.
    public var language: String
    /// 1 for the person's first attempt of this blueprint, and so on (assigned by storage).
    public var attemptNumber: Int
    /// Retraining clearances before this attempt (attempt limits count within a cycle; assigned by storage).
    public var cycle: Int
    /// Seed of the draw.
    public var seed: UInt64
    /// In progress, submitted (essays waiting for a grader) or graded.
    public var status: ExamAttemptStatus
    /// Why it was submitted.
    public var submitReason: ExamSubmitReason?
    /// When it started (ISO-8601).
    public var startedAt: String
    /// When time runs out.
    public var deadline: String?
    /// When it was submitted.
    public var submittedAt: String?
    /// When its last mark was given.
    public var gradedAt: String?
    /// The question shown last.
    public var position: Int
    /// The drawn paper (canonical JSON, stored as drawn).
    public var paper: String
    /// Marks awarded.
    public var total: Double
    /// Marks available.
    public var maximum: Double
    /// Percent.
    public var percent: Double
    /// Pass or fail once graded.
    public var passed: Bool?
    /// The marking (JSON), once submitted.
    public var marking: String?
    /// The evidence row, once graded.
    public var attemptID: AttemptID?

    /// Creates a record.
    public init(
        id: ExamAttemptID = 0, personID: PersonID, blueprint: BlueprintID, contentVersion: String, language: String,
        attemptNumber: Int = 0, cycle: Int = 0,
        seed: UInt64, status: ExamAttemptStatus = .inProgress, submitReason: ExamSubmitReason? = nil, startedAt: String,
        deadline: String?,
        submittedAt: String? = nil, gradedAt: String? = nil, position: Int = 0, paper: String, total: Double = 0,
        maximum: Double = 0,
        percent: Double = 0, passed: Bool? = nil, marking: String? = nil, attemptID: AttemptID? = nil
    ) {
        self.id = id
        self.personID = personID
        self.blueprint = blueprint
        self.contentVersion = contentVersion
        self.language = language
        self.attemptNumber = attemptNumber
        self.cycle = cycle
        self.seed = seed
        self.status = status
        self.submitReason = submitReason
        self.startedAt = startedAt
        self.deadline = deadline
        self.submittedAt = submittedAt
        self.gradedAt = gradedAt
        self.position = position
        self.paper = paper
        self.total = total
        self.maximum = maximum
        self.percent = percent
        self.passed = passed
        self.marking = marking
        self.attemptID = attemptID
    }
}

/// One answer to save.
public struct ResponseSave: Sendable, Hashable {
    /// The attempt.
    public var attempt: ExamAttemptID
    /// Position in the paper.
    public var position: Int
    /// Response JSON (nil clears the answer).
    public var response: String?
    /// Flagged for review; nil keeps the stored flag (an answer saved without touching the flag).
    public var flagged: Bool?
    /// When it was given.
    public var savedAt: String
    /// The position shown after it.
    public var current: Int

    /// Creates a save.
    public init(attempt: ExamAttemptID, position: Int, response: String?, flagged: Bool?, savedAt: String, current: Int)
    {
        self.attempt = attempt
        self.position = position
        self.response = response
        self.flagged = flagged
        self.savedAt = savedAt
        self.current = current
    }
}

/// A saved answer.
public struct StoredResponse: Sendable, Hashable {
    /// Position in the paper.
    public var position: Int
    /// Response JSON (nil: cleared).
    public var response: String?
    /// Flagged for review.
    public var flagged: Bool
    /// When it was saved.
    public var savedAt: String

    /// Creates a saved answer.
    public init(position: Int, response: String?, flagged: Bool, savedAt: String) {
        self.position = position
        self.response = response
        self.flagged = flagged
        self.savedAt = savedAt
    }
}

/// A mark given by a person.
public struct ManualGrade: Sendable, Hashable {
    /// Position in the paper.
    public var position: Int
    /// Who graded.
    public var graderID: PersonID
    /// Credit 0…1.
    public var fraction: Double
    /// Comment for the candidate.
    public var comment: String
    /// When.
    public var gradedAt: String

    /// Creates a mark.
    public init(position: Int, graderID: PersonID, fraction: Double, comment: String, gradedAt: String) {
        self.position = position
        self.graderID = graderID
        self.fraction = fraction
        self.comment = comment
        self.gradedAt = gradedAt
    }
}

/// A person's history of one blueprint, as the retake rules see it inside a transaction.
public struct ExamHistory: Sendable, Hashable {
    /// Attempts of this blueprint by this person, oldest first.
    public var attempts: [ExamAttemptRecord]
    /// Clearances so far (the current cycle number).
    public var cycle: Int
    /// True while a retraining flag is open.
    public var isFlagged: Bool
    /// The seed an administrator fixed for the next attempt, if any (used up by that attempt).
    public var fixedSeed: FixedSeed?

    /// Creates a history.
    public init(attempts: [ExamAttemptRecord], cycle: Int, isFlagged: Bool, fixedSeed: FixedSeed? = nil) {
        self.attempts = attempts
        self.cycle = cycle
        self.isFlagged = isFlagged
        self.fixedSeed = fixedSeed
    }
}

/// A seed an administrator fixed for a person's next attempt of a blueprint (the system draws one otherwise).
public struct FixedSeed: Sendable, Hashable {
    /// Whose attempt.
    public var person: PersonID
    /// Which blueprint.
    public var blueprint: BlueprintID
    /// The seed.
    public var seed: UInt64
    /// Who fixed it (as the audit log names them).
    public var fixedBy: String
    /// When (ISO-8601).
    public var at: String

    /// Creates a fixed seed.
    public init(person: PersonID, blueprint: BlueprintID, seed: UInt64, fixedBy: String, at: String) {
        self.person = person
        self.blueprint = blueprint
        self.seed = seed
        self.fixedBy = fixedBy
        self.at = at
    }
}

/// An open retraining flag: the person may not retake the blueprint until a supervisor clears it.
public struct RetrainingFlag: Sendable, Hashable {
    /// Who.
    public var person: PersonID
    /// Which blueprint.
    public var blueprint: BlueprintID
    /// Since when (ISO-8601).
    public var since: String
    /// Why.
    public var reason: String

    /// Creates a flag.
    public init(person: PersonID, blueprint: BlueprintID, since: String, reason: String) {
        self.person = person
        self.blueprint = blueprint
        self.since = since
        self.reason = reason
    }
}

/// What submitting or regrading an attempt stores, in one transaction.
public struct ExamResultWrite: Sendable {
    /// The attempt as it is now (status, marks, marking, times).
    public var record: ExamAttemptRecord
    /// The status the stored attempt must still have (else a conflict: someone else submitted or graded it).
    public var expectedStatus: ExamAttemptStatus
    /// The `attempt` evidence row to add (once nothing waits for a grader); its id lands in ``ExamAttemptRecord/attemptID``.
    public var evidence: Attempt?
    /// Given the person's history of the blueprint inside the transaction, the reason to open a retraining flag, or nil.
    public var flagRetraining: @Sendable (ExamHistory) throws -> String?
    /// When (ISO-8601), for the flag.
    public var at: String

    /// Creates a write.
    public init(
        record: ExamAttemptRecord, expectedStatus: ExamAttemptStatus, evidence: Attempt?, at: String,
        flagRetraining: @escaping @Sendable (ExamHistory) throws -> String? = { _ in nil }
    ) {
        self.record = record
        self.expectedStatus = expectedStatus
        self.evidence = evidence
        self.flagRetraining = flagRetraining
        self.at = at
    }
}
