import Foundation
import GRDB
import KefuCore
import KefuStorage

/// AccountStore on SQLite: the `account`, `account_token`, `session`, `api_token` and `role_grant` tables.
struct SQLiteAccountStore: AccountStore {
    let database: KefuDatabase

    // MARK: Accounts

    func account(_ person: PersonID) async throws -> Account? {
        try await database.reading { db in try Self.account(person, db) }
    }

    func updateAccount(
        _ person: PersonID, endSessionsAt: String?, _ change: @escaping @Sendable (inout Account) throws -> Void
    ) async throws -> Account {
        try await database.writing { db in
            guard var account = try Self.account(person, db) else {
                throw StorageError(.notFound, "`\(person)` has no account")
            }
            try change(&account)
            try Self.save(account, db)
            if let endSessionsAt { _ = try Self.endSessions(of: person, at: endSessionsAt, db) }
            return account
        }
    }

    static func account(_ person: PersonID, _ db: Database) throws -> Account? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM account WHERE person_id = ?"), arguments: [person.rawValue]
        ).map {
            row in
            Account(
                person: PersonID(row["person_id"] as String), passwordHash: row["password_hash"],
                createdAt: row["created_at"], updatedAt: row["updated_at"], failedAttempts: row["failed_attempts"],
                lockouts: row["lockouts"], lockedUntil: row["locked_until"], isDisabled: row["disabled"])
        }
    }

    static func save(_ account: Account, _ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE account SET password_hash = ?, updated_at = ?, failed_attempts = ?, lockouts = ?,
                locked_until = ?, disabled = ? WHERE person_id = ?
                """,
            arguments: [
                account.passwordHash, account.updatedAt, account.failedAttempts, account.lockouts,
                account.lockedUntil, account.isDisabled, account.person.rawValue,
            ])
    }

    // MARK: One-time tokens

    func issue(_ token: OneTimeToken) async throws -> OneTimeToken {
        try await database.writing { db in
            guard try KefuDatabase.exists(token.person.rawValue, db) else {
                throw StorageError(.notFound, "no person with id `\(token.person)`")
            }
            try db.execute(
                sql: "INSERT OR IGNORE INTO account (person_id, created_at, updated_at) VALUES (?, ?, ?)",
                arguments: [token.person.rawValue, token.createdAt, token.createdAt])
            try db.execute(
                sql: """
                    UPDATE account_token SET revoked_at = ?
                    WHERE person_id = ? AND purpose = ? AND used_at IS NULL AND revoked_at IS NULL
                    """,
                arguments: [token.createdAt, token.person.rawValue, token.purpose.rawValue])
            try db.execute(
                sql: """
                    INSERT INTO account_token (person_id, purpose, token_hash, created_by, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.person.rawValue, token.purpose.rawValue, token.tokenHash, token.createdBy.rawValue,
                    token.createdAt, token.expiresAt,
                ])
            var stored = token
            stored.id = OneTimeTokenID(db.lastInsertedRowID)
            stored.usedAt = nil
            stored.revokedAt = nil
            return stored
        }
    }

    func oneTimeToken(hash tokenHash: String) async throws -> OneTimeToken? {
        try await database.reading { db in
            try Row.fetchOne(db, sql: "SELECT * FROM account_token WHERE token_hash = ?", arguments: [tokenHash]).map(
                Self.oneTimeToken)
        }
    }

    func oneTimeTokens(of person: PersonID) async throws -> [OneTimeToken] {
        try await database.reading { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM account_token WHERE person_id = ? ORDER BY id", arguments: [person.rawValue]
            ).map(Self.oneTimeToken)
        }
    }

    func redeem(tokenHash: String, at time: String, passwordHash: String) async throws -> OneTimeToken {
        try await database.writing { db in
            guard
                var token = try Row.fetchOne(
                    db, sql: "SELECT * FROM account_token WHERE token_hash = ?", arguments: [tokenHash]
                ).map(Self.oneTimeToken)
            else { throw StorageError(.notFound, "no such one-time token") }
            try db.execute(
                sql: """
                    UPDATE account_token SET used_at = ?
                    WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
                    """,
                arguments: [time, token.id.rawValue, time])
            guard db.changesCount == 1 else {
                throw StorageError(.conflict, "the one-time token is used, withdrawn or expired")
            }
            try db.execute(
                sql: """
                    UPDATE account SET password_hash = ?, updated_at = ?, failed_attempts = 0, lockouts = 0,
                    locked_until = NULL WHERE person_id = ?
                    """,
                arguments: [passwordHash, time, token.person.rawValue])
            _ = try Self.endSessions(of: token.person, at: time, db)
            token.usedAt = time
            return token
        }
    }

    static func oneTimeToken(_ row: Row) -> OneTimeToken {
        OneTimeToken(
            id: OneTimeTokenID(row["id"] as Int64), person: PersonID(row["person_id"] as String),
            purpose: OneTimeTokenPurpose(rawValue: row["purpose"]) ?? .reset, tokenHash: row["token_hash"],
            createdBy: PersonID(row["created_by"] as String), createdAt: row["created_at"],
            expiresAt: row["expires_at"], usedAt: row["used_at"], revokedAt: row["revoked_at"])
    }
}

