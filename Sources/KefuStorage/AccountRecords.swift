public import KefuCore

/// A person's sign-in account. Created by the first invitation; the password hash is set when the
/// person redeems an invitation or reset token.
public struct Account: Sendable, Hashable, Codable {
    /// Whose account.
    public var person: PersonID
    /// The bcrypt hash of the password (`$2b$…`); nil until a password is set.
    public var passwordHash: String?
    /// When the account was created.
    public var createdAt: String
    /// When the account last changed (password, lock, failures).
    public var updatedAt: String
    /// Failed sign-ins since the last success or lockout.
    public var failedAttempts: Int
    /// Lockouts since the last successful sign-in (each one lasts twice as long as the one before).
    public var lockouts: Int
    /// Signing in is refused until this time, when set.
    public var lockedUntil: String?
    /// True when an administrator has locked the account (until unlocked).
    public var isDisabled: Bool

    /// Creates an account.
    public init(
        person: PersonID, passwordHash: String? = nil, createdAt: String, updatedAt: String? = nil,
        failedAttempts: Int = 0, lockouts: Int = 0, lockedUntil: String? = nil, isDisabled: Bool = false
    ) {
        self.person = person
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.failedAttempts = failedAttempts
        self.lockouts = lockouts
        self.lockedUntil = lockedUntil
        self.isDisabled = isDisabled
    }
}

/// What a one-time token is for.
public enum OneTimeTokenPurpose: String, Sendable, Hashable, Codable, CaseIterable {
    /// A first password (an invitation).
    case invitation
    /// A new password (a reset).
    case reset
}

/// A one-time invitation or password-reset token. Only the SHA-256 of the token is stored.
public struct OneTimeToken: Sendable, Hashable, Codable {
    /// Its number (0 before it is stored).
    public var id: OneTimeTokenID
    /// Whose password it sets.
    public var person: PersonID
    /// Invitation or reset.
    public var purpose: OneTimeTokenPurpose
    /// SHA-256 of the token, lowercase hex.
    public var tokenHash: String
    /// Who issued it.
    public var createdBy: PersonID
    /// When it was issued.
    public var createdAt: String
    /// When it stops working.
    public var expiresAt: String
    /// When it was redeemed, if it was.
    public var usedAt: String?
    /// When a newer token or an administrator withdrew it, if one did.
    public var revokedAt: String?

    /// Creates a token record.
    public init(
        id: OneTimeTokenID = 0, person: PersonID, purpose: OneTimeTokenPurpose, tokenHash: String,
        createdBy: PersonID, createdAt: String, expiresAt: String, usedAt: String? = nil, revokedAt: String? = nil
    ) {
        self.id = id
        self.person = person
        self.purpose = purpose
        self.tokenHash = tokenHash
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.revokedAt = revokedAt
    }
}

/// A signed-in session. Only the SHA-256 of the session secret is stored.
public struct SessionRecord: Sendable, Hashable, Codable {
    /// Its number (0 before it is stored).
    public var id: SessionID
    /// Who signed in.
    public var person: PersonID
    /// SHA-256 of the secret, lowercase hex.
    public var secretHash: String
    /// When it started.
    public var createdAt: String
    /// When it ends whatever happens.
    public var expiresAt: String
    /// When it was last used.
    public var lastSeenAt: String
    /// When it was ended (signed out or revoked), if it was.
    public var revokedAt: String?
    /// The browser or client that signed in, when known.
    public var userAgent: String?

    /// Creates a session record.
    public init(
        id: SessionID = 0, person: PersonID, secretHash: String, createdAt: String, expiresAt: String,
        lastSeenAt: String? = nil, revokedAt: String? = nil, userAgent: String? = nil
    ) {
        self.id = id
        self.person = person
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastSeenAt = lastSeenAt ?? createdAt
        self.revokedAt = revokedAt
        self.userAgent = userAgent
    }
}

/// An API token for scripts. Only the SHA-256 of its secret is stored.
public struct APITokenRecord: Sendable, Hashable, Codable {
    /// Its public id.
    public var id: APITokenID
    /// What it is for, in the owner's words.
    public var name: String
    /// SHA-256 of the secret, lowercase hex.
    public var secretHash: String
    /// Whose rights it carries.
    public var person: PersonID
    /// The roles it may use (of those the person holds); empty for all of them.
    public var scopes: [Role]
    /// Who created it.
    public var createdBy: PersonID
    /// When it was created.
    public var createdAt: String
    /// When it stops working, if ever.
    public var expiresAt: String?
    /// When it was last used.
    public var lastUsedAt: String?
    /// When it was revoked, if it was.
    public var revokedAt: String?

    /// Creates a token record.
    public init(
        id: APITokenID, name: String, secretHash: String, person: PersonID, scopes: [Role], createdBy: PersonID,
        createdAt: String, expiresAt: String? = nil, lastUsedAt: String? = nil, revokedAt: String? = nil
    ) {
        self.id = id
        self.name = name
        self.secretHash = secretHash
        self.person = person
        self.scopes = scopes
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// A role granted to a person beyond what their level implies. Withdrawn grants stay as history.
public struct RoleGrant: Sendable, Hashable, Codable {
    /// Its number (0 before it is stored).
    public var id: GrantID
    /// Who holds the role.
    public var person: PersonID
    /// The role.
    public var role: Role
    /// Who granted it.
    public var grantedBy: PersonID
    /// When.
    public var grantedAt: String
    /// When it was withdrawn, if it was.
    public var withdrawnAt: String?
    /// Who withdrew it, if anyone did.
    public var withdrawnBy: PersonID?

    /// Creates a grant.
    public init(
        id: GrantID = 0, person: PersonID, role: Role, grantedBy: PersonID, grantedAt: String,
        withdrawnAt: String? = nil, withdrawnBy: PersonID? = nil
    ) {
        self.id = id
        self.person = person
        self.role = role
        self.grantedBy = grantedBy
        self.grantedAt = grantedAt
        self.withdrawnAt = withdrawnAt
        self.withdrawnBy = withdrawnBy
    }

    /// True while not withdrawn.
    public var isActive: Bool { withdrawnAt == nil }
}
