import Foundation
import KefuCore
import KefuStorage
import PostgresNIO

/// Sessions and the reads and writes of every authenticated request.
extension PostgresAccountStore {
    /// The columns ``sessions(_:_:_:)`` decodes, in order.
    static let sessionColumns =
        """
        id, person_id, secret_hash, kefu_time(created_at), kefu_time(expires_at), kefu_time(last_seen_at),
        kefu_time(revoked_at), user_agent
        """

    // MARK: Sessions

    func addSession(_ session: SessionRecord) async throws -> SessionRecord {
        let logger = database.logger
        return try await database.write { conn in
            guard try await PostgresPeopleStore.exists(session.person.rawValue, conn, logger) else {
                throw StorageError(.notFound, "no person with id `\(session.person)`")
            }
            let id = try await conn.query(
                """
                INSERT INTO session (person_id, secret_hash, created_at, expires_at, last_seen_at, user_agent)
                VALUES (\(session.person.rawValue), \(session.secretHash), \(session.createdAt)::timestamptz,
                        \(session.expiresAt)::timestamptz, \(session.lastSeenAt)::timestamptz, \(session.userAgent))
                RETURNING id
                """, logger: logger
            ).first(Int64.self)
            var stored = session
            stored.id = SessionID(id ?? 0)
            stored.revokedAt = nil
            return stored
        }
    }

    func session(secretHash: String) async throws -> SessionRecord? {
        let logger = database.logger
        return try await database.read { conn in
            try await Self.sessions(
                "SELECT \(unescaped: Self.sessionColumns) FROM session WHERE secret_hash = \(secretHash)", conn, logger
            ).first
        }
    }

    func session(_ id: SessionID) async throws -> SessionRecord? {
        let logger = database.logger
        return try await database.read { conn in
            try await Self.sessions(
                "SELECT \(unescaped: Self.sessionColumns) FROM session WHERE id = \(id.rawValue)", conn, logger
            ).first
        }
    }

    func sessions(of person: PersonID) async throws -> [SessionRecord] {
        let logger = database.logger
        return try await database.read { conn in
            try await Self.sessions(
                """
                SELECT \(unescaped: Self.sessionColumns) FROM session WHERE person_id = \(person.rawValue)
                ORDER BY id DESC
                """, conn, logger)
        }
    }

    func touchSession(_ id: SessionID, at time: String) async throws {
        let logger = database.logger
        try await database.write { conn in
            _ = try await conn.query(
                "UPDATE session SET last_seen_at = \(time)::timestamptz WHERE id = \(id.rawValue)", logger: logger)
        }
    }

    func revokeSession(_ id: SessionID, at time: String) async throws -> Bool {
        let logger = database.logger
        return try await database.write { conn in
            let exists = try await conn.query(
                "SELECT EXISTS(SELECT 1 FROM session WHERE id = \(id.rawValue))", logger: logger
            ).first(Bool.self)
            guard exists == true else { throw StorageError(.notFound, "no session \(id)") }
            let revoked = try await conn.query(
                """
                UPDATE session SET revoked_at = \(time)::timestamptz WHERE id = \(id.rawValue) AND revoked_at IS NULL
                RETURNING id
                """,
                logger: logger
            ).all(Int64.self)
            return revoked.count == 1
        }
    }

    func revokeSessions(of person: PersonID, at time: String) async throws -> Int {
        let logger = database.logger
        return try await database.write { conn in try await Self.endSessions(of: person, at: time, conn, logger) }
    }

