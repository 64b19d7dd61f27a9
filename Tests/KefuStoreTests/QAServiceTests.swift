import Foundation
import GRDB
import Testing
import KefuContent
import KefuCore
import KefuQA
import KefuRubrics
import KefuStore
@testable import KefuServices

/// A fresh database with the sample team, and helpers to write interaction files.
struct QAFixture {
    let folder: URL
    let database: KefuDatabase
    let importer: QAImportService
    let scorer: Scorer

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-qa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try KefuDatabase(path: folder.appendingPathComponent("kefu.sqlite").path)
        importer = QAImportService(database: database, masker: try Masker())
        scorer = try ScoreService(repository: ContentRepository(root: repositoryRoot)).scorer(rubric: "conduct.zh")
        _ = try PeopleService(database: database).importCSV(at: repositoryRoot.appendingPathComponent("Samples/people.csv").path)
    }

    func file(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func line(_ id: String, agent: String = "E001", month: String = "2026-11", channel: String = "wechat", customer: String = "你好", reply: String = "您好，我是客服小王，很高兴为您服务") -> String {
        #"{"id":"\#(id)","channel":"\#(channel)","agent":"\#(agent)","started_at":"\#(month)-05T10:00:00+08:00","turns":[{"speaker":"customer","text":"\#(customer)","at":0},{"speaker":"agent","text":"\#(reply)","at":20}]}"#
    }

    func count(_ table: String) throws -> Int {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1 }
    }

    /// Imports `lines` as a JSONL file.
    @discardableResult
    func load(_ lines: [String], name: String = "batch.jsonl") throws -> QAImportService.Report {
        try importer.importFile(path: try file(name, lines.joined(separator: "\n") + "\n"), format: .jsonl, batch: name, skipInvalid: false, now: Date())
    }
}

