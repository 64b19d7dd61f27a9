import ArgumentParser
import Foundation
import KefuLedger
import KefuServices
import KefuStore

/// `kefu bench ledger`: append and verify throughput of the ledger on a fresh database.
struct BenchLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Benchmark the ledger: append N entries (one transaction, and one transaction each), then verify them.")

    @Option(help: "Entries appended in one transaction, then verified.") var entries = 100_000
    @Option(help: "Entries appended one transaction each (synchronous=FULL: one fsync per entry).") var singles = 1_000
    @Option(help: "Folder for the temporary database (default: the temporary folder).") var workDir: String?

    func run() throws {
        try reporting {
            let folder = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory()).appendingPathComponent("kefu-bench-ledger-\(ProcessInfo.processInfo.processIdentifier)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = try KefuDatabase(path: folder.appendingPathComponent("bench.sqlite").path)
            let evidence = JSONValue.object([
                "attempts": .array([.object(["id": .int(1), "kind": .string("exam"), "reference": .string("onboarding-theory"), "score": .string("86.5"), "content_version": .string(String(repeating: "a", count: 64))])]),
                "signoff": .object(["mentor": .string("M001"), "signed_at": .string("2026-11-21T10:00:00Z")]),
            ])
            func draft(_ i: Int) -> LedgerEntry {
                LedgerEntry(sequence: 0, kind: .issued, person: "E\(i % 5000)", subject: "onboarding", recordedAt: "2026-11-22T10:00:00Z",
                            validUntil: "2027-11-22", evidence: evidence, previousHash: "")
            }
            var start = ContinuousClock.now
            try database.write { db in
                for i in 0..<entries { try database.append(draft(i), db) }
            }
            let batchSeconds = (ContinuousClock.now - start).seconds
            print("append, one transaction:   \(entries) entries in \(fmt(batchSeconds)) s = \(Int(Double(entries) / batchSeconds)) entries/s")

            start = ContinuousClock.now
            for i in 0..<singles {
                try database.write { db in try database.append(draft(i), db) }
            }
            let singleSeconds = (ContinuousClock.now - start).seconds
            print("append, one transaction each (fsync each): \(singles) entries in \(fmt(singleSeconds)) s = \(Int(Double(singles) / singleSeconds)) entries/s")

            start = ContinuousClock.now
            let stored = try database.read { try database.storedEntries($0) }
            let report = LedgerVerifier.verify(stored)
            let verifySeconds = (ContinuousClock.now - start).seconds
            guard report.isValid else { throw ServiceError("benchmark ledger does not verify: \(report.firstProblem?.message ?? "")") }
            print("verify (read, parse, chain, Merkle root): \(report.checked) entries in \(fmt(verifySeconds)) s = \(Int(Double(report.checked) / verifySeconds)) entries/s")
            start = ContinuousClock.now
            let leaves = try stored.map { try LedgerEntry(json: JSONValue.parse($0.body)).leafHash }
            let proof = Merkle.inclusionProof(index: leaves.count / 2, leaves: leaves[...])
            let ok = Merkle.verifyInclusion(index: leaves.count / 2, size: leaves.count, leaf: leaves[leaves.count / 2], proof: proof, root: report.root)
            print("inclusion proof for entry \(leaves.count / 2 + 1) of \(leaves.count): \(proof.count) hashes, \(ok ? "verifies" : "DOES NOT VERIFY"), \(fmt((ContinuousClock.now - start).seconds)) s including leaf hashing")
        }
    }

    func fmt(_ value: Double) -> String { String(format: "%.2f", value) }
}
