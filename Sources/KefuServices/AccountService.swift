import Crypto
import Dispatch
public import Foundation
import HummingbirdBcrypt
public import KefuCore
public import KefuStorage

/// The rules accounts follow: bcrypt cost, token and session lifetimes, lockout, password length.
public struct AccountSettings: Sendable, Hashable {
    /// bcrypt's cost (log2 of its rounds). 11 takes 119–148 ms per hash on the project's machines
    /// (README "Accounts and sign-in"); tests use the minimum, 4.
    public var bcryptCost: UInt8 = 11
    /// How long an invitation works.
    public var invitationLifetime: TimeInterval = 7 * 24 * 3600
    /// How long a password-reset token works.
    public var resetLifetime: TimeInterval = 24 * 3600
    /// How long a session lasts, however active.
    public var sessionLifetime: TimeInterval = 12 * 3600
    /// A session unused this long ends; nil for no idle limit.
    public var idleTimeout: TimeInterval? = 30 * 60
    /// Consecutive failed sign-ins that lock the account.
    public var lockThreshold = 5
    /// How long the first lockout lasts; each further one (without a successful sign-in between) lasts twice as long.
    public var lockDuration: TimeInterval = 15 * 60
    /// The longest lockout.
    public var maximumLockDuration: TimeInterval = 24 * 3600
    /// The shortest password, in characters.
    public var minimumPasswordLength = 12
    /// The longest password, in UTF-8 bytes (bcrypt reads no further).
    public var maximumPasswordBytes = 72

    /// Creates the standard settings; change fields as needed.
    public init() {}

    /// The standard settings.
    public static let standard = AccountSettings()
    /// Records the uses of tokens and sessions in batches, at most a second late, instead of one write per use (the
    /// web server: a burst of first requests must not queue hundreds of writes before the answers they carry). The
    /// command line records each use at once.
    public var batchUseRecords = false
}

/// Accounts, sessions, API tokens and role grants: the sign-in side of Kefu, shared by the CLI and the
/// web app.
///
/// - An administrator invites a person (``invite(_:baseURL:by:)``), which gives a one-time link; the
///   person sets a password with it (``setPassword(token:password:channel:)``).
/// - ``login(person:password:userAgent:)`` returns a session secret once; the web app keeps it in a
///   cookie and turns it into an ``Identity`` on every request (``authenticate(session:)``).
/// - Scripts use API tokens (``createToken(for:name:scopes:expiresInDays:by:)``,
///   ``authenticate(token:)``).
/// - Roles are the level's plus explicit grants (``grant(_:to:by:)``, ``roles(of:)``).
///
/// Secrets (passwords, tokens, session secrets) are never stored, logged or put in an error message.
public struct AccountService: Sendable {
    /// The environment (storage, clock, configuration).
    public let environment: KefuEnvironment
    /// The rules.
    public let settings: AccountSettings
    /// Uses of tokens and sessions waiting to be written (with ``AccountSettings/batchUseRecords``).
    let uses = UseRecorder()

    /// Creates the service.
    public init(environment: KefuEnvironment, settings: AccountSettings = .standard) {
        self.environment = environment
        var settings = settings
        settings.bcryptCost = min(max(settings.bcryptCost, 4), 31)
        self.settings = settings
    }

    var accounts: any AccountStore { get throws { try environment.storage.accounts } }

    /// "Now" as stored.
    func now() -> (date: Date, text: String) {
        let date = environment.clock.now()
        return (date, Timestamp.format(date))
    }

    /// Refuses unless `actor` is `person` (managing their own account) or may manage accounts.
    func requireOwnOrAdmin(_ actor: Identity, _ person: PersonID) throws {
        if actor.person == person {
            try AccessPolicy.require(actor, .manageOwnAccount, on: .person(person))
        } else {
            try AccessPolicy.require(actor, .manageAccounts, on: .person(person))
        }
    }

    // MARK: Invitations and passwords

