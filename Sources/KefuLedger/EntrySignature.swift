public import Crypto
import Foundation

/// The Ed25519 signature an entry carries: the signing key's id (its RFC 7638 thumbprint, as in the
/// issuer's JWKS) and the signature over the entry's canonical bytes (which include `prev_hash`, so a
/// signature also vouches for the history before it).
public struct EntrySignature: Sendable, Hashable {
    /// The key id (``JOSE/thumbprint(_:)`` of the public key).
    public var kid: String
    /// The signature, base64url without padding.
    public var signature: String

    /// Creates a signature record.
    public init(kid: String, signature: String) {
        self.kid = kid
        self.signature = signature
    }
}

/// Signs entries as they are appended. A class so the key can cross into a storage transaction.
public final class LedgerSigner: @unchecked Sendable {
    private let key: Curve25519.Signing.PrivateKey
    /// The key id that goes with every signature.
    public let kid: String

    /// A signer with `key`.
    public init(key: Curve25519.Signing.PrivateKey) {
        self.key = key
        self.kid = JOSE.thumbprint(key.publicKey)
    }

    /// A signer with the Ed25519 private key whose 32 raw bytes are `rawKey`.
    public convenience init(rawKey: [UInt8]) throws {
        do {
            self.init(key: try Curve25519.Signing.PrivateKey(rawRepresentation: rawKey))
        } catch { throw LedgerError(.malformed("an Ed25519 private key is 32 bytes")) }
    }

    /// The public key that checks this signer's signatures.
    public var publicKey: Curve25519.Signing.PublicKey { key.publicKey }

    /// The signed note text of `checkpoint`.
    public func signCheckpoint(_ checkpoint: Checkpoint) throws -> String { try checkpoint.signed(with: key) }

    /// Signs each of `bodies` (entries' canonical bytes) on every core; the signatures in the same order.
    public func signatures(over bodies: [[UInt8]]) throws -> [EntrySignature] {
        let pieces = Pieces<EntrySignature>()
        Parallel.chunks(bodies.count, minimum: 64) { range in
            do {
                let signed = try range.map { try Base64URL.encode(key.signature(for: bodies[$0])) }
                pieces.add(range.lowerBound, signed.map { EntrySignature(kid: kid, signature: $0) })
            } catch { pieces.fail(error) }
        }
        return try pieces.joined()
    }

    /// Signs `entry` (sequence and previous hash filled in).
    public func sign(_ entry: LedgerEntry) throws -> EntrySignature {
        EntrySignature(kid: kid, signature: Base64URL.encode(try key.signature(for: entry.canonicalBytes)))
    }
}

/// The public keys an entry's signature may be checked against, by key id: the issuer's current and
/// retired keys. Whatever is not in here does not verify.
public struct TrustedKeys: @unchecked Sendable {
    /// The keys by id.
    public let keys: [String: Curve25519.Signing.PublicKey]

    /// The set of `keys`, each under its thumbprint.
    public init(_ keys: [Curve25519.Signing.PublicKey]) {
        var byID: [String: Curve25519.Signing.PublicKey] = [:]
        for key in keys { byID[JOSE.thumbprint(key)] = key }
        self.keys = byID
    }

    /// The keys, in no particular order.
    public var all: [Curve25519.Signing.PublicKey] { Array(keys.values) }

    /// True when no key is known.
    public var isEmpty: Bool { keys.isEmpty }

    /// What is wrong with `row`'s signature over its stored body, or nil when it verifies. The stored body is
    /// the canonical form whenever the chain verifies, so this equals ``problem(with:entry:)`` there.
    public func problem(with row: StoredEntry) -> String? {
        guard let kid = row.kid, let text = row.signature else {
            return "entry \(row.sequence) carries no signature (appended without the issuer's key)"
        }
        guard let key = keys[kid] else {
            return "entry \(row.sequence) is signed by key \(kid), which is not one of the issuer's keys"
        }
        guard let signature = Base64URL.decode(text), key.isValidSignature(signature, for: Array(row.body.utf8)) else {
            return "entry \(row.sequence)'s signature does not match its content (edited, re-hashed or forged)"
        }
        return nil
    }

    /// The index of the first row of `rows` (within `range`, all by default) whose signature does not verify,
    /// checked on every core, or nil.
    public func firstBadSignature(in rows: [StoredEntry], range: Range<Int>? = nil) -> Int? {
        let range = range ?? rows.indices
        let found = FirstIndex()
        Parallel.chunks(range.count, minimum: 256) { chunk in
            for offset in chunk where problem(with: rows[range.lowerBound + offset]) != nil {
                found.offer(range.lowerBound + offset)
                return
            }
        }
        return found.value
    }

    /// What is wrong with `row`'s signature over `entry`, or nil when it verifies.
    public func problem(with row: StoredEntry, entry: LedgerEntry) -> String? {
        guard let kid = row.kid, let text = row.signature else {
            return "entry \(row.sequence) carries no signature (appended without the issuer's key)"
        }
        guard let key = keys[kid] else {
            return "entry \(row.sequence) is signed by key \(kid), which is not one of the issuer's keys"
        }
        guard let signature = Base64URL.decode(text), key.isValidSignature(signature, for: entry.canonicalBytes) else {
            return "entry \(row.sequence)'s signature does not match its content (edited, re-hashed or forged)"
        }
        return nil
    }
}

/// The smallest index offered by several threads.
final class FirstIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var smallest: Int?

    func offer(_ index: Int) {
        lock.withLock { smallest = min(smallest ?? index, index) }
    }

    var value: Int? { lock.withLock { smallest } }
}

/// Results computed in pieces on several threads, joined in order.
final class Pieces<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var pieces: [Int: [Element]] = [:]
    private var error: (any Error)?

    func add(_ start: Int, _ piece: [Element]) { lock.withLock { pieces[start] = piece } }

    func fail(_ error: any Error) { lock.withLock { self.error = error } }

    func joined() throws -> [Element] {
        try lock.withLock {
            if let error { throw error }
            return pieces.keys.sorted().flatMap { pieces[$0] ?? [] }
        }
    }
}
