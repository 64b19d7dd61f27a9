import Crypto
import Foundation
import KefuCore
import KefuLedger
import KefuServices
import KefuStorage
import KefuStore
import Testing

extension Fixture {
    /// The ledger service with another configuration over the same storage and key file.
    func ledger(
        root: String = repositoryRoot.path, origin: String = "kefu.test/ledger", _ date: Date = Fixture.date()
    )
        -> LedgerService
    {
        LedgerService(
            environment: KefuEnvironment(
                configuration: Configuration(
                    root: root, database: database.path, keyPath: keyPath, ledgerOrigin: origin),
                storage: storage, clock: .fixed(date)))
    }

    /// The ledger service with no database (an outsider holding only files).
    func offlineLedger(_ date: Date = Fixture.date()) -> LedgerService {
        LedgerService(
            environment: KefuEnvironment(
                configuration: Configuration(
                    root: repositoryRoot.path, database: database.path, keyPath: keyPath,
                    ledgerOrigin: "kefu.test/ledger"),
                storage: nil, clock: .fixed(date)))
    }
}

/// The JSON of a compact JWS's part `index` (0 header, 1 payload).
func jwsPart(_ jws: String, _ index: Int) throws -> JSONValue {
    let part = jws.split(separator: ".")[index]
    return try JSONValue.parse(String(decoding: try #require(Base64URL.decode(part)), as: UTF8.self))
}

@Suite("Keys: custody, rotation and the JWKS", .serialized)
struct KeyCustodyTests {
    @Test("the default key directory: KEFU_KEY_DIR, else XDG_CONFIG_HOME, else ~/.config; KEFU_KEY names a file")
    func defaults() {
        #expect(Configuration.defaultKeyDirectory(environment: ["KEFU_KEY_DIR": "/k", "HOME": "/h"]) == "/k")
        #expect(
            Configuration.defaultKeyDirectory(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]) == "/x/kefu/keys")
        #expect(Configuration.defaultKeyDirectory(environment: ["HOME": "/h"]) == "/h/.config/kefu/keys")
        let resolved = Configuration.resolve(
            database: "/data/kefu.sqlite", environment: ["HOME": "/h"], currentDirectory: "/", processors: 1)
        #expect(resolved.keyPath == nil && resolved.keyDirectory == "/h/.config/kefu/keys")
        #expect(KeyStore(configuration: resolved).path == "/h/.config/kefu/keys/kefu.local_ledger.key")
        let explicit = Configuration.resolve(
            environment: ["KEFU_KEY": "/secret/issuer.key", "HOME": "/h"], currentDirectory: "/", processors: 1)
        #expect(KeyStore(configuration: explicit).path == "/secret/issuer.key")
    }

    @Test("the key directory is made 0700 and the key 0600 from the first byte; open ones are refused with the chmod")
    func modes() throws {
        let f = try Fixture()
        let directory = f.folder.appendingPathComponent("config/kefu/keys").path
        let store = KeyStore(directory: directory, origin: "kefu.test/ledger")
        _ = try store.signingKey()
        func mode(_ path: String) throws -> Int? {
            try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        }
        #expect(try mode(directory) == 0o700 && mode(store.path) == 0o600)
        #expect(store.path.hasSuffix("keys/kefu.test_ledger.key"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        #expect { try store.existingPublicKey() } throws: {
            ($0 as? ServiceError)?.code == .precondition && "\($0)".contains("chmod 700 \(directory)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: store.path)
        #expect { try store.signingKey() } throws: { "\($0)".contains("chmod 600 \(store.path)") }
    }

    @Test("rotation: a new key signs, the old public key stays in the JWKS, old entries and checkpoints keep verifying")
    func rotation() async throws {
        let f = try await certifiedLedger(1)
        let old = try await f.ledger(Fixture.date(1)).checkpoint(by: Fixture.admin).text
        let before = try #require(try f.ledger().publicJWK()["kid"]?.stringValue)
        let rotation = try await f.ledger().rotateKey(by: Fixture.admin)
        #expect(rotation.retired == before && rotation.current != before)
        try await f.qualifiedHire("E8")
        _ = try await f.ledger(Fixture.date(2)).certify(person: "E8", certification: "onboarding", by: Fixture.admin)
        let stored = try await f.storage.ledger.snapshot().stored
        #expect(stored.map(\.kid) == [before, rotation.current])
        let report = try await f.ledger().verify(checkpoints: [old])
        #expect(report.isValid && report.keys.count == 2)
        let jwks = try f.ledger().publicJWKS()
        let keys = try #require(jwks["keys"]?.arrayValue)
        #expect(keys.compactMap { $0["kid"]?.stringValue } == [rotation.current, before])
        for key in keys {
            #expect(key["kty"] == .string("OKP") && key["crv"] == .string("Ed25519") && key["x"]?.stringValue != nil)
            #expect(key["use"] == .string("sig") && key["alg"] == .string("EdDSA"))
        }
        // Only the public JWKS is needed to verify: an outsider's copy works, a JWKS without the old key does not.
        try FileManager.default.removeItem(atPath: f.keyPath)
        #expect(try await f.ledger().verify(jwks: jwks).isValid)
        let onlyNew = JSONValue.object(["keys": .array([keys[0]])])
        await #expect { try await f.ledger().verify(jwks: onlyNew) } throws: {
            "\($0)".contains("a stored checkpoint does not verify")
        }
        try f.sql("DELETE FROM checkpoint")
        let withoutOld = try await f.ledger().verify(jwks: onlyNew)
        #expect(withoutOld.firstProblem?.entry == 1 && withoutOld.firstProblem?.message.contains("not one of") == true)
    }
}

