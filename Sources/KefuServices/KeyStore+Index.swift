public import Crypto
import Foundation

extension KeyStore {
    /// The file of the erasure index key, beside the signing key: `<origin>.index.key` (or `<key file>.index.key`).
    public var indexKeyPath: String {
        (path.hasSuffix(".key") ? String(path.dropLast(4)) : path) + ".index.key"
    }

    /// The secret that keys the erasure index (HMAC-SHA256 of the identifiers masked out of imported
    /// interactions): 32 random bytes in a 0600 file in the key directory, created on first use. Kept apart from the
    /// database, so a copy of the database alone cannot be searched for a phone number by trying them all.
    /// With `create: false`, nil when there is none yet.
    public func indexKey(create: Bool) throws -> SymmetricKey? {
        try checkDirectory()
        let path = indexKeyPath
        if !FileManager.default.fileExists(atPath: path) {
            guard create else { return nil }
            try makeDirectory()
            let key = SymmetricKey(size: .bits256)
            let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
            do { try Self.createExclusive(path, Array(text.utf8)) } catch let error as POSIXError
                where error.code == .EEXIST
            {
                return try indexKey(create: false)
            }
            return key
        }
        try Self.checkMode(of: path, allowed: 0o600, what: "the erasure index key file")
        guard let data = FileManager.default.contents(atPath: path),
            let raw = Data(
                base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
            raw.count == 32
        else {
            throw ServiceError(
                .unavailable,
                "the erasure index key file \(path) is unreadable or damaged; restore it from backup (without it, interactions cannot be found by a customer's number)"
            )
        }
        return SymmetricKey(data: raw)
    }
}

/// The keyed digests stored in the erasure index.
public enum IdentifierDigest {
    /// HMAC-SHA256 of a canonical identifier (``Masker/identifier(_:kind:)``), in hex.
    public static func digest(_ identifier: String, key: SymmetricKey) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(identifier.utf8), using: key).map { String(format: "%02x", $0) }
            .joined()
    }
}
