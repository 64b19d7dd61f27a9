import Crypto
import Foundation
public import KefuCore
public import KefuLedger
import KefuStorage

extension LedgerService {
    // MARK: Keys

    /// The keys verification trusts: those of `jwks` when given (an outsider's copy of the issuer's
    /// JWKS), else the key store's current and retired public keys. Never creates a key.
    func trustedKeys(jwks: JSONValue?) throws -> TrustedKeys {
        if let jwks {
            do { return try JOSE.trustedKeys(jwks: jwks) } catch let error as LedgerError {
                throw ServiceError(.invalidInput, "the issuer's key set given is not an Ed25519 JWKS: \(error)")
            }
        }
        return TrustedKeys(try environment.keys.publicKeys())
    }

    /// The issuer's public keys as a JWK Set (current first, then retired), each with `kid`, `kty`
    /// `OKP`, `crv` `Ed25519`, `x`, `use` `sig` and `alg` `EdDSA`. Never creates a key.
    public func publicJWKS() throws -> JSONValue {
        let keys = try environment.keys.publicKeys()
        guard !keys.isEmpty else {
            throw ServiceError(
                .precondition,
                "the ledger has no signing key yet; it is created when the first entry is appended or the first checkpoint is written",
                hint: .init("ledger.checkpoint"))
        }
        return JOSE.jwks(keys)
    }

    /// The issuer's current public key as a JWK. Never creates a key.
    public func publicJWK() throws -> JSONValue {
        guard let first = try publicJWKS()["keys"]?.arrayValue?.first else {
            throw ServiceError(.precondition, "the ledger has no signing key yet")
        }
        return first
    }

    /// Replaces the issuer's signing key with a new one; the old public key stays in the JWKS, so
    /// everything it signed keeps verifying. Administrators only (key custody).
    public func rotateKey(by actor: Identity) async throws -> KeyRotation {
        try AccessPolicy.require(actor, .manageKeys)
        let (retired, current) = try environment.keys.rotate()
        try await environment.audit(
            actor, "ledger.rotate-key", subject: "ledger \(origin)",
            detail: ["retired": retired ?? "", "current": current])
        return KeyRotation(retired: retired, current: current)
    }

    // MARK: Verify

    /// Verifies the stored ledger: the chain, every entry's signature against the issuer's keys (the
    /// key store's current and retired keys, or `jwks`), that the query columns agree with each entry's
    /// body, every stored checkpoint, and each checkpoint text given (kept outside the database).
    public func verify(checkpoints texts: [String] = [], jwks: JSONValue? = nil) async throws -> LedgerVerification {
        let keys = try trustedKeys(jwks: jwks)
        let ledger = try ledger
        let snapshot = try await translatingStorageErrors { try await ledger.snapshot() }
        guard !keys.isEmpty || (snapshot.stored.isEmpty && texts.isEmpty && snapshot.checkpoints.isEmpty) else {
            throw ServiceError(
                .precondition,
                "the ledger's keys are missing, so its signatures cannot be checked; give the issuer's public keys (JWKS) or restore the key directory",
                hint: .init("ledger.verify.public-key"))
        }
        func checkpoint(_ text: String, _ what: String) throws -> Checkpoint {
            do { return try Checkpoint.verify(text, publicKeys: keys.all) } catch let error as LedgerError {
                throw ServiceError(.invalidInput, "\(what) does not verify with the ledger's keys: \(error)")
            }
        }
        var all = try texts.enumerated().map { try checkpoint($1, "checkpoint \($0 + 1) of those given") }
        let given = all.count
        all += try snapshot.checkpoints.map { try checkpoint($0, "a stored checkpoint") }
        for checkpoint in all where checkpoint.origin != origin {
            throw ServiceError(
                .invalidInput,
                "a checkpoint is of ledger `\(checkpoint.origin)`, not of this ledger (`\(origin)`)")
        }
        // Given checkpoints first: their problems name what an outsider can prove.
        var report = LedgerVerifier.verify(snapshot.stored, keys: keys, checkpoints: all)
        if report.isValid, let problem = Self.columnProblem(snapshot.columns) {
            report.firstProblem = problem
        }
        return LedgerVerification(
            status: report.isValid ? .ok : .tampered, checked: report.checked, root: report.root.hex,
            firstProblem: report.firstProblem.map { .init(entry: EntryID(Int64($0.sequence)), message: $0.message) },
            checkpointsChecked: all.count, checkpointsGiven: given,
            keys: keys.keys.keys.sorted())
    }

