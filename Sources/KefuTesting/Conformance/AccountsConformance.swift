import Foundation
import KefuCore
public import KefuStorage

extension StorageConformance {
    /// The account store: accounts made by the first invitation, one-time tokens (a newer one withdraws
    /// older ones, redeemed once, never after expiry), sessions, API tokens and role grants.
    public static func accounts(_ make: StorageFactory) async throws {
        let storage = try await make()
        try await storage.people.add([
            Person(id: "E1", name: "A", hireDate: "2026-01-01"), Person(id: "A1", name: "B", hireDate: "2026-01-01"),
        ])
        try await oneTimeTokens(storage.accounts)
        try await accountUpdates(storage.accounts)
        try await sessions(storage.accounts)
        try await apiTokens(storage.accounts)
        try await grants(storage.accounts)
        try await credentials(storage.accounts)
    }

    /// A credential read together with what deciding its identity needs (one read per request).
    static func credentials(_ store: any AccountStore) async throws {
        let token = try await store.tokenCredentials("def456")
        try check(
            token?.token.id == "def456" && token?.facts.person?.id == "A1"
                && token?.facts.grants.map(\.role) == [.admin],
            "a token with its person and active grants: \(String(describing: token))")
        try await awaitCheck(try await store.tokenCredentials("nope") == nil, "an unknown token: nil")
        let e1 = try await store.tokenCredentials("abc123")
        let active = try await store.grants(of: "E1", includingWithdrawn: false)
        let all = try await store.grants(of: "E1", includingWithdrawn: true)
        try check(
            e1?.facts.grants == active && all.count > active.count && e1?.token.revokedAt != nil,
            "only active grants are facts; a revoked token still reads (the service refuses it)")
        let session = try await store.sessionCredentials(secretHash: "s1")
        try check(
            session?.session.secretHash == "s1" && session?.facts.person?.id == "E1",
            "a session with its person: \(String(describing: session))")
        try await awaitCheck(
            try await store.sessionCredentials(secretHash: "unknown") == nil, "an unknown session secret: nil")
        let firstSession = session?.session.id ?? SessionID(0)
        try await store.recordUses(
            tokens: ["def456": "2026-11-09T00:00:00.000Z"], sessions: [firstSession: "2026-11-09T00:00:01.000Z"])
        try await awaitCheck(
            try await store.token("def456")?.lastUsedAt == "2026-11-09T00:00:00.000Z", "uses recorded in a batch: token"
        )
        try await awaitCheck(
            try await store.session(firstSession)?.lastSeenAt == "2026-11-09T00:00:01.000Z",
            "uses recorded in a batch: session")
    }

    static func oneTimeTokens(_ store: any AccountStore) async throws {
        try await awaitCheck(try await store.account("E1") == nil, "nobody has an account before an invitation")
        func token(_ hash: String, at time: String, _ purpose: OneTimeTokenPurpose = .invitation) -> OneTimeToken {
            OneTimeToken(
                person: "E1", purpose: purpose, tokenHash: hash, createdBy: "A1", createdAt: time,
                expiresAt: "2026-11-08T00:00:00.000Z")
        }
        try await expect(.notFound, "a token for an unknown person") {
            var ghost = token("h0", at: "2026-11-01T00:00:00.000Z")
            ghost.person = "ghost"
            _ = try await store.issue(ghost)
        }
        let first = try await store.issue(token("h1", at: "2026-11-01T00:00:00.000Z"))
        let account = try await store.account("E1")
        try check(
            account?.passwordHash == nil && account?.createdAt == "2026-11-01T00:00:00.000Z",
            "the first invitation creates an account without a password")
        let second = try await store.issue(token("h2", at: "2026-11-02T00:00:00.000Z"))
        try check(second.id.rawValue > first.id.rawValue, "token numbers increase")
        let reset = try await store.issue(token("h3", at: "2026-11-02T00:00:00.000Z", .reset))
        try await awaitCheck(
            try await store.oneTimeToken(hash: "h1")?.revokedAt == "2026-11-02T00:00:00.000Z",
            "a newer invitation withdraws the older unused one")
        try await awaitCheck(
            try await store.oneTimeToken(hash: "h2")?.revokedAt == nil, "the newest invitation stays valid")
        try await awaitCheck(
            try await store.oneTimeToken(hash: "h3") == reset, "a reset token reads back and leaves invitations alone")
        try await awaitCheck(try await store.oneTimeToken(hash: "nope") == nil, "an unknown hash reads nil")
        try await awaitCheck(
            try await store.oneTimeTokens(of: "E1").map(\.tokenHash) == ["h1", "h2", "h3"], "tokens by age")

        try await expect(.conflict, "redeeming a withdrawn token") {
            _ = try await store.redeem(tokenHash: "h1", at: "2026-11-02T01:00:00.000Z", passwordHash: "$2b$x")
        }
        try await expect(.conflict, "redeeming an expired token") {
            _ = try await store.redeem(tokenHash: "h2", at: "2026-11-08T00:00:00.000Z", passwordHash: "$2b$x")
        }
        try await expect(.notFound, "redeeming an unknown token") {
            _ = try await store.redeem(tokenHash: "nope", at: "2026-11-02T01:00:00.000Z", passwordHash: "$2b$x")
        }
        let redeemed = try await store.redeem(tokenHash: "h2", at: "2026-11-02T01:00:00.000Z", passwordHash: "$2b$h")
        try check(redeemed.usedAt == "2026-11-02T01:00:00.000Z", "a redeemed token says when")
        try await awaitCheck(try await store.account("E1")?.passwordHash == "$2b$h", "redeeming sets the password hash")
        try await expect(.conflict, "redeeming a token twice") {
            _ = try await store.redeem(tokenHash: "h2", at: "2026-11-02T02:00:00.000Z", passwordHash: "$2b$y")
        }
        try await awaitCheck(
            try await store.account("E1")?.passwordHash == "$2b$h", "a refused redemption changes nothing")
    }

