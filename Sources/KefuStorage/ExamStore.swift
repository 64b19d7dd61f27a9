public import KefuCore

/// Exam attempts: papers (stored as drawn, with seed and deadline), responses, manual grades, retraining
/// flags, the history the retake rules read, and the reads item statistics need. Each method is one transaction.
public protocol ExamStore: Sendable {
    /// Starts an attempt in one transaction: `make` sees the person's history of the blueprint (to apply the retake
    /// rules and avoid seen questions) and returns the record to insert, or throws to refuse. Storage assigns the
    /// id, attempt number and cycle. An unknown person is ``StorageError/Code/notFound``.
    func startAttempt(
        person: PersonID, blueprint: BlueprintID, make: @escaping @Sendable (ExamHistory) throws -> ExamAttemptRecord
    ) async throws -> ExamAttemptRecord

    /// Fixes the seed of the person's next attempt of the blueprint (replacing an unused one); the next
    /// ``startAttempt(person:blueprint:make:)`` sees it in the history and uses it up. An unknown person is
    /// ``StorageError/Code/notFound``.
    func fixSeed(_ seed: FixedSeed) async throws

    /// The person's history of a blueprint.
    func history(person: PersonID, blueprint: BlueprintID) async throws -> ExamHistory

    /// Saves several answers (of any attempts) in one transaction: one commit. Returns, per save, nil when it was
    /// stored or why it was refused (``StorageError/Code/notFound`` or ``StorageError/Code/conflict`` when its
    /// attempt is unknown or no longer in progress); refusals do not affect the others.
    func saveResponses(_ saves: [ResponseSave]) async throws -> [StorageError?]

    /// Remembers the question shown (navigation only; ignored once submitted).
    func savePosition(attempt: ExamAttemptID, position: Int) async throws

    /// Submits or regrades an attempt in one transaction (see ``ExamResultWrite``); returns the stored attempt.
    func recordResult(_ write: ExamResultWrite) async throws -> ExamAttemptRecord

    /// One attempt, or nil.
    func attempt(_ id: ExamAttemptID) async throws -> ExamAttemptRecord?

    /// Attempts, oldest first, filtered when given.
    func attempts(
        person: PersonID?, blueprint: BlueprintID?, status: ExamAttemptStatus?
    ) async throws -> [ExamAttemptRecord]

    /// The saved answers of an attempt, by position.
    func responses(attempt: ExamAttemptID) async throws -> [StoredResponse]

    /// Marks given by people for an attempt, by position.
    func manualGrades(attempt: ExamAttemptID) async throws -> [ManualGrade]

    /// Stores a person's mark for one answer (replacing an earlier one); returns every mark of the attempt.
    /// An unknown grader is ``StorageError/Code/notFound``.
    func addManualGrade(attempt: ExamAttemptID, _ grade: ManualGrade) async throws -> [ManualGrade]

    /// Clears the open retraining flag of a person for a blueprint; false when there was none.
    func clearRetraining(
        person: PersonID, blueprint: BlueprintID, by supervisor: PersonID, at time: String, note: String
    ) async throws -> Bool

    /// Open retraining flags, oldest first.
    func openRetrainingFlags() async throws -> [RetrainingFlag]
}
