import ArgumentParser
import Foundation
import KefuCore
import KefuServices

/// `kefu bench ledger`: append and verify throughput of the ledger on a fresh database.
struct BenchLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract:
            "Benchmark the ledger: append N entries (one transaction, and one transaction each), checkpoint, verify, prove."
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Entries appended in one transaction, then checkpointed, verified and proven (e.g. 1000000).")
    var entries = 100_000
    @Option(help: "Entries appended one transaction each after the checkpoint (synchronous=FULL: one fsync each).")
    var singles = 1_000
    @Flag(inversion: .prefixedNo, help: "Also time `ledger verify --all-signatures` (every Ed25519 signature).")
    var allSignatures = true
    @Option(help: "Folder for the throwaway database and key (default: the temporary folder).") var workDir: String?
    @Option(help: "Run on this PostgreSQL server (postgres://…; a scratch schema, dropped after) instead of SQLite.")
    var db: String?

    func run() async throws {
        try await Edge.run {
            let folder = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory()).appendingPathComponent(
                "kefu-bench-ledger-\(ProcessInfo.processInfo.processIdentifier)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var configuration = try Edge.configuration(global: global)
            configuration.database = DatabaseService.scratch(server: db, folder: folder, name: "bench.sqlite")
            configuration.keyPath = folder.appendingPathComponent("bench.key").path
            let environment = try KefuEnvironment.open(configuration, access: .readWrite)
            print("database: \(try environment.storage.location)")
            let r = try await LedgerBenchmark.run(
                service: LedgerService(environment: environment), entries: entries, singles: singles,
                allSignatures: allSignatures)
            for line in Self.report(r) { print(line) }
            await DatabaseService.dropScratch(configuration.database)
        }
    }

    /// The figures, each with its ratio to issue 19's target (×1.00 or more meets it).
    static func report(_ r: LedgerBenchmark.Result) -> [String] {
        typealias Target = LedgerBenchmark.Target
        func rate(_ count: Int, _ seconds: Figure) -> Double { Double(count) / max(seconds.value, 1e-9) }
        func n(_ value: Double) -> String {
            let digits = Array(String(Int(value.rounded())))
            return String(
                digits.enumerated().flatMap { i, d in (i > 0 && (digits.count - i) % 3 == 0) ? [",", d] : [d] })
        }
        func s(_ value: Figure) -> String { String(format: "%.2f", value.value) }
        func ms(_ value: Figure) -> String { String(format: "%.2f ms", value.value * 1000) }
        func x(_ ratio: Double) -> String { String(format: "×%.2f", ratio) }
        let append = rate(r.batchEntries, r.batchSeconds)
        let scale = Double(Target.verifyEntries) / Double(max(1, r.verifiedEntries))
        let projected = r.verifySeconds.value * scale
        var lines = [
            "append, one transaction: \(n(Double(r.batchEntries))) entries in \(s(r.batchSeconds)) s = \(n(append)) entries/s — \(x(append / Target.appendRate)) the target (≥ \(n(Target.appendRate))/s)",
            "checkpoint of \(n(Double(r.checkpointSize))) entries (chain, their signatures, root, signing): \(s(r.checkpointSeconds)) s",
            "append, one transaction each (fsync each): \(n(Double(r.singleEntries))) entries in \(s(r.singleSeconds)) s = \(n(rate(r.singleEntries, r.singleSeconds))) entries/s",
            "verify (read, canonical form, chain, columns, checkpoint, Merkle root, \(n(Double(r.verifySignatures))) signatures after the checkpoint): \(n(Double(r.verifiedEntries))) entries in \(s(r.verifySeconds)) s = \(n(rate(r.verifiedEntries, r.verifySeconds))) entries/s"
                + (scale == 1 ? "" : "; \(String(format: "%.2f", projected)) s per 10⁶ at this rate")
                + " — \(x(Target.verifySeconds / max(projected, 1e-9))) the target (< 5 s per 10⁶)",
        ]
        if let full = r.allSignaturesSeconds {
            lines.append(
                "verify --all-signatures (every Ed25519 signature, on every core): \(s(full)) s = \(n(rate(r.verifiedEntries, full))) entries/s"
            )
        }
        lines += [
            "inclusion proof (\(r.proofLength) hashes for entry \(n(Double(r.verifiedEntries / 2 + 1))), stored tree, \(r.proofs) entries, each verified): mean \(ms(r.proofSeconds)), slowest \(ms(r.proofMaxSeconds)) — \(x(Target.proofSeconds / max(r.proofMaxSeconds.value, 1e-9))) the target (< 10 ms)",
            "consistency proof from the checkpoint (\(r.consistencyLength) hashes, verified): \(ms(r.consistencySeconds)) — \(x(Target.proofSeconds / max(r.consistencySeconds.value, 1e-9))) the target (< 10 ms)",
        ]
        return lines
    }
}
