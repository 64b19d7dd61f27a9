/// Builds Open Badges 3.0 `OpenBadgeCredential`s (W3C Verifiable Credentials 2.0 data model) for
/// certification entries.
public enum OpenBadge {
    /// The JSON-LD contexts of a VC 2.0 Open Badge.
    public static let contexts: [String] = [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]

    /// The issuer of Kefu credentials.
    public struct Issuer: Sendable, Hashable {
        /// A URI naming the issuing organisation.
        public var id: String
        /// Display name.
        public var name: String

        /// Creates an issuer.
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// What the credential certifies.
    public struct Achievement: Sendable, Hashable {
        /// The certification id.
        public var id: String
        /// Title.
        public var name: String
        /// Description.
        public var description: String
        /// Criteria narrative (the requirements).
        public var criteria: String

        /// Creates an achievement.
        public init(id: String, name: String, description: String, criteria: String) {
            self.id = id
            self.name = name
            self.description = description
            self.criteria = criteria
        }
    }

    /// The credential for a ledger entry (issued or renewed).
    public static func credential(
        entry: LedgerEntry, issuer: Issuer, achievement: Achievement, personName: String, ledgerOrigin: String
    ) -> JSONValue {
        var credential: [String: JSONValue] = [
            "@context": .array(contexts.map(JSONValue.string)),
            "id": .string("urn:kefu:\(ledgerOrigin):entry:\(entry.sequence)"),
            "type": .array([.string("VerifiableCredential"), .string("OpenBadgeCredential")]),
            "issuer": .object([
                "id": .string(issuer.id), "type": .array([.string("Profile")]), "name": .string(issuer.name),
            ]),
            "validFrom": .string(entry.recordedAt),
            "name": .string(achievement.name),
            "credentialSubject": .object([
                "id": .string("urn:kefu:person:\(entry.person)"),
                "type": .array([.string("AchievementSubject")]),
                "name": .string(personName),
                "achievement": .object([
                    "id": .string("urn:kefu:certification:\(achievement.id)"),
                    "type": .array([.string("Achievement")]),
                    "name": .string(achievement.name),
                    "description": .string(achievement.description),
                    "criteria": .object(["narrative": .string(achievement.criteria)]),
                ]),
            ]),
            "evidence": .array([
                .object([
                    "id": .string("urn:kefu:\(ledgerOrigin):entry:\(entry.sequence)"),
                    "type": .array([.string("Evidence")]),
                    "name": .string("Kefu ledger entry \(entry.sequence), chain hash \(entry.chainHash)"),
                ])
            ]),
        ]
        if let validUntil = entry.validUntil { credential["validUntil"] = .string(validUntil + "T23:59:59Z") }
        return .object(credential)
    }
}
