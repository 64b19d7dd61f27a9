public import KefuCore

/// People and the evidence certification rules read (attempts, sign-offs).
public protocol PeopleStore: Sendable {
    /// One person, or nil.
    func person(_ id: PersonID) async throws -> Person?
    /// Everyone, by id.
    func people() async throws -> [Person]
    /// Adds one person; ``StorageError/Code/conflict`` when the id exists.
    func add(_ person: Person) async throws
    /// Adds many people in one transaction: all or none (``StorageError/Code/conflict`` when any id exists).
    func add(_ people: [Person]) async throws
    /// Marks a person active or as having left; ``StorageError/Code/notFound`` for an unknown id.
    func setActive(_ active: Bool, person: PersonID) async throws
    /// Sets a person's level; ``StorageError/Code/notFound`` for an unknown id.
    func setLevel(_ level: Level, person: PersonID) async throws
    /// Records an attempt (its `id` is ignored) and returns its number; ``StorageError/Code/notFound``
    /// when the person does not exist.
    func addAttempt(_ attempt: Attempt) async throws -> AttemptID
    /// Records a mentor's sign-off (its `id` is ignored) and returns its number;
    /// ``StorageError/Code/notFound`` when the apprentice or the mentor does not exist.
    func addSignOff(_ signOff: SignOff) async throws -> Int64
    /// A person's attempts and sign-offs, oldest first (read in one transaction).
    func evidence(of person: PersonID) async throws -> PersonEvidence
}
