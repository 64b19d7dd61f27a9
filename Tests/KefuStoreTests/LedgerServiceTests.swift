import Crypto
import Foundation
import GRDB
import Testing
import KefuContent
import KefuCore
import KefuLedger
import KefuServices
import KefuStore
import KefuStorage
import KefuTracks

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh database and key in a temporary folder.
struct Fixture {
    let folder: URL
    let database: KefuDatabase
    let service: LedgerService

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try KefuDatabase(path: folder.appendingPathComponent("kefu.sqlite").path)
        service = LedgerService(
            database: database, keys: KeyStore(path: folder.appendingPathComponent("kefu.key").path, databasePath: database.path),
            repository: ContentRepository(root: repositoryRoot), origin: "kefu.test/ledger")
    }

    static let day = 86_400.0
    /// 2026-11-22T09:00:00Z plus `days`.
    static func date(_ days: Double = 0) -> Date { Date(timeIntervalSince1970: 1_795_338_000 + days * day) }

    /// A new hire with everything onboarding needs.
    func qualifiedHire(_ id: String = "E001") throws {
        try database.addPerson(Person(id: id, name: "王小明", team: "A", site: "上海", hireDate: "2026-09-01", languages: ["zh"], channels: [.phone]))
        if try database.person("M001") == nil {
            try database.addPerson(Person(id: "M001", name: "李导师", level: .seniorSpecialist, hireDate: "2020-01-01"))
        }
        for (kind, reference, score) in [("exam", "onboarding-theory", 86.0), ("scenario", "p2p-withdrawal-delay", 90.0), ("scenario", "express-damaged-parcel", 84.0)] {
            try database.addAttempt(Attempt(personID: id, kind: kind, reference: reference, contentVersion: "v1", score: score, passed: true, completedAt: "2026-11-20T10:00:00Z"))
        }
        try database.addSignOff(SignOff(personID: id, mentorID: "M001", certification: "onboarding", signedAt: "2026-11-21T10:00:00Z"))
    }

    func sql(_ statement: String) throws {
        try database.pool.write { db in try db.execute(sql: statement) }
    }
}

@Suite("Storage and the certification ledger", .serialized)
struct LedgerServiceTests {
    @Test("a fresh database is created and migrated; a database from a newer Kefu is refused untouched")
    func migrations() throws {
        let f = try Fixture()
        #expect(try f.database.people().isEmpty)
        try f.sql("INSERT INTO grdb_migrations (identifier) VALUES ('2099-01 a future migration')")
        #expect(throws: StorageError.self) { try KefuDatabase(path: f.database.path) }
        do {
            _ = try KefuDatabase(path: f.database.path)
        } catch {
            #expect("\(error)".contains("newer Kefu"))
        }
    }