    /// The first entry whose denormalized query columns disagree with its signed body.
    static func columnProblem(_ columns: [LedgerColumns]) -> (sequence: Int, message: String)? {
        for row in columns {
            guard let entry = try? LedgerEntry(json: JSONValue.parse(row.body)) else {
                return (row.sequence, "entry \(row.sequence)'s body cannot be read")
            }
            let matches =
                entry.kind.rawValue == row.kind && entry.person == row.person && entry.subject == row.subject
                && entry.validUntil == row.validUntil && entry.refersTo == row.refersTo
            if !matches {
                return (
                    entry.sequence,
                    "entry \(entry.sequence)'s query columns (kind, person, certification, validity, reference) were edited and no longer match its signed body"
                )
            }
        }
        return nil
    }

    // MARK: Checkpoint and prove

    /// Signs a checkpoint of the current tree (after verifying every entry's signature) and stores it;
    /// returns it with its text, to be kept by outside witnesses too.
    public func checkpoint(by actor: Identity) async throws -> CheckpointResult {
        try AccessPolicy.require(actor, .checkpointLedger)
        let signer = try environment.keys.signer()
        let keys = TrustedKeys(try environment.keys.publicKeys())
        let origin = origin
        let stamp = Self.timestamp(environment.clock.now())
        let ledger = try ledger
        let signed = try await translatingStorageErrors {
            try await ledger.addCheckpoint { stored in
                let report = LedgerVerifier.verify(stored, keys: keys)
                guard report.isValid else {
                    throw ServiceError(
                        .precondition,
                        "the ledger does not verify (\(report.firstProblem?.message ?? "")); a checkpoint would sign a damaged history",
                        hint: .init("ledger.verify"))
                }
                let checkpoint = Checkpoint(origin: origin, size: report.checked, root: report.root, timestamp: stamp)
                return SignedCheckpoint(checkpoint: checkpoint, text: try signer.signCheckpoint(checkpoint))
            }
        }
        try await environment.audit(
            actor, "ledger.checkpoint", subject: "ledger \(origin)",
            detail: ["size": "\(signed.checkpoint.size)", "root": signed.checkpoint.root.hex])
        return CheckpointResult(
            origin: origin, size: signed.checkpoint.size, root: signed.checkpoint.root.hex, text: signed.text)
    }

    /// An inclusion proof for `entry` in the current tree, verified before it is returned.
    public func prove(entry: EntryID) async throws -> InclusionProof {
        let ledger = try ledger
        let entries = try await translatingStorageErrors { try await ledger.entries(person: nil) }
        let sequence = Int(entry.rawValue)
        guard sequence >= 1, sequence <= entries.count else {
            throw ServiceError(.notFound, "no ledger entry \(sequence) (the ledger has \(entries.count))")
        }
        let leaves = entries.map(\.leafHash)
        let proof = Merkle.inclusionProof(index: sequence - 1, leaves: leaves[...])
        let root = Merkle.root(leaves)
        guard
            Merkle.verifyInclusion(
                index: sequence - 1, size: leaves.count, leaf: leaves[sequence - 1], proof: proof, root: root)
        else {
            throw ServiceError(.unavailable, "internal error: the inclusion proof does not verify")
        }
        return InclusionProof(
            entry: entry, leafIndex: sequence - 1, treeSize: leaves.count, leafHash: leaves[sequence - 1].hex,
            root: root.hex,
            proof: proof.map(\.hex))
    }
}
