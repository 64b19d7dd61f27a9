import Foundation
import KefuStorage
import PostgresNIO

/// Lets a synchronous closure that the QA protocols hand to a store (an import's body writing through a sink, a
/// sample's draw reading the population) use the transaction's connection, which only async code can.
///
/// The closure runs on a thread of its own; the calling task keeps the connection and runs, in order, the database
/// jobs the closure hands it (``start(_:)``, ``call(_:)``), while the closure's thread waits for their answers (or,
/// with ``start(_:)``, goes on preparing the next job: one batch is written while the next is prepared). The first
/// job that fails makes every later job fail with the same error, and ``run(_:)`` throws it even when the closure
/// swallowed it: the transaction is aborted, so its commit must not be attempted as if it had succeeded. When the
/// task is cancelled, the jobs not yet run fail with `CancellationError` and the closure's thread is let go.
final class PostgresQABridge: @unchecked Sendable {
    /// A database job, run on the connection's task.
    typealias Job = @Sendable () async -> Void

    private let jobs: AsyncStream<Job>.Continuation
    private let lock = NSLock()
    /// The first job's error: every later job fails with it.
    private var failure: (any Error)?
    /// True once the task stopped running jobs.
    private var closed = false
    /// How to fail each job handed over and not yet run, by number.
    private var waiting: [Int: @Sendable (any Error) -> Void] = [:]
    private var handed = 0

    private init(jobs: AsyncStream<Job>.Continuation) { self.jobs = jobs }

    /// The answer to a job, waited for on the closure's thread.
    final class Reply<T: Sendable>: @unchecked Sendable {
        private let ready = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var result: Result<T, any Error>?

        /// Delivers the answer (the first one counts).
        func put(_ value: Result<T, any Error>) {
            let first = lock.withLock {
                guard result == nil else { return false }
                result = value
                return true
            }
            if first { ready.signal() }
        }

        /// Waits for the answer; throws the job's error.
        func take() throws -> T {
            ready.wait()
            ready.signal()  // a second take returns at once
            guard let result = lock.withLock({ result }) else {
                throw StorageError(.unavailable, "a database job ended without an answer")
            }
            return try result.get()
        }
    }

    /// Hands `work` to the connection's task and returns at once; ``Reply/take()`` waits for its answer.
    func start<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) -> Reply<T> {
        let reply = Reply<T>()
        let number = lock.withLock { () -> Int? in
            guard !closed else { return nil }
            handed += 1
            waiting[handed] = { reply.put(.failure($0)) }
            return handed
        }
        guard let number else {
            reply.put(.failure(CancellationError()))
            return reply
        }
        let sent = jobs.yield { [self] in
            let previous = lock.withLock { () -> (any Error)?? in
                guard waiting.removeValue(forKey: number) != nil else { return .none }
                return .some(failure)
            }
            guard let previous else { return }  // already failed by close()
            if let previous {
                reply.put(.failure(previous))
                return
            }
            do {
                reply.put(.success(try await work()))
            } catch {
                lock.withLock { if failure == nil { failure = error } }
                reply.put(.failure(error))
            }
        }
        if case .terminated = sent { close() }
        return reply
    }

    /// Runs `work` on the connection's task and waits for its answer.
    func call<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        try start(work).take()
    }

    /// Refuses further jobs and fails those handed over but not run.
    private func close() {
        let unanswered = lock.withLock {
            closed = true
            defer { waiting = [:] }
            return Array(waiting.values)
        }
        for fail in unanswered { fail(CancellationError()) }
    }

    /// Runs `body` on a thread of its own, running the jobs it hands over on the current task until it returns;
    /// returns its result, or throws the first failed job's error (or `body`'s).
    static func run<T: Sendable>(_ body: @escaping @Sendable (PostgresQABridge) throws -> T) async throws -> T {
        let (stream, continuation) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .unbounded)
        let bridge = PostgresQABridge(jobs: continuation)
        let outcome = Reply<T>()
        let thread = Thread {
            do { outcome.put(.success(try body(bridge))) } catch { outcome.put(.failure(error)) }
            continuation.finish()
        }
        thread.stackSize = 16 << 20
        thread.start()
        for await job in stream { await job() }  // ends early when the task is cancelled
        bridge.close()
        // Waits for the closure's end on a thread that may block, not on the task's.
        let result = await withCheckedContinuation { (done: CheckedContinuation<Result<T, any Error>, Never>) in
            DispatchQueue.global().async { done.resume(returning: Result { try outcome.take() }) }
        }
        if let failure = bridge.lock.withLock({ bridge.failure }) { throw failure }
        return try result.get()
    }
}
