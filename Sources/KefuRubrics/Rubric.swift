public import KefuCore
public import KefuRegex

/// A scoring rubric: sections of weighted items, each a regex rule over the agent's turns.
/// Built by the content loader (`KefuContent`) from YAML; scored by ``Scorer``.
public struct Rubric: Sendable {
    /// Stable id, e.g. `conduct.zh`.
    public var id: String
    /// The author's version label.
    public var version: String
    /// SHA-256 (hex) of the rubric's source file: pins every score to the exact rules that produced it.
    public var sourceHash: String
    /// Bilingual title.
    public var title: String
    /// Main language (`zh`, `en`).
    public var language: String
    /// Channels the rubric is written for.
    public var channels: [Channel]
    /// Normalization applied to turns before matching.
    public var normalization: NormalizationOptions
    /// Score (0–100) at or above which an interaction passes.
    public var passMark: Double
    /// Sections in order.
    public var sections: [Section]
    /// Every compiled pattern of the rubric; ``PatternRef/index`` points here.
    public var patterns: [Pattern]

    /// Creates a rubric.
    public init(
        id: String, version: String, sourceHash: String, title: String, language: String, channels: [Channel],
        normalization: NormalizationOptions, passMark: Double, sections: [Section], patterns: [Pattern]
    ) {
        self.id = id
        self.version = version
        self.sourceHash = sourceHash
        self.title = title
        self.language = language
        self.channels = channels
        self.normalization = normalization
        self.passMark = passMark
        self.sections = sections
        self.patterns = patterns
    }

    /// All items in section order.
    public var items: [Item] { sections.flatMap(\.items) }
}

/// A weighted group of items.
public struct Section: Sendable {
    /// Section id, unique in the rubric.
    public var id: String
    /// Bilingual title.
    public var title: String
    /// Relative weight of the section in the total score.
    public var weight: Double
    /// Items in order.
    public var items: [Item]

    /// Creates a section.
    public init(id: String, title: String, weight: Double, items: [Item]) {
        self.id = id
        self.title = title
        self.weight = weight
        self.items = items
    }
}

/// What an item checks.
public enum ItemKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The pattern must appear in scope.
    case required
    /// The pattern must not appear in scope.
    case forbidden
    /// When a customer turn matches the trigger, the agent's next reply must match the expected pattern.
    case accuracy
    /// Reply-time limits, when turns carry times.
    case timing
}

/// Which agent turns an item looks at.
public enum Scope: String, Sendable, Hashable, Codable, CaseIterable {
    case firstAgentTurn = "first_agent_turn"
    case lastAgentTurn = "last_agent_turn"
    case anyAgentTurn = "any_agent_turn"
    case everyAgentTurn = "every_agent_turn"
    case replyAfterTrigger = "reply_after_trigger"
}

/// A reference to one compiled pattern of the rubric.
public struct PatternRef: Sendable, Hashable {
    /// Index into ``Rubric/patterns``.
    public var index: Int
    /// Where the pattern is written (for messages).
    public var location: SourceLocation?

    /// Creates a reference.
    public init(index: Int, location: SourceLocation? = nil) {
        self.index = index
        self.location = location
    }
}

/// Pattern composition: a turn matches when any `any` pattern and every `all` pattern has a match that
/// does not overlap a match of an `unless` pattern (so `保证` unless `保证金` still fires on
/// "保证金已退，我保证明天到", and "guarantee" unless "does not guarantee" stays quiet on the negation).
public struct MatchSpec: Sendable, Hashable {
    /// At least one must match.
    public var any: [PatternRef]
    /// All must match.
    public var all: [PatternRef]
    /// Exceptions: a match overlapping one of these does not count.
    public var unless: [PatternRef]

    /// Creates a spec.
    public init(any: [PatternRef] = [], all: [PatternRef] = [], unless: [PatternRef] = []) {
        self.any = any
        self.all = all
        self.unless = unless
    }
}

