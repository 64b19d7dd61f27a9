public import Crypto
import Foundation

/// A signed tree head in the C2SP `tlog-checkpoint` text format, signed as a C2SP signed note with
/// Ed25519:
///
/// ```
/// kefu.example/ledger
/// 42
/// <base64 root hash>
/// timestamp 2026-11-22T21:00:00Z
///
/// — kefu.example/ledger <base64(key id ‖ signature)>
/// ```
/// Kept outside the database, it lets `kefu ledger verify --checkpoint` detect a truncated tail or a
/// rewritten history that a self-consistent chain alone would not reveal.
public struct Checkpoint: Sendable, Hashable {
    /// The log's name (also the signing key's name).
    public var origin: String
    /// Number of entries covered.
    public var size: Int
    /// RFC 6962 root over the first `size` entries.
    public var root: Merkle.Hash
    /// When it was made (ISO-8601, UTC).
    public var timestamp: String

    /// Creates a checkpoint.
    public init(origin: String, size: Int, root: Merkle.Hash, timestamp: String) {
        self.origin = origin
        self.size = size
        self.root = root
        self.timestamp = timestamp
    }

    /// The signed body.
    public var body: String {
        "\(origin)\n\(size)\n\(Data(root).base64EncodedString())\ntimestamp \(timestamp)\n"
    }

    /// The C2SP key id: the first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
    public static func keyID(name: String, publicKey: Curve25519.Signing.PublicKey) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, 0x01])
        hasher.update(data: publicKey.rawRepresentation)
        return Array(Array(hasher.finalize()).prefix(4))
    }

    /// The signed note text.
    public func signed(with key: Curve25519.Signing.PrivateKey) throws -> String {
        let signature = try key.signature(for: Array(body.utf8))
        let blob = Checkpoint.keyID(name: origin, publicKey: key.publicKey) + Array(signature)
        return body + "\n— \(origin) \(Data(blob).base64EncodedString())\n"
    }

    /// Parses a signed checkpoint and verifies its signature with `publicKey`.
    public static func verify(_ text: String, publicKey: Curve25519.Signing.PublicKey) throws -> Checkpoint {
        try verify(text, publicKeys: [publicKey])
    }

    /// Parses a signed checkpoint and verifies that one of `publicKeys` (the issuer's current and
    /// retired keys) signed it.
    public static func verify(_ text: String, publicKeys: [Curve25519.Signing.PublicKey]) throws -> Checkpoint {
        guard let split = text.range(of: "\n\n") else {
            throw LedgerError(.malformed("a checkpoint is a body, a blank line and signature lines"))
        }
        let body = String(text[..<split.lowerBound]) + "\n"
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 4, let size = Int(lines[1]), size >= 0, let root = Data(base64Encoded: lines[2]),
            root.count == 32
        else {
            throw LedgerError(.malformed("the checkpoint body needs an origin, a tree size and a base64 root hash"))
        }
        let timestamp =
            lines.first { $0.hasPrefix("timestamp ") }.map { String($0.dropFirst("timestamp ".count)) } ?? ""
        let checkpoint = Checkpoint(origin: lines[0], size: size, root: Array(root), timestamp: timestamp)
        guard checkpoint.body == body else {
            throw LedgerError(.malformed("the checkpoint body is not in Kefu's form"))
        }
        let signatureLines = text[split.upperBound...].split(separator: "\n").map(String.init)
        for line in signatureLines where line.hasPrefix("— ") {
            let parts = line.split(separator: " ")
            guard parts.count == 3, String(parts[1]) == checkpoint.origin,
                let blob = Data(base64Encoded: String(parts[2])), blob.count == 68
            else { continue }
            for publicKey in publicKeys
            where Array(blob.prefix(4)) == keyID(name: checkpoint.origin, publicKey: publicKey) {
                if publicKey.isValidSignature(blob.dropFirst(4), for: Array(body.utf8)) { return checkpoint }
                throw LedgerError(.badSignature("the checkpoint's signature does not match its content (edited?)"))
            }
        }
        throw LedgerError(.badSignature("no signature by this ledger's keys (\(checkpoint.origin)) on the checkpoint"))
    }
}

/// Base64url without padding (JOSE).
public enum Base64URL {
    /// Encodes.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes, or nil.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}

/// Ed25519 keys as JOSE sees them.
public enum JOSE {
    /// The public key as a JWK (RFC 8037), with its RFC 7638 thumbprint as `kid`, `use` `sig` and
    /// `alg` `EdDSA`.
    public static func jwk(_ key: Curve25519.Signing.PublicKey) -> JSONValue {
        let x = Base64URL.encode(key.rawRepresentation)
        return .object([
            "kty": .string("OKP"), "crv": .string("Ed25519"), "x": .string(x), "kid": .string(thumbprint(key)),
            "use": .string("sig"), "alg": .string("EdDSA"),
        ])
    }

