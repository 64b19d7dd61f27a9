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