@Suite("Credentials: OB 3.0 VC-JWT, fail-closed verification, the status list", .serialized)
struct CredentialTests {
    @Test("the JWT carries alg, typ and kid; the payload iss, sub, nbf, jti, exp, iat and a status entry")
    func claims() async throws {
        let f = try await certifiedLedger(1)
        let jws = try await f.ledger().credential(entry: 1)
        let header = try jwsPart(jws, 0)
        let payload = try jwsPart(jws, 1)
        #expect(header["alg"] == .string("EdDSA") && header["typ"] == .string("JWT"))
        #expect(header["kid"] == (try f.ledger().publicJWK()["kid"]))
        #expect(payload["iss"] == .string("https://training.kefu.example/issuer"))
        #expect(payload["issuer"]?["id"] == payload["iss"] && payload["issuer"]?["url"] != nil)
        #expect(payload["sub"] == .string("urn:kefu:person:E0"))
        #expect(payload["jti"] == .string("urn:kefu:kefu.test/ledger:entry:1") && payload["jti"] == payload["id"])
        #expect(payload["nbf"] == .int(1_795_338_000) && payload["iat"] == .int(1_795_338_000))
        #expect(payload["exp"] == .int(OpenBadge.numericDate("2027-11-22T23:59:59Z") ?? 0))
        let status = payload["credentialStatus"]
        #expect(status?["type"] == .string("BitstringStatusListEntry") && status?["statusListIndex"] == .string("1"))
        #expect(status?["statusPurpose"] == .string("revocation"))
        #expect(
            status?["statusListCredential"]
                == .string("https://training.kefu.example/credentials/status/revocation"))
    }

    @Test("an unknown kid, another issuer, another ledger, a revocation: each an error, never ok")
    func failClosed() async throws {
        let f = try await certifiedLedger(1)
        let jws = try await f.ledger().credential(entry: 1)
        #expect(try await f.ledger(Fixture.date(1)).verifyCredential(jws).isValid)
        // A key set that does not hold the credential's kid.
        let stranger = JOSE.jwks([Curve25519.Signing.PrivateKey().publicKey])
        let unknown = try await f.ledger().verifyCredential(jws, jwks: stranger)
        #expect(!unknown.isValid && unknown.problems.contains { $0.contains("not in the issuer's key set") })
        // Another issuer configured here.
        let root = f.folder.appendingPathComponent("other-root")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("Policies"), withIntermediateDirectories: true)
        try Data("id: https://other.example/issuer\nname: Other\nurl: https://other.example\n".utf8).write(
            to: root.appendingPathComponent("Policies/issuer.yaml"))
        let foreign = try await f.ledger(root: root.path).verifyCredential(jws)
        #expect(foreign.problems.contains { $0.contains("is not this issuer") })
        // Another ledger origin.
        let elsewhere = try await f.ledger(origin: "kefu.other/ledger").verifyCredential(jws)
        #expect(elsewhere.problems.contains { $0.contains("comes from ledger `kefu.test/ledger`") })
        // No issuer profile: nothing is issued or verified.
        let bare = f.folder.appendingPathComponent("bare-root")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
        await #expect { try await f.ledger(root: bare.path).credential(entry: 1) } throws: {
            ($0 as? ServiceError)?.code == .precondition && "\($0)".contains("Policies/issuer.yaml")
        }
        // Revoked, seen in the ledger.
        _ = try await f.ledger(Fixture.date(2)).revoke(entry: 1, reason: "left the company", by: Fixture.admin)
        let revoked = try await f.ledger(Fixture.date(3)).verifyCredential(jws)
        #expect(revoked.problems.contains { $0.contains("revoked") })
        // Offline without a status list: revocation cannot be checked, so it is not ok.
        let offline = try await f.offlineLedger().verifyCredential(jws)
        #expect(offline.problems.contains { $0.contains("revocation was not checked") })
    }

    @Test("the status list: 131,072 bits gzip-compressed, signed like credentials; a revoked bit refuses offline")
    func statusList() async throws {
        let f = try await certifiedLedger(2)
        let jws = try await f.ledger().credential(entry: 2)
        let before = try await f.ledger().statusList()
        #expect(before.size == 131_072 && before.revoked.isEmpty)
        let clean = try await f.offlineLedger(Fixture.date(4)).verifyCredential(jws, statusList: before.jwt)
        #expect(clean.isValid && clean.revocationCheckedBy == ["status list"], "\(clean.problems)")
        let payload = try jwsPart(before.jwt, 1)
        #expect(payload["type"] == .array([.string("VerifiableCredential"), .string("BitstringStatusListCredential")]))
        let encoded = try #require(payload["credentialSubject"]?["encodedList"]?.stringValue)
        #expect(encoded.hasPrefix("u") && encoded.count < 400, "gzip makes an empty list small")
        _ = try await f.ledger(Fixture.date(3)).revoke(entry: 2, reason: "exam misconduct", by: Fixture.admin)
        let after = try await f.ledger(Fixture.date(3)).statusList()
        #expect(after.revoked == [2])
        let list = try StatusList(
            encoded: try #require(try jwsPart(after.jwt, 1)["credentialSubject"]?["encodedList"]?.stringValue))
        #expect(list[2] && !list[1] && !list[3])
        let refused = try await f.offlineLedger(Fixture.date(4)).verifyCredential(jws, statusList: after.jwt)
        #expect(refused.problems.contains { $0.contains("revoked (status list") })
        // A status list signed by someone else does not count.
        let forged = try JOSE.sign(
            payload: try jwsPart(before.jwt, 1).canonicalBytes,
            header: try jwsPart(before.jwt, 0), key: Curve25519.Signing.PrivateKey())
        let withForged = try await f.offlineLedger(Fixture.date(4)).verifyCredential(jws, statusList: forged)
        #expect(withForged.problems.contains { $0.contains("status list does not verify") })
    }

    @Test("StatusList bit order: index 0 is the left-most bit; gzip round-trips")
    func bitOrder() throws {
        var list = StatusList()
        list[0] = true
        list[9] = true
        #expect(list.bytes[0] == 0x80 && list.bytes[1] == 0x40)
        let back = try StatusList(encoded: try list.encoded())
        #expect(back == list && back.count == 131_072)
        #expect(throws: LedgerError.self) { try StatusList(encoded: "u" + Base64URL.encode([1, 2, 3])) }
    }
}

