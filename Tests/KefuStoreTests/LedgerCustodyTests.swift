import Crypto
import Foundation
import GRDB
import KefuCore
import KefuLedger
import KefuServices
import KefuStorage
import KefuStore
import Testing

/// A ledger of `count` onboarding certifications (E0…), one a day.
func certifiedLedger(_ count: Int) async throws -> Fixture {
    let f = try Fixture()
    for i in 0..<count {
        try await f.qualifiedHire("E\(i)")
        _ = try await f.ledger(Fixture.date(Double(i))).certify(
            person: PersonID("E\(i)"), certification: "onboarding", by: Fixture.admin)
    }
    return f
}

extension Fixture {
    /// The stored row `sequence` as the attacker reads it.
    func row(_ sequence: Int) throws -> (body: String, hash: String) {
        try database.pool.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT body, hash FROM ledger_entry WHERE seq = ?", arguments: [sequence])
            return (row?["body"] ?? "", row?["hash"] ?? "")
        }
    }

    /// An entry appended by an attacker without the issuer's key: correctly chained and hashed after the
    /// last entry, signed with `signer` (nil: unsigned).
    func forgeAppend(signer: LedgerSigner?) throws {
        let last = try database.pool.read { db in try Int.fetchOne(db, sql: "SELECT MAX(seq) FROM ledger_entry") } ?? 0
        let entry = LedgerEntry(
            sequence: last + 1, kind: .issued, person: "E0", subject: "senior", recordedAt: "2026-11-30T00:00:00.000Z",
            validUntil: "2027-11-30", previousHash: last == 0 ? LedgerEntry.genesisHash : try row(last).hash)
        let signature = try signer?.sign(entry)
        try database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO ledger_entry (seq, kind, person_id, subject, recorded_at, valid_until, body, hash, kid, signature)
                    VALUES (?, 'issued', 'E0', 'senior', ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.sequence, entry.recordedAt, entry.validUntil, entry.json.canonicalString, entry.chainHash,
                    signature?.kid, signature?.signature,
                ])
        }
    }
}

@Suite("Tamper matrix: every change to the stored ledger is caught at the first bad entry", .serialized)
struct TamperMatrixTests {
    @Test("an edited body")
    func editedBody() async throws {
        let f = try await certifiedLedger(5)
        try f.tamper("UPDATE ledger_entry SET body = replace(body, '\"E2\"', '\"E9\"') WHERE seq = 3")
        let report = try await f.ledger().verify()
        #expect(report.status == .tampered && report.firstProblem?.entry == 3)
        #expect(report.firstProblem?.message.contains("recorded hash") == true)
    }

    @Test("an edited and re-hashed entry: only the signature shows it")
    func editedAndRehashed() async throws {
        let f = try await certifiedLedger(5)
        var entry = try LedgerEntry(json: JSONValue.parse(try f.row(5).body))
        entry.person = "E9"
        try f.tamper(
            "UPDATE ledger_entry SET body = '\(entry.json.canonicalString)', hash = '\(entry.chainHash)', person_id = 'E9' WHERE seq = 5"
        )
        let report = try await f.ledger().verify()
        #expect(report.firstProblem?.entry == 5)
        #expect(report.firstProblem?.message.contains("signature does not match") == true)
    }

    @Test("a deleted entry")
    func deleted() async throws {
        let f = try await certifiedLedger(5)
        try f.tamper("DELETE FROM ledger_entry WHERE seq = 2")
        let report = try await f.ledger().verify()
        #expect(report.firstProblem?.entry == 2 && report.firstProblem?.message.contains("missing") == true)
    }

    @Test("reordered entries")
    func reordered() async throws {
        let f = try await certifiedLedger(5)
        try f.tamper("UPDATE ledger_entry SET seq = seq + 100 WHERE seq IN (3, 4)")
        try f.tamper("UPDATE ledger_entry SET seq = 7 - (seq - 100) WHERE seq > 100")
        #expect(try await f.ledger().verify().firstProblem?.entry == 3)
    }

