import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KefuCore
import KefuServices
import Testing

extension WebHarness {
    /// Records E001's onboarding evidence (exam, two scenarios, the mentor's sign-off) and certifies them; returns
    /// the ledger entry of the issued certification.
    func certifyOnboarding(_ person: PersonID = "E001") async throws -> Int64 {
        let people = PeopleService(environment: environment)
        for (kind, reference, score) in [
            (AttemptKind.exam, "onboarding-theory", 86.0), (.scenario, "p2p-withdrawal-delay", 90.0),
            (.scenario, "express-damaged-parcel", 84.0),
        ] {
            _ = try await people.recordAttempt(
                AttemptInput(
                    person: person, kind: kind, reference: reference, score: score, result: .pass,
                    contentVersion: "v1", completedAt: "2026-11-20T10:00:00Z", reason: "taken before Kefu"),
                by: Self.admin)
        }
        _ = try await environment.storage.people.addSignOff(
            SignOff(
                personID: person.rawValue, mentorID: "M001", certification: "onboarding",
                signedAt: "2026-11-21T10:00:00Z"))
        let outcome = try await LedgerService(environment: environment).certify(
            person: person, certification: "onboarding", by: Self.admin)
        return try #require(outcome.entry?.sequence.rawValue)
    }
}

/// `jws` with one character of its signature changed.
func tampered(_ jws: String) -> String {
    var characters = Array(jws)
    let index = characters.count - 5
    characters[index] = characters[index] == "A" ? "B" : "A"
    return String(characters)
}

/// A multipart/form-data body with the pasted text empty and `file` uploaded.
func multipart(file: String, boundary: String) -> String {
    [
        "--\(boundary)", #"Content-Disposition: form-data; name="credential""#, "", "",
        "--\(boundary)", #"Content-Disposition: form-data; name="file"; filename="badge.jwt""#,
        "Content-Type: application/octet-stream", "", file, "--\(boundary)--", "",
    ].joined(separator: "\r\n")
}

@Suite("web: public verification, keys, checkpoint, credential download")
struct VerifyWebTests {
    @Test("the holder downloads the credential; anyone verifies it by upload, paste or API; a tampered one is invalid")
    func verifyCredential() async throws {
        let harness = try await WebHarness()
        let entry = try await harness.certifyOnboarding()
        try await harness.application().test(.router) { client in
            let holder = Browser(client)
            try await holder.signIn("E001")
            let download = try await holder.request("/certifications/\(entry)/credential.jwt")
            #expect(download.status == .ok)
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(download.headers[.contentType] == "application/vc+jwt")
            let jwt = download.body.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(jwt.split(separator: ".").count == 3)

            let other = Browser(client)
            try await other.signIn("E002")
            let foreign = try await other.request("/certifications/\(entry)/credential.jwt")
            let missing = try await other.request("/certifications/99999/credential.jwt")
            #expect(foreign.status == .notFound && missing.status == .notFound)
            #expect(!foreign.body.contains(jwt.prefix(20)))

            let anonymous = Browser(client)
            let form = try await anonymous.request("/verify")
            #expect(form.status == .ok)
            #expect(form.body.contains(#"enctype="multipart/form-data""#) && form.body.contains(#"type="file""#))
            var headers = HTTPFields()
            headers[.contentType] = "multipart/form-data; boundary=XyZ123"
            let uploaded = try await client.execute(
                uri: "/verify", method: .post, headers: headers,
                body: ByteBuffer(string: multipart(file: jwt + "\n", boundary: "XyZ123")))
            let page = String(buffer: uploaded.body)
            #expect(uploaded.status == .ok)
            #expect(page.contains(#"<div class="verification valid""#))
            #expect(page.contains("王小明"))
            #expect(page.contains("新员工入职培训结业证书"))
            #expect(!page.contains(#"id="verify-problems""#))

            let pasted = try await anonymous.request("/verify", method: .post, form: [("credential", tampered(jwt))])
            #expect(pasted.status == .ok)
            #expect(pasted.body.contains(#"<div class="verification invalid""#))
            #expect(pasted.body.contains(#"id="verify-problems""#))
            #expect(pasted.body.contains("signature"))

            let api = try await anonymous.request(
                "/api/verify", method: .post,
                json: String(data: try JSONEncoder().encode(["credential": jwt]), encoding: .utf8))
            #expect(api.status == .ok)
            let good = try api.json()
            #expect(good["valid"] as? Bool == true)
            #expect(good["holder"] as? String == "王小明")
            #expect((good["revocation_checked_by"] as? [String])?.contains("ledger") == true)
            let bad = try await anonymous.request("/api/verify", method: .post, json: nil, headers: [:])
            #expect(try bad.json()["valid"] as? Bool == false)
            var text = HTTPFields()
            text[.contentType] = "text/plain"
            let raw = try await client.execute(
                uri: "/api/verify", method: .post, headers: text, body: ByteBuffer(string: tampered(jwt)))
            let rawJSON = try JSONSerialization.jsonObject(with: Data(String(buffer: raw.body).utf8)) as? [String: Any]
            #expect(rawJSON?["valid"] as? Bool == false)
            #expect((rawJSON?["problems"] as? [String])?.isEmpty == false)
        }
    }

    @Test("the JWKS lists the issuer's Ed25519 key; the checkpoint is 404 until one is signed, then served")
    func keysAndCheckpoint() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            let jwks = try await browser.request("/.well-known/jwks.json")
            let checkpoint = try await browser.request("/ledger/checkpoint")
            #expect(jwks.status == .notFound, "no key before any entry")
            #expect(checkpoint.status == .notFound)
        }
        _ = try await harness.certifyOnboarding()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            let jwks = try await browser.request("/.well-known/jwks.json")
            #expect(jwks.status == .ok)
            let keys = try jwks.json()["keys"] as? [[String: Any]] ?? []
            #expect(keys.count == 1)
            #expect(keys.first?["kty"] as? String == "OKP" && keys.first?["crv"] as? String == "Ed25519")
            #expect(keys.first?["d"] == nil, "never the private key")
            let none = try await browser.request("/ledger/checkpoint")
            #expect(none.status == .notFound)
            #expect(none.body.contains("no checkpoint has been signed yet"))
        }
        let signed = try await LedgerService(environment: harness.environment).checkpoint(by: WebHarness.admin)
        try await harness.application().test(.router) { client in
            let checkpoint = try await Browser(client).request("/ledger/checkpoint")
            #expect(checkpoint.status == .ok)
            #expect(checkpoint.body == signed.text)
            #expect(checkpoint.body.contains("kefu.test/ledger"))
        }
    }
}
