import Foundation
import KefuCore
import KefuLedger
import KefuStorage
import PostgresNIO

/// AuditStore on PostgreSQL: `audit_event`, append-only by trigger and by grants, chained by hashes; appends run
/// holding the audit log's advisory lock (``PostgresMigrations/auditLock``), so every process chains to the last.
struct PostgresAuditStore: AuditStore {
    let database: PostgresDatabase

    @discardableResult
    func append(
        _ make: @escaping @Sendable (_ sequence: Int, _ previousHash: String) -> AuditEvent
    ) async throws
        -> AuditEvent
    {
        try await database.write(lock: PostgresMigrations.auditLock) { connection in
            let last = try await connection.query(
                "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1", logger: database.logger
            ).first((Int, String).self)
            let sequence = (last?.0 ?? 0) + 1
            let event = make(sequence, last?.1 ?? AuditEvent.genesisHash)
            try await connection.query(
                """
                INSERT INTO audit_event (seq, at, person, action, subject, body, hash)
                VALUES (\(Int64(sequence)), \(event.at), \(event.person), \(event.action), \(event.subject),
                        \(event.canonicalString), \(event.chainHash))
                """, logger: database.logger)
            return event
        }
    }

    func events(_ filter: AuditFilter) async throws -> [AuditEvent] {
        try await database.read { connection in
            var clauses: [String] = []
            var binds = PostgresBindings()
            func bind(_ value: String) -> String {
                binds.append(value)
                return "$\(binds.count)"
            }
            if let prefix = filter.actionPrefix { clauses.append("starts_with(action, \(bind(prefix)))") }
            if let person = filter.person { clauses.append("person = \(bind(person))") }
            if let subject = filter.subjectContaining { clauses.append("strpos(subject, \(bind(subject))) > 0") }
            if let since = filter.since { clauses.append("at >= \(bind(since))") }
            let condition = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            var sql = "SELECT body FROM audit_event\(condition) ORDER BY seq DESC"
            if let limit = filter.limit { sql += " LIMIT \(max(0, limit))" }
            let bodies = try await connection.query(
                PostgresQuery(unsafeSQL: sql, binds: binds), logger: database.logger
            )
            .all(String.self)
            return try bodies.reversed().map { body in
                do { return try AuditEvent(json: JSONValue.parse(body)) } catch {
                    throw StorageError(
                        .unavailable, "an audit event is unreadable (edited outside Kefu?); run the audit verification")
                }
            }
        }
    }

    func stored() async throws -> [StoredAuditEvent] {
        try await database.read { connection in
            try await connection.query(
                "SELECT seq, at, person, action, subject, body, hash FROM audit_event ORDER BY seq",
                logger: database.logger
            ).all((Int, String, String, String, String, String, String).self).map {
                StoredAuditEvent(
                    sequence: $0.0, body: $0.5, hash: $0.6, at: $0.1, person: $0.2, action: $0.3, subject: $0.4)
            }
        }
    }
}
