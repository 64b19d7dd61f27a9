import Foundation
import HTTPTypes
import Hummingbird
import KefuCore
import KefuServices

/// The outcome of verifying a credential, as the verification page and `POST /api/verify` show it: who holds what,
/// from whom, for how long, whether it is revoked, and every problem found (none: valid).
struct CredentialVerification: Codable, Sendable {
    /// True when the signature verified and no problem was found.
    var valid: Bool
    /// The holder's name.
    var holder: String?
    /// The holder's id (the credential subject).
    var holderID: String?
    /// The certification's name.
    var certification: String?
    /// The issuer's name.
    var issuer: String?
    /// The issuer's id.
    var issuerID: String?
    /// Start of validity.
    var validFrom: String?
    /// End of validity.
    var validUntil: String?
    /// The key that signed it, when the signature verified.
    var kid: String?
    /// How revocation was checked (`ledger`, `status list`).
    var revocationCheckedBy: [String]
    /// Whether a problem is a revocation.
    var revoked: Bool
    /// Every problem found.
    var problems: [String]
    /// The credential's JSON (unverified when the signature is among the problems).
    var credential: JSONDocument

    enum CodingKeys: String, CodingKey {
        case valid, holder, certification, issuer, kid, revoked, problems, credential
        case holderID = "holder_id"
        case issuerID = "issuer_id"
        case validFrom = "valid_from"
        case validUntil = "valid_until"
        case revocationCheckedBy = "revocation_checked_by"
    }

    /// The summary of `check`.
    init(_ check: CredentialCheck) {
        let vc = check.credential.value
        valid = check.isValid
        holder = vc["credentialSubject"]?["name"]?.stringValue
        holderID = vc["credentialSubject"]?["id"]?.stringValue
        certification =
            vc["credentialSubject"]?["achievement"]?["name"]?.stringValue ?? vc["name"]?.stringValue
        issuer = vc["issuer"]?["name"]?.stringValue
        issuerID = vc["issuer"]?["id"]?.stringValue ?? vc["iss"]?.stringValue
        validFrom = vc["validFrom"]?.stringValue
        validUntil = vc["validUntil"]?.stringValue
        kid = check.kid
        revocationCheckedBy = check.revocationCheckedBy
        revoked = check.problems.contains { $0.hasPrefix("revoked") }
        problems = check.problems
        credential = check.credential
    }

    /// An input that cannot be read as a credential at all.
    init(unreadable problem: String) {
        valid = false
        revocationCheckedBy = []
        revoked = false
        problems = [problem]
        credential = JSONDocument(.null)
    }
}

/// The JSON body of `POST /api/verify` (a bare VC-JWT as text is accepted too).
struct VerifyRequest: Decodable {
    /// The VC-JWT.
    var credential: String
    /// The issuer's keys to trust instead of this server's (JWKS).
    var jwks: JSONDocument?
    /// A status list credential to check revocation with as well.
    var statusList: String?

    enum CodingKeys: String, CodingKey {
        case credential, jwks
        case statusList = "status_list"
    }
}

