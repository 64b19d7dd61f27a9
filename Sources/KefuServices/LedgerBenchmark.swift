import Foundation
public import KefuCore
import KefuLedger
public import KefuStorage

/// The ledger benchmark: append throughput (one transaction, and one transaction each), verification
/// and an inclusion proof, measured through the ledger store of a fresh storage.
public enum LedgerBenchmark {
    /// The measurements.
    public struct Result: Sendable, Hashable, Codable {
        /// Entries appended in one transaction.
        public var batchEntries: Int
        /// Seconds they took.
        public var batchSeconds: Figure
        /// Entries appended one transaction each.
        public var singleEntries: Int
        /// Seconds they took.
        public var singleSeconds: Figure
        /// Entries verified.
        public var verifiedEntries: Int
        /// Seconds verification took (read, parse, chain, every signature, Merkle root).
        public var verifySeconds: Figure
        /// Seconds the same verification takes without the signatures (chain and Merkle root only).
        public var chainOnlySeconds: Figure
        /// The entry an inclusion proof was made for.
        public var provenEntry: Int
        /// Hashes in that proof.
        public var proofLength: Int
        /// Whether the proof verified.
        public var proofVerifies: Bool
        /// Seconds the proof took, including leaf hashing.
        public var proofSeconds: Figure
    }

    /// Runs the benchmark on `storage` (fresh and empty, a throwaway database), signing with `signer`.
    public static func run(
        on storage: any Storage, signer: LedgerSigner, entries: Int, singles: Int
    ) async throws -> Result {
        let evidence = JSONValue.object([
            "attempts": .array([
                .object([
                    "id": .int(1), "kind": .string("exam"), "reference": .string("onboarding-theory"),
                    "score": .string("86.5"),
                    "content_version": .string(String(repeating: "a", count: 64)),
                ])
            ]),
            "signoff": .object(["mentor": .string("M001"), "signed_at": .string("2026-11-21T10:00:00Z")]),
        ])
        @Sendable func draft(_ i: Int) -> LedgerEntry {
            LedgerEntry(
                sequence: 0, kind: .issued, person: "E\(i % 5000)", subject: "onboarding",
                recordedAt: "2026-11-22T10:00:00Z",
                validUntil: "2027-11-22", evidence: evidence, previousHash: "")
        }
        let ledger = storage.ledger
        return try await translatingStorageErrors {
            var start = ContinuousClock.now
            _ = try await ledger.append(concerning: "bench", signer: signer) { _ in (0..<entries).map(draft) }
            let batch = seconds(since: start)

            start = ContinuousClock.now
            // Each single append concerns one person, as certifications do: it reads that person's entries only.
            for i in 0..<singles {
                _ = try await ledger.append(concerning: "bench", signer: signer) { _ in [draft(i)] }
            }
            let single = seconds(since: start)

            start = ContinuousClock.now
            let stored = try await ledger.snapshot().stored
            let report = LedgerVerifier.verify(stored, keys: TrustedKeys([signer.publicKey]))
            let verify = seconds(since: start)
            start = ContinuousClock.now
            _ = LedgerVerifier.verify(stored, keys: nil)
            let chainOnly = seconds(since: start)
            guard report.isValid else {
                throw ServiceError(
                    .unavailable, "the benchmark ledger does not verify: \(report.firstProblem?.message ?? "")")
            }

            start = ContinuousClock.now
            let leaves = try stored.map { try LedgerEntry(json: JSONValue.parse($0.body)).leafHash }
            let index = leaves.count / 2
            let proof = Merkle.inclusionProof(index: index, leaves: leaves[...])
            let ok = Merkle.verifyInclusion(
                index: index, size: leaves.count, leaf: leaves[index], proof: proof, root: report.root)
            return Result(
                batchEntries: entries, batchSeconds: Figure(batch), singleEntries: singles,
                singleSeconds: Figure(single),
                verifiedEntries: report.checked, verifySeconds: Figure(verify), chainOnlySeconds: Figure(chainOnly),
                provenEntry: index + 1,
                proofLength: proof.count,
                proofVerifies: ok, proofSeconds: Figure(seconds(since: start)))
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
