import Crypto
import Foundation

/// Which entry signatures verification checks.
public enum SignatureCheck: Sendable, Hashable, Codable {
    /// Every entry's signature (about 50 µs each, on every core).
    case every
    /// The signatures of the entries no checkpoint covers. A checkpoint is a tree head signed by one of the
    /// issuer's keys after every signature under it verified; once the chain and the Merkle root of its
    /// first N entries match it, their bodies are the ones that were signed. Whenever anything is wrong,
    /// verification runs again with ``every``, so a damaged ledger gets the same report either way. What this
    /// mode does not see: a signature column changed under a checkpoint while the body stays as signed.
    case beyondCheckpoints
}

extension LedgerVerifier {
    /// Verifies stored entries in sequence order, every signature included; `keys` nil skips the signatures.
    public static func verify(
        _ stored: [StoredEntry], keys: TrustedKeys?, checkpoints: [Checkpoint] = []
    ) -> VerificationReport {
        verify(stored, keys: keys, checkpoints: checkpoints, signatures: .every)
    }

    /// Verifies stored entries in sequence order: the chain (order, canonical bodies, links, hashes), the
    /// signatures `signatures` names against `keys` (nil: none), and each checkpoint against the Merkle tree.
    /// The first problem is reported as ``referenceVerify(_:keys:checkpoints:)`` reports it. Bodies are
    /// scanned and hashed on every core; only a body the fast scan does not accept is parsed.
    public static func verify(
        _ stored: [StoredEntry], keys: TrustedKeys?, checkpoints: [Checkpoint], signatures: SignatureCheck
    ) -> VerificationReport {
        let chain = chain(stored)
        let tree = MerkleLevels(leafHashes: chain.leaves)
        func report(_ checked: Int, _ problem: (sequence: Int, message: String)?, signatures: Int) -> VerificationReport
        {
            var report = VerificationReport(checked: checked, firstProblem: problem, root: tree.root(size: checked))
            report.signaturesChecked = signatures
            return report
        }
        let good = chain.problem == nil ? stored.count : tree.size
        if signatures == .beyondCheckpoints, let keys {
            let covered = checkpoints.map(\.size).max() ?? 0
            let clean =
                chain.problem == nil && covered <= good
                && checkpoints.allSatisfy { problem(with: $0, size: good, root: tree.root(size:)) == nil }
                && keys.firstBadSignature(in: stored, range: covered..<good) == nil
            if clean { return report(good, nil, signatures: good - covered) }
            return verify(stored, keys: keys, checkpoints: checkpoints, signatures: .every)
        }
        if let keys, let bad = keys.firstBadSignature(in: stored, range: 0..<good) {
            return report(bad, (stored[bad].sequence, keys.problem(with: stored[bad]) ?? ""), signatures: good)
        }
        let checked = keys == nil ? 0 : good
        if let problem = chain.problem { return report(good, (problem.sequence, problem.message), signatures: checked) }
        for checkpoint in checkpoints {
            if let problem = problem(with: checkpoint, size: good, root: tree.root(size:)) {
                return report(good, problem, signatures: checked)
            }
        }
        return report(good, nil, signatures: checked)
    }

    /// The leaf hashes (32 bytes each) of the rows before the first one that breaks the chain, and that
    /// row's problem. Rows are checked on every core with ``EntryScan``; a row it does not accept is checked
    /// the plain way (``check(_:expectedSequence:previous:keys:)``), in order, which accepts it or names
    /// what is wrong.
    static func chain(_ stored: [StoredEntry]) -> (leaves: [UInt8], problem: Problem?) {
        var leaves = [UInt8](repeating: 0, count: 32 * stored.count)
        let unscanned = IndexSet()
        leaves.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            let out = SendableMutableRawPointer(base)
            Parallel.chunks(stored.count, minimum: 256) { range in
                var local: [Int] = []
                for index in range where !scanned(stored, index, leaf: out.pointer + 32 * index) {
                    local.append(index)
                }
                unscanned.add(local)
            }
        }
        for index in unscanned.sorted() {
            let previous = index == 0 ? LedgerEntry.genesisHash : stored[index - 1].hash
            switch check(stored[index], expectedSequence: index + 1, previous: previous, keys: nil) {
            case .failure(let problem):
                return (Array(leaves[..<(32 * index)]), problem)
            case .success(let entry):
                leaves.replaceSubrange((32 * index)..<(32 * index + 32), with: entry.leafHash)
            }
        }
        return (leaves, nil)
    }

    /// Checks row `index` the fast way and writes its leaf hash to `leaf`; false when the plain way must decide.
    static func scanned(_ stored: [StoredEntry], _ index: Int, leaf: UnsafeMutableRawPointer) -> Bool {
        let row = stored[index]
        guard row.sequence == index + 1 else { return false }
        var body = row.body
        return body.withUTF8 { bytes in
            guard let scan = EntryScan.scan(bytes), scan.sequence == Int64(row.sequence) else { return false }
            let previous = index == 0 ? LedgerEntry.genesisHash : stored[index - 1].hash
            guard EntryScan.bytes(bytes, scan.previousHash, equal: previous) else { return false }
            let raw = UnsafeRawBufferPointer(bytes)
            var hasher = SHA256()
            hasher.update(bufferPointer: raw)
            guard hasher.finalize().withUnsafeBytes({ Self.hex($0, equals: row.hash) }) else { return false }
            Merkle.leafHash(raw, into: leaf)
            return true
        }
    }

    /// True when `text` is the lower-case hex of `digest`.
    static func hex(_ digest: UnsafeRawBufferPointer, equals text: String) -> Bool {
        var text = text
        return text.withUTF8 { hex in
            guard hex.count == 2 * digest.count else { return false }
            let digits = Array("0123456789abcdef".utf8)
            for (i, byte) in digest.enumerated()
            where hex[2 * i] != digits[Int(byte >> 4)] || hex[2 * i + 1] != digits[Int(byte & 0xF)] {
                return false
            }
            return true
        }
    }
}

/// Indices collected from several threads.
final class IndexSet: @unchecked Sendable {
    private let lock = NSLock()
    private var indices: [Int] = []

    func add(_ more: [Int]) {
        guard !more.isEmpty else { return }
        lock.withLock { indices += more }
    }

    func sorted() -> [Int] { lock.withLock { indices.sorted() } }
}