extension WebRoutes {
    /// Public verification, the issuer's keys, the latest checkpoint, credential downloads.
    func addVerifyRoutes(to router: Router<WebContext>) {
        router.get("/verify") { _, context -> Response in
            try pages.render("verify", ["title": pages.locales.text("verify_title", context.locale)], context: context)
        }
        router.post("/verify") { request, context -> Response in
            let text = try await credentialText(request)
            let result = try await verify(text, jwks: nil, statusList: nil)
            return try pages.render(
                "verify", VerifyView.data(result, pasted: text, locale: context.locale, locales: pages.locales),
                context: context,
                status: result.credential.value == .null && !result.valid ? .unprocessableContent : .ok)
        }
        router.post("/api/verify") { request, context -> Response in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: configuration.maxBodyBytes))
            let input: VerifyRequest
            if request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true {
                do { input = try JSONDecoder().decode(VerifyRequest.self, from: Data(body.utf8)) } catch {
                    throw WebError.badRequest(
                        "expected {\"credential\": \"<VC-JWT>\"} (optionally \"jwks\" and \"status_list\"): \(error)")
                }
            } else {
                input = VerifyRequest(credential: body)
            }
            return try Pages.json(
                try await verify(input.credential, jwks: input.jwks?.value, statusList: input.statusList))
        }
        router.get("/.well-known/jwks.json") { _, _ -> Response in
            let jwks: JSONValue
            do { jwks = try services.ledger.publicJWKS() } catch let error as ServiceError
                where error.code == .precondition
            {
                throw WebError(.notFound, "the issuer has no signing key yet, so there are no public keys to publish")
            }
            return Self.text(jwks.canonicalString, type: "application/jwk-set+json")
        }
        router.get("/ledger/checkpoint") { _, _ -> Response in
            let ledger = try services.environment.storage.ledger
            guard let latest = try await ledger.checkpoints().last else {
                throw WebError(
                    .notFound,
                    "no checkpoint has been signed yet; an administrator signs one with `kefu ledger checkpoint`")
            }
            return Self.text(latest, type: "text/plain; charset=utf-8")
        }
        router.get("/certifications/{entry}/credential.jwt") { _, context -> Response in
            try await credentialDownload(context)
        }
    }

    /// Verifies `text` (surrounding whitespace ignored); an input that is not a credential at all is reported as one
    /// problem rather than an error page.
    func verify(_ text: String, jwks: JSONValue?, statusList: String?) async throws -> CredentialVerification {
        let jws = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !jws.isEmpty else { return CredentialVerification(unreadable: "no credential was given") }
        do {
            return CredentialVerification(
                try await services.ledger.verifyCredential(jws, jwks: jwks, statusList: statusList))
        } catch let error as ServiceError where error.code == .invalidInput {
            return CredentialVerification(unreadable: error.message)
        }
    }

    /// The credential of a verification form: the uploaded file when one was chosen, else the pasted text.
    func credentialText(_ request: Request) async throws -> String {
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: configuration.maxBodyBytes))
        let type = request.headers[.contentType] ?? ""
        if type.lowercased().hasPrefix("multipart/form-data") {
            let fields = Self.multipartFields(body, contentType: type)
            let file = fields["file"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return file.isEmpty ? fields["credential"] ?? "" : file
        }
        return Form(body)["credential"] ?? ""
    }

    /// The text fields and files of a `multipart/form-data` body, by name (enough for a pasted or uploaded VC-JWT).
    static func multipartFields(_ body: String, contentType: String) -> [String: String] {
        guard let marker = contentType.range(of: "boundary=", options: .caseInsensitive) else { return [:] }
        let boundary = contentType[marker.upperBound...].prefix { $0 != ";" }
            .trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        guard !boundary.isEmpty else { return [:] }
        var fields: [String: String] = [:]
        for part in body.components(separatedBy: "--" + boundary) {
            guard let split = part.range(of: "\r\n\r\n") else { continue }
            let head = part[..<split.lowerBound]
            var value = String(part[split.upperBound...])
            if value.hasSuffix("\r\n") { value = String(value.dropLast()) }
            let name = head.components(separatedBy: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .first { $0.hasPrefix("name=") }
                .map { String($0.dropFirst(5)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            if let name, fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    /// `GET /certifications/{entry}/credential.jwt`: the holder's own credential as a download; anyone else's entry
    /// answers like a missing one.
    func credentialDownload(_ context: WebContext) async throws -> Response {
        let identity = try context.signedIn()
        let missing = WebError(.notFound, "no such certification")
        guard let text = context.parameters.get("entry"), let number = Int64(text), number > 0 else { throw missing }
        let id = EntryID(number)
        let entry: LedgerEntry
        do { entry = try await services.ledger.entry(id) } catch let error as ServiceError where error.code == .notFound
        {
            throw missing
        }
        guard entry.person == identity.person.rawValue else { throw missing }
        let jwt = try await services.ledger.credential(entry: id)
        var response = Self.text(jwt + "\n", type: "application/vc+jwt")
        response.headers[.contentDisposition] = "attachment; filename=\"kefu-credential-\(number).jwt\""
        return response
    }

    /// A text response that is never cached.
    static func text(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Template data of the verification page.
enum VerifyView {
    /// The page showing `result` for the credential `pasted`.
    static func data(
        _ result: CredentialVerification, pasted: String, locale: String, locales: Locales
    ) -> [String: Any] {
        var revocation: String
        if result.revoked {
            revocation = locales.text("verify_revoked", locale)
        } else if result.revocationCheckedBy.isEmpty {
            revocation = locales.text("verify_revocation_unchecked", locale)
        } else {
            revocation = locales.text(
                "verify_not_revoked", locale, ["by": result.revocationCheckedBy.joined(separator: " + ")])
        }
        let checked: [String: Any] = [
            "valid": result.valid, "holder": result.holder ?? "—", "holderID": result.holderID ?? "",
            "certification": result.certification ?? "—", "issuer": result.issuer ?? "—",
            "issuerID": result.issuerID ?? "", "validFrom": result.validFrom ?? "—",
            "validUntil": result.validUntil ?? "—", "kid": ScenarioView.orFalse(result.kid), "revocation": revocation,
            "revoked": result.revoked, "problems": result.problems, "hasProblems": !result.problems.isEmpty,
        ]
        return ["title": locales.text("verify_title", locale), "result": checked, "pasted": pasted]
    }
}
