import Foundation
import KefuCore
import KefuStorage
import PostgresNIO

/// API tokens and role grants.
extension PostgresAccountStore {
    /// The columns ``tokens(_:_:_:)`` decodes, in order.
    static let apiTokenColumns =
        """
        id, name, secret_hash, person_id, scopes, created_by, kefu_time(created_at), kefu_time(expires_at),
        kefu_time(last_used_at), kefu_time(revoked_at)
        """
    /// The columns ``grants(_:_:_:)`` decodes, in order.
    static let grantColumns =
        "id, person_id, role, granted_by, kefu_time(granted_at), kefu_time(withdrawn_at), withdrawn_by"

    // MARK: API tokens

    func addToken(_ token: APITokenRecord) async throws {
        let logger = database.logger
        try await database.write { conn in
            guard try await PostgresPeopleStore.exists(token.person.rawValue, conn, logger) else {
                throw StorageError(.notFound, "no person with id `\(token.person)`")
            }
            let taken = try await conn.query(
                "SELECT EXISTS(SELECT 1 FROM api_token WHERE id = \(token.id.rawValue))", logger: logger
            ).first(Bool.self)
            if taken == true { throw StorageError(.conflict, "an API token with id `\(token.id)` already exists") }
            try await conn.query(
                """
                INSERT INTO api_token (id, name, secret_hash, person_id, scopes, created_by, created_at, expires_at)
                VALUES (\(token.id.rawValue), \(token.name), \(token.secretHash), \(token.person.rawValue),
                        \(token.scopes.map(\.rawValue))::text[], \(token.createdBy.rawValue),
                        \(token.createdAt)::timestamptz, \(token.expiresAt)::timestamptz)
                """, logger: logger)
        }
    }

    func token(_ id: APITokenID) async throws -> APITokenRecord? {
        let logger = database.logger
        return try await database.read { conn in
            try await Self.tokens(
                "SELECT \(unescaped: Self.apiTokenColumns) FROM api_token WHERE id = \(id.rawValue)", conn, logger
            ).first
        }
    }

    func tokens(of person: PersonID?) async throws -> [APITokenRecord] {
        let logger = database.logger
        return try await database.read { conn in
            // Oldest first, as SQLite's insertion order: by creation time, then id.
            if let person {
                return try await Self.tokens(
                    """
                    SELECT \(unescaped: Self.apiTokenColumns) FROM api_token WHERE person_id = \(person.rawValue)
                    ORDER BY created_at, id COLLATE "C"
                    """, conn, logger)
            }
            return try await Self.tokens(
                """
                SELECT \(unescaped: Self.apiTokenColumns) FROM api_token
                ORDER BY created_at, id COLLATE "C"
                """, conn, logger)
        }
    }

    func touchToken(_ id: APITokenID, at time: String) async throws {
        let logger = database.logger
        try await database.write { conn in
            _ = try await conn.query(
                "UPDATE api_token SET last_used_at = \(time)::timestamptz WHERE id = \(id.rawValue)", logger: logger)
        }
    }

    func revokeToken(_ id: APITokenID, at time: String) async throws -> Bool {
        let logger = database.logger
        return try await database.write { conn in
            let exists = try await conn.query(
                "SELECT EXISTS(SELECT 1 FROM api_token WHERE id = \(id.rawValue))", logger: logger
            ).first(Bool.self)
            guard exists == true else { throw StorageError(.notFound, "no API token `\(id)`") }
            let revoked = try await conn.query(
                """
                UPDATE api_token SET revoked_at = \(time)::timestamptz WHERE id = \(id.rawValue) AND revoked_at IS NULL
                RETURNING id
                """, logger: logger
            ).all(String.self)
            return revoked.count == 1
        }
    }

