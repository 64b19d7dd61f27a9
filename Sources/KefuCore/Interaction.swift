/// Who spoke a turn.
public enum Speaker: String, Sendable, Hashable, Codable {
    case agent
    case customer
}

/// The channel of an interaction.
public enum Channel: String, Sendable, Hashable, Codable, CaseIterable {
    case phone
    case chat
    case wechat
    case email
}

/// One turn of a conversation.
public struct Turn: Sendable, Hashable, Codable {
    /// Agent or customer.
    public var speaker: Speaker
    /// What was said or written.
    public var text: String
    /// Seconds from the start of the interaction, when the channel records times.
    public var at: Double?

    /// Creates a turn.
    public init(speaker: Speaker, text: String, at: Double? = nil) {
        self.speaker = speaker
        self.text = text
        self.at = at
    }
}

extension Turn {
    /// The largest `at` input may carry: 10,000,000 seconds (about 116 days). Imports and `kefu score` refuse
    /// anything larger, negative, infinite or NaN, with the line and column of the value.
    public static let maximumAt: Double = 10_000_000

    /// Why `at` cannot be accepted from input, or nil when it is finite and within `0...maximumAt`.
    public static func problem(at: Double) -> String? {
        guard at.isFinite else { return "must be a finite number of seconds" }
        guard at >= 0, at <= maximumAt else {
            return "must be between 0 and \(Int(maximumAt)) seconds (about 116 days)"
        }
        return nil
    }
}

/// A customer-service interaction in Kefu's interchange format (one JSON object per line in JSONL files).
/// Unknown fields are ignored when decoding.
public struct Interaction: Sendable, Hashable, Codable {
    /// Unique id within its source.
    public var id: String
    /// Channel.
    public var channel: Channel
    /// The agent's id.
    public var agent: String
    /// ISO-8601 start time, when known.
    public var startedAt: String?
    /// The turns in order.
    public var turns: [Turn]

    /// Creates an interaction.
    public init(id: String, channel: Channel, agent: String, startedAt: String? = nil, turns: [Turn]) {
        self.id = id
        self.channel = channel
        self.agent = agent
        self.startedAt = startedAt
        self.turns = turns
    }

    enum CodingKeys: String, CodingKey {
        case id, channel, agent, turns
        case startedAt = "started_at"
    }
}
