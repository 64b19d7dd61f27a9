/// An error of the ledger module: a malformed entry, proof, checkpoint or credential.
public struct LedgerError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case malformed(String)
        case badSignature(String)
        case badProof(String)
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    /// The stored Merkle tree lacks a node, or a leaf disagrees with its entry.
    public static func incompleteTree(level: Int, index: Int) -> LedgerError {
        LedgerError(
            .badProof(
                "the stored Merkle tree has no valid node \(index) at level \(level) (the database was edited); run `kefu ledger verify`"
            ))
    }

    /// What failed and what to do.
    public var description: String {
        switch kind {
        case .malformed(let what): return "malformed input: \(what)"
        case .badSignature(let what): return "signature does not verify: \(what)"
        case .badProof(let what): return "proof does not verify: \(what)"
        }
    }
}
