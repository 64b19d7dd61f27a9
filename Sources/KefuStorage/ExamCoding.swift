import KefuCore

/// The rules both backends apply to a batch of answer saves.
extension ResponseSave {
    /// Why this save is refused, given its attempt's stored status (nil: no such attempt), or nil when it may be
    /// stored: an unknown attempt is ``StorageError/Code/notFound``, one no longer in progress a
    /// ``StorageError/Code/conflict``.
    public func refusal(status: String?) -> StorageError? {
        guard let status else { return StorageError(.notFound, "no exam attempt \(attempt)") }
        guard status == ExamAttemptStatus.inProgress.rawValue else {
            return StorageError(.conflict, "exam attempt \(attempt) is already submitted; answers can no longer change")
        }
        return nil
    }
}