    @Test("an inserted entry in the middle")
    func inserted() async throws {
        let f = try await certifiedLedger(4)
        try f.tamper("UPDATE ledger_entry SET seq = seq + 100 WHERE seq >= 3")
        try f.tamper("UPDATE ledger_entry SET seq = seq - 99 WHERE seq > 100")
        try f.tamper(
            """
            INSERT INTO ledger_entry (seq, kind, person_id, subject, recorded_at, body, hash)
            VALUES (3, 'issued', 'intruder', 'senior', '2026-11-30T00:00:00Z',
                    '{"evidence":{},"kind":"issued","person":"intruder","prev_hash":"00","recorded_at":"2026-11-30T00:00:00Z","seq":3,"subject":"senior"}', 'ff')
            """)
        #expect(try await f.ledger().verify().firstProblem?.entry == 3)
    }

    @Test("edited query columns (person, certification) that duplicate the body")
    func editedColumns() async throws {
        for statement in [
            "UPDATE ledger_entry SET person_id = 'E9' WHERE seq = 2",
            "UPDATE ledger_entry SET subject = 'senior' WHERE seq = 2",
        ] {
            let f = try await certifiedLedger(3)
            try f.tamper(statement)
            let report = try await f.ledger().verify()
            #expect(report.firstProblem?.entry == 2, "\(statement)")
            #expect(report.firstProblem?.message.contains("query columns") == true)
        }
    }

    @Test("a truncated tail, given an outside checkpoint")
    func truncatedTail() async throws {
        let f = try await certifiedLedger(6)
        let kept = try await f.ledger(Fixture.date(10)).checkpoint(by: Fixture.admin).text
        try f.tamper("DELETE FROM checkpoint")
        try f.tamper("DELETE FROM ledger_entry WHERE seq >= 5")
        #expect(try await f.ledger().verify().isValid, "the chain alone cannot see a cut tail")
        let report = try await f.ledger().verify(checkpoints: [kept])
        #expect(report.firstProblem?.entry == 5 && report.firstProblem?.message.contains("truncated") == true)
    }

