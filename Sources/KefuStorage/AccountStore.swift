public import KefuCore

/// Sign-in accounts, one-time invitation and reset tokens, sessions, API tokens and role grants.
///
/// Secrets never reach storage: tokens and session secrets are stored as their SHA-256, passwords as
/// bcrypt hashes. Timestamps are ``Timestamp`` text, so they compare as text.
public protocol AccountStore: Sendable {
    // MARK: Authentication (every request)

    /// An API token with its person, account and active grants, read together (one read per request).
    func tokenCredentials(_ id: APITokenID) async throws -> (token: APITokenRecord, facts: CredentialFacts)?

    /// A session (by the SHA-256 of its secret) with its person, account and active grants, read together.
    func sessionCredentials(secretHash: String) async throws -> (session: SessionRecord, facts: CredentialFacts)?

    /// Records when tokens and sessions were last used, many at once (one transaction).
    func recordUses(tokens: [APITokenID: String], sessions: [SessionID: String]) async throws

    // MARK: Accounts

    /// One person's account, or nil when they have none.
    func account(_ person: PersonID) async throws -> Account?

    /// Reads, changes and writes one account in one transaction; `change` is pure and may throw to
    /// change nothing. With `endSessionsAt`, every open session of the person ends at that time in the
    /// same transaction. ``StorageError/Code/notFound`` when the person has no account.
    func updateAccount(
        _ person: PersonID, endSessionsAt: String?, _ change: @escaping @Sendable (inout Account) throws -> Void
    ) async throws -> Account

    // MARK: One-time tokens

    /// Stores `token` (its id is ignored) and withdraws, at its creation time, every unused token of the
    /// same person and purpose; creates the person's account (without a password) when they have none.
    /// Returns the token with its id. ``StorageError/Code/notFound`` when the person does not exist.
    func issue(_ token: OneTimeToken) async throws -> OneTimeToken

    /// The token whose SHA-256 is `tokenHash`, or nil.
    func oneTimeToken(hash tokenHash: String) async throws -> OneTimeToken?

    /// A person's one-time tokens, oldest first.
    func oneTimeTokens(of person: PersonID) async throws -> [OneTimeToken]

    /// Redeems a token in one transaction: marks it used at `time`, sets the account's password hash,
    /// clears failed attempts and locks, and ends the person's open sessions. Returns the token.
    /// ``StorageError/Code/notFound`` for an unknown token; ``StorageError/Code/conflict`` when it is
    /// used, withdrawn or expired by `time` (so a token is redeemed at most once).
    func redeem(tokenHash: String, at time: String, passwordHash: String) async throws -> OneTimeToken

    // MARK: Sessions

    /// Stores a session (its id is ignored) and returns it with its id.
    func addSession(_ session: SessionRecord) async throws -> SessionRecord

    /// The session whose secret has SHA-256 `secretHash`, or nil.
    func session(secretHash: String) async throws -> SessionRecord?

    /// One session, or nil.
    func session(_ id: SessionID) async throws -> SessionRecord?

    /// A person's sessions, ended ones included, newest first.
    func sessions(of person: PersonID) async throws -> [SessionRecord]

    /// Records that a session was used at `time`.
    func touchSession(_ id: SessionID, at time: String) async throws

    /// Ends a session at `time`; false when it had already ended. ``StorageError/Code/notFound`` for
    /// an unknown id.
    func revokeSession(_ id: SessionID, at time: String) async throws -> Bool

    /// Ends every open session of `person` at `time`; returns how many were open.
    func revokeSessions(of person: PersonID, at time: String) async throws -> Int

    // MARK: API tokens

    /// Stores a token. ``StorageError/Code/conflict`` when its id exists; ``StorageError/Code/notFound``
    /// when its person does not exist.
    func addToken(_ token: APITokenRecord) async throws

    /// One token, or nil.
    func token(_ id: APITokenID) async throws -> APITokenRecord?

    /// The tokens of `person` (everyone's when nil), revoked ones included, oldest first.
    func tokens(of person: PersonID?) async throws -> [APITokenRecord]

    /// Records that a token was used at `time`.
    func touchToken(_ id: APITokenID, at time: String) async throws

    /// Revokes a token at `time`; false when it was already revoked. ``StorageError/Code/notFound`` for
    /// an unknown id.
    func revokeToken(_ id: APITokenID, at time: String) async throws -> Bool

    // MARK: Role grants

    /// Stores a grant (its id is ignored) and returns it with its id. ``StorageError/Code/conflict``
    /// when the person already holds the role by an active grant; ``StorageError/Code/notFound`` when
    /// the person does not exist.
    func addGrant(_ grant: RoleGrant) async throws -> RoleGrant

    /// Withdraws the active grant of `role` to `person`. ``StorageError/Code/notFound`` when there is none.
    func withdrawGrant(
        _ role: Role, from person: PersonID, by actor: PersonID, at time: String
    ) async throws
        -> RoleGrant

    /// Grants of `person` (everyone's when nil), oldest first; withdrawn ones only when asked for.
    func grants(of person: PersonID?, includingWithdrawn: Bool) async throws -> [RoleGrant]
}

/// What deciding a credential's identity needs besides the credential: the person (active or not), their account
/// (locked by an administrator or not) and their active role grants.
public struct CredentialFacts: Sendable, Hashable {
    /// The person, nil when unknown.
    public var person: Person?
    /// Their account, nil when they have none.
    public var account: Account?
    /// Their active grants.
    public var grants: [RoleGrant]

    /// Creates the facts.
    public init(person: Person?, account: Account?, grants: [RoleGrant]) {
        self.person = person
        self.account = account
        self.grants = grants
    }
}
