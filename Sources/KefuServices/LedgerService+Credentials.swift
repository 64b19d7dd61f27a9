import Crypto
import Foundation
import KefuContent
public import KefuCore
public import KefuLedger
import KefuStorage

extension LedgerService {
    /// The credential issuer, from the content root's issuer profile (`Policies/issuer.yaml`); an
    /// error when there is none, so nothing is issued or verified in an unknown name.
    public func issuer() throws -> OpenBadge.Issuer {
        let profile: IssuerProfile
        do { profile = try environment.content.issuerProfile() } catch {
            throw ServiceError(.precondition, "\(error)")
        }
        return OpenBadge.Issuer(
            id: profile.id, name: profile.name, url: profile.url, email: profile.email,
            description: profile.description, statusList: profile.statusList)
    }

    /// A compact JWS (VC-JWT) of `payload`, signed with the current key: header `alg` `EdDSA`, `typ`
    /// `JWT`, `kid` the key's id in the issuer's JWKS.
    func signJWT(_ payload: JSONValue) throws -> String {
        let key = try environment.keys.signingKey()
        let header = JSONValue.object([
            "alg": .string("EdDSA"), "typ": .string("JWT"), "kid": .string(JOSE.thumbprint(key.publicKey)),
        ])
        return try JOSE.sign(payload: payload.canonicalBytes, header: header, key: key)
    }

    /// An Open Badges 3.0 credential for an issued or renewed entry, as a VC-JWT (compact JWS, EdDSA):
    /// the credential with `iss`, `sub`, `nbf`, `jti`, `exp` (when it has an end) and `iat`, and a
    /// `credentialStatus` pointing at the issuer's revocation status list.
    public func credential(entry id: EntryID) async throws -> String {
        let issuer = try issuer()
        let storage = try environment.storage
        let sequence = Int(id.rawValue)
        let entry = try await self.entry(id)
        guard entry.kind == .issued || entry.kind == .renewed else {
            throw ServiceError(
                .precondition,
                "entry \(sequence) is a `\(entry.kind.rawValue)` event; credentials are issued for issued or renewed certifications"
            )
        }
        let events = try await translatingStorageErrors { try await storage.ledger.events(referringTo: id) }
        if events.contains(where: { $0.kind == .revoked }) {
            throw ServiceError(.precondition, "entry \(sequence) has been revoked; no credential is issued for it")
        }
        guard let rule = try environment.content.certificationRules().first(where: { $0.id == entry.subject }) else {
            throw ServiceError(
                .precondition,
                "entry \(sequence) records `\(entry.subject)`, which is not a certification in Tracks/certifications.yaml; no credential is issued for it"
            )
        }
        let name =
            try await translatingStorageErrors { try await storage.people.person(PersonID(entry.person)) }?.name
            ?? entry.person
        let vc = OpenBadge.credential(
            entry: entry, issuer: issuer,
            achievement: .init(
                id: entry.subject, name: rule.title, description: rule.description, criteria: rule.narrative),
            personName: name, ledgerOrigin: origin)
        let issuedAt = Int64(environment.clock.now().timeIntervalSince1970.rounded(.down))
        return try signJWT(OpenBadge.jwtPayload(vc, issuedAt: issuedAt))
    }

    /// The issuer's revocation list as a signed W3C `BitstringStatusListCredential` (VC-JWT): bit `n` is
    /// set when ledger entry `n` (an issued or renewed certification) has been revoked.
    public func statusList() async throws -> StatusListResult {
        let issuer = try issuer()
        let ledger = try ledger
        let entries = try await translatingStorageErrors { try await ledger.entries(person: nil) }
        var list = StatusList(capacity: entries.count + 1)
        let revoked = entries.filter { $0.kind == .revoked }.compactMap(\.refersTo).sorted()
        for sequence in revoked { list[sequence] = true }
        let now = environment.clock.now()
        let vc = try OpenBadge.statusListCredential(list: list, issuer: issuer, validFrom: Self.timestamp(now))
        let jwt = try signJWT(
            OpenBadge.jwtPayload(vc, issuedAt: Int64(now.timeIntervalSince1970.rounded(.down))))
        return StatusListResult(url: issuer.statusList, size: list.count, revoked: revoked, jwt: jwt)
    }

    // MARK: Verify a credential