    static func accountUpdates(_ store: any AccountStore) async throws {
        let changed = try await store.updateAccount("E1", endSessionsAt: nil) { account in
            account.failedAttempts = 4
            account.lockouts = 1
            account.lockedUntil = "2026-11-03T00:15:00.000Z"
            account.isDisabled = true
            account.updatedAt = "2026-11-03T00:00:00.000Z"
        }
        try await awaitCheck(try await store.account("E1") == changed, "an account update reads back field for field")
        try check(changed.failedAttempts == 4 && changed.isDisabled, "the change was applied")
        struct Refused: Error {}
        do {
            _ = try await store.updateAccount("E1", endSessionsAt: nil) { account in
                account.failedAttempts = 9
                throw Refused()
            }
            throw CheckFailure("an update whose change throws must throw")
        } catch is Refused {}
        try await awaitCheck(try await store.account("E1")?.failedAttempts == 4, "a change that throws writes nothing")
        try await expect(.notFound, "updating a person without an account") {
            _ = try await store.updateAccount("A1", endSessionsAt: nil) { _ in }
        }
    }

    static func sessions(_ store: any AccountStore) async throws {
        func session(_ hash: String, expires: String = "2026-11-03T12:00:00.000Z") -> SessionRecord {
            SessionRecord(
                person: "E1", secretHash: hash, createdAt: "2026-11-03T00:00:00.000Z", expiresAt: expires,
                userAgent: hash == "s1" ? "curl/8" : nil)
        }
        let first = try await store.addSession(session("s1"))
        let second = try await store.addSession(session("s2"))
        _ = try await store.addSession(session("s3", expires: "2026-11-03T00:30:00.000Z"))
        try await awaitCheck(
            try await store.session(secretHash: "s1") == first, "a session reads back by its secret's hash")
        try await awaitCheck(try await store.session(second.id) == second, "a session reads back by its number")
        try check(first.lastSeenAt == first.createdAt, "a new session was last seen when it started")
        try await awaitCheck(
            try await store.sessions(of: "E1").map(\.secretHash) == ["s3", "s2", "s1"], "newest first")
        try await store.touchSession(first.id, at: "2026-11-03T00:05:00.000Z")
        try await awaitCheck(
            try await store.session(first.id)?.lastSeenAt == "2026-11-03T00:05:00.000Z", "a touch records use")
        try await awaitCheck(
            try await store.revokeSession(first.id, at: "2026-11-03T01:00:00.000Z"), "revoking an open session")
        try await awaitCheck(
            try await !store.revokeSession(first.id, at: "2026-11-03T02:00:00.000Z"), "revoking it again: false")
        try await awaitCheck(
            try await store.session(first.id)?.revokedAt == "2026-11-03T01:00:00.000Z", "the first revocation counts")
        try await expect(.notFound, "revoking an unknown session") {
            _ = try await store.revokeSession(9999, at: "2026-11-03T01:00:00.000Z")
        }
        try await awaitCheck(
            try await store.revokeSessions(of: "E1", at: "2026-11-03T01:00:00.000Z") == 1,
            "revoking all ends only the open, unexpired ones")
        _ = try await store.addSession(session("s4"))
        _ = try await store.updateAccount("E1", endSessionsAt: "2026-11-03T03:00:00.000Z") { _ in }
        try await awaitCheck(
            try await store.session(secretHash: "s4")?.revokedAt == "2026-11-03T03:00:00.000Z",
            "an account update can end the sessions in the same transaction")
        _ = try await store.addSession(session("s5"))
        _ = try await store.issue(
            OneTimeToken(
                person: "E1", purpose: .reset, tokenHash: "r1", createdBy: "A1", createdAt: "2026-11-03T04:00:00.000Z",
                expiresAt: "2026-11-04T04:00:00.000Z"))
        _ = try await store.redeem(tokenHash: "r1", at: "2026-11-03T05:00:00.000Z", passwordHash: "$2b$new")
        try await awaitCheck(
            try await store.session(secretHash: "s5")?.revokedAt == "2026-11-03T05:00:00.000Z",
            "setting a password ends the person's sessions")
        try await awaitCheck(try await store.account("E1")?.failedAttempts == 0, "setting a password clears failures")
    }

