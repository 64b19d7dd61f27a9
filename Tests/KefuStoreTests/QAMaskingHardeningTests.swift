import Foundation
import GRDB
import KefuCore
import KefuQA
import Testing

@testable import KefuServices
@testable import KefuStore

@Suite("Masking: fail closed, staff free text, the labelled test set")
struct QAMaskingHardeningTests {
    @Test("A turn whose masking fails (a custom pattern hitting the PCRE2 limit) is not stored; the import fails")
    func failClosed() async throws {
        let f = try QAFixture()
        let bytes = Array((QAFixture.line("b1", customer: String(repeating: "a", count: 40) + "!") + "\n").utf8)
        do {
            _ = try await f.importer.importInteractions(
                from: .bytes(bytes, label: "x.jsonl"), masking: .init(patterns: ["(a|aa)+$"]), by: .system)
            Issue.record("expected the import to fail")
        } catch let error as ServiceError {
            #expect(error.message.contains("could not be masked"), "\(error.message)")
            #expect(error.message.contains("nothing was imported"))
        }
        #expect(try f.count("qa_interaction") == 0)
        // With --skip-invalid the turn is reported, still not stored.
        let report = try await f.importer.importInteractions(
            from: .bytes(bytes, label: "y.jsonl"), skipInvalid: true, masking: .init(patterns: ["(a|aa)+$"]),
            by: .system)
        #expect(report.imported == 0 && report.invalid.count == 1)
        #expect(try f.count("qa_interaction") == 0)
    }

    @Test("Review comments, dispute reasons and decision comments are masked before they are stored")
    func staffText() async throws {
        let f = try QAFixture()
        try await f.load([QAFixture.line("r2", reply: "你自己不会看吗")])
        try await f.sampling.draw("s", parameters: .init(period: "2026-11", perAgent: 5, seed: 1), by: .system)
        _ = try await f.scoring.score(rubric: "conduct.zh", sample: "s", by: .system)
        let q001 = try await f.actor("Q001")
        let e001 = try await f.actor("E001")
        let l001 = try await f.actor("L001")
        let service = f.reviewing
        let review = try await service.submit(
            try await service.draft(interaction: "r2", rubric: "conduct.zh", by: q001), decisions: [],
            comment: "客户电话 138 1234 5678 已回访", by: q001
        ).id
        let dispute = try await service.openDispute(
            review: review, item: "impatient", reason: "客户本人要求，见邮箱 zhang.wei＠example.com", by: e001)
        _ = try await service.resolveDispute(
            dispute, decision: .reject, comment: "卡号 6222 0212 3456 7898 6 与本案无关", by: l001)
        try f.database.checkpoint()
        let raw = try Data(contentsOf: URL(fileURLWithPath: f.database.path))
        for secret in ["138 1234 5678", "zhang.wei", "6222 0212 3456 7898 6"] {
            #expect(raw.range(of: Data(secret.utf8)) == nil, "\(secret)")
        }
        let reasons = try await service.disputes().map(\.reason)
        #expect(reasons == ["客户本人要求，见邮箱 ***＠example.com"])
        let comment = try f.database.read { db in try String.fetchOne(db, sql: "SELECT comment FROM qa_review") }
        #expect(comment == "客户电话 *** **** 5678 已回访")
    }

    @Test("The masking test set: precision ≥ 0.98 and recall ≥ 0.95 for every kind; a narrower masker fails it")
    func testSet() throws {
        let path = repositoryRoot.appendingPathComponent("Samples/qa/masking.jsonl").path
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let report = try QAImportService.evaluateMasking(data, label: "masking.jsonl")
        #expect(report.overall.found + report.overall.missed >= 250)
        #expect(Set(report.kinds.map(\.kind)).isSuperset(of: ["resident-id", "bank-card", "mobile", "email", "name"]))
        for score in report.kinds {
            #expect(score.precision >= 0.98, "\(score.kind) precision \(score.precision)")
            #expect(score.recall >= 0.95, "\(score.kind) recall \(score.recall)")
        }
        let narrow = try QAImportService.evaluateMasking(
            data, label: "masking.jsonl", masking: .init(kinds: ["mobile"]))
        #expect(narrow.kinds.contains { $0.recall < 0.95 })
    }
}
