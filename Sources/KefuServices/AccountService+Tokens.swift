import Foundation
public import KefuCore
public import KefuStorage

extension AccountService {
    /// The prefix of every API token: `kefu_<id>_<secret>`.
    public static let tokenPrefix = "kefu_"

    /// Creates an API token for `person` (one's own, or anyone's for an administrator): `name` says
    /// what it is for, `scopes` limit it to some of the person's roles (empty: all of them, as they
    /// are at each use), `expiresInDays` ends it (never when nil). The token is returned once.
    /// API tokens cannot create API tokens.
    public func createToken(
        for person: PersonID, name: String, scopes: [Role] = [], expiresInDays: Int? = nil, by actor: Identity
    ) async throws -> CreatedAPIToken {
        try requireOwnOrAdmin(actor, person)
        if actor.channel == .token {
            throw ServiceError(.forbidden, "an API token cannot create API tokens; sign in to create one")
        }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else {
            throw ServiceError(.invalidInput, "name the token (1 to 100 characters), e.g. what script uses it")
        }
        if let days = expiresInDays, !(1...3650).contains(days) {
            throw ServiceError(.invalidInput, "a token's lifetime is 1 to 3650 days, not \(days)")
        }
        let holder = try await activeIdentity(person, channel: .token)
        let missing = Set(scopes).subtracting(holder.roles)
        guard missing.isEmpty else {
            let held = holder.roles.sorted().map(\.rawValue).joined(separator: ", ")
            throw ServiceError(
                .invalidInput,
                "\(person) does not hold \(missing.sorted().map(\.rawValue).joined(separator: ", ")); a token can carry only roles its person holds (\(held))"
            )
        }
        let (date, time) = now()
        let id = APITokenID(Self.randomHex(bytes: 6))
        let secret = Self.randomSecret()
        let record = APITokenRecord(
            id: id, name: name, secretHash: Self.sha256(secret), person: person, scopes: Set(scopes).sorted(),
            createdBy: actor.person, createdAt: time,
            expiresAt: expiresInDays.map { Timestamp.format(date.addingTimeInterval(Double($0) * 86_400)) })
        try await translatingStorageErrors { try await accounts.addToken(record) }
        try await environment.audit(
            actor, "token.create", subject: "API token \(id)",
            detail: ["person": person.rawValue, "scopes": record.scopes.map(\.rawValue).joined(separator: ",")])
        return CreatedAPIToken(token: "\(Self.tokenPrefix)\(id)_\(secret)", info: APITokenInfo(record, now: time))
    }

    /// API tokens of `person` (one's own, or anyone's for an administrator), or of everyone when nil
    /// (administrators only); never their secrets.
    public func tokens(of person: PersonID?, by actor: Identity) async throws -> [APITokenInfo] {
        if let person {
            try requireOwnOrAdmin(actor, person)
        } else {
            try AccessPolicy.require(actor, .manageAccounts)
        }
        let time = now().text
        return try await translatingStorageErrors { try await accounts.tokens(of: person) }.map {
            APITokenInfo($0, now: time)
        }
    }

    /// Revokes an API token (one's own, or anyone's for an administrator).
    public func revokeToken(_ id: APITokenID, by actor: Identity) async throws {
        let accounts = try self.accounts
        let record = try await translatingStorageErrors { try await accounts.token(id) }
        guard let record else { throw ServiceError.notFound(id) }
        try requireOwnOrAdmin(actor, record.person)
        let revoked = try await translatingStorageErrors { try await accounts.revokeToken(id, at: now().text) }
        guard revoked else { throw ServiceError(.conflict, "API token \(id) is already revoked") }
        try await environment.audit(
            actor, "token.revoke", subject: "API token \(id)", detail: ["person": record.person.rawValue])
    }

    /// The identity an API token establishes (channel `.token`): its person's current roles, limited to
    /// the token's scopes. Refused (``ServiceError/Code/unauthenticated``) for a malformed, unknown,
    /// revoked or expired token, and when the person left or their account is locked by an administrator.
    public func authenticate(token: String) async throws -> Identity {
        let accounts = try self.accounts
        let (date, time) = now()
        let text = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix(Self.tokenPrefix),
            let separator = text.dropFirst(Self.tokenPrefix.count).firstIndex(of: "_")
        else {
            throw ServiceError(.unauthenticated, "this is not a Kefu API token (they read kefu_<id>_<secret>)")
        }
        let id = APITokenID(String(text[text.index(text.startIndex, offsetBy: Self.tokenPrefix.count)..<separator]))
        let secret = String(text[text.index(after: separator)...])
        let found = try await translatingStorageErrors { try await accounts.tokenCredentials(id) }
        guard let (record, facts) = found, Self.constantTimeEqual(record.secretHash, Self.sha256(secret)) else {
            throw ServiceError(.unauthenticated, "this API token is not valid; create a new one")
        }
        let info = APITokenInfo(record, now: time)
        guard info.status == "active" else {
            throw ServiceError(
                .unauthenticated, "API token \(id) is \(info.status); create a new one",
                hint: .init("token.create", ["person": record.person.rawValue]))
        }
        var identity = try Self.activeIdentity(record.person, facts, channel: .token)
        if !record.scopes.isEmpty { identity.roles.formIntersection(record.scopes) }
        // Uses are recorded at most once a minute, and not by processes that opened storage read-only.
        let stale = record.lastUsedAt.flatMap(Timestamp.parse).map { date.timeIntervalSince($0) >= 60 } ?? true
        if stale, try !environment.storage.isReadOnly {
            if settings.batchUseRecords {
                await uses.note(token: id, at: time, store: accounts, logger: environment.logger)
            } else {
                try await translatingStorageErrors { try await accounts.touchToken(id, at: time) }
            }
        }
        return identity
    }

    /// `count` random bytes as lowercase hex (API token ids).
    static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }
            .joined()
    }
}
