public import KefuCore
public import KefuRubrics

/// A scripted customer conversation played against a trainee: the customer's lines, the checks each
/// reply must meet, and the branches that choose the customer's next line from the checks' verdicts.
/// Built by the content loader (`KefuContent`) from `Scenarios/**/*.yaml`; played by ``ScenarioRunner``.
public struct Scenario: Sendable {
    /// Scenario id, shared by its language versions (`p2p-withdrawal-delay`); certification rules refer to it.
    public var id: String
    /// Language of this version (`zh`, `en`).
    public var language: String
    /// Bilingual title.
    public var title: String
    /// Line of business (`p2p`, `express`, `securities`, `wechat-shop`, `game`, `ecommerce`).
    public var business: String
    /// Channel the conversation happens on.
    public var channel: Channel
    /// Who the customer is.
    public var persona: Persona
    /// Policy clause ids the scenario trains.
    public var sources: [String]
    /// Rubrics applied to the whole transcript at the end.
    public var rubricIDs: [String]
    /// Score (0–100) at or above which a run passes.
    public var passMark: Double
    /// How the per-reply checks and the transcript rubrics combine into the final score.
    public var weights: ScoringWeights
    /// A run ends after this many trainee replies even if no end step was reached.
    public var maxTurns: Int
    /// Reply-time limit for steps that set none (seconds); nil for untimed channels such as e-mail.
    public var replyLimitSeconds: Double?
    /// Points a reply within its time limit earns in the checks component.
    public var replyTimePoints: Double
    /// Steps in file order; the first is where a run starts.
    public var steps: [Step]
    /// Every check of the scenario as items of one rubric (inline checks and copies of referenced rubric
    /// items), sharing one pattern table. Steps refer to its items by id.
    public var checks: Rubric
    /// SHA-256 (hex) of the scenario file: pins every run to the exact script that was played.
    public var contentHash: String

    /// Creates a scenario.
    public init(
        id: String, language: String, title: String, business: String, channel: Channel, persona: Persona,
        sources: [String], rubricIDs: [String], passMark: Double, weights: ScoringWeights, maxTurns: Int,
        replyLimitSeconds: Double?, replyTimePoints: Double, steps: [Step], checks: Rubric, contentHash: String
    ) {
        self.id = id
        self.language = language
        self.title = title
        self.business = business
        self.channel = channel
        self.persona = persona
        self.sources = sources
        self.rubricIDs = rubricIDs
        self.passMark = passMark
        self.weights = weights
        self.maxTurns = maxTurns
        self.replyLimitSeconds = replyLimitSeconds
        self.replyTimePoints = replyTimePoints
        self.steps = steps
        self.checks = checks
        self.contentHash = contentHash
    }

    /// `id.language`, unique across `Scenarios/`.
    public var key: String { "\(id).\(language)" }

    /// The step with `id`.
    public func step(_ id: String) -> Step? { steps.first { $0.id == id } }

    /// The effective reply limit of `step` (its own, else the scenario's).
    public func replyLimit(of step: Step) -> Double? { step.replyLimitSeconds ?? replyLimitSeconds }
}

/// The simulated customer.
public struct Persona: Sendable, Hashable, Codable {
    /// Display name.
    public var name: String
    /// Mood at the start (`calm`, `anxious`, `angry`, …), shown to the trainee.
    public var mood: String

    /// Creates a persona.
    public init(name: String, mood: String) {
        self.name = name
        self.mood = mood
    }
}

/// Relative weights of the two score components: the per-reply checks (with reply times) and the mean
/// score of the transcript rubrics. A component with nothing to score drops out.
public struct ScoringWeights: Sendable, Hashable, Codable {
    /// Weight of the per-reply checks.
    public var checks: Double
    /// Weight of the transcript rubrics.
    public var rubrics: Double

    /// Creates weights.
    public init(checks: Double = 50, rubrics: Double = 50) {
        self.checks = checks
        self.rubrics = rubrics
    }
}

/// One exchange: the customer speaks, the trainee replies, the reply is checked and a branch chosen.
public struct Step: Sendable, Hashable {
    /// Step id, unique in the scenario.
    public var id: String
    /// What the customer says; with several variants one is picked by the run's seed.
    public var customer: [String]
    /// Ids of the checks (items of ``Scenario/checks``) applied to the reply.
    public var checks: [String]
    /// Reply-time limit for this step (seconds), overriding the scenario's.
    public var replyLimitSeconds: Double?
    /// Branches, tried in order; the first whose condition holds gives the next step.
    public var branches: [Branch]
    /// Set on end steps: the conversation ends here (after the reply, when the step has checks).
    public var end: End?

    /// Creates a step.
    public init(
        id: String, customer: [String], checks: [String], replyLimitSeconds: Double? = nil, branches: [Branch] = [],
        end: End? = nil
    ) {
        self.id = id
        self.customer = customer
        self.checks = checks
        self.replyLimitSeconds = replyLimitSeconds
        self.branches = branches
        self.end = end
    }

    /// An end step with no checks is the customer's last line: no reply is expected.
    public var expectsReply: Bool { end == nil || !checks.isEmpty }
}

/// A conditional transition.
public struct Branch: Sendable, Hashable {
    /// When it is taken.
    public var condition: Condition
    /// The next step's id.
    public var next: String

    /// Creates a branch.
    public init(condition: Condition, next: String) {
        self.condition = condition
        self.next = next
    }
}

/// A branch condition: every listed check passed, every listed check failed, and (when set) the reply
/// was or was not late. An empty condition always holds (the default branch). A check that was not
/// applicable (`na`) counts as neither passed nor failed.
public struct Condition: Sendable, Hashable {
    /// Checks that must have passed.
    public var passed: [String]
    /// Checks that must have failed.
    public var failed: [String]
    /// Whether the reply must have been late (true) or on time (false); nil: either.
    public var late: Bool?

    /// Creates a condition.
    public init(passed: [String] = [], failed: [String] = [], late: Bool? = nil) {
        self.passed = passed
        self.failed = failed
        self.late = late
    }

    /// True for the default branch.
    public var isDefault: Bool { passed.isEmpty && failed.isEmpty && late == nil }

    /// Every check id the condition names.
    public var checkIDs: [String] { passed + failed }

    /// Whether the condition holds for these verdicts.
    public func holds(verdicts: [String: Verdict], late isLate: Bool) -> Bool {
        if let late, late != isLate { return false }
        return passed.allSatisfy { verdicts[$0] == .pass } && failed.allSatisfy { verdicts[$0] == .fail }
    }
}

/// How a conversation ends at an end step.
public struct End: Sendable, Hashable {
    /// Outcome label (`resolved`, `escalated`, `hung-up`, …), stored with the run.
    public var outcome: String
    /// Reaching this end fails the run whatever the score (the customer escalated, hung up …).
    public var fails: Bool

    /// Creates an end.
    public init(outcome: String, fails: Bool) {
        self.outcome = outcome
        self.fails = fails
    }
}
