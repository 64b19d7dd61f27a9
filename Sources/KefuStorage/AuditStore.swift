public import KefuLedger

/// Which audit events to list.
public struct AuditFilter: Sendable, Hashable {
    /// Only events whose action starts with this (`exam.` or `exam.grade`).
    public var actionPrefix: String?
    /// Only events by this person.
    public var person: String?
    /// Only events whose subject contains this.
    public var subjectContaining: String?
    /// Only events at or after this time (ISO-8601).
    public var since: String?
    /// At most this many, newest last.
    public var limit: Int?

    /// Creates a filter.
    public init(
        actionPrefix: String? = nil, person: String? = nil, subjectContaining: String? = nil, since: String? = nil,
        limit: Int? = nil
    ) {
        self.actionPrefix = actionPrefix
        self.person = person
        self.subjectContaining = subjectContaining
        self.since = since
        self.limit = limit
    }
}

/// The audit log: an append-only hash chain of every state change.
public protocol AuditStore: Sendable {
    /// Appends one event in its own transaction: `make` receives the next sequence number and the last
    /// event's hash and returns the event (the store writes its canonical body and hash).
    @discardableResult
    func append(
        _ make: @escaping @Sendable (_ sequence: Int, _ previousHash: String) -> AuditEvent
    ) async throws
        -> AuditEvent
    /// Events matching `filter`, in sequence order.
    func events(_ filter: AuditFilter) async throws -> [AuditEvent]
    /// Every stored event as stored (body, hash, query columns), for verification.
    func stored() async throws -> [StoredAuditEvent]
}
