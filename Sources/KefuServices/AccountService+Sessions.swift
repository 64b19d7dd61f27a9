import Foundation
import HummingbirdBcrypt
public import KefuCore
public import KefuStorage

extension AccountService {
    /// The one message for an unknown person, a person without an account or password, a person who
    /// left, and a wrong password: signing in never reveals who exists.
    static let wrongCredentials = "person id or password is wrong"

    /// Signs `person` in with `password`: a new session (its secret returned once) lasting
    /// ``AccountSettings/sessionLifetime``. After ``AccountSettings/lockThreshold`` failures in a row the
    /// account locks for ``AccountSettings/lockDuration``, twice as long at each further lockout; a
    /// locked account says until when. Every outcome is audited except for unknown people.
    public func login(person: PersonID, password: String, userAgent: String? = nil) async throws -> SignIn {
        let storage = try environment.storage
        let (date, time) = now()
        let (found, account) = try await translatingStorageErrors {
            (try await storage.people.person(person), try await storage.accounts.account(person))
        }
        guard let found, found.isActive, let account, let hash = account.passwordHash else {
            let cost = settings.bcryptCost
            _ = await Self.offPool { Bcrypt.verify(password, hash: DummyHashes.shared.hash(cost: cost)) }
            throw ServiceError(.unauthenticated, Self.wrongCredentials)
        }
        let actor = Identity(person: person, roles: [], channel: .session)
        if account.isDisabled {
            throw ServiceError(
                .forbidden, "the account of \(person) is locked by an administrator; ask an administrator to unlock it")
        }
        if let until = account.lockedUntil, until > time {
            throw ServiceError(
                .forbidden,
                "the account of \(person) is locked after repeated failed sign-ins until \(until); try again then, or ask an administrator to unlock it",
                hint: .init("account.unlock", ["person": person.rawValue]))
        }
        guard await Self.offPool({ Bcrypt.verify(password, hash: hash) }) else {
            try await recordFailure(of: person, by: actor, at: date)
        }
        _ = try await translatingStorageErrors {
            try await storage.accounts.updateAccount(person, endSessionsAt: nil) { account in
                account.failedAttempts = 0
                account.lockouts = 0
                account.lockedUntil = nil
                account.updatedAt = time
            }
        }
        let secret = Self.randomSecret()
        let record = SessionRecord(
            person: person, secretHash: Self.sha256(secret), createdAt: time,
            expiresAt: Timestamp.format(date.addingTimeInterval(settings.sessionLifetime)),
            userAgent: userAgent.map { String($0.prefix(200)) })
        let session = try await translatingStorageErrors { try await storage.accounts.addSession(record) }
        let identity = Identity(
            person: person, roles: try await environment.roles(of: found), channel: .session)
        try await environment.audit(identity, "account.login", subject: "session \(session.id)")
        return SignIn(
            secret: secret, session: SessionInfo(session, now: time, idleLimit: nil), identity: identity)
    }

    /// Counts a failed sign-in (locking the account at the threshold), audits it and throws the error.
    func recordFailure(of person: PersonID, by actor: Identity, at date: Date) async throws -> Never {
        let settings = self.settings
        let time = Timestamp.format(date)
        let account = try await translatingStorageErrors {
            try await accounts.updateAccount(person, endSessionsAt: nil) { account in
                account.failedAttempts += 1
                account.updatedAt = time
                guard account.failedAttempts >= settings.lockThreshold else { return }
                account.lockouts += 1
                let factor = pow(2.0, Double(min(account.lockouts - 1, 16)))
                let duration = min(settings.lockDuration * factor, settings.maximumLockDuration)
                account.lockedUntil = Timestamp.format(date.addingTimeInterval(duration))
                account.failedAttempts = 0
            }
        }
        try await environment.audit(actor, "account.login-failed", subject: "account \(person)")
        if let until = account.lockedUntil, account.failedAttempts == 0 {
            try await environment.audit(
                actor, "account.lockout", subject: "account \(person)",
                detail: ["until": until, "lockouts": String(account.lockouts)])
            throw ServiceError(
                .unauthenticated,
                "\(Self.wrongCredentials); after \(settings.lockThreshold) failures in a row the account is locked until \(until)"
            )
        }
        throw ServiceError(.unauthenticated, Self.wrongCredentials)
    }

