import Foundation

/// Counts sign-in attempts per key (a person id, an address) over a sliding minute; refuses beyond the key's limit.
/// In memory, per process: the account lockout in the database is the lasting defence, this one slows guessing.
/// A person id has a low limit (guessing one password); an address a higher one, because a whole contact centre
/// often signs in through one NAT or proxy address at the start of a shift.
actor SignInThrottle {
    private var attempts: [String: [Date]] = [:]
    private let limit: Int
    private let addressLimit: Int
    private let window: TimeInterval

    init(limit: Int, addressLimit: Int? = nil, window: TimeInterval = 60) {
        self.limit = limit
        self.addressLimit = addressLimit ?? limit
        self.window = window
    }

    /// Records an attempt for every key; false when any key is over its limit (the attempt is still counted).
    /// Keys starting `address:` have the address limit, all others the person limit.
    func allow(_ keys: [String], at now: Date = Date()) -> Bool {
        var allowed = true
        for key in keys {
            var recent = (attempts[key] ?? []).filter { now.timeIntervalSince($0) < window }
            recent.append(now)
            attempts[key] = recent
            if recent.count > (key.hasPrefix("address:") ? addressLimit : limit) { allowed = false }
        }
        if attempts.count > 10_000 {
            attempts = attempts.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
        }
        return allowed
    }
}