    /// Invites `person`: a one-time token that sets their first password, valid for
    /// ``AccountSettings/invitationLifetime``, and the link `<base>/account/setup?token=…` to send them.
    /// Older unused invitations stop working. Administrators only.
    public func invite(_ person: PersonID, baseURL: String? = nil, by actor: Identity) async throws -> AccountLink {
        try await issue(.invitation, for: person, baseURL: baseURL, by: actor)
    }

    /// Issues a password-reset token for `person` (valid for ``AccountSettings/resetLifetime``) and its
    /// link. Older unused reset tokens stop working. Administrators only.
    public func resetPassword(
        _ person: PersonID, baseURL: String? = nil, by actor: Identity
    ) async throws
        -> AccountLink
    {
        try await issue(.reset, for: person, baseURL: baseURL, by: actor)
    }

    func issue(
        _ purpose: OneTimeTokenPurpose, for person: PersonID, baseURL: String?, by actor: Identity
    ) async throws -> AccountLink {
        try AccessPolicy.require(actor, .manageAccounts, on: .person(person))
        let storage = try environment.storage
        let found = try await translatingStorageErrors { try await storage.people.person(person) }
        guard let found else { throw ServiceError(.notFound, "no person `\(person)`", hint: .init("people.import")) }
        guard found.isActive else {
            throw ServiceError(.precondition, "\(person) has left; people who left get no account")
        }
        if purpose == .reset {
            let account = try await translatingStorageErrors { try await storage.accounts.account(person) }
            guard account?.passwordHash != nil else {
                throw ServiceError(
                    .precondition, "\(person) has no password to reset yet; invite them instead",
                    hint: .init("account.invite", ["person": person.rawValue]))
            }
        }
        let (date, time) = now()
        let lifetime = purpose == .invitation ? settings.invitationLifetime : settings.resetLifetime
        let secret = Self.randomSecret()
        let expiresAt = Timestamp.format(date.addingTimeInterval(lifetime))
        let token = OneTimeToken(
            person: person, purpose: purpose, tokenHash: Self.sha256(secret), createdBy: actor.person,
            createdAt: time, expiresAt: expiresAt)
        _ = try await translatingStorageErrors { try await storage.accounts.issue(token) }
        try await environment.audit(
            actor, purpose == .invitation ? "account.invite" : "account.reset", subject: "account \(person)",
            detail: ["expires_at": expiresAt])
        let base = (baseURL ?? environment.configuration.baseURL).trimmingCharacters(
            in: CharacterSet(charactersIn: "/"))
        return AccountLink(
            person: person, purpose: purpose, token: secret, link: "\(base)/account/setup?token=\(secret)",
            expiresAt: expiresAt)
    }

    /// Sets a password with a one-time invitation or reset token: the token works once, before it
    /// expires. Ends the person's open sessions and clears any lockout. `channel` is how the token's
    /// holder reached Kefu (the web app's setup page, or the command line), for the audit log.
    @discardableResult
    public func setPassword(
        token: String, password: String, channel: Identity.Channel = .session
    ) async throws
        -> PersonID
    {
        let accounts = try self.accounts
        let hash = Self.sha256(token.trimmingCharacters(in: .whitespacesAndNewlines))
        let found = try await translatingStorageErrors { try await accounts.oneTimeToken(hash: hash) }
        guard let found else {
            throw ServiceError(
                .notFound, "this invitation or reset token is not valid; ask an administrator for a new one")
        }
        let (date, time) = now()
        try Self.checkUsable(found, at: date)
        try checkPassword(password, person: found.person)
        let cost = settings.bcryptCost
        let passwordHash = await Self.offPool { Bcrypt.hash(password, cost: cost) }
        do {
            _ = try await accounts.redeem(tokenHash: hash, at: time, passwordHash: passwordHash)
        } catch let error as StorageError where error.code == .conflict {
            throw ServiceError(
                .conflict, "this \(found.purpose.rawValue) token has just been used; ask an administrator for a new one"
            )
        } catch let error as StorageError {
            throw ServiceError(error)
        }
        let actor = Identity(person: found.person, roles: [], channel: channel)
        try await environment.audit(
            actor, "account.set-password", subject: "account \(found.person)",
            detail: ["purpose": found.purpose.rawValue])
        return found.person
    }

