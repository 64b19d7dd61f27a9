import Foundation
import GRDB
import KefuLedger
import KefuStorage

/// AuditStore on SQLite: table `audit_event`, append-only by triggers and chained by hashes.
struct SQLiteAuditStore: AuditStore {
    let database: KefuDatabase

    @discardableResult
    func append(
        _ make: @escaping @Sendable (_ sequence: Int, _ previousHash: String) -> AuditEvent
    ) async throws
        -> AuditEvent
    {
        try await database.writing { db in
            let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
            let sequence = (last?["seq"] as Int?).map { $0 + 1 } ?? 1
            let previous: String = last?["hash"] ?? AuditEvent.genesisHash
            let event = make(sequence, previous)
            try db.execute(
                sql:
                    "INSERT INTO audit_event (seq, at, person, action, subject, body, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    sequence, event.at, event.person, event.action, event.subject, event.canonicalString,
                    event.chainHash,
                ])
            return event
        }
    }

    func events(_ filter: AuditFilter) async throws -> [AuditEvent] {
        try await database.reading { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let prefix = filter.actionPrefix {
                clauses.append("substr(action, 1, length(?)) = ?")
                _ = arguments.append(contentsOf: [prefix, prefix])
            }
            if let person = filter.person {
                clauses.append("person = ?")
                _ = arguments.append(contentsOf: [person])
            }
            if let subject = filter.subjectContaining {
                clauses.append("instr(subject, ?) > 0")
                _ = arguments.append(contentsOf: [subject])
            }
            if let since = filter.since {
                clauses.append("at >= ?")
                _ = arguments.append(contentsOf: [since])
            }
            let condition = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            var sql = "SELECT body FROM audit_event\(condition) ORDER BY seq DESC"
            if let limit = filter.limit { sql += " LIMIT \(max(0, limit))" }
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            return try rows.reversed().map { row in
                do { return try AuditEvent(json: JSONValue.parse(row["body"])) } catch {
                    throw StorageError(
                        .unavailable, "an audit event is unreadable (edited outside Kefu?); run the audit verification")
                }
            }
        }
    }

    func stored() async throws -> [StoredAuditEvent] {
        try await database.reading { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, at, person, action, subject, body, hash FROM audit_event ORDER BY seq"
            )
            .map {
                StoredAuditEvent(
                    sequence: $0["seq"], body: $0["body"], hash: $0["hash"], at: $0["at"], person: $0["person"],
                    action: $0["action"], subject: $0["subject"])
            }
        }
    }
}