extension SQLiteAccountStore {
    // MARK: Sessions

    func addSession(_ session: SessionRecord) async throws -> SessionRecord {
        try await database.writing { db in
            guard try KefuDatabase.exists(session.person.rawValue, db) else {
                throw StorageError(.notFound, "no person with id `\(session.person)`")
            }
            try db.execute(
                sql: """
                    INSERT INTO session (person_id, secret_hash, created_at, expires_at, last_seen_at, user_agent)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    session.person.rawValue, session.secretHash, session.createdAt, session.expiresAt,
                    session.lastSeenAt, session.userAgent,
                ])
            var stored = session
            stored.id = SessionID(db.lastInsertedRowID)
            stored.revokedAt = nil
            return stored
        }
    }

    func session(secretHash: String) async throws -> SessionRecord? {
        try await database.reading { db in
            try Row.fetchOne(db, sql: "SELECT * FROM session WHERE secret_hash = ?", arguments: [secretHash]).map(
                Self.session)
        }
    }

    func session(_ id: SessionID) async throws -> SessionRecord? {
        try await database.reading { db in
            try Row.fetchOne(db, sql: "SELECT * FROM session WHERE id = ?", arguments: [id.rawValue]).map(Self.session)
        }
    }

    func sessions(of person: PersonID) async throws -> [SessionRecord] {
        try await database.reading { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM session WHERE person_id = ? ORDER BY id DESC", arguments: [person.rawValue]
            ).map(Self.session)
        }
    }

    func touchSession(_ id: SessionID, at time: String) async throws {
        try await database.writing { db in
            try db.execute(sql: "UPDATE session SET last_seen_at = ? WHERE id = ?", arguments: [time, id.rawValue])
        }
    }

    func revokeSession(_ id: SessionID, at time: String) async throws -> Bool {
        try await database.writing { db in
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM session WHERE id = ?)", arguments: [id.rawValue])
                    ?? false
            else { throw StorageError(.notFound, "no session \(id)") }
            try db.execute(
                sql: "UPDATE session SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [time, id.rawValue])
            return db.changesCount == 1
        }
    }

    func revokeSessions(of person: PersonID, at time: String) async throws -> Int {
        try await database.writing { db in try Self.endSessions(of: person, at: time, db) }
    }

    /// Ends the person's sessions that are neither ended nor expired at `time`; returns how many.
    static func endSessions(of person: PersonID, at time: String, _ db: Database) throws -> Int {
        try db.execute(
            sql: "UPDATE session SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL AND expires_at > ?",
            arguments: [time, person.rawValue, time])
        return db.changesCount
    }

    static func session(_ row: Row) -> SessionRecord {
        SessionRecord(
            id: SessionID(row["id"] as Int64), person: PersonID(row["person_id"] as String),
            secretHash: row["secret_hash"], createdAt: row["created_at"], expiresAt: row["expires_at"],
            lastSeenAt: row["last_seen_at"], revokedAt: row["revoked_at"], userAgent: row["user_agent"])
    }
}

extension SQLiteAccountStore {
    // MARK: API tokens

    func addToken(_ token: APITokenRecord) async throws {
        try await database.writing { db in
            guard try KefuDatabase.exists(token.person.rawValue, db) else {
                throw StorageError(.notFound, "no person with id `\(token.person)`")
            }
            let taken =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM api_token WHERE id = ?)", arguments: [token.id.rawValue])
                ?? false
            if taken { throw StorageError(.conflict, "an API token with id `\(token.id)` already exists") }
            try db.execute(
                sql: """
                    INSERT INTO api_token (id, name, secret_hash, person_id, scopes, created_by, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.id.rawValue, token.name, token.secretHash, token.person.rawValue,
                    token.scopes.map(\.rawValue).joined(separator: ","), token.createdBy.rawValue, token.createdAt,
                    token.expiresAt,
                ])
        }
    }

