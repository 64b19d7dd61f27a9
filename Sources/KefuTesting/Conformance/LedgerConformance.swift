import Foundation
import KefuCore
public import KefuLedger
public import KefuStorage

extension StorageConformance {
    /// A fixed signing key for the conformance suites (deterministic, never a real issuer's).
    public static func testSigner() throws -> LedgerSigner {
        // A constant 32-byte seed: every conformance run signs alike.
        try LedgerSigner(rawKey: [UInt8](repeating: 7, count: 32))
    }

    /// The ledger store: appends chain their hashes inside the transaction, a throwing append stores
    /// nothing, reads by person and by reference, snapshots and checkpoints.
    public static func ledger(_ make: StorageFactory) async throws {
        let storage = try await make()
        let ledger = storage.ledger
        try await storage.people.add(Person(id: "E1", name: "A", hireDate: "2026-01-01"))
        try await storage.people.add(Person(id: "E2", name: "B", hireDate: "2026-01-01"))
        try await awaitCheck(try await ledger.entries(person: nil).isEmpty, "a fresh ledger is empty")
        try await awaitCheck(try await ledger.entry(1) == nil, "an unknown entry reads nil")

        @Sendable func draft(
            _ kind: LedgerEventKind, _ person: String, _ subject: String, refersTo: Int? = nil
        ) -> LedgerEntry {
            LedgerEntry(
                sequence: 0, kind: kind, person: person, subject: subject, recordedAt: "2026-11-22T09:00:00Z",
                validUntil: kind == .issued ? "2027-11-22" : nil, refersTo: refersTo, previousHash: "")
        }
        let first = try await ledger.append(concerning: "E1", signer: try testSigner()) { head in
            guard head.size == 0, head.person?.id == "E1", head.evidence == PersonEvidence() else { return [] }
            return [draft(.issued, "E1", "onboarding"), draft(.issued, "E2", "onboarding")]
        }
        try check(first.map(\.sequence) == [1, 2], "appended entries are numbered from 1")
        try check(
            first[0].previousHash == LedgerEntry.genesisHash && first[1].previousHash == first[0].chainHash,
            "the chain links each entry to the previous one")

        struct Refused: Error {}
        do {
            _ = try await ledger.append(signer: try testSigner()) { _ in throw Refused() }
            throw CheckFailure("a throwing append must fail")
        } catch is Refused {}
        let seen = try await ledger.append(concerning: "ghost", signer: try testSigner()) { head in
            [draft(.revoked, "E1", "onboarding", refersTo: head.size - 1)]
                + (head.person == nil ? [] : [draft(.issued, "ghost", "x")])
        }
        try check(
            seen.map(\.sequence) == [3] && seen[0].refersTo == 1 && seen[0].previousHash == first[1].chainHash,
            "a later append sees the head after the earlier ones, not the refused one; an unknown person reads nil")

        try await scopedHead(ledger)
        try await awaitCheck(
            try await ledger.entries(person: nil).map(\.sequence) == [1, 2, 3], "all entries in order")
        try await awaitCheck(try await ledger.entries(person: "E2").map(\.sequence) == [2], "one person's entries")
        try await awaitCheck(try await ledger.entry(2) == first[1], "an entry reads back as appended")
        try await awaitCheck(
            try await ledger.events(referringTo: 1).map(\.kind) == [.revoked], "entries referring to an entry")
        try await awaitCheck(try await ledger.events(referringTo: 2).isEmpty, "nothing refers to entry 2")

        let snapshot = try await ledger.snapshot()
        try check(
            snapshot.stored.map(\.sequence) == [1, 2, 3] && snapshot.stored[2].hash == seen[0].chainHash,
            "the snapshot holds the stored rows")
        try check(
            snapshot.columns.map(\.person) == ["E1", "E2", "E1"] && snapshot.columns[2].refersTo == 1
                && snapshot.columns[0].validUntil == "2027-11-22",
            "the snapshot holds the query columns")
        try check(LedgerVerifier.verify(snapshot.stored).isValid, "the stored chain verifies")
        try check(
            LedgerVerifier.verify(snapshot.stored, keys: TrustedKeys([try testSigner().publicKey])).isValid,
            "every stored entry carries its signer's key id and a signature that verifies")
        try check(
            !LedgerVerifier.verify(snapshot.stored, keys: TrustedKeys([])).isValid,
            "signatures by a key outside the trusted set do not verify")
        try check(snapshot.checkpoints.isEmpty, "no checkpoints yet")
        try await proofs(ledger, snapshot.stored)
        try await checkpoints(ledger)
    }

