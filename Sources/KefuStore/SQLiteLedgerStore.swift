import Foundation
import GRDB
import KefuCore
import KefuLedger
import KefuStorage

/// LedgerStore on SQLite.
struct SQLiteLedgerStore: LedgerStore {
    let database: KefuDatabase

    func append(
        concerning person: PersonID?, signer: LedgerSigner, progress: (@Sendable (Int) -> Void)?,
        _ make: @escaping @Sendable (LedgerHead) throws -> [LedgerEntry]
    ) async throws -> [LedgerEntry] {
        try await database.writing { db in
            let size = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM ledger_entry") ?? 0
            var head = LedgerHead(entries: try database.entries(db, person: person?.rawValue), size: size)
            if let person {
                head.person = try database.person(person.rawValue, db)
                head.evidence = PersonEvidence(
                    attempts: try database.attempts(of: person.rawValue, db),
                    signOffs: try database.signOffs(of: person.rawValue, db))
            }
            var stored: [LedgerEntry] = []
            for draft in try make(head) {
                stored.append(try database.append(draft, signer: signer, db))
                progress?(stored.count)
            }
            return stored
        }
    }

    func entries(person: PersonID?) async throws -> [LedgerEntry] {
        try await database.reading { db in try database.entries(db, person: person?.rawValue) }
    }

    func entry(_ id: EntryID) async throws -> LedgerEntry? {
        try await database.reading { db in
            try Row.fetchOne(db, sql: "SELECT body FROM ledger_entry WHERE seq = ?", arguments: [id.rawValue])
                .map { try LedgerEntry(json: JSONValue.parse($0["body"])) }
        }
    }

    func events(referringTo id: EntryID) async throws -> [LedgerEntry] {
        try await database.reading { db in
            try Row.fetchAll(
                db, sql: "SELECT body FROM ledger_entry WHERE refers_to = ? ORDER BY seq", arguments: [id.rawValue]
            )
            .map { try LedgerEntry(json: JSONValue.parse($0["body"])) }
        }
    }

    func snapshot() async throws -> LedgerSnapshot {
        try await database.reading { db in
            let columns = try Row.fetchAll(
                db,
                sql: "SELECT seq, kind, person_id, subject, valid_until, refers_to, body FROM ledger_entry ORDER BY seq"
            ).map {
                LedgerColumns(
                    sequence: $0["seq"], kind: $0["kind"], person: $0["person_id"], subject: $0["subject"],
                    validUntil: $0["valid_until"],
                    refersTo: $0["refers_to"], body: $0["body"])
            }
            return LedgerSnapshot(
                stored: try database.storedEntries(db), columns: columns,
                checkpoints: try String.fetchAll(db, sql: "SELECT text FROM checkpoint ORDER BY id"))
        }
    }

    func addCheckpoint(
        _ make: @escaping @Sendable ([StoredEntry]) throws -> SignedCheckpoint
    ) async throws -> SignedCheckpoint {
        try await database.writing { db in
            let signed = try make(try database.storedEntries(db))
            try database.saveCheckpoint(signed.checkpoint, text: signed.text, db)
            return signed
        }
    }

    func checkpoints() async throws -> [String] {
        try await database.reading { db in try String.fetchAll(db, sql: "SELECT text FROM checkpoint ORDER BY id") }
    }
}