    static func apiTokens(_ store: any AccountStore) async throws {
        let token = APITokenRecord(
            id: "abc123", name: "nightly import", secretHash: "t1", person: "E1", scopes: [.trainee, .qaReviewer],
            createdBy: "A1", createdAt: "2026-11-03T00:00:00.000Z", expiresAt: "2026-12-03T00:00:00.000Z")
        try await store.addToken(token)
        try await awaitCheck(try await store.token("abc123") == token, "a token reads back field for field")
        try await expect(.conflict, "a token id twice") { try await store.addToken(token) }
        try await expect(.notFound, "a token for an unknown person") {
            var ghost = token
            ghost.id = "zzz"
            ghost.person = "ghost"
            try await store.addToken(ghost)
        }
        var other = token
        other.id = "def456"
        other.person = "A1"
        other.scopes = []
        other.expiresAt = nil
        try await store.addToken(other)
        try await awaitCheck(try await store.token("def456")?.scopes == [], "an unscoped token reads back unscoped")
        try await awaitCheck(try await store.tokens(of: "E1").map(\.id) == ["abc123"], "a person's tokens")
        try await awaitCheck(try await store.tokens(of: nil).count == 2, "everyone's tokens")
        try await store.touchToken("abc123", at: "2026-11-04T00:00:00.000Z")
        try await awaitCheck(
            try await store.token("abc123")?.lastUsedAt == "2026-11-04T00:00:00.000Z", "a use is recorded")
        try await awaitCheck(try await store.revokeToken("abc123", at: "2026-11-05T00:00:00.000Z"), "revoking a token")
        try await awaitCheck(
            try await !store.revokeToken("abc123", at: "2026-11-06T00:00:00.000Z"), "revoking it again: false")
        try await awaitCheck(
            try await store.token("abc123")?.revokedAt == "2026-11-05T00:00:00.000Z", "the revocation is kept")
        try await expect(.notFound, "revoking an unknown token") {
            _ = try await store.revokeToken("nope", at: "2026-11-05T00:00:00.000Z")
        }
    }

    static func grants(_ store: any AccountStore) async throws {
        let grant = RoleGrant(person: "E1", role: .qaReviewer, grantedBy: "A1", grantedAt: "2026-11-03T00:00:00.000Z")
        let stored = try await store.addGrant(grant)
        try check(stored.id.rawValue > 0 && stored.isActive, "a grant is stored active with a number")
        try await expect(.conflict, "the same role twice") { _ = try await store.addGrant(grant) }
        try await expect(.notFound, "a grant to an unknown person") {
            var ghost = grant
            ghost.person = "ghost"
            _ = try await store.addGrant(ghost)
        }
        _ = try await store.addGrant(
            RoleGrant(person: "A1", role: .admin, grantedBy: "root", grantedAt: "2026-11-03T00:00:00.000Z"))
        try await awaitCheck(
            try await store.grants(of: "E1", includingWithdrawn: false) == [stored], "a person's grants")
        try await awaitCheck(try await store.grants(of: nil, includingWithdrawn: false).count == 2, "everyone's grants")
        let withdrawn = try await store.withdrawGrant(.qaReviewer, from: "E1", by: "A1", at: "2026-11-04T00:00:00.000Z")
        try check(
            withdrawn.withdrawnAt == "2026-11-04T00:00:00.000Z" && withdrawn.withdrawnBy == "A1",
            "a withdrawal says when and by whom")
        try await awaitCheck(
            try await store.grants(of: "E1", includingWithdrawn: false).isEmpty, "withdrawn grants are inactive")
        try await awaitCheck(
            try await store.grants(of: "E1", includingWithdrawn: true) == [withdrawn], "and stay as history")
        try await expect(.notFound, "withdrawing a role not granted") {
            _ = try await store.withdrawGrant(.qaReviewer, from: "E1", by: "A1", at: "2026-11-05T00:00:00.000Z")
        }
        let again = try await store.addGrant(grant)
        try check(again.id != stored.id, "a withdrawn role can be granted again")
    }
}

/// ``check(_:_:file:line:)`` for a condition that awaits.
private func awaitCheck(
    _ condition: @autoclosure () async throws -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #filePath, line: UInt = #line
) async throws {
    if try await !condition() { throw CheckFailure(message(), file: file, line: line) }
}
