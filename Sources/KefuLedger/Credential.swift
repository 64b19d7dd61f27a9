import Foundation
import KefuCore

/// Builds Open Badges 3.0 `OpenBadgeCredential`s (W3C Verifiable Credentials 2.0 data model) for
/// certification entries, as VC-JWT payloads, and the W3C Bitstring Status List credential that
/// publishes their revocations.
public enum OpenBadge {
    /// The JSON-LD contexts of a VC 2.0 Open Badge.
    public static let contexts: [String] = [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]

    /// The issuer of Kefu credentials (the organisation's profile, from the content root).
    public struct Issuer: Sendable, Hashable {
        /// A URI naming the issuing organisation (the JWT `iss`).
        public var id: String
        /// Display name.
        public var name: String
        /// The organisation's web address.
        public var url: String
        /// Contact address, if published.
        public var email: String?
        /// What the organisation is, if said.
        public var description: String?
        /// Where the revocation status list is published (`statusListCredential`).
        public var statusList: String

        /// Creates an issuer; the status list defaults to `<url>/credentials/status/revocation`.
        public init(
            id: String, name: String, url: String, email: String? = nil, description: String? = nil,
            statusList: String? = nil
        ) {
            self.id = id
            self.name = name
            self.url = url
            self.email = email
            self.description = description
            self.statusList =
                statusList ?? (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/credentials/status/revocation"
        }

        /// The OB 3.0 `Profile` object.
        public var profile: JSONValue {
            var members: [String: JSONValue] = [
                "id": .string(id), "type": .array([.string("Profile")]), "name": .string(name), "url": .string(url),
            ]
            if let email { members["email"] = .string(email) }
            if let description { members["description"] = .string(description) }
            return .object(members)
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

    /// The credential id of a ledger entry: `urn:kefu:<origin>:entry:<sequence>`.
    public static func credentialID(origin: String, sequence: Int) -> String { "urn:kefu:\(origin):entry:\(sequence)" }

    /// The origin and sequence a credential id names, or nil when it is not a Kefu credential id.
    public static func parseCredentialID(_ id: String) -> (origin: String, sequence: Int)? {
        guard id.hasPrefix("urn:kefu:"), let range = id.range(of: ":entry:", options: .backwards),
            let sequence = Int(id[range.upperBound...])
        else { return nil }
        return (String(id[id.index(id.startIndex, offsetBy: 9)..<range.lowerBound]), sequence)
    }

    /// The credential for a ledger entry (issued or renewed); its revocation bit is the entry's
    /// sequence number in the issuer's status list.
    public static func credential(
        entry: LedgerEntry, issuer: Issuer, achievement: Achievement, personName: String, ledgerOrigin: String
    ) -> JSONValue {
        let id = credentialID(origin: ledgerOrigin, sequence: entry.sequence)
        var credential: [String: JSONValue] = [
            "@context": .array(contexts.map(JSONValue.string)),
            "id": .string(id),
            "type": .array([.string("VerifiableCredential"), .string("OpenBadgeCredential")]),
            "issuer": issuer.profile,
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
            "credentialStatus": .object([
                "id": .string("\(issuer.statusList)#\(entry.sequence)"),
                "type": .string("BitstringStatusListEntry"),
                "statusPurpose": .string("revocation"),
                "statusListIndex": .string(String(entry.sequence)),
                "statusListCredential": .string(issuer.statusList),
            ]),
            "evidence": .array(evidence(entry: entry, id: id)),
        ]
        if let validUntil = entry.validUntil { credential["validUntil"] = .string(validUntil + "T23:59:59Z") }
        return .object(credential)
    }

    /// The credential's `evidence`: the ledger entry, then every piece of evidence entered by hand
    /// (marked `manual`, with who entered it and why).
    static func evidence(entry: LedgerEntry, id: String) -> [JSONValue] {
        var items: [JSONValue] = [
            .object([
                "id": .string(id),
                "type": .array([.string("Evidence")]),
                "name": .string("Kefu ledger entry \(entry.sequence), chain hash \(entry.chainHash)"),
            ])
        ]
        for manual in ManualEvidence.all(in: entry.evidence) {
            items.append(
                .object([
                    "type": .array([.string("Evidence")]),
                    "name": .string("Entered by hand: \(manual.what)"),
                    "narrative": .string("Entered by \(manual.enteredBy): \(manual.reason)"),
                    "manual": .bool(true),
                ]))
        }
        return items
    }

    /// The JWT payload of a VC-JWT (OB 3.0 §8.2.4): the credential itself plus the registered claims
    /// `iss` (issuer id), `sub` (subject id), `nbf` (validFrom), `jti` (credential id), `exp`
    /// (validUntil, when set) and `iat` (`issuedAt`, seconds since 1970).
    public static func jwtPayload(_ credential: JSONValue, issuedAt: Int64) -> JSONValue {
        guard var members = credential.objectValue else { return credential }
        if let issuer = credential["issuer"]?["id"]?.stringValue ?? credential["issuer"]?.stringValue {
            members["iss"] = .string(issuer)
        }
        if let subject = credential["credentialSubject"]?["id"]?.stringValue { members["sub"] = .string(subject) }
        if let id = credential["id"]?.stringValue { members["jti"] = .string(id) }
        if let from = credential["validFrom"]?.stringValue.flatMap(numericDate) { members["nbf"] = .int(from) }
        if let until = credential["validUntil"]?.stringValue.flatMap(numericDate) { members["exp"] = .int(until) }
        members["iat"] = .int(issuedAt)
        return .object(members)
    }

    /// An ISO-8601 timestamp as a JWT NumericDate (whole seconds since 1970), or nil.
    public static func numericDate(_ text: String) -> Int64? {
        Timestamp.parse(text).map { Int64($0.timeIntervalSince1970.rounded(.down)) }
    }

    /// The W3C `BitstringStatusListCredential` publishing `list` (bit set: revoked) at `issuer.statusList`.
    public static func statusListCredential(list: StatusList, issuer: Issuer, validFrom: String) throws -> JSONValue {
        .object([
            "@context": .array([.string("https://www.w3.org/ns/credentials/v2")]),
            "id": .string(issuer.statusList),
            "type": .array([.string("VerifiableCredential"), .string("BitstringStatusListCredential")]),
            "issuer": .string(issuer.id),
            "validFrom": .string(validFrom),
            "credentialSubject": .object([
                "id": .string(issuer.statusList + "#list"),
                "type": .string("BitstringStatusList"),
                "statusPurpose": .string("revocation"),
                "encodedList": .string(try list.encoded()),
            ]),
        ])
    }
}

/// Evidence entered by hand, as recorded in a certification's ledger evidence: each attempt or
/// sign-off object carrying `"manual": true` with `reason` and `entered_by`.
public struct ManualEvidence: Sendable, Hashable {
    /// What it is (e.g. `exam onboarding-theory`, `sign-off by M001`).
    public var what: String
    /// Why it was entered by hand.
    public var reason: String
    /// Who entered it (the audit name of the actor).
    public var enteredBy: String

    /// Every manual item in a certification's evidence.
    public static func all(in evidence: JSONValue) -> [ManualEvidence] {
        var found: [ManualEvidence] = []
        func visit(_ item: JSONValue, _ what: String) {
            guard item["manual"]?.boolValue == true else { return }
            found.append(
                ManualEvidence(
                    what: what, reason: item["reason"]?.stringValue ?? "",
                    enteredBy: item["entered_by"]?.stringValue ?? ""))
        }
        for attempt in evidence["attempts"]?.arrayValue ?? [] {
            visit(
                attempt,
                "\(attempt["kind"]?.stringValue ?? "attempt") \(attempt["reference"]?.stringValue ?? "")"
                    .trimmingCharacters(in: .whitespaces))
        }
        if let signOff = evidence["signoff"] {
            visit(signOff, "sign-off by \(signOff["mentor"]?.stringValue ?? "")")
        }
        return found
    }
}
