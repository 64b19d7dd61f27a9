public import Crypto
import Foundation

/// The ledger's Ed25519 signing key: generated on first use, stored beside the database with 0600
/// permissions, never printed. Only the public key leaves this type (as a JWK).
public struct KeyStore: Sendable {
    /// The key file.
    public let path: String

    /// The key file for a database: `<database>.key`, unless `path` names another.
    public init(path: String? = nil, databasePath: String) {
        self.path = path ?? databasePath + ".key"
    }

    /// The public key for verification: never creates a key. Nil when the key file does not exist.
    public func existingPublicKey() throws -> Curve25519.Signing.PublicKey? {
        FileManager.default.fileExists(atPath: path) ? try signingKey().publicKey : nil
    }

    /// Loads the key, creating it (mode 0600) when the file does not exist.
    public func signingKey() throws -> Curve25519.Signing.PrivateKey {
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path),
                let raw = Data(
                    base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                ),
                let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            else {
                throw ServiceError(
                    .unavailable,
                    "the signing key file \(path) is unreadable or damaged; restore it from backup (a new key cannot sign for the old ledger)"
                )
            }
            if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0
            {
                throw ServiceError(
                    .precondition,
                    "the signing key file \(path) is readable by others (mode \(String(mode, radix: 8))); make it readable by its owner only (mode 600)"
                )
            }
            return key
        }
        let key = Curve25519.Signing.PrivateKey()
        let contents = Data((key.rawRepresentation.base64EncodedString() + "\n").utf8)
        guard FileManager.default.createFile(atPath: path, contents: contents, attributes: [.posixPermissions: 0o600])
        else {
            throw ServiceError(
                .unavailable, "cannot create the signing key file \(path); check that its folder exists and is writable"
            )
        }
        return key
    }
}