    /// Checks a credential and fails closed: its signature with the key its `kid` names in the
    /// issuer's JWKS (`jwks`, else the key store's keys — never a new key), that `iss` is the configured
    /// issuer, that it comes from this ledger's origin, its validity period, and its revocation — in
    /// the ledger (when this process has the database) and in `statusList` (a status list credential,
    /// checked the same way). Anything that cannot be checked is a problem, never "ok".
    public func verifyCredential(
        _ jws: String, jwks: JSONValue? = nil, statusList: String? = nil
    ) async throws -> CredentialCheck {
        let keys = try trustedKeys(jwks: jwks)
        guard !keys.isEmpty else {
            throw ServiceError(
                .precondition,
                "this ledger has no signing key, so the credential's signature cannot be checked; give the issuer's public keys (JWKS)",
                hint: .init("ledger.verify-credential.public-key"))
        }
        let issuer = try issuer()
        var check = CredentialCheck(credential: JSONDocument(.null), kid: nil, revocationCheckedBy: [], problems: [])
        let credential: JSONValue
        do {
            let (header, payload) = try JOSE.verify(jws, keys: keys)
            credential = try JSONValue.parse(String(decoding: payload, as: UTF8.self))
            check.kid = header["kid"]?.stringValue
        } catch let error as LedgerError {
            let parts = try? JOSE.parts(jws)
            if parts == nil { throw ServiceError(.invalidInput, "the credential cannot be read: \(error)") }
            check.credential = JSONDocument(
                parts.flatMap { try? JSONValue.parse(String(decoding: $0.payload, as: UTF8.self)) } ?? .null)
            check.problems.append("\(error)")
            return check
        }
        check.credential = JSONDocument(credential)
        check.problems += claimProblems(credential, issuer: issuer)
        guard let (credentialOrigin, sequence) = credential["jti"]?.stringValue.flatMap(OpenBadge.parseCredentialID)
        else {
            check.problems.append(
                "the credential has no Kefu credential id (`jti`), so its revocation cannot be checked")
            return check
        }
        guard credentialOrigin == origin else {
            check.problems.append(
                "the credential comes from ledger `\(credentialOrigin)`, not this one (`\(origin)`); its revocation can only be checked against that ledger"
            )
            return check
        }
        if let statusList {
            check.problems += try statusProblems(statusList, credential: credential, keys: keys, issuer: issuer)
            check.revocationCheckedBy.append("status list")
        }
        if let storage = try? environment.storage {
            check.problems += try await ledgerProblems(sequence, storage: storage)
            check.revocationCheckedBy.append("ledger")
        }
        if check.revocationCheckedBy.isEmpty {
            check.problems.append("revocation was not checked: give the issuer's status list or open the ledger")
        }
        return check
    }

    /// What is wrong with the credential's claims: issuer, subject and validity period.
    func claimProblems(_ credential: JSONValue, issuer: OpenBadge.Issuer) -> [String] {
        var problems: [String] = []
        let iss = credential["iss"]?.stringValue
        if iss != issuer.id || credential["issuer"]?["id"]?.stringValue != issuer.id {
            problems.append(
                "the credential's issuer `\(iss ?? credential["issuer"]?["id"]?.stringValue ?? "none")` is not this issuer (`\(issuer.id)`)"
            )
        }
        if credential["sub"]?.stringValue == nil
            || credential["sub"]?.stringValue != credential["credentialSubject"]?["id"]?.stringValue
        {
            problems.append("the credential's `sub` does not name its credentialSubject")
        }
        let now = Int64(environment.clock.now().timeIntervalSince1970)
        if let nbf = credential["nbf"]?.intValue, nbf > now {
            problems.append("not valid before \(credential["validFrom"]?.stringValue ?? String(nbf))")
        }
        if let exp = credential["exp"]?.intValue, exp < now {
            problems.append("expired on \(credential["validUntil"]?.stringValue ?? String(exp))")
        }
        return problems
    }

    /// Revocation and expiry of ledger entry `sequence`, as the ledger records them.
    func ledgerProblems(_ sequence: Int, storage: any Storage) async throws -> [String] {
        let entryID = EntryID(Int64(sequence))
        let ledger = storage.ledger
        let (entry, events) = try await translatingStorageErrors {
            (try await ledger.entry(entryID), try await ledger.events(referringTo: entryID))
        }
        guard entry != nil else { return ["ledger entry \(sequence) does not exist in this ledger"] }
        var problems: [String] = []
        if let revocation = events.first(where: { $0.kind == .revoked }) {
            problems.append("revoked (ledger entry \(revocation.sequence)): \(revocation.reason ?? "")")
        }
        if let expiry = events.first(where: { $0.kind == .expired }) {
            problems.append("recorded as expired (ledger entry \(expiry.sequence))")
        }
        return problems
    }

    /// Revocation as a signed status list says: the list must verify with the issuer's keys, come from
    /// the issuer, be the list the credential names, and have the credential's bit clear.
    func statusProblems(
        _ jwt: String, credential: JSONValue, keys: TrustedKeys, issuer: OpenBadge.Issuer
    ) throws -> [String] {
        let list: JSONValue
        do {
            list = try JSONValue.parse(String(decoding: try JOSE.verify(jwt, keys: keys).payload, as: UTF8.self))
        } catch let error as LedgerError {
            return ["the status list does not verify: \(error)"]
        }
        let status = credential["credentialStatus"]
        guard list["iss"]?.stringValue == issuer.id else { return ["the status list is not this issuer's"] }
        guard let url = status?["statusListCredential"]?.stringValue, url == list["id"]?.stringValue,
            status?["statusPurpose"]?.stringValue == "revocation",
            list["credentialSubject"]?["statusPurpose"]?.stringValue == "revocation",
            let index = status?["statusListIndex"]?.stringValue.flatMap({ Int($0) }),
            let encoded = list["credentialSubject"]?["encodedList"]?.stringValue
        else { return ["the status list given is not the revocation list this credential names"] }
        let bits: StatusList
        do { bits = try StatusList(encoded: encoded) } catch let error as LedgerError {
            return ["the status list cannot be read: \(error)"]
        }
        guard index < bits.count else { return ["the status list has no entry \(index)"] }
        return bits[index] ? ["revoked (status list \(url), entry \(index))"] : []
    }
}