/// Complaint episodes for an item with a trigger (opt-in with `episode: {new_problem: …}`).
///
/// A triggering customer turn opens an episode. Once the agent's reply window for a turn of the episode
/// has matched (the agent apologised), later triggering customer turns are follow-ups about the same
/// problem and demand nothing, unless they also match ``newProblem`` (the customer raises another
/// problem: 另外 / 还有 / 对了 / "also" / "another"): such a turn opens a new episode that needs its own
/// matching reply. A triggering turn in an episode that has not been answered yet demands a reply as before.
public struct EpisodeRule: Sendable, Hashable {
    /// Customer-turn patterns that introduce a new, distinct problem.
    public var newProblem: MatchSpec

    /// Creates a rule.
    public init(newProblem: MatchSpec) {
        self.newProblem = newProblem
    }
}

/// Reply-time rule.
public struct TimingRule: Sendable, Hashable {
    /// Which replies are measured.
    public enum Measure: String, Sendable, Hashable, Codable {
        /// Every customer message must be answered within the limit.
        case everyReply = "every_reply"
        /// Only the first customer message.
        case firstReply = "first_reply"
        /// The agent's first turn, measured from the start of the interaction (phone: answered within three rings).
        case firstAgentTurn = "first_agent_turn"
    }

    /// The limit in seconds.
    public var limitSeconds: Double
    /// Which replies.
    public var measure: Measure

    /// Creates a rule.
    public init(limitSeconds: Double, measure: Measure) {
        self.limitSeconds = limitSeconds
        self.measure = measure
    }
}

/// One scored rule.
public struct Item: Sendable {
    /// Item id, unique in the rubric.
    public var id: String
    /// Bilingual title.
    public var title: String
    /// Kind.
    public var kind: ItemKind
    /// Category from the fixed vocabulary (`greeting`, `forbidden.rude`, `accuracy.*`, `timing.*`, …).
    public var category: String
    /// Scope.
    public var scope: Scope
    /// Points when passed.
    public var points: Double
    /// A failed critical item fails the whole interaction with score 0.
    public var isCritical: Bool
    /// Policy-digest clause ids this item enforces.
    public var sources: [String]
    /// Channels the item applies to (empty: all); other channels make it `na`.
    public var channels: [Channel]
    /// The pattern(s) looked for (required, forbidden) or expected in the reply (accuracy).
    public var match: MatchSpec
    /// Customer-turn trigger (accuracy, and scope `reply_after_trigger`).
    public var trigger: MatchSpec?
    /// Agent-turn condition: only agent turns in scope that match it are checked (`na` when none does),
    /// e.g. "a turn that defers the answer must state when the reply will come".
    public var when: MatchSpec?
    /// Reply-time rule (timing).
    public var timing: TimingRule?
    /// With a trigger: how many agent replies after the triggering customer turn are looked at
    /// (1 = only the next reply, the default).
    public var replyWindow: Int = 1
    /// With a trigger: complaint episodes (`episode:` in YAML; nil = every triggering turn demands its reply).
    public var episode: EpisodeRule?

    /// Creates an item.
    public init(
        id: String, title: String, kind: ItemKind, category: String, scope: Scope, points: Double,
        isCritical: Bool, sources: [String], channels: [Channel] = [], match: MatchSpec = MatchSpec(),
        trigger: MatchSpec? = nil, when: MatchSpec? = nil, timing: TimingRule? = nil
    ) {
        self.id = id
        self.title = title
        self.kind = kind
        self.category = category
        self.scope = scope
        self.points = points
        self.isCritical = isCritical
        self.sources = sources
        self.channels = channels
        self.match = match
        self.trigger = trigger
        self.when = when
        self.timing = timing
    }
}

/// The fixed category vocabulary that reports and other tools rely on.
public enum Category {
    /// Fixed names; `accuracy.*` and `timing.*` are open families.
    public static let fixed: [String] = [
        "greeting", "identity", "offer-help", "apology", "confirm-understanding", "reply-time-promise", "closing",
        "forbidden.rude", "forbidden.impatient", "forbidden.buck-passing", "forbidden.guarantee", "forbidden.vague",
        "forbidden.blame", "forbidden.disclosure",
    ]

    /// True when `name` is in the vocabulary.
    public static func isValid(_ name: String) -> Bool {
        if fixed.contains(name) { return true }
        for family in ["accuracy.", "timing."] where name.hasPrefix(family) && name.count > family.count {
            return true
        }
        return false
    }
}
