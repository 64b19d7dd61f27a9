public import KefuCore

/// The evidence stored for one person: what certification rules read.
public struct PersonEvidence: Sendable, Hashable, Codable {
    /// Exam and scenario attempts, oldest first.
    public var attempts: [Attempt]
    /// Mentors' sign-offs, oldest first.
    public var signOffs: [SignOff]

    /// Creates the evidence.
    public init(attempts: [Attempt] = [], signOffs: [SignOff] = []) {
        self.attempts = attempts
        self.signOffs = signOffs
    }
}