@Suite("Who may certify, revoke, expire and enter evidence; hand-entered evidence is marked", .serialized)
struct LedgerAuthorizationTests {
    static let specialist = Identity(person: "E5", roles: [.trainee], channel: .system)
    static let supervisor = Identity(person: "S001", roles: [.supervisor], channel: .operator(osUser: "ops"))

    @Test("hand-entered evidence: admins only, never about themselves, with a reason and a real past time")
    func manualEvidence() async throws {
        let f = try Fixture()
        let people = f.people()
        _ = try await people.add(PersonInput(id: "E1", name: "A", hireDate: "2026-01-01"), by: Fixture.admin)
        func attempt(_ person: PersonID = "E1", at: String? = nil, reason: String = "paper exam") -> AttemptInput {
            AttemptInput(
                person: person, kind: .exam, reference: "onboarding-theory", score: 90, result: .pass,
                completedAt: at, reason: reason)
        }
        await #expect { try await people.recordAttempt(attempt(), by: Self.specialist) } throws: {
            ($0 as? ServiceError)?.code == .forbidden
        }
        await #expect { try await people.recordAttempt(attempt("A001"), by: Fixture.admin) } throws: {
            ($0 as? ServiceError)?.code == .forbidden && "\($0)".contains("their own work")
        }
        await #expect { try await people.recordAttempt(attempt(reason: "  "), by: Fixture.admin) } throws: {
            ($0 as? ServiceError)?.code == .invalidInput && "\($0)".contains("reason")
        }
        for bad in ["yesterday", "2026-13-01T00:00:00Z", "2099-01-01T00:00:00Z"] {
            await #expect { try await people.recordAttempt(attempt(at: bad), by: Fixture.admin) } throws: {
                ($0 as? ServiceError)?.code == .invalidInput
            }
        }
        _ = try await people.recordAttempt(attempt(at: "2026-11-20T10:00:00Z"), by: Fixture.admin)
        let stored = try await people.show("E1").attempts
        #expect(stored.first?.completedAt == "2026-11-20T10:00:00.000Z" && stored.first?.manual?.reason == "paper exam")
        await #expect {
            try await people.recordSignOff(
                SignOffInput(person: "E1", mentor: "E1", certification: "onboarding", reason: "x"), by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .forbidden
        }
    }

    @Test("a certification from hand-entered evidence says so: in the ledger, in certify's checks, in the credential")
    func manualMarked() async throws {
        let f = try await certifiedLedger(1)
        let outcome = try await f.ledger().list()
        let evidence = outcome[0].evidence.value
        let attempts = try #require(evidence["attempts"]?.arrayValue)
        #expect(attempts.allSatisfy { $0["manual"] == .bool(true) && $0["reason"] == .string("taken before Kefu") })
        #expect(attempts.allSatisfy { $0["entered_by"] == .string("kefu") })
        #expect(evidence["signoff"]?["manual"] == nil, "the sign-off was recorded by Kefu, not by hand")
        try await f.qualifiedHire("E4")
        let checks = try await f.ledger().certify(person: "E4", certification: "onboarding", by: Fixture.admin).checks
        #expect(checks.filter { $0.actual.contains("entered by hand by kefu: taken before Kefu") }.count == 3)
        let credential = try jwsPart(try await f.ledger().credential(entry: 1), 1)
        let manual = try #require(credential["evidence"]?.arrayValue).filter { $0["manual"] == .bool(true) }
        #expect(manual.count == 3 && manual[0]["narrative"]?.stringValue?.contains("taken before Kefu") == true)
    }

    @Test("certify, revoke and expire ask the policy; revocation records who and why; expiry never runs ahead")
    func policy() async throws {
        let f = try await certifiedLedger(1)
        await #expect {
            try await f.ledger().certify(person: "E0", certification: "onboarding", by: Self.specialist)
        } throws: { ($0 as? ServiceError)?.code == .forbidden }
        await #expect { try await f.ledger().revoke(entry: 1, reason: "x", by: Self.specialist) } throws: {
            ($0 as? ServiceError)?.code == .forbidden
        }
        await #expect { try await f.ledger().expire(by: Self.specialist) } throws: {
            ($0 as? ServiceError)?.code == .forbidden
        }
        await #expect { try await f.ledger().checkpoint(by: Self.specialist) } throws: {
            ($0 as? ServiceError)?.code == .forbidden
        }
        await #expect { try await f.ledger().expire(asOf: "2099-01-01", by: Fixture.admin) } throws: {
            ($0 as? ServiceError)?.code == .invalidInput && "\($0)".contains("up to today (2026-11-22)")
        }
        #expect(try await f.ledger().expire(asOf: "2026-11-22", by: Fixture.admin).expired.isEmpty)
        let revocation = try await f.ledger().revoke(entry: 1, reason: "exam misconduct", by: Self.supervisor)
        #expect(revocation.revokedBy == "operator ops acting as S001" && revocation.reason == "exam misconduct")
        #expect(revocation.evidence.value["revoked_by"] == .string("S001"))
        #expect(try await f.ledger().list().last?.revokedBy == "operator ops acting as S001")
    }
}
