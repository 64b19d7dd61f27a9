import Crypto
import Foundation
import Testing

@testable import KefuLedger

@Suite("Ledger chain, checkpoints and credentials")
struct LedgerTests {
    /// A ledger of `count` entries as it would be stored.
    static func ledger(_ count: Int) -> [StoredEntry] {
        var previous = LedgerEntry.genesisHash
        var rows: [StoredEntry] = []
        for i in 1...count {
            let entry = LedgerEntry(
                sequence: i, kind: i % 3 == 0 ? .renewed : .issued, person: "p\(i % 4)", subject: "onboarding",
                recordedAt: "2026-11-0\(1 + i % 9)T10:00:00Z", validUntil: "2027-11-01",
                evidence: .object([
                    "exam_attempt": .int(Int64(i)), "score": .string("86.5"), "note": .string("含中文 \"quoted\"\n"),
                ]),
                previousHash: previous)
            rows.append(StoredEntry(sequence: i, body: entry.json.canonicalString, hash: entry.chainHash))
            previous = entry.chainHash
        }
        return rows
    }

    @Test("canonical JSON: sorted keys, no spaces, minimal escapes, integers only")
    func canonical() throws {
        let value = JSONValue.object([
            "b": .int(2), "a": .array([.string("x\"y\\z\n\u{1}"), .bool(true), .null]), "中": .string("文"),
        ])
        #expect(value.canonicalString == #"{"a":["x\"y\\z\n\u0001",true,null],"b":2,"中":"文"}"#)
        #expect(try JSONValue.parse(value.canonicalString) == value)
        #expect(throws: LedgerError.self) { try JSONValue.parse(#"{"score":86.5}"#) }
    }

    @Test("an intact ledger verifies and its root is the RFC 6962 root of its entries")
    func intact() throws {
        let rows = Self.ledger(20)
        let report = LedgerVerifier.verify(rows)
        #expect(report.isValid)
        #expect(report.checked == 20)
        let leaves = try rows.map { try LedgerEntry(json: JSONValue.parse($0.body)).leafHash }
        #expect(report.root == Merkle.root(leaves))
    }

    @Test("an edited entry is reported at that entry")
    func edited() {
        var rows = Self.ledger(10)
        rows[4].body = rows[4].body.replacingOccurrences(of: "86.5", with: "96.5")
        #expect(LedgerVerifier.verify(rows).firstProblem?.sequence == 5)
        // Re-hashing the edited entry does not help: the next entry no longer links to it.
        let entry = try! LedgerEntry(json: JSONValue.parse(rows[4].body))
        rows[4].hash = entry.chainHash
        let report = LedgerVerifier.verify(rows)
        #expect(report.firstProblem?.sequence == 6)
        #expect(report.firstProblem?.message.contains("does not link") == true)
    }

    @Test("deleted, reordered and inserted entries are reported at the first bad position")
    func structure() {
        var deleted = Self.ledger(10)
        deleted.remove(at: 3)
        #expect(LedgerVerifier.verify(deleted).firstProblem?.sequence == 4)

        var reordered = Self.ledger(10)
        reordered.swapAt(6, 7)
        #expect(LedgerVerifier.verify(reordered).firstProblem?.sequence == 7)

        // An insertion with renumbering keeps sequence numbers contiguous but breaks the links.
        var rows = Self.ledger(10)
        let forged = LedgerEntry(
            sequence: 4, kind: .issued, person: "intruder", subject: "senior", recordedAt: "2026-11-05T00:00:00Z",
            previousHash: rows[2].hash)
        rows.insert(StoredEntry(sequence: 4, body: forged.json.canonicalString, hash: forged.chainHash), at: 3)
        for i in 4..<rows.count {
            var json = try! JSONValue.parse(rows[i].body)
            if case .object(var members) = json {
                members["seq"] = .int(Int64(i + 1))
                json = .object(members)
            }
            rows[i] = StoredEntry(sequence: i + 1, body: json.canonicalString, hash: rows[i].hash)
        }
        let report = LedgerVerifier.verify(rows)
        #expect(report.firstProblem?.sequence == 5)
    }

