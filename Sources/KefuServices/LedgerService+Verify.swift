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

    /// Verifies the stored ledger: the chain, entry signatures against the issuer's keys (the key store's
    /// current and retired keys, or `jwks`) — every one, or with ``SignatureCheck/beyondCheckpoints`` (the
    /// default) those no verified checkpoint covers —, that the query columns agree with each entry's body,
    /// every stored checkpoint, and each checkpoint text given (kept outside the database).
    public func verify(
        checkpoints texts: [String] = [], jwks: JSONValue? = nil, signatures: SignatureCheck = .beyondCheckpoints
    ) async throws -> LedgerVerification {
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
        var report = LedgerVerifier.verify(snapshot.stored, keys: keys, checkpoints: all, signatures: signatures)
        if report.isValid, let problem = Self.columnProblem(snapshot.columns) {
            report.firstProblem = problem
        }
        return LedgerVerification(
            status: report.isValid ? .ok : .tampered, checked: report.checked, root: report.root.hex,
            firstProblem: report.firstProblem.map { .init(entry: EntryID(Int64($0.sequence)), message: $0.message) },
            checkpointsChecked: all.count, checkpointsGiven: given,
            keys: keys.keys.keys.sorted(), signaturesChecked: report.signaturesChecked)
    }

    /// The first entry whose denormalized query columns disagree with its signed body. Rows are compared on
    /// every core with ``EntryScan``; a row it does not accept, or that disagrees, is checked the plain way
    /// (``plainColumnProblem(_:)``), in order.
    static func columnProblem(_ columns: [LedgerColumns]) -> (sequence: Int, message: String)? {
        let suspects = Suspects()
        Parallel.chunks(columns.count, minimum: 256) { range in
            suspects.add(range.filter { !columnsAgree(columns[$0]) })
        }
        for index in suspects.sorted() {
            if let problem = plainColumnProblem(columns[index]) { return problem }
        }
        return nil
    }

    /// True when the scan accepts the body and its fields equal the columns.
    static func columnsAgree(_ row: LedgerColumns) -> Bool {
        var body = row.body
        return body.withUTF8 { bytes in
            guard let scan = EntryScan.scan(bytes) else { return false }
            let validUntil: Bool
            switch (scan.validUntil, row.validUntil) {
            case (nil, nil): validUntil = true
            case (let range?, let column?): validUntil = EntryScan.bytes(bytes, range, equal: column)
            default: validUntil = false
            }
            return validUntil && scan.refersTo == row.refersTo.map(Int64.init)
                && EntryScan.bytes(bytes, scan.kind, equal: row.kind)
                && EntryScan.bytes(bytes, scan.person, equal: row.person)
                && EntryScan.bytes(bytes, scan.subject, equal: row.subject)
        }
    }

    /// What is wrong with one row's query columns, the plain way (parse the body), or nil.
    static func plainColumnProblem(_ row: LedgerColumns) -> (sequence: Int, message: String)? {
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
        return nil
    }

    // MARK: Checkpoint and prove

    /// Signs a checkpoint of the current tree (after verifying the chain, and the signatures of the entries no
    /// earlier stored checkpoint covers) and stores it; returns it with its text, to be kept by outside
    /// witnesses too.
    public func checkpoint(by actor: Identity) async throws -> CheckpointResult {
        try AccessPolicy.require(actor, .checkpointLedger)
        let signed = try await signCheckpoint()
        try await environment.audit(
            actor, "ledger.checkpoint", subject: "ledger \(origin)",
            detail: ["size": "\(signed.checkpoint.size)", "root": signed.checkpoint.root.hex])
        return CheckpointResult(
            origin: origin, size: signed.checkpoint.size, root: signed.checkpoint.root.hex, text: signed.text)
    }

    /// ``checkpoint(by:)`` without the policy and the audit log (the benchmark's throwaway ledger).
    func signCheckpoint() async throws -> SignedCheckpoint {
        let signer = try environment.keys.signer()
        let keys = TrustedKeys(try environment.keys.publicKeys())
        let origin = origin
        let stamp = Self.timestamp(environment.clock.now())
        let ledger = try ledger
        // Stored checkpoints that verify with the issuer's keys vouch for the entries under them.
        let earlier = try await translatingStorageErrors { try await ledger.checkpoints() }.compactMap {
            try? Checkpoint.verify($0, publicKeys: keys.all)
        }.filter { $0.origin == origin }
        let signed = try await translatingStorageErrors {
            try await ledger.addCheckpoint { stored in
                let report = LedgerVerifier.verify(
                    stored, keys: keys, checkpoints: earlier, signatures: .beyondCheckpoints)
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
        return signed
    }

    /// An inclusion proof for `entry` in the current tree, read from the stored Merkle tree (O(log n) rows)
    /// and verified before it is returned.
    public func prove(entry: EntryID) async throws -> InclusionProof {
        let ledger = try ledger
        let sequence = Int(entry.rawValue)
        let found = try await translatingStorageErrors { try await ledger.inclusionProof(index: sequence - 1) }
        guard let found else {
            throw ServiceError(.notFound, "no ledger entry \(sequence)")
        }
        guard found.verifies else {
            throw ServiceError(.unavailable, "internal error: the inclusion proof does not verify")
        }
        return InclusionProof(
            entry: entry, leafIndex: found.index, treeSize: found.size, leafHash: found.leaf.hex,
            root: found.root.hex, proof: found.proof.map(\.hex))
    }

    /// A consistency proof (RFC 6962) that the tree of the first `size` entries — a checkpoint's — is a
    /// prefix of the current tree, read from the stored Merkle tree and verified before it is returned.
    public func proveConsistency(from size: Int) async throws -> ConsistencyProof {
        let ledger = try ledger
        let found = try await translatingStorageErrors { try await ledger.consistencyProof(from: size) }
        guard let found, size > 0 else {
            throw ServiceError(.notFound, "the ledger has no tree of \(size) entries to prove consistency from")
        }
        guard found.verifies else {
            throw ServiceError(.unavailable, "internal error: the consistency proof does not verify")
        }
        return ConsistencyProof(
            fromSize: found.from, treeSize: found.size, oldRoot: found.oldRoot.hex, root: found.newRoot.hex,
            proof: found.proof.map(\.hex))
    }
}

/// Indices collected from several threads.
final class Suspects: @unchecked Sendable {
    private let lock = NSLock()
    private var indices: [Int] = []

    func add(_ more: [Int]) {
        guard !more.isEmpty else { return }
        lock.withLock { indices += more }
    }

    func sorted() -> [Int] { lock.withLock { indices.sorted() } }
}
