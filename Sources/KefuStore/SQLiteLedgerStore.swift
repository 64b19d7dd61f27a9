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
            return try database.append(make(head), signer: signer, db, progress: progress)
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
            var stored: [StoredEntry] = []
            var columns: [LedgerColumns] = []
            // One pass; the body string is shared by both arrays.
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT seq, body, hash, kid, signature, kind, person_id, subject, valid_until, refers_to
                    FROM ledger_entry ORDER BY seq
                    """)
            while let row = try rows.next() {
                let sequence: Int = row[0]
                let body: String = row[1]
                stored.append(StoredEntry(sequence: sequence, body: body, hash: row[2], kid: row[3], signature: row[4]))
                columns.append(
                    LedgerColumns(
                        sequence: sequence, kind: row[5], person: row[6], subject: row[7], validUntil: row[8],
                        refersTo: row[9], body: body))
            }
            return LedgerSnapshot(
                stored: stored, columns: columns,
                checkpoints: try String.fetchAll(db, sql: "SELECT text FROM checkpoint ORDER BY id"))
        }
    }

    func inclusionProof(index: Int) async throws -> MerkleInclusion? {
        try await database.reading { db in try database.inclusionProof(index: index, db) }
    }

    func consistencyProof(from size: Int) async throws -> MerkleConsistency? {
        try await database.reading { db in try database.consistencyProof(from: size, db) }
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
