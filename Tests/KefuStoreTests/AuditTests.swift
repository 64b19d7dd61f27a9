import Foundation
import GRDB
import KefuCore
import KefuServices
import KefuStorage
import KefuStore
import Testing

/// The audit log: what services record, masking of free text, and verification against tampering.
@Suite("audit log")
struct AuditTests {
    /// A database with the sample team, a graded essay exam and a cleared retraining flag in the log.
    static func recorded() async throws -> ExamFixture {
        let f = try ExamFixture()
        let e001 = try await f.seeded("E001", "onboarding-theory", 7)
        let run = try await f.service.take(
            "onboarding-theory", language: "zh", answers: try f.answers("onboarding-theory.zh.model"), by: e001)
        let essay = try #require(f.essayPosition(run))
        let lead = try await f.who("L001")
        _ = try await f.service.grade(
            attempt: run.record.id, position: essay, marks: 4,
            comment: "客户身份证 110101199003074573 已核实，联系 13812345678", by: lead)
        return f
    }

    func audit(_ f: ExamFixture) -> AuditService { AuditService(environment: f.environment) }

    @Test("services record who did what: seed fixed, exam started, submitted and graded, in order, chained")
    func recordsStateChanges() async throws {
        let f = try await Self.recorded()
        let events = try await audit(f).events(AuditFilter(), by: .system)
        #expect(events.map(\.action) == ["exam.fix-seed", "exam.start", "exam.submit", "exam.grade"])
        let start = try #require(events.first { $0.action == "exam.start" })
        #expect(start.actor == "operator test acting as E001" && start.detail["seed"] == "7")
        #expect(start.detail["seed_source"]?.hasPrefix("fixed by kefu") == true)
        let grade = try #require(events.first { $0.action == "exam.grade" })
        #expect(grade.person == "L001" && grade.actor == "operator test acting as L001")
        for (index, event) in events.enumerated() {
            #expect(event.sequence == index + 1)
            #expect(event.previousHash == (index == 0 ? AuditEvent.genesisHash : events[index - 1].chainHash))
        }
        #expect(try await audit(f).verify().isValid)
        let filtered = try await audit(f).events(AuditFilter(actionPrefix: "exam.grade"), by: .system)
        #expect(filtered.count == 1)
    }

    @Test("free text typed by staff is masked before it reaches the log")
    func masking() async throws {
        let f = try await Self.recorded()
        let grade = try #require(
            try await audit(f).events(AuditFilter(actionPrefix: "exam.grade"), by: .system).first)
        let comment = try #require(grade.detail["comment"])
        #expect(!comment.contains("110101199003074573") && !comment.contains("13812345678"), "\(comment)")
        #expect(comment.contains("4573") && comment.contains("已核实"))
        let raw = try f.base.database.read { db in try String.fetchAll(db, sql: "SELECT body FROM audit_event") }
        #expect(!raw.joined().contains("110101199003074573"))
    }

    @Test("only supervisors, managers and administrators read the log")
    func readers() async throws {
        let f = try await Self.recorded()
        await #expect { try await audit(f).events(AuditFilter(), by: try await f.who("L001")) } throws: {
            ($0 as? ServiceError)?.code == .forbidden
        }
        #expect(try await !audit(f).events(AuditFilter(), by: try await f.who("S001")).isEmpty)
    }

    /// Runs `sql` on the database with the append-only triggers dropped (an attacker with the file).
    static func tamper(_ f: ExamFixture, _ sql: String) throws {
        try f.base.database.pool.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS audit_event_no_update")
            try db.execute(sql: "DROP TRIGGER IF EXISTS audit_event_no_delete")
            try db.execute(sql: sql)
        }
    }

    @Test(
        "tampering is caught at the first bad event",
        arguments: [
            ("edited body", "UPDATE audit_event SET body = replace(body, 'L001', 'M001') WHERE seq = 4", 4),
            ("edited query column", "UPDATE audit_event SET person = 'M001' WHERE seq = 4", 4),
            ("deleted", "DELETE FROM audit_event WHERE seq = 2", 2),
            ("reordered", "UPDATE audit_event SET seq = seq + 100 WHERE seq IN (2, 3)", 2),
            (
                "inserted",
                "INSERT INTO audit_event SELECT seq + 100, at, person, action, subject, body, hash FROM audit_event WHERE seq = 2",
                5
            ),
        ])
    func tampering(_ what: String, _ sql: String, _ first: Int) async throws {
        let f = try await Self.recorded()
        try Self.tamper(f, sql)
        let report = try await audit(f).verify()
        #expect(!report.isValid, "\(what)")
        #expect(report.problem?.sequence == first, "\(what): \(report.problem?.message ?? "")")
    }

    @Test("a kept head catches a truncated tail and a log re-chained with recomputed hashes")
    func keptHead() async throws {
        let f = try await Self.recorded()
        let head = try await audit(f).head()
        #expect(try await audit(f).verify(heads: [head]).isValid)
        // Truncation: the chain alone is still intact.
        try Self.tamper(f, "DELETE FROM audit_event WHERE seq = \(head.size)")
        #expect(try await audit(f).verify().isValid)
        let truncated = try await audit(f).verify(heads: [head])
        #expect(truncated.problem?.message.contains("removed from its end") == true)
        // Re-chain: rewrite event 2 and recompute every later hash, as an attacker without an outside copy could.
        let g = try await Self.recorded()
        let kept = try await audit(g).head()
        let events = try await g.environment.storage.audit.stored()
        var previous = AuditEvent.genesisHash
        try Self.tamper(g, "DELETE FROM audit_event")
        for (index, row) in events.enumerated() {
            var rewritten = try AuditEvent(json: JSONValue.parse(row.body))
            if index == 1 { rewritten.actor = "operator test acting as S001" }
            rewritten.previousHash = previous
            previous = rewritten.chainHash
            let event = rewritten
            try await g.base.database.pool.write { db in
                try db.execute(
                    sql:
                        "INSERT INTO audit_event (seq, at, person, action, subject, body, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [
                        event.sequence, event.at, event.person, event.action, event.subject, event.canonicalString,
                        event.chainHash,
                    ])
            }
        }
        #expect(try await audit(g).verify().isValid, "a re-chained log is consistent in itself")
        let rewritten = try await audit(g).verify(heads: [kept])
        #expect(rewritten.problem?.message.contains("rewritten") == true)
    }

    @Test("a head file round-trips; a malformed one names the file")
    func headFile() throws {
        let head = AuditHead(size: 3, hash: String(repeating: "a", count: 64))
        #expect(try AuditService.decodeHead(AuditService.encode(head), file: "h.json") == head)
        #expect { try AuditService.decodeHead("{\"size\": 3}", file: "h.json") } throws: {
            "\($0)".contains("h.json:1:1")
        }
    }
}

/// The operator model: a database is its owner's alone from its first byte.
@Suite("operator model")
struct OperatorModelTests {
    @Test("a new database, its WAL and its new folder are created readable by the owner only, whatever the umask")
    func privateFiles() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-mode-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let previous = umask(0o022)
        defer { umask(previous) }
        let path = root.appendingPathComponent("site/kefu.sqlite").path
        let database = try KefuDatabase(path: path)
        try database.pool.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        func mode(_ p: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int)
        }
        #expect(try mode(path) == 0o600)
        #expect(try mode(path + "-wal") == 0o600)
        #expect(try mode(root.appendingPathComponent("site").path) == 0o700)
    }
}
