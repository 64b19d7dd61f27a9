import Foundation
import KefuCore
import KefuLedger
import KefuStorage
import PostgresNIO

/// AccountStore on PostgreSQL: the `account`, `account_token`, `session`, `api_token` and `role_grant` tables.
/// Moments are `timestamptz`: written from Kefu's ``Timestamp`` text (`::timestamptz`), read back in Kefu's canonical
/// form (`kefu_time`) and compared as instants.
struct PostgresAccountStore: AccountStore {
    let database: PostgresDatabase

    /// The columns ``account(_:)`` decodes, in order.
    static let accountColumns =
        """
        person_id, password_hash, kefu_time(created_at), kefu_time(updated_at), failed_attempts, lockouts,
        kefu_time(locked_until), disabled
        """

    // MARK: Accounts

    func account(_ person: PersonID) async throws -> Account? {
        let logger = database.logger
        return try await database.read { conn in try await Self.account(person, conn, logger) }
    }

    func updateAccount(
        _ person: PersonID, endSessionsAt: String?, _ change: @escaping @Sendable (inout Account) throws -> Void
    ) async throws -> Account {
        let logger = database.logger
        return try await database.write { conn in
            guard var account = try await Self.account(person, conn, logger) else {
                throw StorageError(.notFound, "`\(person)` has no account")
            }
            try change(&account)
            try await conn.query(
                """
                UPDATE account SET password_hash = \(account.passwordHash),
                updated_at = \(account.updatedAt)::timestamptz, failed_attempts = \(account.failedAttempts),
                lockouts = \(account.lockouts),
                locked_until = \(account.lockedUntil)::timestamptz, disabled = \(account.isDisabled)
                WHERE person_id = \(account.person.rawValue)
                """, logger: logger)
            if let endSessionsAt { _ = try await Self.endSessions(of: person, at: endSessionsAt, conn, logger) }
            return account
        }
    }

    /// One account, inside a transaction.
    static func account(_ person: PersonID, _ conn: PostgresConnection, _ logger: Logger) async throws -> Account? {
        let rows = try await conn.query(
            "SELECT \(unescaped: accountColumns) FROM account WHERE person_id = \(person.rawValue)", logger: logger)
        for try await row in rows {
            let (id, hash, created, updated, failed, lockouts, lockedUntil, disabled) = try row.decode(
                (String, String?, String, String, Int, Int, String?, Bool).self)
            return Account(
                person: PersonID(id), passwordHash: hash, createdAt: created, updatedAt: updated,
                failedAttempts: failed, lockouts: lockouts, lockedUntil: lockedUntil, isDisabled: disabled)
        }
        return nil
    }

    // MARK: One-time tokens

    /// The columns ``oneTimeTokens(_:_:_:)`` decodes, in order.
    static let tokenColumns =
        """
        id, person_id, purpose, token_hash, created_by, kefu_time(created_at), kefu_time(expires_at),
        kefu_time(used_at), kefu_time(revoked_at)
        """

    func issue(_ token: OneTimeToken) async throws -> OneTimeToken {
        let logger = database.logger
        return try await database.write { conn in
            guard try await PostgresPeopleStore.exists(token.person.rawValue, conn, logger) else {
                throw StorageError(.notFound, "no person with id `\(token.person)`")
            }
            try await conn.query(
                """
                INSERT INTO account (person_id, created_at, updated_at)
                VALUES (\(token.person.rawValue), \(token.createdAt)::timestamptz, \(token.createdAt)::timestamptz)
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await conn.query(
                """
                UPDATE account_token SET revoked_at = \(token.createdAt)::timestamptz
                WHERE person_id = \(token.person.rawValue) AND purpose = \(token.purpose.rawValue)
                AND used_at IS NULL AND revoked_at IS NULL
                """, logger: logger)
            let id = try await conn.query(
                """
                INSERT INTO account_token (person_id, purpose, token_hash, created_by, created_at, expires_at)
                VALUES (\(token.person.rawValue), \(token.purpose.rawValue), \(token.tokenHash),
                        \(token.createdBy.rawValue), \(token.createdAt)::timestamptz, \(token.expiresAt)::timestamptz)
                RETURNING id
                """, logger: logger
            ).first(Int64.self)
            var stored = token
            stored.id = OneTimeTokenID(id ?? 0)
            stored.usedAt = nil
            stored.revokedAt = nil
            return stored
        }
    }

    func oneTimeToken(hash tokenHash: String) async throws -> OneTimeToken? {
        let logger = database.logger
        return try await database.read { conn in
            try await Self.oneTimeTokens(
                "SELECT \(unescaped: Self.tokenColumns) FROM account_token WHERE token_hash = \(tokenHash)", conn,
                logger
            ).first
        }
    }

    func oneTimeTokens(of person: PersonID) async throws -> [OneTimeToken] {
        let logger = database.logger
        return try await database.read { conn in
            try await Self.oneTimeTokens(
                """
                SELECT \(unescaped: Self.tokenColumns) FROM account_token WHERE person_id = \(person.rawValue)
                ORDER BY id
                """, conn, logger)
        }
    }

    func redeem(tokenHash: String, at time: String, passwordHash: String) async throws -> OneTimeToken {
        let logger = database.logger
        return try await database.write { conn in
            guard
                var token = try await Self.oneTimeTokens(
                    "SELECT \(unescaped: Self.tokenColumns) FROM account_token WHERE token_hash = \(tokenHash)", conn,
                    logger
                ).first
            else { throw StorageError(.notFound, "no such one-time token") }
            let used = try await conn.query(
                """
                UPDATE account_token SET used_at = \(time)::timestamptz
                WHERE id = \(token.id.rawValue) AND used_at IS NULL AND revoked_at IS NULL
                AND expires_at > \(time)::timestamptz RETURNING id
                """, logger: logger
            ).all(Int64.self)
            guard used.count == 1 else {
                throw StorageError(.conflict, "the one-time token is used, withdrawn or expired")
            }
            try await conn.query(
                """
                UPDATE account SET password_hash = \(passwordHash), updated_at = \(time)::timestamptz,
                failed_attempts = 0, lockouts = 0, locked_until = NULL WHERE person_id = \(token.person.rawValue)
                """, logger: logger)
            _ = try await Self.endSessions(of: token.person, at: time, conn, logger)
            token.usedAt = time
            return token
        }
    }

    /// The one-time tokens `query` selects (``tokenColumns``).
    static func oneTimeTokens(
        _ query: PostgresQuery, _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> [OneTimeToken] {
        var tokens: [OneTimeToken] = []
        for try await row in try await conn.query(query, logger: logger) {
            let (id, person, purpose, hash, createdBy, createdAt, expiresAt, usedAt, revokedAt) = try row.decode(
                (Int64, String, String, String, String, String, String, String?, String?).self)
            tokens.append(
                OneTimeToken(
                    id: OneTimeTokenID(id), person: PersonID(person),
                    purpose: OneTimeTokenPurpose(rawValue: purpose) ?? .reset, tokenHash: hash,
                    createdBy: PersonID(createdBy), createdAt: createdAt, expiresAt: expiresAt, usedAt: usedAt,
                    revokedAt: revokedAt))
        }
        return tokens
    }
}
