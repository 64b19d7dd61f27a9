import Foundation

/// Counts sign-in attempts per key (an address, a person id) over a sliding minute; refuses beyond the limit.
/// In memory, per process: the account lockout in the database is the lasting defence, this one slows guessing.
actor SignInThrottle {
    private var attempts: [String: [Date]] = [:]
    private let limit: Int
    private let window: TimeInterval

    init(limit: Int, window: TimeInterval = 60) {
        self.limit = limit
        self.window = window
    }

    /// Records an attempt for every key; false when any key is over the limit (the attempt is still counted).
    func allow(_ keys: [String], at now: Date = Date()) -> Bool {
        var allowed = true
        for key in keys {
            var recent = (attempts[key] ?? []).filter { now.timeIntervalSince($0) < window }
            recent.append(now)
            attempts[key] = recent
            if recent.count > limit { allowed = false }
        }
        if attempts.count > 10_000 {
            attempts = attempts.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
        }
        return allowed
    }
}