    @Test("certify explains every unmet requirement, then issues with the evidence once all are met")
    func certify() throws {
        let f = try Fixture()
        try f.database.addPerson(Person(id: "E001", name: "王小明", hireDate: "2026-09-01"))
        let missing = try f.service.certify(person: "E001", certification: "onboarding", now: Fixture.date())
        #expect(missing.entry == nil)
        #expect(missing.checks.count == 4)
        #expect(missing.checks.allSatisfy { !$0.isMet })
        // A failed attempt is evidence too, but not enough.
        try f.database.addAttempt(Attempt(personID: "E001", kind: "exam", reference: "onboarding-theory", contentVersion: "v1", score: 62, passed: false, completedAt: "2026-11-10T10:00:00Z"))
        let failed = try f.service.certify(person: "E001", certification: "onboarding", now: Fixture.date())
        #expect(failed.checks[0].actual.contains("best 62"))
        #expect(!failed.checks[0].isMet)

        try f.database.addSignOff(SignOff(personID: "E001", mentorID: "E001", certification: "onboarding", signedAt: "x"))
        try Fixture().qualifiedHire()
        let g = try Fixture()
        try g.qualifiedHire()
        let issued = try g.service.certify(person: "E001", certification: "onboarding", now: Fixture.date())
        let entry = try #require(issued.entry)
        #expect(entry.kind == .issued)
        #expect(entry.sequence == 1)
        #expect(entry.validUntil == "2027-11-22")
        if case .array(let attempts)? = entry.evidence["attempts"] { #expect(attempts.count == 3) } else { Issue.record("no attempts in the evidence") }
        #expect(entry.evidence["signoff"]?["mentor"]?.stringValue == "M001")
        #expect(try g.service.verify().isValid)
        // Prerequisites: a channel certification needs a valid onboarding certification.
        let channel = try g.service.certify(person: "E001", certification: "channel-wechat", now: Fixture.date())
        #expect(channel.checks.first { $0.requirement.contains("onboarding") }?.isMet == true)
        #expect(channel.entry == nil)
    }

    @Test("renewal inside the window, refusal before it; revocation and expiry are ledger events")
    func lifecycle() throws {
        let f = try Fixture()
        try f.qualifiedHire()
        let first = try #require(try f.service.certify(person: "E001", certification: "onboarding", now: Fixture.date()).entry)
        #expect(throws: ServiceError.self) { try f.service.certify(person: "E001", certification: "onboarding", now: Fixture.date(30)) }
        let renewed = try #require(try f.service.certify(person: "E001", certification: "onboarding", now: Fixture.date(330)).entry)
        #expect(renewed.kind == .renewed && renewed.refersTo == first.sequence)

        let revocation = try f.service.revoke(entry: renewed.sequence, reason: "exam misconduct", now: Fixture.date(331))
        #expect(revocation.kind == .revoked)
        #expect(throws: ServiceError.self) { try f.service.revoke(entry: renewed.sequence, reason: "again", now: Fixture.date(332)) }
        #expect(throws: ServiceError.self) { try f.service.credential(entry: renewed.sequence) }

        // Expiry: the first issue was superseded by the renewal, so nothing is due until the renewal's end;
        // the revoked renewal is closed too.
        #expect(try f.service.expire(asOf: "2029-01-01", now: Fixture.date(800)).isEmpty)

        let g = try Fixture()
        try g.qualifiedHire()
        let issued = try #require(try g.service.certify(person: "E001", certification: "onboarding", now: Fixture.date()).entry)
        #expect(try g.service.expire(asOf: "2027-11-22", now: Fixture.date(365)).isEmpty)
        let expired = try g.service.expire(asOf: "2027-11-23", now: Fixture.date(366))
        #expect(expired.map(\.refersTo) == [issued.sequence])
        #expect(try g.service.expire(asOf: "2027-12-01", now: Fixture.date(370)).isEmpty)
        let entries = try g.database.read { try g.database.entries($0) }
        #expect(CertificationEvaluator.state(of: "onboarding", person: "E001", entries: entries, asOf: "2027-12-01") == .expired(entry: 1, on: "2027-11-22"))
        #expect(try g.service.verify().isValid)
    }

    func ledgerWithEntries(_ count: Int) throws -> Fixture {
        let f = try Fixture()
        for i in 0..<count {
            try f.qualifiedHire("E\(i)")
            _ = try f.service.certify(person: "E\(i)", certification: "onboarding", now: Fixture.date(Double(i)))
        }
        return f
    }

    @Test("tampering with the stored rows is reported at the first bad entry")
    func tampering() throws {
        let edit = try ledgerWithEntries(5)
        try edit.sql("UPDATE ledger_entry SET body = replace(body, '\"E2\"', '\"E9\"') WHERE seq = 3")
        #expect(try edit.service.verify().firstProblem?.sequence == 3)

        let column = try ledgerWithEntries(4)
        try column.sql("UPDATE ledger_entry SET valid_until = '2099-01-01' WHERE seq = 2")
        let columnReport = try column.service.verify()
        #expect(columnReport.firstProblem?.sequence == 2)
        #expect(columnReport.firstProblem?.message.contains("columns") == true)

        let deleted = try ledgerWithEntries(5)
        try deleted.sql("DELETE FROM ledger_entry WHERE seq = 2")
        #expect(try deleted.service.verify().firstProblem?.sequence == 2)

        let reordered = try ledgerWithEntries(5)
        try reordered.sql("UPDATE ledger_entry SET seq = seq + 100 WHERE seq IN (3, 4)")
        try reordered.sql("UPDATE ledger_entry SET seq = 7 - (seq - 100) WHERE seq > 100")
        #expect(try reordered.service.verify().firstProblem?.sequence == 3)

        let inserted = try ledgerWithEntries(3)
        try inserted.sql("""
            INSERT INTO ledger_entry (seq, kind, person_id, subject, recorded_at, body, hash)
            VALUES (4, 'issued', 'intruder', 'senior', '2026-11-30T00:00:00Z',
                    '{"evidence":{},"kind":"issued","person":"intruder","prev_hash":"00","recorded_at":"2026-11-30T00:00:00Z","seq":4,"subject":"senior"}', 'ff')
            """)
        #expect(try inserted.service.verify().firstProblem?.sequence == 4)
    }

    @Test("with a checkpoint kept outside, a truncated tail and a rewritten history are caught")
    func checkpoints() throws {
        let f = try ledgerWithEntries(6)
        let text = try f.service.checkpoint(now: Fixture.date(10))
        #expect(try f.service.verify(checkpointText: text).isValid)
        try f.sql("DELETE FROM checkpoint")  // the attacker removes the stored copy…
        try f.sql("DELETE FROM ledger_entry WHERE seq >= 5")
        #expect(try f.service.verify().isValid)  // …so the chain alone looks fine,
        let report = try f.service.verify(checkpointText: text)  // but the kept checkpoint does not.
        #expect(report.firstProblem?.sequence == 5)
        #expect(report.firstProblem?.message.contains("truncated") == true)

        // A rewritten history: re-append everything with one person changed, chain recomputed.
        let g = try ledgerWithEntries(4)
        let kept = try g.service.checkpoint(now: Fixture.date(10))
        let entries = try g.database.read { try g.database.entries($0) }
        try g.sql("DELETE FROM ledger_entry")
        try g.sql("DELETE FROM checkpoint")
        try g.database.write { db in
            for var e in entries {
                if e.sequence == 2 { e.person = "E3" }
                try g.database.append(e, db)
            }
        }
        #expect(try g.service.verify().isValid)
        #expect(try g.service.verify(checkpointText: kept).firstProblem?.message.contains("rewritten") == true)
        // A checkpoint signed by another key is refused.
        let other = try Fixture()
        let foreign = try other.service.checkpoint(now: Fixture.date())
        #expect(throws: (any Error).self) { try g.service.verify(checkpointText: foreign) }
    }

    @Test("inclusion proofs verify against the tree head")
    func proofs() throws {
        let f = try ledgerWithEntries(7)
        for sequence in 1...7 {
            let proof = try f.service.prove(entry: sequence)
            var path: [Merkle.Hash] = []
            if case .array(let items)? = proof["proof"] { path = items.compactMap { [UInt8](hex: $0.stringValue ?? "") } }
            #expect(Merkle.verifyInclusion(
                index: sequence - 1, size: 7, leaf: [UInt8](hex: proof["leaf_hash"]!.stringValue!)!, proof: path,
                root: [UInt8](hex: proof["root"]!.stringValue!)!))
        }
        #expect(throws: ServiceError.self) { try f.service.prove(entry: 8) }
    }

    @Test("a credential verifies by signature with the exported JWK, here and in an independent JOSE library; revocation is seen")
    func credentials() throws {
        let f = try ledgerWithEntries(1)
        let jws = try f.service.credential(entry: 1)
        let jwk = try f.service.publicJWK()
        let check = try f.service.verifyCredential(jws, jwk: jwk, now: Fixture.date(1))
        #expect(check.problems.isEmpty)
        #expect(check.credential["credentialSubject"]?["achievement"]?["id"]?.stringValue == "urn:kefu:certification:onboarding")
        #expect(try f.service.verifyCredential(jws, now: Fixture.date(400)).problems.contains { $0.contains("expired") })
        _ = try f.service.revoke(entry: 1, reason: "left the company", now: Fixture.date(2))
        #expect(try f.service.verifyCredential(jws, now: Fixture.date(3)).problems.contains { $0.contains("revoked") })

        // Independent check with joserfc (Python), when available on this machine.
        let jwsFile = f.folder.appendingPathComponent("c.jws")
        let jwkFile = f.folder.appendingPathComponent("k.json")
        try Data(jws.utf8).write(to: jwsFile)
        try Data(jwk.canonicalString.utf8).write(to: jwkFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-W", "ignore", repositoryRoot.appendingPathComponent("scripts/verify_credential.py").path, jwsFile.path, jwkFile.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = Pipe()
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if output.contains("No module named") || process.terminationStatus == 127 {
            print("skipped the joserfc cross-check: joserfc is not installed")
        } else {
            #expect(process.terminationStatus == 0, "\(output)")
            #expect(output.contains("OpenBadgeCredential"))
        }
    }

    @Test("the signing key is created with mode 0600 and never changes")
    func keyFile() throws {
        let f = try Fixture()
        let store = KeyStore(path: f.folder.appendingPathComponent("k.key").path, databasePath: f.database.path)
        let key = try store.signingKey()
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try store.signingKey().publicKey.rawRepresentation == key.publicKey.rawRepresentation)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: store.path)
        #expect(throws: ServiceError.self) { try store.signingKey() }
    }

    @Test("people CSV: all or nothing, with line and column in every error")
    func csvImport() throws {
        let f = try Fixture()
        let good = "id,name,team,site,level,hire_date,languages,channels\nE1,王小明,A,上海,specialist,2026-09-01,zh;en,phone;wechat\nE2,\"Smith, Anna\",B,London,,2026-10-01,en,chat\n"
        let people = try PeopleService.parseCSV(good, file: "p.csv")
        #expect(people.map(\.name) == ["王小明", "Smith, Anna"])
        #expect(people[0].channels == [.phone, .wechat])
        let bad = "id,name,level,hire_date,channels\nE3,A,specialist,2026-09-01,phone\nE4,B,boss,2026-09-01,phone\nE5,C,specialist,01/09/2026,phone\nE3,D,specialist,2026-09-01,fax\n"
        do {
            _ = try PeopleService.parseCSV(bad, file: "p.csv")
            Issue.record("expected errors")
        } catch {
            let message = "\(error)"
            #expect(message.contains("p.csv:3:6: unknown level `boss`"))
            #expect(message.contains("p.csv:4:1: hire_date"))
            #expect(message.contains("p.csv:5:28: unknown channel"))
            #expect(message.contains("nothing was imported"))
        }
        // A duplicate of an existing person rolls the whole import back.
        try f.database.addPerson(Person(id: "E2", name: "x", hireDate: "2026-01-01"))
        #expect(throws: StorageError.self) { try f.database.addPeople(people) }
        #expect(try f.database.people().map(\.id) == ["E2"])
    }
}

@Suite("Verification and keys")
struct VerificationKeyTests {
    @Test("verify never creates a key; with the key gone it checks the chain and asks for the public key for checkpoints")
    func verifyWithoutKey() throws {
        let f = try Fixture()
        try f.qualifiedHire()
        _ = try f.service.certify(person: "E001", certification: "onboarding", now: Fixture.date())
        let jwk = try f.service.publicJWK()
        _ = try f.service.checkpoint(now: Fixture.date(1))
        try FileManager.default.removeItem(atPath: f.service.keys.path)
        #expect(throws: ServiceError.self) { try f.service.verify() }
        #expect(!FileManager.default.fileExists(atPath: f.service.keys.path))
        #expect(try f.service.verify(publicKey: JOSE.publicKey(jwk: jwk)).isValid)
        try f.sql("DELETE FROM checkpoint")
        #expect(try f.service.verify().isValid)
        #expect(!FileManager.default.fileExists(atPath: f.service.keys.path))
    }
}
