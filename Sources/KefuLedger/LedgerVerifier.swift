import Crypto
import Foundation

/// Verifies a ledger: the chain (order, links, hashes, canonical bodies), every entry's signature
/// against the issuer's keys and, given checkpoints, that each signed tree is a prefix of the current
/// one (catching truncation and rewritten history).
public enum LedgerVerifier {
    /// Verifies the chain only (no signatures): for tests of the chain and for code that checks
    /// signatures itself.
    public static func verify(_ stored: [StoredEntry], checkpoint: Checkpoint? = nil) -> VerificationReport {
        verify(stored, keys: nil, checkpoints: checkpoint.map { [$0] } ?? [])
    }

    /// The plain path, kept as the reference the fast one is tested against: each entry parsed and written
    /// back to check its canonical form, hashed from the re-encoded bytes, every signature checked, each
    /// checkpoint's root recomputed from the leaves. `keys` nil skips the signatures.
    public static func referenceVerify(
        _ stored: [StoredEntry], keys: TrustedKeys?, checkpoints: [Checkpoint] = []
    ) -> VerificationReport {
        var previous = LedgerEntry.genesisHash
        var leaves: [Merkle.Hash] = []
        leaves.reserveCapacity(stored.count)
        // Signatures are checked on every core first; the chain is walked in order, and the first row with either
        // problem is reported (a chain problem at the same row first).
        let badSignature = keys.flatMap { $0.firstBadSignature(in: stored) }
        for (index, row) in stored.enumerated() {
            switch check(row, expectedSequence: index + 1, previous: previous, keys: nil) {
            case .failure(let problem):
                return VerificationReport(
                    checked: leaves.count, firstProblem: (problem.sequence, problem.message), root: Merkle.root(leaves))
            case .success(let entry):
                if index == badSignature, let keys, let message = keys.problem(with: row, entry: entry) {
                    return VerificationReport(
                        checked: leaves.count, firstProblem: (row.sequence, message), root: Merkle.root(leaves))
                }
                previous = row.hash
                leaves.append(entry.leafHash)
            }
        }
        for checkpoint in checkpoints {
            if let problem = problem(with: checkpoint, leaves: leaves) {
                return VerificationReport(checked: leaves.count, firstProblem: problem, root: Merkle.root(leaves))
            }
        }
        return VerificationReport(checked: leaves.count, firstProblem: nil, root: Merkle.root(leaves))
    }

    /// A problem at an entry.
    struct Problem: Error {
        var sequence: Int
        var message: String
        init(_ sequence: Int, _ message: String) {
            self.sequence = sequence
            self.message = message
        }
    }

    /// Checks one row: its place, its body, its link, its hash and its signature.
    static func check(
        _ row: StoredEntry, expectedSequence: Int, previous: String, keys: TrustedKeys?
    ) -> Result<LedgerEntry, Problem> {
        guard row.sequence == expectedSequence else {
            let what =
                row.sequence > expectedSequence
                ? "entry \(expectedSequence) is missing (deleted?)"
                : "entry \(row.sequence) appears out of order or twice"
            return .failure(Problem(expectedSequence, "\(what): sequence numbers must run 1, 2, 3, … without gaps"))
        }
        let entry: LedgerEntry
        do {
            entry = try LedgerEntry(json: try JSONValue.parse(row.body))
        } catch {
            return .failure(
                Problem(row.sequence, "entry \(row.sequence) is not a readable ledger entry (edited?): \(error)"))
        }
        if entry.json.canonicalString != row.body {
            return .failure(
                Problem(row.sequence, "entry \(row.sequence) is not in canonical form (edited outside Kefu)"))
        }
        if entry.sequence != row.sequence {
            return .failure(
                Problem(row.sequence, "entry \(row.sequence) says it is entry \(entry.sequence) (moved or inserted)"))
        }
        if entry.previousHash != previous {
            return .failure(
                Problem(
                    row.sequence,
                    "entry \(row.sequence) does not link to entry \(row.sequence - 1): the chain is broken (an entry was inserted, deleted or edited)"
                ))
        }
        if entry.chainHash != row.hash {
            return .failure(
                Problem(row.sequence, "entry \(row.sequence) does not match its recorded hash (its content was edited)")
            )
        }
        if let keys, let problem = keys.problem(with: row, entry: entry) {
            return .failure(Problem(row.sequence, problem))
        }
        return .success(entry)
    }

    /// What a checkpoint says is wrong with the tree of `leaves`, or nil.
    static func problem(with checkpoint: Checkpoint, leaves: [Merkle.Hash]) -> (sequence: Int, message: String)? {
        problem(with: checkpoint, size: leaves.count) { Merkle.root(leaves[..<$0]) }
    }

    /// What a checkpoint says is wrong with a tree of `size` leaves whose prefix roots `root(n)` gives, or nil.
    static func problem(
        with checkpoint: Checkpoint, size: Int, root: (Int) -> Merkle.Hash
    ) -> (sequence: Int, message: String)? {
        if checkpoint.size < 0 {
            return (1, "a checkpoint claims a negative tree size (\(checkpoint.size)): it is not one Kefu signed")
        }
        if checkpoint.size > size {
            return (
                size + 1,
                "a checkpoint covers \(checkpoint.size) entries but the ledger has \(size): entries \(size + 1)–\(checkpoint.size) were removed (truncated tail)"
            )
        }
        if root(checkpoint.size) != checkpoint.root {
            // The root alone cannot say which entry differs; report the checkpoint's range.
            return (
                1,
                "the first \(checkpoint.size) entries do not match a signed checkpoint's root: history within entries 1–\(checkpoint.size) was rewritten"
            )
        }
        return nil
    }
}