    /// The identity a session secret establishes (channel `.session`, roles from level and grants), and
    /// records the use. Refused (``ServiceError/Code/unauthenticated``) when the secret is unknown, the
    /// session ended, expired or sat idle too long, the account is locked by an administrator, or the
    /// person left.
    public func authenticate(session secret: String) async throws -> Identity {
        let storage = try environment.storage
        let (date, time) = now()
        let found = try await translatingStorageErrors {
            try await storage.accounts.sessionCredentials(secretHash: Self.sha256(secret))
        }
        guard let (record, facts) = found else { throw ServiceError(.unauthenticated, "not signed in; sign in first") }
        let info = SessionInfo(record, now: time, idleLimit: idleLimit(date))
        guard info.isActive else {
            throw ServiceError(.unauthenticated, "the session has \(Self.ended(info.status)); sign in again")
        }
        let identity = try Self.activeIdentity(record.person, facts, channel: .session)
        if !storage.isReadOnly, let seen = Timestamp.parse(record.lastSeenAt), date.timeIntervalSince(seen) >= 60 {
            if settings.batchUseRecords {
                await uses.note(session: record.id, at: time, store: storage.accounts, logger: environment.logger)
            } else {
                try await translatingStorageErrors { try await storage.accounts.touchSession(record.id, at: time) }
            }
        }
        return identity
    }

    static func ended(_ status: String) -> String {
        switch status {
        case "revoked": return "ended"
        case "idle": return "ended after a while unused"
        default: return "expired"
        }
    }

    /// The time before which a session's last use makes it idle, or nil without an idle limit.
    func idleLimit(_ date: Date) -> String? {
        settings.idleTimeout.map { Timestamp.format(date.addingTimeInterval(-$0)) }
    }

    /// `person`'s identity through `channel` from facts read with the credential, refused when they left or their
    /// account is locked by an administrator.
    static func activeIdentity(
        _ person: PersonID, _ facts: CredentialFacts, channel: Identity.Channel
    ) throws
        -> Identity
    {
        guard let found = facts.person, found.isActive else {
            throw ServiceError(.unauthenticated, "\(person) has left and can no longer sign in")
        }
        if facts.account?.isDisabled == true {
            throw ServiceError(.unauthenticated, "the account of \(person) is locked by an administrator")
        }
        return Identity(
            person: person, roles: Role.implied(by: found.level).union(facts.grants.map(\.role)), channel: channel)
    }

    /// `person`'s identity through `channel`, refused when they left or their account is locked by an
    /// administrator.
    func activeIdentity(_ person: PersonID, channel: Identity.Channel) async throws -> Identity {
        let storage = try environment.storage
        let (found, account) = try await translatingStorageErrors {
            (try await storage.people.person(person), try await storage.accounts.account(person))
        }
        guard let found, found.isActive else {
            throw ServiceError(.unauthenticated, "\(person) has left and can no longer sign in")
        }
        if account?.isDisabled == true {
            throw ServiceError(.unauthenticated, "the account of \(person) is locked by an administrator")
        }
        return Identity(person: person, roles: try await environment.roles(of: found), channel: channel)
    }

    /// Signs out: ends the session whose secret is `secret` (nothing happens for an unknown secret).
    public func logout(session secret: String) async throws {
        let accounts = try self.accounts
        let record = try await translatingStorageErrors { try await accounts.session(secretHash: Self.sha256(secret)) }
        guard let record, record.revokedAt == nil else { return }
        let ended = try await translatingStorageErrors { try await accounts.revokeSession(record.id, at: now().text) }
        guard ended else { return }
        try await environment.audit(
            Identity(person: record.person, roles: [], channel: .session), "account.logout",
            subject: "session \(record.id)")
    }

    /// A person's sessions, newest first (their own, or anyone's for an administrator).
    public func sessions(of person: PersonID, by actor: Identity) async throws -> [SessionInfo] {
        try requireOwnOrAdmin(actor, person)
        let (date, time) = now()
        let records = try await translatingStorageErrors { try await accounts.sessions(of: person) }
        return records.map { SessionInfo($0, now: time, idleLimit: idleLimit(date)) }
    }

    /// Ends one session (one's own, or anyone's for an administrator).
    public func revokeSession(_ id: SessionID, by actor: Identity) async throws {
        let accounts = try self.accounts
        let record = try await translatingStorageErrors { try await accounts.session(id) }
        guard let record else { throw ServiceError.notFound(id) }
        try requireOwnOrAdmin(actor, record.person)
        let ended = try await translatingStorageErrors { try await accounts.revokeSession(id, at: now().text) }
        guard ended else { throw ServiceError(.conflict, "session \(id) has already ended") }
        try await environment.audit(actor, "session.revoke", subject: "session \(id)")
    }

    /// Ends every open session of `person` (their own, or anyone's for an administrator); returns how many.
    @discardableResult
    public func revokeAllSessions(of person: PersonID, by actor: Identity) async throws -> Int {
        try requireOwnOrAdmin(actor, person)
        let count = try await translatingStorageErrors { try await accounts.revokeSessions(of: person, at: now().text) }
        try await environment.audit(
            actor, "session.revoke-all", subject: "account \(person)", detail: ["count": String(count)])
        return count
    }
}