    func token(_ id: APITokenID) async throws -> APITokenRecord? {
        try await database.reading { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE id = ?", arguments: [id.rawValue]).map(Self.token)
        }
    }

    func tokens(of person: PersonID?) async throws -> [APITokenRecord] {
        try await database.reading { db in
            if let person {
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM api_token WHERE person_id = ? ORDER BY rowid",
                    arguments: [person.rawValue]
                ).map(Self.token)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM api_token ORDER BY rowid").map(Self.token)
        }
    }

    func touchToken(_ id: APITokenID, at time: String) async throws {
        try await database.writing { db in
            try db.execute(sql: "UPDATE api_token SET last_used_at = ? WHERE id = ?", arguments: [time, id.rawValue])
        }
    }

    func revokeToken(_ id: APITokenID, at time: String) async throws -> Bool {
        try await database.writing { db in
            let exists =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM api_token WHERE id = ?)", arguments: [id.rawValue])
                ?? false
            guard exists else { throw StorageError(.notFound, "no API token `\(id)`") }
            try db.execute(
                sql: "UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [time, id.rawValue])
            return db.changesCount == 1
        }
    }

    static func token(_ row: Row) -> APITokenRecord {
        APITokenRecord(
            id: APITokenID(row["id"] as String), name: row["name"], secretHash: row["secret_hash"],
            person: PersonID(row["person_id"] as String),
            scopes: (row["scopes"] as String).split(separator: ",").compactMap { Role(rawValue: String($0)) },
            createdBy: PersonID(row["created_by"] as String), createdAt: row["created_at"],
            expiresAt: row["expires_at"], lastUsedAt: row["last_used_at"], revokedAt: row["revoked_at"])
    }
}

extension SQLiteAccountStore {
    // MARK: Role grants

    func addGrant(_ grant: RoleGrant) async throws -> RoleGrant {
        try await database.writing { db in
            guard try KefuDatabase.exists(grant.person.rawValue, db) else {
                throw StorageError(.notFound, "no person with id `\(grant.person)`")
            }
            let held =
                try Bool.fetchOne(
                    db,
                    sql:
                        "SELECT EXISTS(SELECT 1 FROM role_grant WHERE person_id = ? AND role = ? AND withdrawn_at IS NULL)",
                    arguments: [grant.person.rawValue, grant.role.rawValue]) ?? false
            if held {
                throw StorageError(.conflict, "`\(grant.person)` already holds \(grant.role.rawValue) by a grant")
            }
            try db.execute(
                sql: "INSERT INTO role_grant (person_id, role, granted_by, granted_at) VALUES (?, ?, ?, ?)",
                arguments: [grant.person.rawValue, grant.role.rawValue, grant.grantedBy.rawValue, grant.grantedAt])
            var stored = grant
            stored.id = GrantID(db.lastInsertedRowID)
            stored.withdrawnAt = nil
            stored.withdrawnBy = nil
            return stored
        }
    }

