import Foundation

/// A clock that moves only when told to: tests drive timers with it, and non-interactive runs (reply
/// files with recorded delays) replay reply times exactly. Sleeping suspends until the clock is
/// advanced past the deadline.
public final class ManualClock: Clock, @unchecked Sendable {
    /// A point on the manual clock: time elapsed since it was created.
    public struct Instant: InstantProtocol, Sendable, Hashable, Comparable {
        /// Elapsed time since the clock's zero.
        public var offset: Duration

        /// Creates an instant at `offset` from zero.
        public init(offset: Duration) { self.offset = offset }

        /// The instant `duration` later.
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }

        /// The time from this instant to `other`.
        public func duration(to other: Instant) -> Duration { other.offset - offset }

        /// Earlier instants come first.
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let lock = NSLock()
    private var current = Instant(offset: .zero)
    private var sleepers: [(deadline: Instant, continuation: CheckedContinuation<Void, any Error>)] = []

    /// Creates a clock at zero.
    public init() {}

    /// The current instant.
    public var now: Instant { lock.withLock { current } }

    /// The smallest step.
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// Moves the clock forward, waking sleepers whose deadline has come.
    public func advance(by duration: Duration) {
        let due: [CheckedContinuation<Void, any Error>] = lock.withLock {
            current = current.advanced(by: duration)
            let ready = sleepers.filter { $0.deadline <= current }.map(\.continuation)
            sleepers.removeAll { $0.deadline <= current }
            return ready
        }
        for continuation in due { continuation.resume() }
    }

    /// Suspends until the clock is advanced to `deadline`.
    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let isDue: Bool = lock.withLock {
                if deadline <= current { return true }
                sleepers.append((deadline, continuation))
                return false
            }
            if isDue { continuation.resume() }
        }
    }
}