    /// Ends the person's sessions that are neither ended nor expired at `time`; returns how many.
    static func endSessions(
        of person: PersonID, at time: String, _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> Int {
        try await conn.query(
            """
            UPDATE session SET revoked_at = \(time)::timestamptz
            WHERE person_id = \(person.rawValue) AND revoked_at IS NULL AND expires_at > \(time)::timestamptz
            RETURNING id
            """, logger: logger
        ).all(Int64.self).count
    }

    /// The sessions `query` selects (``sessionColumns``).
    static func sessions(
        _ query: PostgresQuery, _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> [SessionRecord] {
        var sessions: [SessionRecord] = []
        for try await row in try await conn.query(query, logger: logger) {
            let (id, person, hash, createdAt, expiresAt, lastSeenAt, revokedAt, userAgent) = try row.decode(
                (Int64, String, String, String, String, String, String?, String?).self)
            sessions.append(
                SessionRecord(
                    id: SessionID(id), person: PersonID(person), secretHash: hash, createdAt: createdAt,
                    expiresAt: expiresAt, lastSeenAt: lastSeenAt, revokedAt: revokedAt, userAgent: userAgent))
        }
        return sessions
    }

    // MARK: Credentials (every request)

    func tokenCredentials(_ id: APITokenID) async throws -> (token: APITokenRecord, facts: CredentialFacts)? {
        let logger = database.logger
        // On every request: statements that need not agree, without a transaction (as on SQLite).
        let found = try await database.readNow { conn -> Credential<APITokenRecord>? in
            guard
                let token = try await Self.tokens(
                    "SELECT \(unescaped: Self.apiTokenColumns) FROM api_token WHERE id = \(id.rawValue)", conn, logger
                ).first
            else { return nil }
            return Credential(value: token, facts: try await Self.facts(token.person, conn, logger))
        }
        return found.map { ($0.value, $0.facts) }
    }

    func sessionCredentials(secretHash: String) async throws -> (session: SessionRecord, facts: CredentialFacts)? {
        let logger = database.logger
        let found = try await database.readNow { conn -> Credential<SessionRecord>? in
            guard
                let session = try await Self.sessions(
                    "SELECT \(unescaped: Self.sessionColumns) FROM session WHERE secret_hash = \(secretHash)", conn,
                    logger
                ).first
            else { return nil }
            return Credential(value: session, facts: try await Self.facts(session.person, conn, logger))
        }
        return found.map { ($0.value, $0.facts) }
    }

    /// A credential with its facts (a tuple is not `Sendable` out of a transaction).
    struct Credential<Value: Sendable>: Sendable {
        /// The token or session.
        let value: Value
        /// Its person, account and active grants.
        let facts: CredentialFacts
    }

    /// The person, account and active grants of `person`, inside a read.
    static func facts(_ person: PersonID, _ conn: PostgresConnection, _ logger: Logger) async throws -> CredentialFacts
    {
        CredentialFacts(
            person: try await PostgresPeopleStore.person(person.rawValue, conn, logger),
            account: try await account(person, conn, logger),
            grants: try await grants(
                """
                SELECT \(unescaped: grantColumns) FROM role_grant
                WHERE person_id = \(person.rawValue) AND withdrawn_at IS NULL ORDER BY id
                """, conn, logger))
    }

    func recordUses(tokens: [APITokenID: String], sessions: [SessionID: String]) async throws {
        guard !tokens.isEmpty || !sessions.isEmpty else { return }
        let logger = database.logger
        // One statement per table, whatever the number of uses: the ids and times travel as two arrays.
        let tokenIDs = tokens.keys.map(\.rawValue).sorted()
        let tokenTimes = tokenIDs.map { tokens[APITokenID($0)] ?? "" }
        let sessionIDs = sessions.keys.map(\.rawValue).sorted()
        let sessionTimes = sessionIDs.map { sessions[SessionID($0)] ?? "" }
        try await database.write { conn in
            if !tokenIDs.isEmpty {
                try await conn.query(
                    """
                    UPDATE api_token t SET last_used_at = u.at
                    FROM unnest(\(tokenIDs)::text[], \(tokenTimes)::timestamptz[]) AS u(id, at) WHERE t.id = u.id
                    """, logger: logger)
            }
            if !sessionIDs.isEmpty {
                try await conn.query(
                    """
                    UPDATE session s SET last_seen_at = u.at
                    FROM unnest(\(sessionIDs)::bigint[], \(sessionTimes)::timestamptz[]) AS u(id, at) WHERE s.id = u.id
                    """, logger: logger)
            }
        }
    }
}
