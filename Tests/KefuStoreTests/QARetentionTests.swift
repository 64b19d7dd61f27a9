import Foundation
import GRDB
import KefuCore
import Testing

@testable import KefuServices
@testable import KefuStore

@Suite("QA retention and erasure")
struct QARetentionTests {
    @Test("purge deletes older interactions with their scores, memberships and reviews; the audit log has the count")
    func purge() async throws {
        let f = try QAFixture()
        try await f.load([
            QAFixture.line("old1", month: "2026-10"), QAFixture.line("old2", month: "2026-10"),
            QAFixture.line("new1", month: "2026-11"),
        ])
        try await f.sampling.draw("s", parameters: .init(period: "2026-10", perAgent: 5, seed: 1), by: .system)
        _ = try await f.scoring.score(rubric: "conduct.zh", sample: "s", by: .system)
        let q001 = try await f.actor("Q001")
        _ = try await f.reviewing.submit(
            try await f.reviewing.draft(interaction: "old1", rubric: "conduct.zh", by: q001), decisions: [],
            comment: "", by: q001)
        await expectServiceError(.invalidInput) { _ = try await f.importer.purge(before: "Nov 2026", by: .system) }
        #expect(try await f.importer.purge(before: "2026-11-01", by: .system) == 2)
        #expect(try f.count("qa_interaction") == 1)
        #expect(try f.count("qa_score") == 0)
        #expect(try f.count("qa_sample_member") == 0)
        #expect(try f.count("qa_review") == 0)
        let detail = try f.database.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM audit_event WHERE action = 'qa.purge'")
        }
        #expect(detail?.contains("\"deleted\":\"2\"") == true, "\(detail ?? "none")")
    }

    @Test("erase deletes the interactions matching a term; the audit log holds a hash of the term, not the term")
    func erase() async throws {
        let f = try QAFixture()
        try await f.load([
            QAFixture.line("e1", customer: "订单号202611050123456789 退货"), QAFixture.line("e2"),
        ])
        await expectServiceError(.invalidInput) { _ = try await f.importer.erase(term: "订单", by: .system) }
        #expect(try await f.importer.erase(term: "202611050123456789", by: .system) == 1)
        #expect(try f.count("qa_interaction") == 1)
        try f.database.checkpoint()
        let audit = try f.database.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM audit_event WHERE action = 'qa.erase'") ?? ""
        }
        #expect(!audit.contains("202611050123456789") && audit.contains("term_sha256"))
    }

    @Test("erase by identifier finds a customer's interactions however the number was written; it is never stored")
    func eraseByIdentifier() async throws {
        let f = try QAFixture()
        await expectServiceError(.precondition) {
            _ = try await f.importer.erase(identifier: "13812345678", by: .system)
        }
        try await f.load([
            QAFixture.line("p1", customer: "我的手机 138 1234 5678，快递没到"),
            QAFixture.line("p2", customer: "电话 +86 138-1234-5678"),
            QAFixture.line("p3", customer: "手机①③⑧①②③④⑤⑥⑦⑧"),
            QAFixture.line("p4", customer: "我的手机 13912345678"),
            QAFixture.line("p5", customer: "邮箱 Anna.Smith＠Example.com"),
        ])
        #expect(try f.count("qa_identifier") == 5)
        let stored = try f.database.read { db in
            try String.fetchAll(db, sql: "SELECT turns FROM qa_interaction").joined()
                + String.fetchAll(db, sql: "SELECT digest FROM qa_identifier").joined()
        }
        #expect(!stored.contains("12345678") && !stored.contains("1234-5678"))
        await expectServiceError(.invalidInput) { _ = try await f.importer.erase(identifier: "订单", by: .system) }
        #expect(try await f.importer.erase(identifier: "+86 13812345678", by: .system) == 3)
        #expect(try await f.importer.erase(identifier: "anna.smith@example.com", by: .system) == 1)
        let left = try f.database.read { db in try String.fetchAll(db, sql: "SELECT id FROM qa_interaction") }
        #expect(left == ["p4"])
        #expect(try f.count("qa_identifier") == 1)
        try f.database.checkpoint()
        let audit = try f.database.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM audit_event WHERE action = 'qa.erase'").joined()
        }
        #expect(!audit.contains("13812345678") && !audit.contains("anna") && audit.contains("identifier_sha256"))
    }
}

@Suite("QA scorer cache")
struct ScorerCacheTests {
    @Test("a rubric is compiled once, and again after its file changes")
    func recompiles() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["Rubrics", "Policies"] {
            try FileManager.default.copyItem(
                at: repositoryRoot.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let storage = try SQLiteStorage(path: folder.appendingPathComponent("kefu.sqlite").path)
        let env = KefuEnvironment(
            configuration: Configuration(root: folder.path, database: storage.location), storage: storage)
        let first = try env.qaScorer("conduct.zh")
        let again = try env.qaScorer("conduct.zh")
        #expect(first.rubric.sourceHash == again.rubric.sourceHash)
        let file = folder.appendingPathComponent("Rubrics/conduct.zh.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        text += "\n# edited\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
        let edited = try env.qaScorer("conduct.zh")
        #expect(edited.rubric.sourceHash != first.rubric.sourceHash)
    }
}