    @Test("a full re-chain with recomputed hashes, signed or not by the attacker")
    func rechained() async throws {
        for signer in [nil, try LedgerSigner(rawKey: [UInt8](repeating: 9, count: 32))] {
            let f = try await certifiedLedger(4)
            let entries = try await f.storage.ledger.entries(person: nil)
            try f.tamper("DELETE FROM ledger_entry")
            for var entry in entries {
                if entry.sequence == 2 { entry.person = "E3" }
                try f.forgeAppendCopy(entry, signer: signer)
            }
            let report = try await f.ledger().verify()
            #expect(report.firstProblem?.entry == 1)
            #expect(
                report.firstProblem?.message.contains(signer == nil ? "no signature" : "not one of the issuer's keys")
                    == true)
        }
    }

    @Test("a forged append without the key, also after an outside checkpoint")
    func forgedAppend() async throws {
        let f = try await certifiedLedger(3)
        let kept = try await f.ledger(Fixture.date(10)).checkpoint(by: Fixture.admin).text
        try f.forgeAppend(signer: nil)
        let report = try await f.ledger().verify(checkpoints: [kept])
        #expect(report.firstProblem?.entry == 4 && report.firstProblem?.message.contains("no signature") == true)
        let g = try await certifiedLedger(3)
        try g.forgeAppend(signer: try LedgerSigner(rawKey: [UInt8](repeating: 9, count: 32)))
        #expect(try await g.ledger().verify().firstProblem?.entry == 4)
        // The real key's entries before it are fine; a correctly signed append is fine.
        let h = try await certifiedLedger(3)
        try h.forgeAppend(signer: try KeyStore(path: h.keyPath).signer())
        await #expect { try await h.ledger().verify(checkpoints: [kept]) } throws: {
            ($0 as? ServiceError)?.code == .invalidInput && "\($0)".contains("does not verify with the ledger's keys")
        }
        #expect(try await h.ledger().verify().isValid)
    }

    @Test("an undone revocation: deleting the revocation entry")
    func undoneRevocation() async throws {
        let f = try await certifiedLedger(2)
        _ = try await f.ledger(Fixture.date(3)).revoke(entry: 1, reason: "exam misconduct", by: Fixture.admin)
        let kept = try await f.ledger(Fixture.date(4)).checkpoint(by: Fixture.admin).text
        try f.tamper("DELETE FROM checkpoint")
        try f.tamper("DELETE FROM ledger_entry WHERE seq = 3")
        let report = try await f.ledger().verify(checkpoints: [kept])
        #expect(report.firstProblem?.entry == 3 && report.firstProblem?.message.contains("truncated") == true)
        // With entries after it, the chain itself breaks.
        let g = try await certifiedLedger(2)
        _ = try await g.ledger(Fixture.date(3)).revoke(entry: 1, reason: "exam misconduct", by: Fixture.admin)
        try await g.qualifiedHire("E7")
        _ = try await g.ledger(Fixture.date(4)).certify(person: "E7", certification: "onboarding", by: Fixture.admin)
        try g.tamper("DELETE FROM ledger_entry WHERE seq = 3")
        #expect(try await g.ledger().verify().firstProblem?.entry == 3)
    }

    @Test("a deeply nested body is an error, not a crash")
    func deeplyNested() async throws {
        let f = try await certifiedLedger(2)
        let nested = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        try f.tamper(
            "UPDATE ledger_entry SET body = replace(body, '\"evidence\":{', '\"deep\":\(nested),\"evidence\":{') WHERE seq = 2"
        )
        let report = try await f.ledger().verify()
        #expect(report.firstProblem?.entry == 2)
        #expect(report.firstProblem?.message.contains("nested deeper than 64") == true)
        // The same in a credential's JOSE header.
        let header = Base64URL.encode(Array(("{\"alg\":\"EdDSA\",\"x\":" + nested + "}").utf8))
        await #expect { try await f.ledger().verifyCredential("\(header).e30.AA") } throws: {
            ($0 as? ServiceError)?.code == .invalidInput && "\($0)".contains("nested")
        }
    }
}

extension Fixture {
    /// Appends a copy of `entry` re-chained after the current last row, as an attacker would.
    func forgeAppendCopy(_ entry: LedgerEntry, signer: LedgerSigner?) throws {
        let last = try database.pool.read { db in try Int.fetchOne(db, sql: "SELECT MAX(seq) FROM ledger_entry") } ?? 0
        var copy = entry
        copy.sequence = last + 1
        copy.previousHash = last == 0 ? LedgerEntry.genesisHash : try row(last).hash
        let signature = try signer?.sign(copy)
        try database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO ledger_entry (seq, kind, person_id, subject, recorded_at, valid_until, refers_to, body, hash,
                                              kid, signature)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    copy.sequence, copy.kind.rawValue, copy.person, copy.subject, copy.recordedAt, copy.validUntil,
                    copy.refersTo, copy.json.canonicalString, copy.chainHash, signature?.kid, signature?.signature,
                ])
        }
    }
}

@Suite("Both verification modes report the same tampering", .serialized)
struct VerificationModeTests {
    /// Five entries under a stored checkpoint, then entry 6 after it.
    func checkpointedLedger() async throws -> Fixture {
        let f = try await certifiedLedger(5)
        _ = try await f.ledger(Fixture.date(10)).checkpoint(by: Fixture.admin)
        try await f.qualifiedHire("E5")
        _ = try await f.ledger(Fixture.date(11)).certify(person: "E5", certification: "onboarding", by: Fixture.admin)
        return f
    }

