public import KefuCore

/// People and the evidence certification rules read (attempts, sign-offs).
public protocol PeopleStore: Sendable {
    /// One person, or nil.
    func person(_ id: PersonID) async throws -> Person?
}
