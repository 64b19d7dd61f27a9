import Crypto
import Foundation
import GRDB
import KefuContent
import KefuCore
import KefuLedger
import KefuServices
import KefuStorage
import KefuStore
import KefuTracks
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A fresh database and key in a temporary folder.
struct Fixture {
    let folder: URL
    let database: KefuDatabase
    let storage: SQLiteStorage
    let keyPath: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try KefuDatabase(path: folder.appendingPathComponent("kefu.sqlite").path)
        storage = SQLiteStorage(database: database)
        keyPath = folder.appendingPathComponent("kefu.key").path
    }

    /// The environment at `date` (content from the repository, origin `kefu.test/ledger`).
    func environment(_ date: Date = Fixture.date()) -> KefuEnvironment {
        KefuEnvironment(
            configuration: Configuration(
                root: repositoryRoot.path, database: database.path, keyPath: keyPath, ledgerOrigin: "kefu.test/ledger"),
            storage: storage, clock: .fixed(date))
    }

    /// The ledger service at `date`.
    func ledger(_ date: Date = Fixture.date()) -> LedgerService { LedgerService(environment: environment(date)) }

    /// The people service at `date`.
    func people(_ date: Date = Fixture.date()) -> PeopleService { PeopleService(environment: environment(date)) }

    /// Who acts in these tests.
    static let admin = Identity(person: "A001", roles: [.admin], channel: .system)

    static let day = 86_400.0
    /// 2026-11-22T09:00:00Z plus `days`.
    static func date(_ days: Double = 0) -> Date { Date(timeIntervalSince1970: 1_795_338_000 + days * day) }

    /// A new hire with everything onboarding needs.
    func qualifiedHire(_ id: String = "E001") async throws {
        let people = people()
        _ = try await people.add(
            PersonInput(
                id: PersonID(id), name: "王小明", team: "A", site: "上海", hireDate: "2026-09-01", languages: ["zh"],
                channels: ["phone"]), by: Self.admin)
        if try await storage.people.person("M001") == nil {
            _ = try await people.add(
                PersonInput(id: "M001", name: "李导师", level: "senior-specialist", hireDate: "2020-01-01"), by: Self.admin
            )
        }
        for (kind, reference, score) in [
            (AttemptKind.exam, "onboarding-theory", 86.0), (.scenario, "p2p-withdrawal-delay", 90.0),
            (.scenario, "express-damaged-parcel", 84.0),
        ] {
            _ = try await people.recordAttempt(
                AttemptInput(
                    person: PersonID(id), kind: kind, reference: reference, score: score, result: .pass,
                    contentVersion: "v1", completedAt: "2026-11-20T10:00:00Z", reason: "taken before Kefu"),
                by: Self.admin)
        }
        _ = try await storage.people.addSignOff(
            SignOff(personID: id, mentorID: "M001", certification: "onboarding", signedAt: "2026-11-21T10:00:00Z"))
    }

    func sql(_ statement: String) throws {
        try database.pool.write { db in try db.execute(sql: statement) }
    }

    /// Runs `statement` as an attacker with write access to the file would: the ledger's append-only
    /// triggers dropped first.
    func tamper(_ statement: String) throws {
        try database.pool.write { db in
            try db.execute(
                sql: "DROP TRIGGER IF EXISTS ledger_entry_no_update; DROP TRIGGER IF EXISTS ledger_entry_no_delete")
            try db.execute(sql: statement)
        }
    }
}

@Suite("Storage and the certification ledger", .serialized)
struct LedgerServiceTests {
    @Test("a fresh database is created and migrated; a database from a newer Kefu is refused untouched")
    func migrations() async throws {
        let f = try Fixture()
        #expect(try await f.people().list().isEmpty)
        try f.sql("INSERT INTO grdb_migrations (identifier) VALUES ('2099-01 a future migration')")
        #expect(throws: StorageError.self) { try KefuDatabase(path: f.database.path) }
        do {
            _ = try KefuDatabase(path: f.database.path)
        } catch {
            #expect("\(error)".contains("newer Kefu"))
        }
    }