    /// Refuses a used, withdrawn or expired one-time token, saying which.
    static func checkUsable(_ token: OneTimeToken, at date: Date) throws {
        let what = token.purpose == .invitation ? "invitation" : "password-reset token"
        let hint = ServiceError.Hint(
            token.purpose == .invitation ? "account.invite" : "account.reset", ["person": token.person.rawValue])
        if let used = token.usedAt {
            throw ServiceError(
                .conflict, "this \(what) was already used (\(used)); ask an administrator for a new one", hint: hint)
        }
        if token.revokedAt != nil {
            throw ServiceError(
                .conflict, "this \(what) was replaced by a newer one; use the newest link you received", hint: hint)
        }
        if let expires = Timestamp.parse(token.expiresAt), expires <= date {
            throw ServiceError(
                .precondition, "this \(what) expired at \(token.expiresAt); ask an administrator for a new one",
                hint: hint)
        }
    }

    /// Refuses a password that is too short, too long for bcrypt, holds a NUL, or is the person's id.
    public func checkPassword(_ password: String, person: PersonID) throws {
        if password.count < settings.minimumPasswordLength {
            throw ServiceError(
                .invalidInput,
                "the password is too short: use at least \(settings.minimumPasswordLength) characters (a few words make a good one)"
            )
        }
        if password.utf8.count > settings.maximumPasswordBytes {
            throw ServiceError(
                .invalidInput,
                "the password is too long: at most \(settings.maximumPasswordBytes) bytes (bcrypt ignores the rest); Chinese characters take 3 bytes each"
            )
        }
        if password.unicodeScalars.contains("\u{0}") {
            throw ServiceError(.invalidInput, "the password holds a NUL character; remove it")
        }
        if password.lowercased() == person.rawValue.lowercased() {
            throw ServiceError(.invalidInput, "the password must not be the person id")
        }
    }

    /// The fastest of `rounds` bcrypt hashes at `cost`: what one password check costs on this machine
    /// (`kefu bench password`).
    public static func measureHashing(cost: UInt8 = AccountSettings.standard.bcryptCost, rounds: Int = 3) -> Duration {
        let clock = ContinuousClock()
        var best = Duration.seconds(3600)
        for _ in 0..<max(1, rounds) {
            let elapsed = clock.measure { _ = Bcrypt.hash("correct horse battery staple", cost: min(max(cost, 4), 31)) }
            best = min(best, elapsed)
        }
        return best
    }

    /// Runs slow work (bcrypt, ~0.1 s) on a Dispatch thread, so it never holds a thread of Swift's
    /// cooperative pool that other requests need.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }

    // MARK: Secrets

    /// `count` random bytes, base64url without padding (43 characters for 32 bytes).
    static func randomSecret(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// SHA-256 of `text`'s UTF-8, lowercase hex: what is stored instead of a token or session secret.
    static func sha256(_ text: String) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(text.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Compares two hashes (or tokens) in time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

/// bcrypt hashes of nothing in particular, one per cost, made once: signing in as somebody unknown
/// verifies against one, so it takes as long as a wrong password.
final class DummyHashes: @unchecked Sendable {
    static let shared = DummyHashes()
    private let lock = NSLock()
    private var hashes: [UInt8: String] = [:]

    func hash(cost: UInt8) -> String {
        if let hash = lock.withLock({ hashes[cost] }) { return hash }
        let hash = Bcrypt.hash(AccountService.randomSecret(bytes: 16), cost: cost)
        lock.withLock { hashes[cost] = hash }
        return hash
    }
}