    /// Proofs from the stored tree equal those computed from every leaf, and verify.
    static func proofs(_ ledger: any LedgerStore, _ stored: [StoredEntry]) async throws {
        let leaves = stored.map { Merkle.leafHash(Array($0.body.utf8)) }
        let root = Merkle.root(leaves)
        for index in leaves.indices {
            let proof = try await ledger.inclusionProof(index: index)
            try check(
                proof?.proof == Merkle.inclusionProof(index: index, leaves: leaves[...]) && proof?.root == root
                    && proof?.leaf == leaves[index] && proof?.verifies == true,
                "the inclusion proof of entry \(index + 1) from the stored tree is the one every leaf gives")
        }
        try await awaitCheck(try await ledger.inclusionProof(index: leaves.count) == nil, "no proof past the end")
        for from in 0...leaves.count {
            let proof = try await ledger.consistencyProof(from: from)
            try check(
                proof?.proof == Merkle.consistencyProof(from: from, leaves: leaves[...])
                    && proof?.oldRoot == Merkle.root(leaves[..<from]) && proof?.newRoot == root
                    && (from == 0 || proof?.verifies == true),
                "the consistency proof from \(from) entries from the stored tree is the one every leaf gives")
        }
        try await awaitCheck(
            try await ledger.consistencyProof(from: leaves.count + 1) == nil, "no proof from a larger tree")
    }

    /// Checkpoints: one covering every entry reads back; a refused one stores nothing.
    static func checkpoints(_ ledger: any LedgerStore) async throws {
        struct Refused: Error {}
        let signed = try await ledger.addCheckpoint { stored in
            let report = LedgerVerifier.verify(stored)
            let checkpoint = Checkpoint(
                origin: "conformance", size: report.checked, root: report.root, timestamp: "2026-11-22T10:00:00Z")
            return SignedCheckpoint(checkpoint: checkpoint, text: checkpoint.body + "\n— test signature\n")
        }
        try check(signed.checkpoint.size == 3, "the checkpoint covers every entry")
        try await awaitCheck(try await ledger.checkpoints() == [signed.text], "a stored checkpoint reads back")
        do {
            _ = try await ledger.addCheckpoint { _ in throw Refused() }
            throw CheckFailure("a throwing checkpoint must fail")
        } catch is Refused {}
        try await awaitCheck(
            try await ledger.snapshot().checkpoints == [signed.text], "a refused checkpoint stores nothing")
    }
}

/// ``check(_:_:file:line:)`` for a condition that awaits.
private func awaitCheck(
    _ condition: @autoclosure () async throws -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #filePath, line: UInt = #line
) async throws {
    if try await !condition() { throw CheckFailure(message(), file: file, line: line) }
}

/// An append about a person sees that person's entries and the whole ledger's size (3 entries, E2's is 2).
private func scopedHead(_ ledger: any LedgerStore) async throws {
    let scoped = try await ledger.append(concerning: "E2", signer: try StorageConformance.testSigner()) { head in
        try check(head.size == 3, "the head's size counts the whole ledger: \(head.size)")
        try check(
            head.entries.map(\.sequence) == [2], "an append about a person reads that person's entries only")
        return []
    }
    try check(scoped.isEmpty, "an append that adds nothing stores nothing")
}