    @Test("a checkpoint with tree size −1 or an absurd size is an error, never a trap")
    func hostileCheckpointSizes() throws {
        let key = Curve25519.Signing.PrivateKey()
        let rows = Self.ledger(3)
        let root = LedgerVerifier.verify(rows).root
        for size in [-1, Int.min, Int.max] {
            let checkpoint = Checkpoint(origin: "kefu.test/ledger", size: size, root: root, timestamp: "t")
            let report = LedgerVerifier.verify(rows, checkpoint: checkpoint)
            #expect(!report.isValid)
            if size < 0 {
                // Signed by the right key, the text is still refused when parsed.
                let text = try checkpoint.signed(with: key)
                #expect(throws: LedgerError.self) { try Checkpoint.verify(text, publicKey: key.publicKey) }
            }
        }
        let absurd = try Checkpoint(origin: "o", size: 1, root: root, timestamp: "t").signed(with: key)
            .replacingOccurrences(of: "\n1\n", with: "\n99999999999999999999999\n")
        #expect(throws: LedgerError.self) { try Checkpoint.verify(absurd, publicKey: key.publicKey) }
    }

    @Test(
        "a signed checkpoint verifies; truncation and rewritten history are caught; a forged signature is not accepted")
    func checkpoints() throws {
        let key = Curve25519.Signing.PrivateKey()
        let rows = Self.ledger(12)
        let root = LedgerVerifier.verify(rows).root
        let checkpoint = Checkpoint(origin: "kefu.test/ledger", size: 12, root: root, timestamp: "2026-11-22T21:00:00Z")
        let text = try checkpoint.signed(with: key)
        let parsed = try Checkpoint.verify(text, publicKey: key.publicKey)
        #expect(parsed == checkpoint)
        #expect(LedgerVerifier.verify(rows, checkpoint: parsed).isValid)
        #expect(LedgerVerifier.verify(rows + Self.ledger(13).suffix(1), checkpoint: parsed).isValid)

        let truncated = Array(rows.prefix(9))
        let cut = LedgerVerifier.verify(truncated, checkpoint: parsed)
        #expect(cut.firstProblem?.sequence == 10)
        #expect(cut.firstProblem?.message.contains("truncated") == true)

        // A rewritten but self-consistent history: rebuild the whole chain with one change.
        var rewritten: [StoredEntry] = []
        var previous = LedgerEntry.genesisHash
        for row in rows {
            var entry = try LedgerEntry(json: JSONValue.parse(row.body))
            if entry.sequence == 3 { entry.person = "someone-else" }
            entry.previousHash = previous
            rewritten.append(
                StoredEntry(sequence: entry.sequence, body: entry.json.canonicalString, hash: entry.chainHash))
            previous = entry.chainHash
        }
        #expect(LedgerVerifier.verify(rewritten).isValid)
        #expect(
            LedgerVerifier.verify(rewritten, checkpoint: parsed).firstProblem?.message.contains("rewritten") == true)

        let tampered = text.replacingOccurrences(of: "\n12\n", with: "\n11\n")
        #expect(throws: LedgerError.self) { try Checkpoint.verify(tampered, publicKey: key.publicKey) }
        #expect(throws: LedgerError.self) {
            try Checkpoint.verify(text, publicKey: Curve25519.Signing.PrivateKey().publicKey)
        }
    }

    @Test("a credential is a compact EdDSA JWS that verifies by signature with the exported JWK")
    func credential() throws {
        let key = Curve25519.Signing.PrivateKey()
        let rows = Self.ledger(1)
        let entry = try LedgerEntry(json: JSONValue.parse(rows[0].body))
        let vc = OpenBadge.credential(
            entry: entry, issuer: .init(id: "https://kefu.test", name: "Kefu Test", url: "https://kefu.test"),
            achievement: .init(id: "onboarding", name: "Onboarding", description: "d", criteria: "c"),
            personName: "王小明", ledgerOrigin: "kefu.test/ledger")
        let jwk = JOSE.jwk(key.publicKey)
        let jws = try JOSE.sign(
            payload: vc.canonicalBytes,
            header: .object(["alg": .string("EdDSA"), "typ": .string("vc+jwt"), "kid": jwk["kid"]!]), key: key)
        let imported = try JOSE.publicKey(jwk: jwk)
        let (header, payload) = try JOSE.verify(jws, key: imported)
        #expect(header["alg"]?.stringValue == "EdDSA")
        let decoded = try JSONValue.parse(String(decoding: payload, as: UTF8.self))
        #expect(decoded["type"] == .array([.string("VerifiableCredential"), .string("OpenBadgeCredential")]))
        #expect(decoded["credentialSubject"]?["achievement"]?["name"]?.stringValue == "Onboarding")
        // Flip one character of the payload: the signature no longer verifies.
        var parts = jws.split(separator: ".").map(String.init)
        let forged = OpenBadge.credential(
            entry: entry, issuer: .init(id: "https://kefu.test", name: "Kefu Test", url: "https://kefu.test"),
            achievement: .init(id: "senior", name: "Senior", description: "d", criteria: "c"),
            personName: "王小明", ledgerOrigin: "kefu.test/ledger")
        parts[1] = Base64URL.encode(forged.canonicalBytes)
        #expect(throws: LedgerError.self) { try JOSE.verify(parts.joined(separator: "."), key: imported) }
    }
}