    @Test("certify explains every unmet requirement, then issues with the evidence once all are met")
    func certify() async throws {
        let f = try Fixture()
        _ = try await f.people().add(PersonInput(id: "E001", name: "王小明", hireDate: "2026-09-01"), by: Fixture.admin)
        let missing = try await f.ledger().certify(person: "E001", certification: "onboarding", by: Fixture.admin)
        #expect(missing.entry == nil && !missing.isIssued)
        #expect(missing.checks.count == 4)
        #expect(missing.checks.allSatisfy { !$0.met })
        // A failed attempt is evidence too, but not enough.
        _ = try await f.people().recordAttempt(
            AttemptInput(
                person: "E001", kind: .exam, reference: "onboarding-theory", score: 62, result: .fail,
                contentVersion: "v1", completedAt: "2026-11-10T10:00:00Z", reason: "paper exam"),
            by: Fixture.admin)
        let failed = try await f.ledger().certify(person: "E001", certification: "onboarding", by: Fixture.admin)
        #expect(failed.checks[0].actual.contains("best 62"))
        #expect(!failed.checks[0].met)
        #expect(try await f.storage.ledger.entries(person: nil).isEmpty)

        // Unknown people and certifications are typed errors.
        await #expect {
            try await f.ledger().certify(person: "nobody", certification: "onboarding", by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .notFound && ($0 as? ServiceError)?.hint?.action == "people.add"
        }
        await #expect {
            try await f.ledger().certify(person: "E001", certification: "astronaut", by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .notFound
        }

        let g = try Fixture()
        try await g.qualifiedHire()
        let issued = try await g.ledger().certify(person: "E001", certification: "onboarding", by: Fixture.admin)
        #expect(issued.checks.count == 4 && issued.checks.allSatisfy(\.met))
        let entry = try #require(issued.entry)
        #expect(entry.kind == .issued)
        #expect(entry.sequence == 1)
        #expect(entry.validUntil == "2027-11-22")
        if case .array(let attempts)? = entry.evidence.value["attempts"] {
            #expect(attempts.count == 3)
        } else {
            Issue.record("no attempts in the evidence")
        }
        #expect(entry.evidence.value["signoff"]?["mentor"]?.stringValue == "M001")
        #expect(try await g.ledger().verify().isValid)
        // Prerequisites: a channel certification needs a valid onboarding certification.
        let channel = try await g.ledger().certify(person: "E001", certification: "channel-wechat", by: Fixture.admin)
        #expect(channel.checks.first { $0.requirement.contains("onboarding") }?.met == true)
        #expect(channel.entry == nil)
        // The JSON output: snake_case keys, the entry's evidence as JSON.
        let json = try OutputJSON.string(issued)
        #expect(
            json.contains(#""chain_hash":""#) && json.contains(#""valid_until":"2027-11-22""#)
                && json.contains(#""met":true"#))
    }

    @Test("renewal inside the window, refusal before it; revocation records who and expiry are ledger events")
    func lifecycle() async throws {
        let f = try Fixture()
        try await f.qualifiedHire()
        let first = try #require(
            try await f.ledger().certify(person: "E001", certification: "onboarding", by: Fixture.admin).entry)
        await #expect {
            try await f.ledger(Fixture.date(30)).certify(person: "E001", certification: "onboarding", by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .precondition
        }
        let renewed = try #require(
            try await f.ledger(Fixture.date(330)).certify(
                person: "E001", certification: "onboarding", by: Fixture.admin
            ).entry)
        #expect(renewed.kind == .renewed && renewed.refersTo == first.sequence)

        let supervisor = Identity(person: "S001", roles: [.supervisor], channel: .system)
        let revocation = try await f.ledger(Fixture.date(331)).revoke(
            entry: renewed.sequence, reason: "exam misconduct", by: supervisor)
        #expect(revocation.kind == .revoked && revocation.reason == "exam misconduct")
        #expect(revocation.evidence.value["revoked_by"]?.stringValue == "S001")
        await #expect {
            try await f.ledger(Fixture.date(332)).revoke(entry: renewed.sequence, reason: "again", by: supervisor)
        } throws: {
            ($0 as? ServiceError)?.code == .conflict
        }
        await #expect { try await f.ledger().revoke(entry: revocation.sequence, reason: "x", by: supervisor) } throws: {
            ($0 as? ServiceError)?.code == .precondition
        }
        await #expect { try await f.ledger().revoke(entry: 99, reason: "x", by: supervisor) } throws: {
            ($0 as? ServiceError)?.code == .notFound
        }
        await #expect { try await f.ledger().revoke(entry: 1, reason: " ", by: supervisor) } throws: {
            ($0 as? ServiceError)?.code == .invalidInput
        }
        await #expect(throws: ServiceError.self) { try await f.ledger().credential(entry: renewed.sequence) }

        // Expiry: the first issue was superseded by the renewal, so nothing is due until the renewal's end;
        // the revoked renewal is closed too.
        #expect(try await f.ledger(Fixture.date(800)).expire(asOf: "2029-01-01", by: Fixture.admin).expired.isEmpty)

        let g = try Fixture()
        try await g.qualifiedHire()
        let issued = try #require(
            try await g.ledger().certify(person: "E001", certification: "onboarding", by: Fixture.admin).entry)
        #expect(try await g.ledger(Fixture.date(365)).expire(asOf: "2027-11-22", by: Fixture.admin).expired.isEmpty)
        let expired = try await g.ledger(Fixture.date(366)).expire(asOf: "2027-11-23", by: Fixture.admin)
        #expect(expired.expired.map(\.refersTo) == [issued.sequence])
        #expect(
            try await g.ledger(Fixture.date(370)).expire(by: Fixture.admin).expired.isEmpty,
            "as of today (2027-11-27): already recorded")
        let entries = try await g.storage.ledger.entries(person: nil)
        #expect(
            CertificationEvaluator.state(of: "onboarding", person: "E001", entries: entries, asOf: "2027-12-01")
                == .expired(entry: 1, on: "2027-11-22"))
        #expect(try await g.ledger().verify().isValid)
    }

    func ledgerWithEntries(_ count: Int) async throws -> Fixture {
        let f = try Fixture()
        for i in 0..<count {
            try await f.qualifiedHire("E\(i)")
            _ = try await f.ledger(Fixture.date(Double(i))).certify(
                person: PersonID("E\(i)"), certification: "onboarding", by: Fixture.admin)
        }
        return f
    }

    @Test("tampering with the stored rows is reported at the first bad entry")
    func tampering() async throws {
        let edit = try await ledgerWithEntries(5)
        try edit.tamper("UPDATE ledger_entry SET body = replace(body, '\"E2\"', '\"E9\"') WHERE seq = 3")
        let edited = try await edit.ledger().verify()
        #expect(edited.status == .tampered && edited.firstProblem?.entry == 3)
        let json = try OutputJSON.string(edited)
        #expect(json.contains(#""status":"tampered""#) && json.contains(#""first_problem":{"entry":3"#))

        let column = try await ledgerWithEntries(4)
        try column.tamper("UPDATE ledger_entry SET valid_until = '2099-01-01' WHERE seq = 2")
        let columnReport = try await column.ledger().verify()
        #expect(columnReport.firstProblem?.entry == 2)
        #expect(columnReport.firstProblem?.message.contains("columns") == true)

        let deleted = try await ledgerWithEntries(5)
        try deleted.tamper("DELETE FROM ledger_entry WHERE seq = 2")
        #expect(try await deleted.ledger().verify().firstProblem?.entry == 2)

        let reordered = try await ledgerWithEntries(5)
        try reordered.tamper("UPDATE ledger_entry SET seq = seq + 100 WHERE seq IN (3, 4)")
        try reordered.tamper("UPDATE ledger_entry SET seq = 7 - (seq - 100) WHERE seq > 100")
        #expect(try await reordered.ledger().verify().firstProblem?.entry == 3)

        let inserted = try await ledgerWithEntries(3)
        try inserted.tamper(
            """
            INSERT INTO ledger_entry (seq, kind, person_id, subject, recorded_at, body, hash)
            VALUES (4, 'issued', 'intruder', 'senior', '2026-11-30T00:00:00Z',
                    '{"evidence":{},"kind":"issued","person":"intruder","prev_hash":"00","recorded_at":"2026-11-30T00:00:00Z","seq":4,"subject":"senior"}', 'ff')
            """)
        #expect(try await inserted.ledger().verify().firstProblem?.entry == 4)
    }

    @Test("with a checkpoint kept outside, a truncated tail and a rewritten history are caught")
    func checkpoints() async throws {
        let f = try await ledgerWithEntries(6)
        let text = try await f.ledger(Fixture.date(10)).checkpoint(by: Fixture.admin).text
        let withKept = try await f.ledger().verify(checkpoints: [text])
        #expect(withKept.isValid && withKept.checkpointsChecked == 2)
        try f.tamper("DELETE FROM checkpoint")  // the attacker removes the stored copy…
        try f.tamper("DELETE FROM ledger_entry WHERE seq >= 5")
        #expect(try await f.ledger().verify().isValid)  // …so the chain alone looks fine,
        let report = try await f.ledger().verify(checkpoints: [text])  // but the kept checkpoint does not.
        #expect(report.firstProblem?.entry == 5)
        #expect(report.firstProblem?.message.contains("truncated") == true)

        // A rewritten history: re-append everything with one person changed, chain recomputed.
        let g = try await ledgerWithEntries(4)
        let kept = try await g.ledger(Fixture.date(10)).checkpoint(by: Fixture.admin).text
        let entries = try await g.storage.ledger.entries(person: nil)
        try g.tamper("DELETE FROM ledger_entry")
        try g.tamper("DELETE FROM checkpoint")
        // The attacker has no issuer key: they sign with their own, which verify does not trust.
        _ = try await g.storage.ledger.append(signer: try LedgerSigner(rawKey: [UInt8](repeating: 9, count: 32))) { _ in
            entries.map { e in
                var e = e
                if e.sequence == 2 { e.person = "E3" }
                return e
            }
        }
        let rechained = try await g.ledger().verify()
        #expect(
            rechained.firstProblem?.entry == 1
                && rechained.firstProblem?.message.contains("not one of the issuer's keys") == true)
        // An insider with the key rewrites history: chain and signatures hold; only the kept checkpoint catches it.
        try g.tamper("DELETE FROM ledger_entry")
        _ = try await g.storage.ledger.append(signer: try KeyStore(path: g.keyPath).signer()) { _ in
            entries.map { e in
                var e = e
                if e.sequence == 2 { e.person = "E3" }
                return e
            }
        }
        #expect(try await g.ledger().verify().isValid)
        #expect(try await g.ledger().verify(checkpoints: [kept]).firstProblem?.message.contains("rewritten") == true)
        // A checkpoint signed by another key is refused.
        let other = try Fixture()
        let foreign = try await other.ledger().checkpoint(by: Fixture.admin).text
        await #expect { try await g.ledger().verify(checkpoints: [foreign]) } throws: {
            ($0 as? ServiceError)?.code == .invalidInput
        }
    }

    @Test("inclusion proofs verify against the tree head")
    func proofs() async throws {
        let f = try await ledgerWithEntries(7)
        for sequence in 1...7 {
            let proof = try await f.ledger().prove(entry: EntryID(Int64(sequence)))
            #expect(proof.treeSize == 7 && proof.leafIndex == sequence - 1)
            #expect(
                Merkle.verifyInclusion(
                    index: sequence - 1, size: 7, leaf: [UInt8](hex: proof.leafHash)!,
                    proof: proof.proof.compactMap { [UInt8](hex: $0) },
                    root: [UInt8](hex: proof.root)!))
        }
        await #expect { try await f.ledger().prove(entry: 8) } throws: { ($0 as? ServiceError)?.code == .notFound }
        let json = try OutputJSON.string(try await f.ledger().prove(entry: 1))
        #expect(json.contains(#""leaf_hash":""#) && json.contains(#""tree_size":7"#))
    }

    @Test(
        "a credential verifies by signature with the exported JWK, here and in an independent JOSE library; revocation is seen"
    )
    func credentials() async throws {
        let f = try await ledgerWithEntries(1)
        let jws = try await f.ledger().credential(entry: 1)
        let jwk = try f.ledger().publicJWK()
        let check = try await f.ledger(Fixture.date(1)).verifyCredential(jws, jwks: jwk)
        #expect(check.problems.isEmpty && check.isValid)
        #expect(
            check.credential.value["credentialSubject"]?["achievement"]?["id"]?.stringValue
                == "urn:kefu:certification:onboarding")
        #expect(
            try await f.ledger(Fixture.date(400)).verifyCredential(jws).problems.contains { $0.contains("expired") })
        _ = try await f.ledger(Fixture.date(2)).revoke(entry: 1, reason: "left the company", by: Fixture.admin)
        #expect(try await f.ledger(Fixture.date(3)).verifyCredential(jws).problems.contains { $0.contains("revoked") })

        // Independent check with joserfc (Python), when available on this machine.
        let jwsFile = f.folder.appendingPathComponent("c.jws")
        let jwkFile = f.folder.appendingPathComponent("k.json")
        try Data(jws.utf8).write(to: jwsFile)
        try Data(jwk.canonicalString.utf8).write(to: jwkFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-W", "ignore", repositoryRoot.appendingPathComponent("scripts/verify_credential.py").path,
            jwsFile.path, jwkFile.path,
        ]
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
        let store = KeyStore(path: f.folder.appendingPathComponent("k.key").path)
        let key = try store.signingKey()
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try store.signingKey().publicKey.rawRepresentation == key.publicKey.rawRepresentation)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: store.path)
        #expect { try store.signingKey() } throws: { ($0 as? ServiceError)?.code == .precondition }
    }

    @Test("people CSV: all or nothing, with line and column in every error")
    func csvImport() async throws {
        let f = try Fixture()
        let good =
            "id,name,team,site,level,hire_date,languages,channels\nE1,王小明,A,上海,specialist,2026-09-01,zh;en,phone;wechat\nE2,\"Smith, Anna\",B,London,,2026-10-01,en,chat\n"
        let people = try PeopleService.parseCSV(good, file: "p.csv")
        #expect(people.map(\.name) == ["王小明", "Smith, Anna"])
        #expect(people[0].channels == [.phone, .wechat])
        let bad =
            "id,name,level,hire_date,channels\nE3,A,specialist,2026-09-01,phone\nE4,B,boss,2026-09-01,phone\nE5,C,specialist,01/09/2026,phone\nE3,D,specialist,2026-09-01,fax\n"
        do {
            _ = try await f.people().importCSV(.bytes(Array(bad.utf8), label: "p.csv"), by: Fixture.admin)
            Issue.record("expected errors")
        } catch let error as ServiceError {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("p.csv:3:6: unknown level `boss`"))
            #expect(error.message.contains("p.csv:4:1: hire_date"))
            #expect(error.message.contains("p.csv:5:28: unknown channel"))
            #expect(error.message.contains("nothing was imported"))
        }
        // A duplicate of an existing person rolls the whole import back.
        _ = try await f.people().add(PersonInput(id: "E2", name: "x", hireDate: "2026-01-01"), by: Fixture.admin)
        await #expect {
            try await f.people().importCSV(.bytes(Array(good.utf8), label: "good.csv"), by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .conflict
        }
        #expect(try await f.people().list().map(\.id) == ["E2"])
        let imported = try await f.people().importCSV(
            .bytes(Array(("\u{FEFF}" + good.replacingOccurrences(of: "\nE2,", with: "\nE7,")).utf8), label: "bom.csv"),
            by: Fixture.admin)
        #expect(imported == PeopleImport(source: "bom.csv", imported: 2))
        await #expect {
            try await f.people().importCSV(.bytes([0xFF, 0xFE, 0x00], label: "gb.csv"), by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.message.hasPrefix("gb.csv:1:1:") == true
        }
    }

    @Test("people add checks level and channels; evidence needs real people and a score in range; show gathers it all")
    func peopleAndEvidence() async throws {
        let f = try Fixture()
        let people = f.people()
        await #expect {
            try await people.add(
                PersonInput(id: "E1", name: "A", level: "boss", hireDate: "2026-01-01"), by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .invalidInput && "\($0)".contains("unknown level `boss`")
        }
        await #expect {
            try await people.add(
                PersonInput(id: "E1", name: "A", hireDate: "2026-01-01", channels: ["fax"]), by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .invalidInput && "\($0)".contains("unknown channel `fax`")
        }
        await #expect {
            try await people.add(PersonInput(id: "E1", name: "A", hireDate: "1/1/2026"), by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .invalidInput
        }
        let added = try await people.add(
            PersonInput(id: "E1", name: "A", level: "expert", hireDate: "2026-01-01", channels: ["phone", "wechat"]),
            by: Fixture.admin)
        #expect(added.level == .expert && added.channels == [.phone, .wechat])
        await #expect {
            try await people.add(PersonInput(id: "E1", name: "B", hireDate: "2026-01-01"), by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .conflict
        }
        await #expect {
            try await people.recordAttempt(
                AttemptInput(
                    person: "E1", kind: .exam, reference: "x", score: 101, result: .pass, reason: "paper exam"),
                by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .invalidInput
        }
        await #expect {
            try await people.recordAttempt(
                AttemptInput(
                    person: "ghost", kind: .exam, reference: "x", score: 80, result: .pass, reason: "paper exam"),
                by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .notFound
        }
        let attempt = try await people.recordAttempt(
            AttemptInput(
                person: "E1", kind: .scenario, reference: "s", score: 79.166666, result: .pass, reason: "paper exam"),
            by: Fixture.admin)
        #expect(attempt == 1)
        await #expect {
            try await people.recordSignOff(
                SignOffInput(person: "E1", mentor: "ghost", certification: "onboarding", reason: "signed on paper"),
                by: Fixture.admin)
        } throws: {
            ($0 as? ServiceError)?.code == .notFound
        }
        let record = try await people.show("E1")
        #expect(record.attempts.map(\.completedAt) == ["2026-11-22T09:00:00.000Z"], "now, from the environment's clock")
        #expect(record.attempts.first?.kind == "scenario" && record.signOffs.isEmpty && record.ledger.isEmpty)
        let json = try OutputJSON.string(record)
        #expect(
            json.contains(#""hire_date":"2026-01-01""#) && json.contains(#""sign_offs":[]"#)
                && json.contains(#""is_active":true"#))
        await #expect { try await people.show("ghost") } throws: { ($0 as? ServiceError)?.code == .notFound }
        try await people.leave("E1", by: Fixture.admin)
        #expect(try await people.show("E1").person.isActive == false)
        await #expect { try await people.leave("ghost", by: Fixture.admin) } throws: {
            ($0 as? ServiceError)?.code == .notFound
        }
    }
}

