import Foundation
public import KefuCore
import KefuLedger
import KefuStorage

/// The ledger benchmark on a throwaway ledger: append throughput (one transaction, and one transaction
/// each), a checkpoint, `ledger verify` as the command runs it (checkpointed entries, and every signature),
/// and inclusion and consistency proofs from the stored tree.
public enum LedgerBenchmark {
    /// The targets of issue 19.
    public enum Target {
        /// Appends per second in one transaction.
        public static let appendRate = 20_000.0
        /// Seconds to verify 10⁶ entries.
        public static let verifySeconds = 5.0
        /// Entries the verify target is for.
        public static let verifyEntries = 1_000_000
        /// Seconds per inclusion or consistency proof at 10⁶ entries.
        public static let proofSeconds = 0.010
    }

    /// The measurements.
    public struct Result: Sendable, Hashable, Codable {
        /// Entries appended in one transaction.
        public var batchEntries: Int
        /// Seconds they took (chaining, signing on every core, storing the entries and their tree nodes).
        public var batchSeconds: Figure
        /// Entries appended one transaction each, after the checkpoint.
        public var singleEntries: Int
        /// Seconds they took.
        public var singleSeconds: Figure
        /// Entries the checkpoint covers.
        public var checkpointSize: Int
        /// Seconds the checkpoint took (chain, every signature not under an earlier checkpoint, root, signing).
        public var checkpointSeconds: Figure
        /// Entries verified.
        public var verifiedEntries: Int
        /// Seconds `ledger verify` took (read, chain, canonical form, columns, checkpoint, the signatures of
        /// the entries after it, Merkle root).
        public var verifySeconds: Figure
        /// Signatures that verification checked.
        public var verifySignatures: Int
        /// Seconds `ledger verify --all-signatures` took; nil when not measured.
        public var allSignaturesSeconds: Figure?
        /// Inclusion proofs made.
        public var proofs: Int
        /// Hashes in the proof of the middle entry.
        public var proofLength: Int
        /// Whether every proof verified.
        public var proofsVerify: Bool
        /// Mean seconds per inclusion proof (read from the stored tree, verified).
        public var proofSeconds: Figure
        /// The slowest inclusion proof.
        public var proofMaxSeconds: Figure
        /// Hashes in the consistency proof from the checkpoint to the current tree.
        public var consistencyLength: Int
        /// Seconds that consistency proof took.
        public var consistencySeconds: Figure
    }

    /// Runs the benchmark with `service`, whose storage is a fresh throwaway database.
    public static func run(
        service: LedgerService, entries: Int, singles: Int, allSignatures: Bool
    ) async throws -> Result {
        let ledger = try service.environment.storage.ledger
        let signer = try service.environment.keys.signer()
        var start = ContinuousClock.now
        _ = try await translatingStorageErrors {
            try await ledger.append(concerning: "bench", signer: signer) { _ in (0..<entries).map(draft) }
        }
        let batch = seconds(since: start)
        start = ContinuousClock.now
        let checkpoint = try await service.signCheckpoint().checkpoint
        let checkpointSeconds = seconds(since: start)
        start = ContinuousClock.now
        // Each single append concerns one person, as certifications do: it reads that person's entries only.
        for i in 0..<singles {
            _ = try await translatingStorageErrors {
                try await ledger.append(concerning: "bench", signer: signer) { _ in [draft(i)] }
            }
        }
        let single = seconds(since: start)
        start = ContinuousClock.now
        let report = try await service.verify()
        let verify = seconds(since: start)
        guard report.isValid else {
            throw ServiceError(
                .unavailable, "the benchmark ledger does not verify: \(report.firstProblem?.message ?? "")")
        }
        var full: Double?
        if allSignatures {
            start = ContinuousClock.now
            _ = try await service.verify(signatures: .every)
            full = seconds(since: start)
        }
        let proofs = try await proofFigures(service, size: report.checked, checkpoint: checkpoint.size)
        return Result(
            batchEntries: entries, batchSeconds: Figure(batch), singleEntries: singles, singleSeconds: Figure(single),
            checkpointSize: checkpoint.size, checkpointSeconds: Figure(checkpointSeconds),
            verifiedEntries: report.checked, verifySeconds: Figure(verify), verifySignatures: report.signaturesChecked,
            allSignaturesSeconds: full.map { Figure($0) }, proofs: proofs.count, proofLength: proofs.length,
            proofsVerify: proofs.verify, proofSeconds: Figure(proofs.mean), proofMaxSeconds: Figure(proofs.max),
            consistencyLength: proofs.consistencyLength, consistencySeconds: Figure(proofs.consistency))
    }

    /// Inclusion proofs of 100 entries spread over the ledger (the middle one first) and the consistency
    /// proof from the checkpoint.
    static func proofFigures(
        _ service: LedgerService, size: Int, checkpoint: Int
    ) async throws -> (
        count: Int, length: Int, verify: Bool, mean: Double, max: Double, consistencyLength: Int, consistency: Double
    ) {
        let targets = [size / 2 + 1] + (0..<99).map { 1 + Int((Int64($0) * 7_919_993) % Int64(max(1, size))) }
        var total = 0.0
        var slowest = 0.0
        var length = 0
        for (i, entry) in targets.enumerated() {
            let start = ContinuousClock.now
            let proof = try await service.prove(entry: EntryID(Int64(entry)))
            let elapsed = seconds(since: start)
            total += elapsed
            slowest = max(slowest, elapsed)
            if i == 0 { length = proof.proof.count }
        }
        let start = ContinuousClock.now
        let consistency = try await service.proveConsistency(from: max(1, checkpoint))
        let elapsed = seconds(since: start)
        // `prove` and `proveConsistency` verify each proof before returning it: reaching here means all verified.
        return (targets.count, length, true, total / Double(targets.count), slowest, consistency.proof.count, elapsed)
    }

    /// The benchmark's entry `i`: an issued certification with typical evidence.
    @Sendable static func draft(_ i: Int) -> LedgerEntry {
        LedgerEntry(
            sequence: 0, kind: .issued, person: "E\(i % 5000)", subject: "onboarding",
            recordedAt: "2026-11-22T10:00:00Z", validUntil: "2027-11-22", evidence: evidence, previousHash: "")
    }

    static let evidence = JSONValue.object([
        "attempts": .array([
            .object([
                "id": .int(1), "kind": .string("exam"), "reference": .string("onboarding-theory"),
                "score": .string("86.5"), "content_version": .string(String(repeating: "a", count: 64)),
            ])
        ]),
        "signoff": .object(["mentor": .string("M001"), "signed_at": .string("2026-11-21T10:00:00Z")]),
    ])

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