@Suite("Signed entries, nesting limits and JWKS")
struct SignedLedgerTests {
    @Test("JSON nested up to 64 levels parses; deeper is an error, however deep, never a crash")
    func nesting() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        }
        #expect(throws: Never.self) { try JSONValue.parse(nested(64)) }
        for depth in [65, 1_000, 200_000] {
            #expect { try JSONValue.parse(nested(depth)) } throws: { "\($0)".contains("nested deeper than 64") }
        }
        let objects = String(repeating: "{\"a\":", count: 70) + "1" + String(repeating: "}", count: 70)
        #expect(throws: LedgerError.self) { try JSONValue.parse(objects) }
    }

    @Test("every entry's signature is checked against the trusted keys; the first bad one is named")
    func signatures() throws {
        let signer = try LedgerSigner(rawKey: [UInt8](repeating: 3, count: 32))
        let forger = try LedgerSigner(rawKey: [UInt8](repeating: 4, count: 32))
        var rows: [StoredEntry] = []
        var previous = LedgerEntry.genesisHash
        for i in 1...6 {
            let entry = LedgerEntry(
                sequence: i, kind: .issued, person: "p\(i)", subject: "onboarding", recordedAt: "2026-11-01T10:00:00Z",
                previousHash: previous)
            let signature = try (i == 4 ? forger : signer).sign(entry)
            rows.append(
                StoredEntry(
                    sequence: i, body: entry.json.canonicalString, hash: entry.chainHash, kid: signature.kid,
                    signature: signature.signature))
            previous = entry.chainHash
        }
        let trusted = TrustedKeys([signer.publicKey])
        #expect(LedgerVerifier.verify(rows).isValid, "the chain alone is intact")
        let report = LedgerVerifier.verify(rows, keys: trusted)
        #expect(report.firstProblem?.sequence == 4 && report.checked == 3)
        #expect(LedgerVerifier.verify(rows, keys: TrustedKeys([signer.publicKey, forger.publicKey])).isValid)
        rows[1].signature = rows[2].signature
        #expect(
            LedgerVerifier.verify(rows, keys: trusted).firstProblem?.message.contains("entry 2's signature") == true)
        rows[1].kid = nil
        #expect(LedgerVerifier.verify(rows, keys: trusted).firstProblem?.message.contains("no signature") == true)
    }

    @Test("a JWKS names each key by its thumbprint; a renamed key is refused; JWS needs a kid from the set")
    func jwks() throws {
        let key = Curve25519.Signing.PrivateKey()
        let set = JOSE.jwks([key.publicKey])
        #expect(try JOSE.trustedKeys(jwks: set).keys.keys.sorted() == [JOSE.thumbprint(key.publicKey)])
        var renamed = try #require(set["keys"]?.arrayValue?.first?.objectValue)
        renamed["kid"] = .string("my-key")
        #expect(throws: LedgerError.self) { try JOSE.trustedKeys(jwks: .object(["keys": .array([.object(renamed)])])) }
        let jws = try JOSE.sign(
            payload: Array("{}".utf8),
            header: .object(["alg": .string("EdDSA"), "kid": .string(JOSE.thumbprint(key.publicKey))]), key: key)
        #expect(throws: Never.self) { try JOSE.verify(jws, keys: try JOSE.trustedKeys(jwks: set)) }
        #expect { try JOSE.verify(jws, keys: TrustedKeys([Curve25519.Signing.PrivateKey().publicKey])) } throws: {
            "\($0)".contains("not in the issuer's key set")
        }
        let noKid = try JOSE.sign(payload: Array("{}".utf8), header: .object(["alg": .string("EdDSA")]), key: key)
        #expect { try JOSE.verify(noKid, keys: try JOSE.trustedKeys(jwks: set)) } throws: { "\($0)".contains("kid") }
    }
}