    @Test(
        "beyond checkpoints (the default) and every signature agree on each tampering, under and after the checkpoint",
        arguments: [
            "UPDATE ledger_entry SET body = replace(body, '\"E2\"', '\"E9\"') WHERE seq = 3",
            "UPDATE ledger_entry SET body = replace(body, '\"E5\"', '\"E9\"') WHERE seq = 6",
            "DELETE FROM ledger_entry WHERE seq = 2",
            "DELETE FROM ledger_entry WHERE seq = 6",
            "UPDATE ledger_entry SET person_id = 'E9' WHERE seq = 2",
            "UPDATE ledger_entry SET signature = NULL WHERE seq = 6",
            "UPDATE ledger_entry SET signature = (SELECT signature FROM ledger_entry WHERE seq = 2) WHERE seq = 6",
            "UPDATE checkpoint SET text = replace(text, char(10) || '5' || char(10), char(10) || '4' || char(10))",
        ])
    func agree(statement: String) async throws {
        let f = try await checkpointedLedger()
        #expect(try await f.ledger().verify().signaturesChecked == 1, "only the entry after the checkpoint")
        try f.tamper(statement)
        do {
            var fast = try await f.ledger().verify()
            var full = try await f.ledger().verify(signatures: .every)
            // A deleted tail after the last checkpoint is what only an outside checkpoint can show.
            #expect(fast.isValid == (statement == "DELETE FROM ledger_entry WHERE seq = 6"), "\(statement)")
            fast.signaturesChecked = 0
            full.signaturesChecked = 0
            #expect(fast == full, "\(statement)")
        } catch let error as ServiceError {
            // A checkpoint that no longer verifies is refused in both modes alike.
            await #expect(throws: ServiceError.self) { try await f.ledger().verify(signatures: .every) }
            #expect("\(error)".contains("checkpoint"))
        }
    }

    @Test("an edited and re-hashed entry under the checkpoint: both modes name it by its signature")
    func rehashedUnderCheckpoint() async throws {
        let f = try await certifiedLedger(5)
        _ = try await f.ledger(Fixture.date(10)).checkpoint(by: Fixture.admin)
        var entry = try LedgerEntry(json: JSONValue.parse(try f.row(5).body))
        entry.person = "E9"
        try f.tamper(
            "UPDATE ledger_entry SET body = '\(entry.json.canonicalString)', hash = '\(entry.chainHash)', person_id = 'E9' WHERE seq = 5"
        )
        for mode in [SignatureCheck.beyondCheckpoints, .every] {
            let report = try await f.ledger().verify(signatures: mode)
            #expect(report.firstProblem?.entry == 5 && report.firstProblem?.message.contains("signature") == true)
        }
    }

    @Test("a signature column changed under a checkpoint, the body still the signed one: only --all-signatures sees it")
    func signatureUnderCheckpoint() async throws {
        let f = try await checkpointedLedger()
        try f.tamper(
            "UPDATE ledger_entry SET signature = (SELECT signature FROM ledger_entry WHERE seq = 2) WHERE seq = 1")
        #expect(try await f.ledger().verify().isValid)
        let full = try await f.ledger().verify(signatures: .every)
        #expect(full.firstProblem?.entry == 1 && full.firstProblem?.message.contains("signature") == true)
    }

    @Test("proofs come from the stored tree and match the verified root; a later checkpoint checks only new signatures")
    func proofsAndIncrementalCheckpoint() async throws {
        let f = try await checkpointedLedger()
        let report = try await f.ledger().verify()
        for entry in 1...6 {
            let proof = try await f.ledger().prove(entry: EntryID(Int64(entry)))
            #expect(proof.root == report.root && proof.treeSize == 6)
        }
        let consistency = try await f.ledger().proveConsistency(from: 5)
        #expect(consistency.root == report.root && consistency.treeSize == 6)
        let second = try await f.ledger(Fixture.date(12)).checkpoint(by: Fixture.admin)
        #expect(second.size == 6 && second.root == report.root)
        #expect(try await f.ledger().verify().signaturesChecked == 0)
        try f.tamper("DELETE FROM ledger_merkle_node WHERE level = 0 AND idx = 2")
        await #expect(throws: (any Error).self) { try await f.ledger().prove(entry: 3) }
    }
}
