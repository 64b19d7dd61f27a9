public import KefuCore

/// Scenario runs, saved after every reply. Each method is one transaction.
public protocol ScenarioRunStore: Sendable {
    /// Stores a new run (in progress) with the next attempt number for the person and scenario; returns it with
    /// its id and number. An unknown person is ``StorageError/Code/notFound``.
    func start(_ run: ScenarioRunRecord) async throws -> ScenarioRunRecord

    /// Saves a run's progress (transcript and report so far); ignored once the run has ended.
    func saveProgress(run: RunID, transcript: String, report: String) async throws

    /// Closes a run; a complete run also adds an `attempt` evidence row (kind `scenario`), in the same
    /// transaction. A run already ended is ``StorageError/Code/conflict``; an unknown one ``StorageError/Code/notFound``.
    func finish(_ end: ScenarioRunEnd) async throws -> ScenarioRunRecord

    /// One run, or nil.
    func run(_ id: RunID) async throws -> ScenarioRunRecord?

    /// Runs, newest first, filtered by person and scenario when given, at most `limit`.
    func runs(person: PersonID?, scenario: ScenarioID?, limit: Int) async throws -> [ScenarioRunRecord]
}