    func withdrawGrant(
        _ role: Role, from person: PersonID, by actor: PersonID, at time: String
    ) async throws
        -> RoleGrant
    {
        try await database.writing { db in
            guard
                var grant = try Row.fetchOne(
                    db, sql: "SELECT * FROM role_grant WHERE person_id = ? AND role = ? AND withdrawn_at IS NULL",
                    arguments: [person.rawValue, role.rawValue]
                ).map(Self.grant)
            else { throw StorageError(.notFound, "`\(person)` holds no grant of \(role.rawValue)") }
            try db.execute(
                sql: "UPDATE role_grant SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?",
                arguments: [time, actor.rawValue, grant.id.rawValue])
            grant.withdrawnAt = time
            grant.withdrawnBy = actor
            return grant
        }
    }

    func grants(of person: PersonID?, includingWithdrawn: Bool) async throws -> [RoleGrant] {
        try await database.reading { db in
            var sql = "SELECT * FROM role_grant WHERE 1"
            var arguments: StatementArguments = []
            if let person {
                sql += " AND person_id = ?"
                arguments += [person.rawValue]
            }
            if !includingWithdrawn { sql += " AND withdrawn_at IS NULL" }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments).map(Self.grant)
        }
    }

    static func grant(_ row: Row) -> RoleGrant {
        RoleGrant(
            id: GrantID(row["id"] as Int64), person: PersonID(row["person_id"] as String),
            role: Role(rawValue: row["role"]) ?? .trainee, grantedBy: PersonID(row["granted_by"] as String),
            grantedAt: row["granted_at"], withdrawnAt: row["withdrawn_at"],
            withdrawnBy: (row["withdrawn_by"] as String?).map { PersonID($0) })
    }
}

extension SQLiteAccountStore {
    func tokenCredentials(_ id: APITokenID) async throws -> (token: APITokenRecord, facts: CredentialFacts)? {
        try database.readingNow { db in
            guard
                let token = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM api_token WHERE id = ?"), arguments: [id.rawValue]
                ).map(Self.token)
            else { return nil }
            return (token, try facts(token.person, db))
        }
    }

    func sessionCredentials(secretHash: String) async throws -> (session: SessionRecord, facts: CredentialFacts)? {
        try database.readingNow { db in
            guard
                let session = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM session WHERE secret_hash = ?"), arguments: [secretHash]
                ).map(Self.session)
            else { return nil }
            return (session, try facts(session.person, db))
        }
    }

    /// The person, account and active grants of `person`, inside a read.
    func facts(_ person: PersonID, _ db: Database) throws -> CredentialFacts {
        CredentialFacts(
            person: try database.person(person.rawValue, db), account: try Self.account(person, db),
            grants: try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT * FROM role_grant WHERE person_id = ? AND withdrawn_at IS NULL ORDER BY id"),
                arguments: [person.rawValue]
            ).map(Self.grant))
    }
}

extension SQLiteAccountStore {
    func recordUses(tokens: [APITokenID: String], sessions: [SessionID: String]) async throws {
        guard !tokens.isEmpty || !sessions.isEmpty else { return }
        try await database.writing { db in
            let token = try db.cachedStatement(sql: "UPDATE api_token SET last_used_at = ? WHERE id = ?")
            for (id, time) in tokens { try token.execute(arguments: [time, id.rawValue]) }
            let session = try db.cachedStatement(sql: "UPDATE session SET last_seen_at = ? WHERE id = ?")
            for (id, time) in sessions { try session.execute(arguments: [time, id.rawValue]) }
        }
    }
}
