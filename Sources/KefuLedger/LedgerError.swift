/// An error of the ledger module: a malformed entry, proof, checkpoint or credential.
public struct LedgerError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case malformed(String)
        case badSignature(String)
        case badProof(String)
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    /// What failed and what to do.
    public var description: String {
        switch kind {
        case .malformed(let what): return "malformed input: \(what)"
        case .badSignature(let what): return "signature does not verify: \(what)"
        case .badProof(let what): return "proof does not verify: \(what)"
        }
    }
}