@Suite("QA import")
struct QAImportTests {
    @Test("One bad line rolls the whole import back and names file, line and column; --skip-invalid imports the rest")
    func rollback() throws {
        let f = try QAFixture()
        let lines = [QAFixture.line("a1"), QAFixture.line("a2"), #"{"id":"a3","channel":"wechat","agent":"E001","turns":[{"speaker":"customer" "text":"x"}]}"#, QAFixture.line("a4")]
        let path = try f.file("bad.jsonl", lines.joined(separator: "\n"))
        #expect(throws: ServiceError.self) { try f.importer.importFile(path: path, format: .jsonl, batch: "b", skipInvalid: false, now: Date()) }
        do {
            _ = try f.importer.importFile(path: path, format: .jsonl, batch: "b", skipInvalid: false, now: Date())
        } catch {
            #expect("\(error)".contains("bad.jsonl:3:"))
            #expect("\(error)".contains("nothing was imported"))
        }
        #expect(try f.count("qa_interaction") == 0)
        #expect(try f.count("qa_batch") == 0)
        let report = try f.importer.importFile(path: path, format: .jsonl, batch: "b", skipInvalid: true, now: Date())
        #expect(report.imported == 3)
        #expect(report.invalid.count == 1 && report.invalid[0].hasPrefix("bad.jsonl:3:"))
        #expect(try f.count("qa_interaction") == 3)
    }

    @Test("Duplicates, in the file or already stored, are skipped and reported")
    func duplicates() throws {
        let f = try QAFixture()
        try f.load([QAFixture.line("d1"), QAFixture.line("d2")])
        let report = try f.load([QAFixture.line("d2"), QAFixture.line("d3"), QAFixture.line("d3")], name: "second.jsonl")
        #expect(report.imported == 1)
        #expect(report.duplicates.map(\.id) == ["d2", "d3"])
        #expect(report.duplicates.map(\.reason) == ["already imported", "repeated in the file"])
        #expect(report.duplicates.map(\.line) == [1, 3])
        #expect(try f.count("qa_interaction") == 3)
    }

    @Test("Personal data is masked before storage; order, tracking numbers and amounts survive")
    func masking() throws {
        let f = try QAFixture()
        let customer = "身份证11010519491231002X，卡号6222 0212 3456 7898 6，电话13812345678，订单号202611050123456789，运单SF1234567890123，退款6222021234567890元"
        let report = try f.load([QAFixture.line("m1", customer: customer)])
        #expect(report.masked == 3)
        let stored = try f.database.read { db in try String.fetchOne(db, sql: "SELECT turns FROM qa_interaction") ?? "" }
        for secret in ["11010519491231002X", "6222 0212 3456 7898 6", "13812345678"] { #expect(!stored.contains(secret)) }
        #expect(stored.contains("**************002X"))
        #expect(stored.contains("*******5678"))
        for kept in ["202611050123456789", "SF1234567890123", "6222021234567890元"] { #expect(stored.contains(kept)) }
        // The raw database file holds no trace either (WAL included).
        try f.database.checkpoint()
        let raw = try Data(contentsOf: URL(fileURLWithPath: f.database.path))
        #expect(raw.range(of: Data("11010519491231002X".utf8)) == nil)
    }

    @Test("CSV with one row per turn: rows are grouped into interactions; errors name line and column; non-UTF-8 is refused")
    func csv() throws {
        let f = try QAFixture()
        let good = """
            interaction_id,channel,agent,started_at,speaker,text,at
            c1,phone,E001,2026-11-03T09:00:00+08:00,agent,"您好，我是小王",0
            c1,phone,E001,2026-11-03T09:00:00+08:00,customer,"快递没到，手机13912345678",5
            c2,chat,E003,2026-11-04T09:00:00+08:00,customer,在吗,
            """
        let report = try f.importer.importFile(path: try f.file("t.csv", good), format: .csv, batch: "csv", skipInvalid: false, now: Date())
        #expect(report.imported == 2)
        #expect(report.masked == 1)
        let c1 = try f.database.read { db in try f.database.qaInteraction("c1", db) }
        #expect(c1?.turns.count == 2)
        #expect(c1?.turns[1].text.contains("*******5678") == true)
        let bad = "interaction_id,channel,agent,started_at,speaker,text,at\nc9,phone,E001,,robot,hi,0\n"
        do {
            _ = try f.importer.importFile(path: try f.file("bad.csv", bad), format: .csv, batch: "x", skipInvalid: false, now: Date())
            Issue.record("a bad speaker must fail")
        } catch {
            #expect("\(error)".contains("bad.csv:2:16: speaker must be agent or customer"))
        }
        let gbk = f.folder.appendingPathComponent("gbk.csv")
        try Data([0x69, 0x64, 0x0A, 0xC4, 0xE3, 0xBA, 0xC3, 0x0A]).write(to: gbk)
        #expect(throws: ServiceError.self) { try f.importer.importFile(path: gbk.path, format: .csv, batch: "g", skipInvalid: false, now: Date()) }
        #expect(try f.count("qa_interaction") == 2)
    }

    @Test("The byte-level parser decodes exactly what JSONDecoder decodes (corpora and edge cases) and rejects what it cannot")
    func fastParser() throws {
        var lines: [String] = [
            #"{"id":"e\"1\\","channel":"chat","agent":"a","started_at":null,"turns":[{"speaker":"agent","text":"tab\t nl\n \u00e9 \ud83d\ude00 \/","at":1.5e1}],"extra":{"x":[1,true,null,"s"]}}"#,
            #"  { "turns" : [ ] , "id" : "e2" , "agent" : "b" , "channel" : "phone" }  "#,
            #"{"id":"e3","channel":"wechat","agent":"c","turns":[{"speaker":"customer","text":"x","at":-0.25}]}"#,
        ]
        for name in ["crosswoz_valtest.jsonl", "multiwoz_valtest_detok.jsonl"] {
            // The shared corpora sit next to the repository; a clone elsewhere tests the edge cases only.
            guard let text = try? String(contentsOf: repositoryRoot.appendingPathComponent("../shared/corpora/\(name)"), encoding: .utf8) else { continue }
            lines += text.split(separator: "\n").prefix(300).map(String.init)
        }
        for line in lines {
            let bytes = Array(line.utf8)
            let fast = bytes.withUnsafeBufferPointer { FastInteractionParser.parse($0) }
            let slow = try JSONDecoder().decode(Interaction.self, from: Data(bytes))
            #expect(fast == slow)
        }
        for bad in [#"{"id":"x","channel":"fax","agent":"a","turns":[]}"#, #"{"id":"x","agent":"a","turns":[]}"#, #"{"id":"x","channel":"chat","agent":"a","turns":[]} trailing"#, #"{"id":"x\ud800","channel":"chat","agent":"a","turns":[]}"#] {
            #expect(Array(bad.utf8).withUnsafeBufferPointer { FastInteractionParser.parse($0) } == nil)
        }
    }
}

@Suite("QA sampling and scoring")
struct QASamplingTests {
    func population(_ f: QAFixture) throws {
        var lines: [String] = []
        for i in 0..<12 { lines.append(QAFixture.line("e1-\(i)", agent: "E001", channel: i % 2 == 0 ? "wechat" : "phone")) }
        for i in 0..<2 { lines.append(QAFixture.line("e3-\(i)", agent: "E003")) }
        for i in 0..<5 { lines.append(QAFixture.line("old-\(i)", agent: "E001", month: "2026-10")) }
        try f.load(lines)
    }

    @Test("Samples are reproducible from the seed, per agent, with shortfalls reported")
    func reproducible() throws {
        let a = try QAFixture(), b = try QAFixture()
        try population(a)
        try population(b)
        let p = QASampleService.Parameters(period: "2026-11", perAgent: 4, strata: nil, filters: [:], seed: 42)
        let da = try QASampleService(database: a.database).draw(name: "s", parameters: p, now: Date())
        let db = try QASampleService(database: b.database).draw(name: "s", parameters: p, now: Date())
        #expect(da.members == db.members)
        #expect(da.populationHash == db.populationHash)
        #expect(da.populationSize == 14)
        #expect(da.members.count == 6)
        #expect(da.members.filter { $0.agent == "E001" }.count == 4)
        #expect(da.shortfalls.map { "\($0.agent) \($0.available)/\($0.wanted)" } == ["E003 2/4"])
        var p2 = p
        p2.seed = 43
        let other = try QASampleService(database: a.database).draw(name: "s2", parameters: p2, now: Date())
        #expect(other.members != da.members)
        // Strata: 4 per agent and channel.
        var p3 = p
        p3.strata = "channel"
        let strat = try QASampleService(database: a.database).draw(name: "s3", parameters: p3, now: Date())
        #expect(strat.members.filter { $0.agent == "E001" && $0.stratum == "phone" }.count == 4)
        #expect(strat.members.filter { $0.agent == "E001" && $0.stratum == "wechat" }.count == 4)
        #expect(throws: ServiceError.self) { try QASampleService(database: a.database).draw(name: "s", parameters: p, now: Date()) }
    }

    @Test("--verify re-derives the sample and names what changed: edited transcripts, a grown population")
    func verify() throws {
        let f = try QAFixture()
        try population(f)
        let service = QASampleService(database: f.database)
        try service.draw(name: "nov", parameters: .init(period: "2026-11", perAgent: 3, strata: nil, filters: [:], seed: 9), now: Date())
        #expect(try service.verify(name: "nov").isIdentical)
        try f.database.write { db in try db.execute(sql: "UPDATE qa_interaction SET turns = replace(turns, '你好', '你好呀') WHERE id = 'e1-3'") }
        let edited = try service.verify(name: "nov")
        #expect(!edited.isIdentical)
        #expect(edited.changes.contains { $0.contains("edited after import") && $0.contains("e1-3") })
        try f.database.write { db in try db.execute(sql: "UPDATE qa_interaction SET turns = replace(turns, '你好呀', '你好') WHERE id = 'e1-3'") }
        #expect(try service.verify(name: "nov").isIdentical)
        try f.load([QAFixture.line("e1-new", agent: "E001")], name: "late.jsonl")
        let grown = try service.verify(name: "nov")
        #expect(grown.changes.contains { $0.contains("population changed") && $0.contains("14") && $0.contains("15") })
    }

    @Test("Scores are pinned to the rubric version; a new version adds scores and keeps the old; over-sampling draws failures")
    func pinned() throws {
        let f = try QAFixture()
        try population(f)
        // Half of E001's November interactions are rude, so they fail conduct.zh.
        try f.load((0..<6).map { QAFixture.line("rude-\($0)", agent: "E001", reply: "你自己不会看吗？这不归我管") }, name: "rude.jsonl")
        let scoring = QAScoreService(database: f.database)
        let first = try scoring.score(sample: nil, scorer: f.scorer, now: Date())
        #expect(first.scored == 25)
        #expect(try scoring.score(sample: nil, scorer: f.scorer, now: Date()) == (0, 25))
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("Rubrics/conduct.zh.yaml"), encoding: .utf8)
        let copy = try f.file("conduct.zh.yaml", source + "\n# a new version\n")
        // Rubric paths resolve only inside a content root: the copy's folder is one.
        let newer = try ScoreService(repository: ContentRepository(root: URL(fileURLWithPath: copy).deletingLastPathComponent())).scorer(rubric: "conduct.zh.yaml")
        #expect(newer.rubric.sourceHash != f.scorer.rubric.sourceHash)
        #expect(try scoring.score(sample: nil, scorer: newer, now: Date()).scored == 25)
        #expect(try f.count("qa_score") == 50)
        let failed = try f.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM qa_score WHERE interaction_id LIKE 'rude-%' AND passed = 0 AND rubric_version = ?", arguments: [f.scorer.rubric.sourceHash]) }
        #expect(failed == 6)
        let service = QASampleService(database: f.database)
        let plain = try service.draw(name: "plain", parameters: .init(period: "2026-11", perAgent: 2, strata: nil, filters: ["agent": "E001"], seed: 5), now: Date())
        let over = try service.draw(name: "over", parameters: .init(period: "2026-11", perAgent: 2, strata: nil, filters: ["agent": "E001"], seed: 5, oversampleFailed: 3, rubricVersion: f.scorer.rubric.sourceHash), now: Date())
        #expect(Set(plain.members.map(\.id)).isSubset(of: Set(over.members.map(\.id))))
        let extra = Set(over.members.map(\.id)).subtracting(plain.members.map(\.id))
        #expect(extra.count == 3 && extra.allSatisfy { $0.hasPrefix("rude-") })
        #expect(try service.verify(name: "over").isIdentical)
    }
}

@Suite("QA review, disputes and calibration")
struct QAReviewTests {
    /// Three scored November interactions by E001 in sample "s".
    func scoredSample(_ f: QAFixture) throws {
        try f.load([
            QAFixture.line("r1", reply: "您好，我是客服小王，很高兴为您服务。请问还有其他问题吗？感谢您的耐心，祝您生活愉快"),
            QAFixture.line("r2", reply: "你自己不会看吗"),
            QAFixture.line("r3"),
        ])
        try QASampleService(database: f.database).draw(name: "s", parameters: .init(period: "2026-11", perAgent: 5, strata: nil, filters: [:], seed: 1), now: Date())
        _ = try QAScoreService(database: f.database).score(sample: "s", scorer: f.scorer, now: Date())
    }

    @Test("Overrides need a reason, keep the automatic verdict, recompute the score and are logged; agents cannot review themselves")
    func review() throws {
        let f = try QAFixture()
        try scoredSample(f)
        let service = QAReviewService(database: f.database)
        #expect(try service.queue(sample: "s", reviewer: "Q001", rubricVersion: f.scorer.rubric.sourceHash) == ["r1", "r2", "r3"])
        #expect(throws: ServiceError.self) { try service.draft(interactionID: "r2", reviewer: "E001", scorer: f.scorer) }
        #expect(throws: ServiceError.self) { try service.draft(interactionID: "r2", reviewer: "NOBODY", scorer: f.scorer) }
        let draft = try service.draft(interactionID: "r2", reviewer: "Q001", scorer: f.scorer)
        let impatient = try #require(draft.automatic.items.first { $0.id == "impatient" })
        #expect(impatient.verdict == .fail)
        #expect(throws: ServiceError.self) { try service.submit(draft, decisions: [.init(item: "impatient", verdict: .pass)], comment: "", scorer: f.scorer, now: Date()) }
        let id = try service.submit(draft, decisions: [.init(item: "impatient", verdict: .pass, comment: "customer's own words quoted back")], comment: "", scorer: f.scorer, now: Date())
        let expected = f.scorer.rescore(draft.automatic, verdicts: ["impatient": .pass])
        let stored = try f.database.read { db in try Row.fetchOne(db, sql: "SELECT * FROM qa_review WHERE id = ?", arguments: [id])! }
        #expect((stored["final_score"] as Double) == expected.score)
        #expect((stored["automatic_score"] as Double) == draft.automatic.score)
        #expect(expected.score != draft.automatic.score)
        let item = try f.database.read { db in try Row.fetchOne(db, sql: "SELECT automatic, verdict FROM qa_review_item WHERE review_id = ? AND item_id = 'impatient'", arguments: [id])! }
        #expect((item["automatic"] as String) == "fail" && (item["verdict"] as String) == "pass")
        let log = try service.auditLog()
        #expect(log.map(\.action) == ["item.override", "review.submit"])
        #expect(log[0].actor == "Q001" && log[0].before == "fail" && log[0].after?.hasPrefix("pass") == true)
        #expect(throws: ServiceError.self) { try service.submit(draft, decisions: [], comment: "", scorer: f.scorer, now: Date()) }
        #expect(try service.queue(sample: "s", reviewer: "Q001", rubricVersion: f.scorer.rubric.sourceHash) == ["r1", "r3"])
    }

    @Test("Disputes: only the agent opens, only a team lead or above decides; accept changes the score, reject locks; the log is append-only")
    func disputes() throws {
        let f = try QAFixture()
        try scoredSample(f)
        let service = QAReviewService(database: f.database)
        let review = try service.submit(try service.draft(interactionID: "r2", reviewer: "Q001", scorer: f.scorer), decisions: [], comment: "", scorer: f.scorer, now: Date())
        #expect(throws: ServiceError.self) { try service.openDispute(review: review, item: "impatient", agent: "E003", reason: "not me", now: Date()) }
        #expect(throws: ServiceError.self) { try service.openDispute(review: review, item: "impatient", agent: "E001", reason: " ", now: Date()) }
        let d1 = try service.openDispute(review: review, item: "impatient", agent: "E001", reason: "I was quoting the customer", now: Date())
        #expect(throws: ServiceError.self) { try service.openDispute(review: review, item: "impatient", agent: "E001", reason: "again", now: Date()) }
        #expect(throws: ServiceError.self) { try service.resolveDispute(id: d1, supervisor: "Q001", accept: true, verdict: nil, comment: "ok", scorer: f.scorer, now: Date()) }
        let before = try f.database.read { db in try Double.fetchOne(db, sql: "SELECT final_score FROM qa_review WHERE id = ?", arguments: [review]) }
        let accepted = try service.resolveDispute(id: d1, supervisor: "L001", accept: true, verdict: nil, comment: "context confirms it", scorer: f.scorer, now: Date())
        #expect(accepted.status == "accepted")
        let after = try f.database.read { db in try Double.fetchOne(db, sql: "SELECT final_score FROM qa_review WHERE id = ?", arguments: [review]) }
        #expect(after != before)
        let d2 = try service.openDispute(review: review, item: "closing", agent: "E001", reason: "I closed politely", now: Date())
        #expect(try service.resolveDispute(id: d2, supervisor: "L001", accept: false, verdict: nil, comment: "no closing line", scorer: f.scorer, now: Date()).status == "rejected")
        #expect(throws: ServiceError.self) { try service.openDispute(review: review, item: "closing", agent: "E001", reason: "please", now: Date()) }
        #expect(try service.auditLog(containing: "review \(review)").map(\.action) == ["review.submit", "dispute.open", "dispute.accept", "dispute.open", "dispute.reject"])
        #expect(throws: (any Error).self) { try f.database.write { db in try db.execute(sql: "UPDATE qa_audit SET actor = 'x'") } }
        #expect(throws: (any Error).self) { try f.database.write { db in try db.execute(sql: "DELETE FROM qa_audit") } }
    }

    @Test("Calibration: blind reviews need every item; the report's kappa, agreement and leans match a hand count")
    func calibration() throws {
        let f = try QAFixture()
        try scoredSample(f)
        let calibration = QACalibrationService(database: f.database)
        #expect(throws: ServiceError.self) { try calibration.create(name: "c", sample: "s", scorer: f.scorer, reviewers: ["Q001"], createdBy: "L001", now: Date()) }
        try calibration.create(name: "c", sample: "s", scorer: f.scorer, reviewers: ["Q001", "Q002"], createdBy: "L001", now: Date())
        let service = QAReviewService(database: f.database)
        #expect(throws: ServiceError.self) { try service.draft(interactionID: "r1", reviewer: "Q003", scorer: f.scorer, calibration: "c") }
        let draft = try service.draft(interactionID: "r1", reviewer: "Q001", scorer: f.scorer, calibration: "c")
        #expect(throws: ServiceError.self) { try service.submit(draft, decisions: [.init(item: "greeting", verdict: .pass)], comment: "", scorer: f.scorer, now: Date()) }
        // Q001 agrees with the automatic verdicts everywhere; Q002 fails `closing` on r1 and r3 where the automatic one passes or fails.
        var q1: [String: [String]] = [:], q2: [String: [String]] = [:]
        for id in ["r1", "r2", "r3"] {
            let d1 = try service.draft(interactionID: id, reviewer: "Q001", scorer: f.scorer, calibration: "c")
            let d2 = try service.draft(interactionID: id, reviewer: "Q002", scorer: f.scorer, calibration: "c")
            let v1 = d1.automatic.items.map { QAReviewService.Decision(item: $0.id, verdict: $0.verdict) }
            let v2 = d2.automatic.items.map { QAReviewService.Decision(item: $0.id, verdict: $0.id == "greeting" && id != "r2" ? .fail : $0.verdict) }
            try service.submit(d1, decisions: v1, comment: "", scorer: f.scorer, now: Date())
            try service.submit(d2, decisions: v2, comment: "", scorer: f.scorer, now: Date())
            q1[id] = v1.map(\.verdict.rawValue)
            q2[id] = v2.map(\.verdict.rawValue)
        }
        let report = try calibration.report(name: "c")
        let a = ["r1", "r2", "r3"].flatMap { q1[$0]! }, b = ["r1", "r2", "r3"].flatMap { q2[$0]! }
        #expect(report.units == a.count)
        #expect(abs(report.cohenKappa! - Agreement.cohenKappa(a, b)!) < 1e-12)
        let disagreements = zip(a, b).filter { $0 != $1 }.count
        #expect(disagreements == 2)
        #expect(abs(report.agreement! - Double(a.count - 2) / Double(a.count)) < 1e-9)
        // With two reviewers a disagreement has no consensus; every consensus unit equals the automatic verdict.
        #expect(report.consensusUnits == a.count - 2)
        #expect(report.automaticAgreement == 1)
        let greeting = try #require(report.items.first { $0.item == "greeting" })
        #expect(abs(greeting.agreement! - 1.0 / 3.0) < 1e-9)
        #expect(report.deviations.map(\.lean) == ["balanced", "balanced"])
    }
}

@Suite("QA report")
struct QAReportTests {
    @Test("Quality per agent is the mean final score (human where reviewed) with the earlier period as trend; coverage counts samples and reviews")
    func report() throws {
        let f = try QAFixture()
        try f.load([
            QAFixture.line("n1", agent: "E001", reply: "您好，我是客服小王，很高兴为您服务。请问还有其他问题吗？感谢您的耐心，祝您生活愉快"),
            QAFixture.line("n2", agent: "E001", reply: "你自己不会看吗"),
            QAFixture.line("n3", agent: "E003"),
            QAFixture.line("o1", agent: "E001", month: "2026-10"),
        ])
        _ = try QAScoreService(database: f.database).score(sample: nil, scorer: f.scorer, now: Date())
        try QASampleService(database: f.database).draw(name: "s", parameters: .init(period: "2026-11", perAgent: 1, strata: nil, filters: ["agent": "E001"], seed: 3), now: Date())
        let scores = try f.database.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT interaction_id, score FROM qa_score").map { ($0[0] as String, $0[1] as Double) })
        }
        let review = QAReviewService(database: f.database)
        let sampled = try f.database.read { db in try String.fetchOne(db, sql: "SELECT interaction_id FROM qa_sample_member")! }
        let draft = try review.draft(interactionID: sampled, reviewer: "Q001", scorer: f.scorer)
        let flipped = draft.automatic.items[0]
        try review.submit(draft, decisions: [.init(item: flipped.id, verdict: flipped.verdict == .pass ? .fail : .pass, comment: "checked the recording")], comment: "", scorer: f.scorer, now: Date())
        let human = try f.database.read { db in try Double.fetchOne(db, sql: "SELECT final_score FROM qa_review")! }
        let r = try QAReportService(database: f.database).report(period: "2026-11", rubric: "conduct.zh", by: .agent, trend: 1)
        #expect(r.trendPeriods == ["2026-10"])
        let e001 = try #require(r.lines.first { $0.key == "E001" })
        let other = sampled == "n1" ? "n2" : "n1"
        #expect(abs(e001.score - (human + scores[other]!) / 2) < 1e-9)
        #expect(e001.count == 2 && e001.reviewed == 1)
        #expect(e001.trend == [scores["o1"]])
        #expect(r.lines.first { $0.key == "E003" }?.score == scores["n3"])
        #expect(r.coverage.first { $0.agent == "E001" } == .init(agent: "E001", population: 2, sampled: 1, reviewed: 1))
        #expect(r.failures.contains { $0.item == "impatient" && $0.example.hasPrefix("n2:") })
        #expect(r.comparedItems == draft.automatic.items.count)
        #expect(abs(r.automaticAgreement! - Double(r.comparedItems - 1) / Double(r.comparedItems)) < 1e-9)
        let team = try QAReportService(database: f.database).report(period: "2026-11", rubric: "conduct.zh", by: .team, trend: 0)
        #expect(team.lines.map(\.key) == ["微信一组"])
        #expect(throws: ServiceError.self) { try QAReportService(database: f.database).report(period: "2026-13", rubric: "conduct.zh", by: .agent) }
        #expect(throws: ServiceError.self) { try QAReportService(database: f.database).report(period: "2026-08", rubric: "conduct.zh", by: .agent) }
        #expect(try QAReportService.previousPeriods("2026-01", count: 2) == ["2025-11", "2025-12"])
    }
}
