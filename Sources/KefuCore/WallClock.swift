public import Foundation

/// The calendar clock services read "now" from: the system's in production, a fixed or stepping one in
/// tests. Scenario and exam timers use Swift `Clock`s (``ManualClock`` in tests); this is for dates.
public struct WallClock: Sendable {
    /// The current date.
    public let now: @Sendable () -> Date

    /// A clock reading `now`.
    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    /// The system clock.
    public static let system = WallClock { Date() }

    /// A clock that always reads `date`.
    public static func fixed(_ date: Date) -> WallClock { WallClock { date } }
}
