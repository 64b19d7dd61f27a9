public import KefuCore
public import KefuLedger

/// A kind of KPI feedback row.
public enum FeedbackKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A customer survey, 1–5.
    case satisfaction
    /// A complaint (value 1).
    case complaint
    /// A case resolved (1) or not (0).
    case resolved
    /// A case resolved on time (1) or not (0).
    case resolvedOnTime = "resolved_on_time"
    /// A supervisor's teamwork rating, 1–5.
    case teamworkSupervisor = "teamwork_supervisor"
    /// A peer's teamwork rating, 1–5.
    case teamworkPeer = "teamwork_peer"

    /// The values a row of this kind may hold.
    public var allowedValues: ClosedRange<Double> {
        switch self {
        case .satisfaction, .teamworkSupervisor, .teamworkPeer: return 1...5
        case .complaint: return 1...1
        case .resolved, .resolvedOnTime: return 0...1
        }
    }
}

/// One imported KPI input row.
public struct FeedbackRow: Sendable, Hashable, Codable {
    /// ISO date.
    public var date: String
    /// The person it is about.
    public var personID: PersonID
    /// What it measures.
    public var kind: FeedbackKind
    /// The value.
    public var value: Double

    /// Creates a row.
    public init(date: String, personID: PersonID, kind: FeedbackKind, value: Double) {
        self.date = date
        self.personID = personID
        self.kind = kind
        self.value = value
    }
}

/// A stored review cycle (its id is the period name, e.g. `2026-11`).
public struct ReviewCycleRecord: Sendable, Hashable, Codable {
    /// Period name.
    public var period: String
    /// `month`, `quarter` or `year`.
    public var kind: String
    /// First day (ISO date).
    public var start: String
    /// Last day (ISO date).
    public var end: String
    /// When it was computed.
    public var runAt: String
    /// Content hash of the review definition used.
    public var definition: String

    /// Creates a cycle.
    public init(period: String, kind: String, start: String, end: String, runAt: String, definition: String) {
        self.period = period
        self.kind = kind
        self.start = start
        self.end = end
        self.runAt = runAt
        self.definition = definition
    }
}

/// A stored scorecard row.
public struct StoredScorecard: Sendable, Hashable, Codable {
    /// Period name.
    public var period: String
    /// Period start (for ordering).
    public var start: String
    /// Period end.
    public var end: String
    /// Person.
    public var personID: PersonID
    /// Total.
    public var total: Double
    /// Rating.
    public var rating: String
    /// KPI results (canonical JSON, as stored).
    public var kpis: String

    /// Creates a scorecard.
    public init(
        period: String, start: String, end: String, personID: PersonID, total: Double, rating: String, kpis: String
    ) {
        self.period = period
        self.start = start
        self.end = end
        self.personID = personID
        self.total = total
        self.rating = rating
        self.kpis = kpis
    }
}

/// A mean over a number of values.
public struct Average: Sendable, Hashable, Codable {
    /// The mean.
    public var mean: Double
    /// How many values.
    public var count: Int

    /// Creates an average.
    public init(mean: Double, count: Int) {
        self.mean = mean
        self.count = count
    }
}

/// The timing of one turn of an imported interaction (no text).
public struct TimedTurn: Sendable, Hashable, Codable {
    /// Who spoke.
    public var speaker: Speaker
    /// Seconds from the start, when known.
    public var at: Double?

    /// Creates a timed turn.
    public init(speaker: Speaker, at: Double?) {
        self.speaker = speaker
        self.at = at
    }
}

/// The turn timings of one imported interaction handled by `agent`.
public struct InteractionTiming: Sendable, Hashable, Codable {
    /// The agent.
    public var agent: PersonID
    /// Turn timings in order; empty when the stored turns cannot be read.
    public var turns: [TimedTurn]

    /// Creates a timing.
    public init(agent: PersonID, turns: [TimedTurn]) {
        self.agent = agent
        self.turns = turns
    }
}

/// Everything a review cycle reads for a period (inclusive ISO dates), in one snapshot.
public struct ReviewInputs: Sendable, Hashable, Codable {
    /// Active people.
    public var activePeople: Set<PersonID>
    /// KPI feedback of the period.
    public var feedback: [FeedbackRow]
    /// Interactions that started in the period.
    public var interactions: [InteractionTiming]
    /// QA score averages per agent over interactions of the period.
    public var qaScores: [PersonID: Average]
    /// Graded exam percentage averages per person, submitted in the period.
    public var examScores: [PersonID: Average]

    /// Creates inputs.
    public init(
        activePeople: Set<PersonID>, feedback: [FeedbackRow], interactions: [InteractionTiming],
        qaScores: [PersonID: Average],
        examScores: [PersonID: Average]
    ) {
        self.activePeople = activePeople
        self.feedback = feedback
        self.interactions = interactions
        self.qaScores = qaScores
        self.examScores = examScores
    }
}

/// What promotion rules read about one person, in one snapshot.
public struct PromotionEvidence: Sendable {
    /// The person.
    public var person: Person
    /// The approver named, when one was asked for and exists.
    public var approver: Person?
    /// The whole ledger in sequence order (certifications, earlier promotions).
    public var ledger: [LedgerEntry]
    /// QA averages of the person's interactions from each date asked for through the as-of date.
    public var qaAverages: [String: Average]
    /// Best graded exam percentage per blueprint.
    public var bestExams: [BlueprintID: Double]
    /// Distinct apprentices ever mentored.
    public var apprenticesMentored: Int
    /// The person's stored scorecards, by period start.
    public var scorecards: [StoredScorecard]

    /// Creates evidence.
    public init(
        person: Person, approver: Person?, ledger: [LedgerEntry], qaAverages: [String: Average],
        bestExams: [BlueprintID: Double],
        apprenticesMentored: Int, scorecards: [StoredScorecard]
    ) {
        self.person = person
        self.approver = approver
        self.ledger = ledger
        self.qaAverages = qaAverages
        self.bestExams = bestExams
        self.apprenticesMentored = apprenticesMentored
        self.scorecards = scorecards
    }
}

/// A promotion to write: the ledger entry (sequence and previous hash are filled in when appended) and the new level.
public struct PromotionWrite: Sendable {
    /// The `promotion` entry to append.
    public var entry: LedgerEntry
    /// The person's new level.
    public var level: Level

    /// Creates a write.
    public init(entry: LedgerEntry, level: Level) {
        self.entry = entry
        self.level = level
    }
}