    /// A JWK Set (RFC 7517 §5) of `keys`, in the order given.
    public static func jwks(_ keys: [Curve25519.Signing.PublicKey]) -> JSONValue {
        .object(["keys": .array(keys.map(jwk))])
    }

    /// The Ed25519 keys of a JWK Set (or of a single JWK). A key whose `kid` is not its thumbprint is
    /// refused: Kefu names keys by thumbprint, so a JWKS cannot rename one.
    public static func trustedKeys(jwks: JSONValue) throws -> TrustedKeys {
        let members = jwks["keys"]?.arrayValue ?? [jwks]
        var keys: [Curve25519.Signing.PublicKey] = []
        for member in members {
            let key = try publicKey(jwk: member)
            if let kid = member["kid"]?.stringValue, kid != thumbprint(key) {
                throw LedgerError(.malformed("the JWK `\(kid)` is not named by its RFC 7638 thumbprint"))
            }
            keys.append(key)
        }
        return TrustedKeys(keys)
    }

    /// RFC 7638 thumbprint of the key.
    public static func thumbprint(_ key: Curve25519.Signing.PublicKey) -> String {
        let required = JSONValue.object([
            "crv": .string("Ed25519"), "kty": .string("OKP"), "x": .string(Base64URL.encode(key.rawRepresentation)),
        ])
        return Base64URL.encode(SHA256.hash(data: required.canonicalBytes))
    }

    /// Reads a public key from a JWK.
    public static func publicKey(jwk: JSONValue) throws -> Curve25519.Signing.PublicKey {
        guard jwk["kty"]?.stringValue == "OKP", jwk["crv"]?.stringValue == "Ed25519", let x = jwk["x"]?.stringValue,
            let raw = Base64URL.decode(x)
        else { throw LedgerError(.malformed("the JWK is not an Ed25519 (OKP) public key")) }
        do { return try Curve25519.Signing.PublicKey(rawRepresentation: raw) } catch {
            throw LedgerError(.malformed("the JWK's key bytes are not a valid Ed25519 public key"))
        }
    }

    /// A compact JWS (RFC 7515) with `alg` `EdDSA` over the payload bytes.
    public static func sign(payload: [UInt8], header: JSONValue, key: Curve25519.Signing.PrivateKey) throws -> String {
        let signingInput = Base64URL.encode(header.canonicalBytes) + "." + Base64URL.encode(payload)
        let signature = try key.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// A compact JWS taken apart, not yet verified.
    public struct Parts: Sendable {
        /// The protected header.
        public var header: JSONValue
        /// The payload bytes.
        public var payload: [UInt8]
        /// What was signed: `header.payload` in base64url.
        public var signingInput: [UInt8]
        /// The signature bytes.
        public var signature: [UInt8]
    }

    /// Splits a compact JWS and parses its header (nesting limited like every JSON Kefu reads).
    public static func parts(_ jws: String) throws -> Parts {
        let parts = jws.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let payload = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2])
        else { throw LedgerError(.malformed("not a compact JWS (three base64url parts separated by dots)")) }
        let header = try JSONValue.parse(String(decoding: headerBytes, as: UTF8.self))
        guard header["alg"]?.stringValue == "EdDSA" else {
            throw LedgerError(.malformed("the JWS algorithm is not EdDSA"))
        }
        return Parts(
            header: header, payload: payload, signingInput: Array("\(parts[0]).\(parts[1])".utf8), signature: signature)
    }

    /// Verifies a compact JWS with the key its header's `kid` names in `keys`: a missing `kid` or one
    /// not in `keys` is refused, never tried against another key.
    public static func verify(_ jws: String, keys: TrustedKeys) throws -> (header: JSONValue, payload: [UInt8]) {
        let parts = try parts(jws)
        guard let kid = parts.header["kid"]?.stringValue else {
            throw LedgerError(.badSignature("the JWS header names no key (`kid`)"))
        }
        guard let key = keys.keys[kid] else {
            throw LedgerError(
                .badSignature("it is signed by key `\(kid)`, which is not in the issuer's key set (JWKS)"))
        }
        guard key.isValidSignature(parts.signature, for: parts.signingInput) else {
            throw LedgerError(
                .badSignature("the credential's signature does not match its content or the issuer's key"))
        }
        return (parts.header, parts.payload)
    }

    /// Verifies a compact JWS and returns its header and payload.
    public static func verify(
        _ jws: String, key: Curve25519.Signing.PublicKey
    ) throws -> (header: JSONValue, payload: [UInt8]) {
        let parts = try parts(jws)
        let header = parts.header
        let payload = parts.payload
        guard key.isValidSignature(parts.signature, for: parts.signingInput) else {
            throw LedgerError(
                .badSignature("the credential's signature does not match its content or the issuer's key"))
        }
        return (header, payload)
    }
}
