import KefuCore
public import KefuStorage

/// Group commit for answer saves, without blocking a thread: callers that arrive while a transaction is being
/// written wait (suspended, not blocked) and go into the next one together. Each caller resumes only once its own
/// save is committed (durable), so autosave keeps its promise; under load many saves share one commit. A refused
/// save (its attempt submitted meanwhile, or unknown) fails alone; a failed transaction fails its whole batch.
public actor SaveBatcher {
    private var pending: [(save: ResponseSave, waiter: CheckedContinuation<Void, any Error>)] = []
    private var writing = false

    /// Creates a batcher.
    public init() {}

    /// Saves `save` through `store`, possibly together with other callers' saves; returns once it is durable.
    /// Throws the refusal (``StorageError``) or the transaction's error.
    public func save(_ save: ResponseSave, to store: any ExamStore) async throws {
        try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
            pending.append((save, waiter))
            if !writing {
                writing = true
                Task { await self.drain(store) }
            }
        }
    }

    /// Writes batches until nobody waits: while one transaction commits, new arrivals queue for the next.
    private func drain(_ store: any ExamStore) async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            do {
                let outcomes = try await store.saveResponses(batch.map(\.save))
                for (index, slot) in batch.enumerated() {
                    if index < outcomes.count, let refusal = outcomes[index] {
                        slot.waiter.resume(throwing: refusal)
                    } else if index < outcomes.count {
                        slot.waiter.resume()
                    } else {
                        slot.waiter.resume(throwing: StorageError(.unavailable, "the save was not acknowledged"))
                    }
                }
            } catch {
                for slot in batch { slot.waiter.resume(throwing: error) }
            }
        }
        writing = false
    }
}
