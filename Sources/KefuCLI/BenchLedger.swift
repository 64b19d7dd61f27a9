import ArgumentParser
import Foundation
import KefuCore
import KefuServices

/// `kefu bench ledger`: append and verify throughput of the ledger on a fresh database.
struct BenchLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract:
            "Benchmark the ledger: append N entries (one transaction, and one transaction each), then verify them.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Entries appended in one transaction, then verified.") var entries = 100_000
    @Option(help: "Entries appended one transaction each (synchronous=FULL: one fsync per entry).") var singles = 1_000
    @Option(help: "Folder for the throwaway database and key (default: the temporary folder).") var workDir: String?

    func run() async throws {
        try await Edge.run {
            let folder = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory()).appendingPathComponent(
                "kefu-bench-ledger-\(ProcessInfo.processInfo.processIdentifier)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var configuration = try Edge.configuration(global: global)
            configuration.database = folder.appendingPathComponent("bench.sqlite").path
            configuration.keyPath = configuration.database + ".key"
            let environment = try KefuEnvironment.open(configuration, access: .readWrite)
            let r = try await LedgerBenchmark.run(
                on: try environment.storage, signer: try environment.keys.signer(), entries: entries, singles: singles)
            func rate(_ count: Int, _ seconds: Figure) -> Int { Int(Double(count) / max(seconds.value, 1e-9)) }
            print(
                "append, one transaction:   \(r.batchEntries) entries in \(fmt(r.batchSeconds)) s = \(rate(r.batchEntries, r.batchSeconds)) entries/s"
            )
            print(
                "append, one transaction each (fsync each): \(r.singleEntries) entries in \(fmt(r.singleSeconds)) s = \(rate(r.singleEntries, r.singleSeconds)) entries/s"
            )
            print(
                "verify (read, parse, chain, signatures, Merkle root): \(r.verifiedEntries) entries in \(fmt(r.verifySeconds)) s = \(rate(r.verifiedEntries, r.verifySeconds)) entries/s"
            )
            print(
                "  of which without signatures (parse, chain, Merkle root): \(fmt(r.chainOnlySeconds)) s = \(rate(r.verifiedEntries, r.chainOnlySeconds)) entries/s"
            )
            print(
                "inclusion proof for entry \(r.provenEntry) of \(r.verifiedEntries): \(r.proofLength) hashes, \(r.proofVerifies ? "verifies" : "DOES NOT VERIFY"), \(fmt(r.proofSeconds)) s including leaf hashing"
            )
        }
    }

    func fmt(_ value: Figure) -> String { String(format: "%.2f", value.value) }
}