@Suite("Verification and keys")
struct VerificationKeyTests {
    @Test(
        "verify never creates a key; with the key gone it checks the chain and asks for the public key for checkpoints")
    func verifyWithoutKey() async throws {
        let f = try Fixture()
        try await f.qualifiedHire()
        _ = try await f.ledger().certify(person: "E001", certification: "onboarding", by: Fixture.admin)
        _ = try await f.ledger(Fixture.date(1)).checkpoint(by: Fixture.admin)
        let jwk = try f.ledger().publicJWK()
        let jws = try await f.ledger().credential(entry: 1)
        try FileManager.default.removeItem(atPath: f.keyPath)
        await #expect { try await f.ledger().verify() } throws: {
            ($0 as? ServiceError)?.code == .precondition
                && ($0 as? ServiceError)?.hint?.action == "ledger.verify.public-key"
        }
        #expect(!FileManager.default.fileExists(atPath: f.keyPath))
        #expect(try await f.ledger().verify(jwks: jwk).isValid)
        // verify-credential and public-key without a key source fail clearly and create nothing.
        await #expect { try await f.ledger().verifyCredential(jws) } throws: {
            ($0 as? ServiceError)?.code == .precondition && "\($0)".contains("no signing key")
        }
        #expect { try f.ledger().publicJWK() } throws: { ($0 as? ServiceError)?.hint?.action == "ledger.checkpoint" }
        #expect(try await f.ledger().verifyCredential(jws, jwks: jwk).isValid)
        try f.sql("DELETE FROM checkpoint")
        await #expect { try await f.ledger().verify() } throws: { ($0 as? ServiceError)?.code == .precondition }
        #expect(!FileManager.default.fileExists(atPath: f.keyPath))
    }
}
