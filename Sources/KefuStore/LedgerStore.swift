import Foundation
public import GRDB
import KefuCore
public import KefuLedger
import KefuStorage

extension KefuDatabase {
    /// Every stored ledger row in sequence order (what verification reads).
    public func storedEntries(_ db: Database) throws -> [StoredEntry] {
        try Row.fetchAll(db, sql: "SELECT seq, body, hash, kid, signature FROM ledger_entry ORDER BY seq").map {
            StoredEntry(
                sequence: $0["seq"], body: $0["body"], hash: $0["hash"], kid: $0["kid"], signature: $0["signature"])
        }
    }

    /// The decoded entries (for listing and rule evaluation).
    public func entries(_ db: Database, person: String? = nil) throws -> [LedgerEntry] {
        let rows: [Row]
        if let person {
            rows = try Row.fetchAll(
                db, sql: "SELECT body FROM ledger_entry WHERE person_id = ? ORDER BY seq", arguments: [person])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT body FROM ledger_entry ORDER BY seq")
        }
        return try rows.map { try LedgerEntry(json: JSONValue.parse($0["body"])) }
    }

    /// Appends an entry after the current last one, inside the caller's transaction: fills in sequence
    /// and previous hash, stores the canonical body, its hash and `signer`'s signature. Returns the
    /// stored entry.
    @discardableResult
    public func append(_ draft: LedgerEntry, signer: LedgerSigner, _ db: Database) throws -> LedgerEntry {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC LIMIT 1")
        var entry = draft
        entry.sequence = (last?["seq"] as Int? ?? 0) + 1
        entry.previousHash = last?["hash"] ?? LedgerEntry.genesisHash
        let signature = try signer.sign(entry)
        try db.execute(
            sql: """
                INSERT INTO ledger_entry (seq, kind, person_id, subject, recorded_at, valid_until, refers_to, body, hash,
                                          kid, signature)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                entry.sequence, entry.kind.rawValue, entry.person, entry.subject, entry.recordedAt, entry.validUntil,
                entry.refersTo, entry.json.canonicalString, entry.chainHash, signature.kid, signature.signature,
            ])
        return entry
    }

    /// Stores a checkpoint's text.
    public func saveCheckpoint(_ checkpoint: Checkpoint, text: String, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO checkpoint (size, root, created_at, text) VALUES (?, ?, ?, ?)",
            arguments: [checkpoint.size, checkpoint.root.hex, checkpoint.timestamp, text])
    }
}