    /// The API tokens `query` selects (``apiTokenColumns``).
    static func tokens(
        _ query: PostgresQuery, _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> [APITokenRecord] {
        var tokens: [APITokenRecord] = []
        for try await row in try await conn.query(query, logger: logger) {
            let (id, name, hash, person, scopes, createdBy, createdAt, expiresAt, lastUsedAt, revokedAt) =
                try row.decode(
                    (String, String, String, String, [String], String, String, String?, String?, String?).self)
            tokens.append(
                APITokenRecord(
                    id: APITokenID(id), name: name, secretHash: hash, person: PersonID(person),
                    scopes: scopes.compactMap(Role.init(rawValue:)), createdBy: PersonID(createdBy),
                    createdAt: createdAt, expiresAt: expiresAt, lastUsedAt: lastUsedAt, revokedAt: revokedAt))
        }
        return tokens
    }

    // MARK: Role grants

    func addGrant(_ grant: RoleGrant) async throws -> RoleGrant {
        let logger = database.logger
        return try await database.write { conn in
            guard try await PostgresPeopleStore.exists(grant.person.rawValue, conn, logger) else {
                throw StorageError(.notFound, "no person with id `\(grant.person)`")
            }
            let held = try await conn.query(
                """
                SELECT EXISTS(SELECT 1 FROM role_grant WHERE person_id = \(grant.person.rawValue)
                              AND role = \(grant.role.rawValue) AND withdrawn_at IS NULL)
                """, logger: logger
            ).first(Bool.self)
            if held == true {
                throw StorageError(.conflict, "`\(grant.person)` already holds \(grant.role.rawValue) by a grant")
            }
            let id = try await conn.query(
                """
                INSERT INTO role_grant (person_id, role, granted_by, granted_at)
                VALUES (\(grant.person.rawValue), \(grant.role.rawValue), \(grant.grantedBy.rawValue),
                        \(grant.grantedAt)::timestamptz)
                RETURNING id
                """, logger: logger
            ).first(Int64.self)
            var stored = grant
            stored.id = GrantID(id ?? 0)
            stored.withdrawnAt = nil
            stored.withdrawnBy = nil
            return stored
        }
    }

    func withdrawGrant(
        _ role: Role, from person: PersonID, by actor: PersonID, at time: String
    ) async throws -> RoleGrant {
        let logger = database.logger
        return try await database.write { conn in
            guard
                var grant = try await Self.grants(
                    """
                    SELECT \(unescaped: Self.grantColumns) FROM role_grant
                    WHERE person_id = \(person.rawValue) AND role = \(role.rawValue) AND withdrawn_at IS NULL
                    """, conn, logger
                ).first
            else { throw StorageError(.notFound, "`\(person)` holds no grant of \(role.rawValue)") }
            try await conn.query(
                """
                UPDATE role_grant SET withdrawn_at = \(time)::timestamptz, withdrawn_by = \(actor.rawValue)
                WHERE id = \(grant.id.rawValue)
                """, logger: logger)
            grant.withdrawnAt = time
            grant.withdrawnBy = actor
            return grant
        }
    }

    func grants(of person: PersonID?, includingWithdrawn: Bool) async throws -> [RoleGrant] {
        let logger = database.logger
        return try await database.read { conn in
            try await Self.grants(
                """
                SELECT \(unescaped: Self.grantColumns) FROM role_grant
                WHERE (\(person?.rawValue)::text IS NULL OR person_id = \(person?.rawValue))
                AND (\(includingWithdrawn) OR withdrawn_at IS NULL)
                ORDER BY id
                """, conn, logger)
        }
    }

    /// The grants `query` selects (``grantColumns``).
    static func grants(_ query: PostgresQuery, _ conn: PostgresConnection, _ logger: Logger) async throws -> [RoleGrant]
    {
        var grants: [RoleGrant] = []
        for try await row in try await conn.query(query, logger: logger) {
            let (id, person, role, grantedBy, grantedAt, withdrawnAt, withdrawnBy) = try row.decode(
                (Int64, String, String, String, String, String?, String?).self)
            grants.append(
                RoleGrant(
                    id: GrantID(id), person: PersonID(person), role: Role(rawValue: role) ?? .trainee,
                    grantedBy: PersonID(grantedBy), grantedAt: grantedAt, withdrawnAt: withdrawnAt,
                    withdrawnBy: withdrawnBy.map { PersonID($0) }))
        }
        return grants
    }
}
