public import KefuCore
public import KefuStorage

/// A one-time invitation or reset: the token and the link carrying it, shown once to the administrator
/// who issued it (only its SHA-256 is stored).
public struct AccountLink: Sendable, Hashable, Codable {
    /// Whose password it sets.
    public var person: PersonID
    /// Invitation or reset.
    public var purpose: OneTimeTokenPurpose
    /// The token itself.
    public var token: String
    /// `<base>/account/setup?token=…`.
    public var link: String
    /// When it stops working.
    public var expiresAt: String
}

/// A successful sign-in: the session secret, shown once (the web app puts it in a cookie), the
/// session and the identity it establishes.
public struct SignIn: Sendable, Hashable {
    /// The session secret: present it to ``AccountService/authenticate(session:)``.
    public var secret: String
    /// The session.
    public var session: SessionInfo
    /// Who signed in, with their roles (channel `.session`).
    public var identity: Identity
}

/// A session as listed: never its secret.
public struct SessionInfo: Sendable, Hashable, Codable {
    /// Its number.
    public var id: SessionID
    /// Who signed in.
    public var person: PersonID
    /// When it started.
    public var createdAt: String
    /// When it ends whatever happens.
    public var expiresAt: String
    /// When it was last used.
    public var lastSeenAt: String
    /// When it was signed out or revoked.
    public var revokedAt: String?
    /// The browser or client, when known.
    public var userAgent: String?
    /// `active`, `expired`, `idle` (unused too long) or `revoked`.
    public var status: String

    /// The session `record` as of `now`; `idleLimit` is the time before which a last use makes it idle
    /// (nil when sessions have no idle limit).
    init(_ record: SessionRecord, now: String, idleLimit: String?) {
        id = record.id
        person = record.person
        createdAt = record.createdAt
        expiresAt = record.expiresAt
        lastSeenAt = record.lastSeenAt
        revokedAt = record.revokedAt
        userAgent = record.userAgent
        if record.revokedAt != nil {
            status = "revoked"
        } else if record.expiresAt <= now {
            status = "expired"
        } else if let idleLimit, record.lastSeenAt < idleLimit {
            status = "idle"
        } else {
            status = "active"
        }
    }

    /// True while the session may be used.
    public var isActive: Bool { status == "active" }
}

/// An API token as listed: never its secret.
public struct APITokenInfo: Sendable, Hashable, Codable {
    /// Its public id (the `<id>` in `kefu_<id>_<secret>`).
    public var id: APITokenID
    /// What it is for.
    public var name: String
    /// Whose rights it carries.
    public var person: PersonID
    /// The roles it may use; empty for all of its person's roles.
    public var scopes: [Role]
    /// Who created it.
    public var createdBy: PersonID
    /// When.
    public var createdAt: String
    /// When it stops working, if ever.
    public var expiresAt: String?
    /// When it was last used.
    public var lastUsedAt: String?
    /// When it was revoked.
    public var revokedAt: String?
    /// `active`, `expired` or `revoked`.
    public var status: String

    init(_ record: APITokenRecord, now: String) {
        id = record.id
        name = record.name
        person = record.person
        scopes = record.scopes
        createdBy = record.createdBy
        createdAt = record.createdAt
        expiresAt = record.expiresAt
        lastUsedAt = record.lastUsedAt
        revokedAt = record.revokedAt
        if record.revokedAt != nil {
            status = "revoked"
        } else if let expires = record.expiresAt, expires <= now {
            status = "expired"
        } else {
            status = "active"
        }
    }
}

/// A new API token: the token, shown once, and how it is listed.
public struct CreatedAPIToken: Sendable, Hashable, Codable {
    /// `kefu_<id>_<secret>`: give it to the script (only the secret's SHA-256 is stored).
    public var token: String
    /// The token as listed.
    public var info: APITokenInfo
}

/// One person's account as an administrator (or the person) sees it.
public struct AccountStatus: Sendable, Hashable, Codable {
    /// Whose.
    public var person: PersonID
    /// `none` (never invited), `invited` (no password yet), `active`, `locked` (after failed sign-ins)
    /// or `disabled` (locked by an administrator).
    public var state: String
    /// Signing in is refused until then (after failed sign-ins).
    public var lockedUntil: String?
    /// Failed sign-ins since the last success or lockout.
    public var failedAttempts: Int
    /// Lockouts since the last successful sign-in.
    public var lockouts: Int
    /// When the account was created.
    public var createdAt: String?
    /// When the account last changed.
    public var updatedAt: String?
    /// When the newest unused invitation or reset token expires, if one is pending.
    public var pendingTokenExpiresAt: String?
    /// Open sessions.
    public var activeSessions: Int
    /// API tokens, revoked ones included.
    public var tokens: [APITokenInfo]
    /// Roles held (level and grants).
    public var roles: [Role]
    /// Active grants.
    public var grants: [RoleGrant]
}

/// Roles and grants as `role list` shows them: one person's roles with their grants, or every grant.
public struct RoleListing: Sendable, Hashable, Codable {
    /// The person asked about, if one was.
    public var person: PersonID?
    /// Their roles (level and grants), when a person was asked about.
    public var roles: [Role]?
    /// Grants, oldest first.
    public var grants: [RoleGrant]
}
