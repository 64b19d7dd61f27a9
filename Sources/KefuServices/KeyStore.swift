public import Crypto
import Foundation
public import KefuLedger

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ledger issuer's Ed25519 keys: the current private key (one file, mode 0600, never printed) and
/// the public keys of retired ones (a JWK Set beside it), so entries and credentials signed before a
/// rotation keep verifying.
///
/// By default the key lives in a key directory outside the database's folder (``Configuration/keyDirectory``,
/// mode 0700), one file per ledger origin; an explicit key file (``Configuration/keyPath``) replaces
/// that. Files and folders are created with their final modes from the first byte; a key file or key
/// directory that others may read or write is refused.
public struct KeyStore: Sendable {
    /// The current private key file.
    public let path: String
    /// The JWK Set of retired public keys.
    public let retiredPath: String
    /// The key directory (checked and created 0700), or nil for an explicit key file.
    public let directory: String?

    /// An explicit key file; retired public keys are kept in `<path>.retired.jwks`.
    public init(path: String) {
        self.path = path
        self.retiredPath = path + ".retired.jwks"
        self.directory = nil
    }

    /// The key of ledger `origin` in `directory`: `<directory>/<origin>.key` (characters other than
    /// letters, digits, `.`, `-` and `_` become `_`), retired keys in `<origin>.retired.jwks`.
    public init(directory: String, origin: String) {
        let name = String(
            origin.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || ".-_".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "_"
            })
        let base = (directory as NSString).appendingPathComponent(name)
        self.path = base + ".key"
        self.retiredPath = base + ".retired.jwks"
        self.directory = directory
    }

    /// The keys a configuration names: its key file when set, else its key directory.
    public init(configuration: Configuration) {
        if let file = configuration.keyPath {
            self.init(path: file)
        } else {
            self.init(directory: configuration.keyDirectory, origin: configuration.ledgerOrigin)
        }
    }

    // MARK: Reading

    /// The current public key: never creates a key. Nil when there is no key file.
    public func existingPublicKey() throws -> Curve25519.Signing.PublicKey? {
        try checkDirectory()
        return FileManager.default.fileExists(atPath: path) ? try load().publicKey : nil
    }

    /// Every public key of the issuer, current first, then the retired ones. Never creates a key.
    public func publicKeys() throws -> [Curve25519.Signing.PublicKey] {
        let current = try existingPublicKey()
        var keys = current.map { [$0] } ?? []
        for key in try retiredKeys() where key.rawRepresentation != current?.rawRepresentation { keys.append(key) }
        return keys
    }

    func retiredKeys() throws -> [Curve25519.Signing.PublicKey] {
        guard FileManager.default.fileExists(atPath: retiredPath) else { return [] }
        guard let data = FileManager.default.contents(atPath: retiredPath),
            let jwks = try? JSONValue.parse(String(decoding: data, as: UTF8.self)),
            let trusted = try? JOSE.trustedKeys(jwks: jwks)
        else {
            throw ServiceError(
                .unavailable,
                "the retired keys file \(retiredPath) is unreadable or damaged; restore it from backup (entries signed by those keys cannot be verified without it)"
            )
        }
        return trusted.all.sorted { JOSE.thumbprint($0) < JOSE.thumbprint($1) }
    }

    /// Loads the current key, checking that only its owner can read it.
    func load() throws -> Curve25519.Signing.PrivateKey {
        try Self.checkMode(of: path, allowed: 0o600, what: "the signing key file")
        guard let data = FileManager.default.contents(atPath: path),
            let raw = Data(
                base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw ServiceError(
                .unavailable,
                "the signing key file \(path) is unreadable or damaged; restore it from backup (a new key cannot sign for the old ledger)"
            )
        }
        return key
    }

    // MARK: Signing

    /// Loads the key, creating it (mode 0600, in a 0700 key directory) when there is none.
    public func signingKey() throws -> Curve25519.Signing.PrivateKey {
        try checkDirectory()
        if FileManager.default.fileExists(atPath: path) { return try load() }
        try makeDirectory()
        let key = Curve25519.Signing.PrivateKey()
        do {
            try Self.createExclusive(path, Self.fileContents(key))
        } catch let error as POSIXError where error.code == .EEXIST {
            return try load()  // another process created it first
        }
        return key
    }

    /// Replaces the current key with a new one and keeps the old public key in the retired key set.
    /// Returns the retired key's id (nil when there was no key) and the new key's.
    public func rotate() throws -> (retired: String?, current: String) {
        try checkDirectory()
        guard FileManager.default.fileExists(atPath: path) else {
            return (nil, JOSE.thumbprint(try signingKey().publicKey))
        }
        let old = try load()
        let staging = path + ".new"
        let key = Curve25519.Signing.PrivateKey()
        do { try Self.createExclusive(staging, Self.fileContents(key)) } catch let error as POSIXError
            where error.code == .EEXIST
        {
            throw ServiceError(
                .conflict,
                "an earlier rotation was interrupted: \(staging) exists; remove it, then rotate again (the current key is unchanged)"
            )
        }
        let retired = try retiredKeys() + [old.publicKey]
        let jwks = Array((JOSE.jwks(retired).canonicalString + "\n").utf8)
        try Self.replace(retiredPath, with: jwks)
        try Self.posix(rename(staging, path), "rename \(staging)")
        return (JOSE.thumbprint(old.publicKey), JOSE.thumbprint(key.publicKey))
    }

    // MARK: Files

    static func fileContents(_ key: Curve25519.Signing.PrivateKey) -> [UInt8] {
        Array((key.rawRepresentation.base64EncodedString() + "\n").utf8)
    }

    /// Refuses a key directory that others may read or write.
    func checkDirectory() throws {
        guard let directory, FileManager.default.fileExists(atPath: directory) else { return }
        try Self.checkMode(of: directory, allowed: 0o700, what: "the key directory")
    }

    /// Creates the key directory and any missing parents with mode 0700.
    func makeDirectory() throws {
        let folder = directory ?? (path as NSString).deletingLastPathComponent
        guard !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) else { return }
        var built = folder.hasPrefix("/") ? "" : "."
        for component in folder.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                throw ServiceError(
                    .unavailable, "cannot create the key directory \(built): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Refuses `path` when its permission bits allow more than `allowed` (group or others).
    static func checkMode(of path: String, allowed: Int, what: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        let mode = Int(status.st_mode) & 0o777
        if mode & 0o077 != 0 {
            throw ServiceError(
                .precondition,
                "\(what) \(path) can be read or written by others (mode \(String(mode, radix: 8))); make it private to its owner: chmod \(String(allowed, radix: 8)) \(path)"
            )
        }
    }

    /// Creates `path` (it must not exist) with mode 0600 from the first byte, writes `bytes` and syncs.
    static func createExclusive(_ path: String, _ bytes: [UInt8]) throws {
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST { throw POSIXError(.EEXIST) }
            throw ServiceError(
                .unavailable,
                "cannot create the key file \(path): \(String(cString: strerror(code))); check that its folder exists and is writable"
            )
        }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            throw ServiceError(.unavailable, "cannot write the key file \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Replaces `path` atomically with a new 0600 file holding `bytes`.
    static func replace(_ path: String, with bytes: [UInt8]) throws {
        let staging = path + ".tmp"
        unlink(staging)
        try createExclusive(staging, bytes)
        try posix(rename(staging, path), "rename \(staging)")
    }

    static func posix(_ result: Int32, _ what: String) throws {
        if result != 0 { throw ServiceError(.unavailable, "cannot \(what): \(String(cString: strerror(errno)))") }
    }
}
