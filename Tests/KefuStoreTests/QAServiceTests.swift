import Foundation
import GRDB
import KefuContent
import KefuCore
import KefuQA
import KefuRubrics
import KefuStorage
import Testing

@testable import KefuServices
@testable import KefuStore

/// A fresh database with the sample team, and helpers to write interaction files.
struct QAFixture {
    let folder: URL
    let storage: SQLiteStorage
    let env: KefuEnvironment
    let importer: QAImportService
    let scorer: Scorer

    var database: KefuDatabase { storage.database }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-qa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        storage = try SQLiteStorage(path: folder.appendingPathComponent("kefu.sqlite").path)
        env = KefuEnvironment(
            configuration: Configuration(root: repositoryRoot.path, database: storage.location), storage: storage)
        importer = QAImportService(environment: env)
        scorer = try ScoreService(repository: ContentRepository(root: repositoryRoot)).scorer(rubric: "conduct.zh")
        _ = try seedPeople(storage.database, csv: repositoryRoot.appendingPathComponent("Samples/people.csv").path)
    }

    /// The operator acting as `person`; the QA team (Q…) hold the `qa-reviewer` grant, as in the demo.
    func actor(_ person: PersonID) async throws -> Identity {
        if person.rawValue.hasPrefix("Q"), try await !env.operatorIdentity(as: person, osUser: "test").has(.qaReviewer)
        {
            _ = try await AccountService(environment: env).grant(.qaReviewer, to: person, by: .system)
        }
        return try await env.operatorIdentity(as: person, osUser: "test")
    }

    func file(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func line(
        _ id: String, agent: String = "E001", month: String = "2026-11", channel: String = "wechat",
        customer: String = "你好", reply: String = "您好，我是客服小王，很高兴为您服务"
    ) -> String {
        #"{"id":"\#(id)","channel":"\#(channel)","agent":"\#(agent)","started_at":"\#(month)-05T10:00:00+08:00","turns":[{"speaker":"customer","text":"\#(customer)","at":0},{"speaker":"agent","text":"\#(reply)","at":20}]}"#
    }

    func count(_ table: String) throws -> Int {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1 }
    }

    /// Imports `lines` as a JSONL file.
    @discardableResult
    func load(_ lines: [String], name: String = "batch.jsonl") async throws -> QAImportService.Report {
        try await importer.importInteractions(
            from: .file(try file(name, lines.joined(separator: "\n") + "\n")), format: .jsonl, batch: BatchID(name),
            by: .system)
    }

    /// Imports a file, as the tests did before imports took an input source.
    func importFile(
        _ path: String, format: QAImportService.Format, batch: String, skipInvalid: Bool
    ) async throws -> QAImportService.Report {
        try await importer.importInteractions(
            from: .file(path), format: format, batch: BatchID(batch), skipInvalid: skipInvalid, by: .system)
    }

    var sampling: QASampleService { QASampleService(environment: env) }
    var scoring: QAScoreService { QAScoreService(environment: env) }
    var reviewing: QAReviewService { QAReviewService(environment: env) }
    var calibrating: QACalibrationService { QACalibrationService(environment: env) }
    var reporting: QAReportService { QAReportService(environment: env) }
}

/// Expects `body` to throw a ``ServiceError`` with `code`.
func expectServiceError(
    _ code: ServiceError.Code, sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected a \(code) error", sourceLocation: sourceLocation)
    } catch let error as ServiceError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a ServiceError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// The synchronous file import of suites not yet converted to the environment (reviews): same worker,
/// same transaction shape, on the database directly.
extension QAImportService {
    init(database: KefuDatabase, masker: Masker) {
        self.init(
            environment: KefuEnvironment(
                configuration: Configuration(root: repositoryRoot.path, database: database.path),
                storage: SQLiteStorage(database: database)))
    }

    func importFile(path: String, format: Format, batch: String, skipInvalid: Bool, now: Date) throws -> Report {
        guard let storage = try environment.storage as? SQLiteStorage else {
            throw ServiceError(.unavailable, "not SQLite")
        }
        let worker = Worker(masker: try MaskingPolicy().masker())
        return try storage.database.write { db in
            try db.execute(
                sql:
                    "INSERT INTO qa_batch (name, source, imported_at, count) VALUES (?, ?, ?, 0) ON CONFLICT(name) DO NOTHING",
                arguments: [batch, (path as NSString).lastPathComponent, LedgerService.timestamp(now)])
            let sink = try SQLiteQAStore.InteractionSink(db)
            let report = try worker.run(
                source: .file(path), label: (path as NSString).lastPathComponent, format: format, batch: BatchID(batch),
                skipInvalid: skipInvalid, into: sink)
            try db.execute(
                sql: "UPDATE qa_batch SET count = count + ? WHERE name = ?", arguments: [sink.inserted, batch])
            return report
        }
    }
}

@Suite("QA import")
struct QAImportTests {
    @Test(
        "One bad line rolls the whole import back and names file, line and column; skipping invalid lines imports the rest"
    )
    func rollback() async throws {
        let f = try QAFixture()
        let lines = [
            QAFixture.line("a1"), QAFixture.line("a2"),
            #"{"id":"a3","channel":"wechat","agent":"E001","turns":[{"speaker":"customer" "text":"x"}]}"#,
            QAFixture.line("a4"),
        ]
        let path = try f.file("bad.jsonl", lines.joined(separator: "\n"))
        do {
            _ = try await f.importFile(path, format: .jsonl, batch: "b", skipInvalid: false)
            Issue.record("a bad line must fail the import")
        } catch let error as ServiceError {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("bad.jsonl:3:"))
            #expect(error.message.contains("nothing was imported"))
            #expect(!error.message.contains("--"))
            #expect(error.hint?.action == "qa.import.skip-invalid")
        }
        #expect(try f.count("qa_interaction") == 0)
        #expect(try f.count("qa_batch") == 0)
        let report = try await f.importFile(path, format: .jsonl, batch: "b", skipInvalid: true)
        #expect(report.imported == 3)
        #expect(report.invalid.count == 1 && report.invalid[0].hasPrefix("bad.jsonl:3:"))
        #expect(try f.count("qa_interaction") == 3)
    }

    @Test("Duplicates, in the file or already stored, are skipped and reported")
    func duplicates() async throws {
        let f = try QAFixture()
        try await f.load([QAFixture.line("d1"), QAFixture.line("d2")])
        let report = try await f.load(
            [QAFixture.line("d2"), QAFixture.line("d3"), QAFixture.line("d3")], name: "second.jsonl")
        #expect(report.imported == 1)
        #expect(report.duplicates.map(\.id) == ["d2", "d3"])
        #expect(report.duplicates.map(\.reason) == ["already imported", "repeated in the file"])
        #expect(report.duplicates.map(\.line) == [1, 3])
        #expect(try f.count("qa_interaction") == 3)
        let batches = try f.database.read { db in try Int.fetchAll(db, sql: "SELECT count FROM qa_batch ORDER BY name")
        }
        #expect(batches == [2, 1])
    }

    @Test(
        "Personal data is masked before storage; order, tracking numbers and amounts survive; the policy is the service's"
    )
    func masking() async throws {
        let f = try QAFixture()
        let customer =
            "身份证11010519491231002X，卡号6222 0212 3456 7898 6，电话13812345678，订单号202611050123456789，运单SF1234567890123，退款6222021234567890元"
        let report = try await f.load([QAFixture.line("m1", customer: customer)])
        #expect(report.masked == 3)
        let stored = try f.database.read { db in try String.fetchOne(db, sql: "SELECT turns FROM qa_interaction") ?? ""
        }
        for secret in ["11010519491231002X", "6222 0212 3456 7898 6", "13812345678"] {
            #expect(!stored.contains(secret))
        }
        #expect(stored.contains("**************002X"))
        #expect(stored.contains("*******5678"))
        for kept in ["202611050123456789", "SF1234567890123", "6222021234567890元"] { #expect(stored.contains(kept)) }
        // The raw database file holds no trace either (WAL included).
        try f.database.checkpoint()
        let raw = try Data(contentsOf: URL(fileURLWithPath: f.database.path))
        #expect(raw.range(of: Data("11010519491231002X".utf8)) == nil)
        // Only mobiles: the ID-card number stays, the mobile goes.
        let bytes = Array((QAFixture.line("m2", customer: customer) + "\n").utf8)
        let mobiles = try await f.importer.importInteractions(
            from: .bytes(bytes, label: "upload.jsonl"), masking: .init(kinds: ["mobile"]), by: .system)
        #expect(mobiles.masked == 1 && mobiles.batch == "upload.jsonl")
        await expectServiceError(.invalidInput) {
            _ = try await f.importer.importInteractions(
                from: .bytes(bytes, label: "x.jsonl"), masking: .init(kinds: ["shoe-size"]), by: .system)
        }
    }

    @Test(
        "CSV with one row per turn: rows are grouped into interactions; errors name line and column; non-UTF-8 is refused"
    )
    func csv() async throws {
        let f = try QAFixture()
        let good = """
            interaction_id,channel,agent,started_at,speaker,text,at
            c1,phone,E001,2026-11-03T09:00:00+08:00,agent,"您好，我是小王",0
            c1,phone,E001,2026-11-03T09:00:00+08:00,customer,"快递没到，手机13912345678",5
            c2,chat,E003,2026-11-04T09:00:00+08:00,customer,在吗,
            """
        let report = try await f.importFile(try f.file("t.csv", good), format: .csv, batch: "csv", skipInvalid: false)
        #expect(report.imported == 2)
        #expect(report.masked == 1)
        let c1 = try await f.reviewing.interaction("c1", by: .system)
        #expect(c1.turns.count == 2)
        #expect(c1.turns[1].text.contains("*******5678"))
        let bad = "interaction_id,channel,agent,started_at,speaker,text,at\nc9,phone,E001,,robot,hi,0\n"
        do {
            // The format follows the label's extension.
            _ = try await f.importer.importInteractions(from: .file(try f.file("bad.csv", bad)), by: .system)
            Issue.record("a bad speaker must fail")
        } catch {
            #expect("\(error)".contains("bad.csv:2:16: speaker must be agent or customer"))
        }
        let gbk = f.folder.appendingPathComponent("gbk.csv")
        try Data([0x69, 0x64, 0x0A, 0xC4, 0xE3, 0xBA, 0xC3, 0x0A]).write(to: gbk)
        await expectServiceError(.invalidInput) {
            _ = try await f.importFile(gbk.path, format: .csv, batch: "g", skipInvalid: false)
        }
        await expectServiceError(.notFound) {
            _ = try await f.importFile(
                f.folder.appendingPathComponent("missing.csv").path, format: .csv, batch: "m", skipInvalid: false)
        }
        #expect(try f.count("qa_interaction") == 2)
    }

    @Test(
        "The byte-level parser decodes exactly what JSONDecoder decodes (corpora and edge cases) and rejects what it cannot"
    )
    func fastParser() throws {
        var lines: [String] = [
            #"{"id":"e\"1\\","channel":"chat","agent":"a","started_at":null,"turns":[{"speaker":"agent","text":"tab\t nl\n \u00e9 \ud83d\ude00 \/","at":1.5e1}],"extra":{"x":[1,true,null,"s"]}}"#,
            #"  { "turns" : [ ] , "id" : "e2" , "agent" : "b" , "channel" : "phone" }  "#,
            #"{"id":"e3","channel":"wechat","agent":"c","turns":[{"speaker":"customer","text":"x","at":-0.25}]}"#,
        ]
        for name in ["crosswoz_valtest.jsonl", "multiwoz_valtest_detok.jsonl"] {
            // The shared corpora sit next to the repository; a clone elsewhere tests the edge cases only.
            guard
                let text = try? String(
                    contentsOf: repositoryRoot.appendingPathComponent("../shared/corpora/\(name)"), encoding: .utf8)
            else {
                print("skipped: ../shared/corpora/\(name) is not present; parsing the edge cases only")
                continue
            }
            lines += text.split(separator: "\n").prefix(300).map(String.init)
        }
        for line in lines {
            let bytes = Array(line.utf8)
            let outcome = bytes.withUnsafeBufferPointer { FastInteractionParser.parse($0) }
            let slow = try JSONDecoder().decode(Interaction.self, from: Data(bytes))
            if slow.turns.contains(where: { $0.at.flatMap(Turn.problem(at:)) != nil }) {
                // A time out of range (e.g. negative) parses, but is refused with the value's offset.
                guard case .invalid = outcome else {
                    Issue.record("an out-of-range time must be refused: \(line)")
                    continue
                }
            } else {
                #expect(outcome.interaction == slow)
            }
        }
        for bad in [
            #"{"id":"x","channel":"fax","agent":"a","turns":[]}"#, #"{"id":"x","agent":"a","turns":[]}"#,
            #"{"id":"x","channel":"chat","agent":"a","turns":[]} trailing"#,
            #"{"id":"x\ud800","channel":"chat","agent":"a","turns":[]}"#,
        ] {
            #expect(Array(bad.utf8).withUnsafeBufferPointer { FastInteractionParser.parse($0) }.interaction == nil)
        }
    }
}

@Suite("QA sampling and scoring")
struct QASamplingTests {
    func population(_ f: QAFixture) async throws {
        var lines: [String] = []
        for i in 0..<12 {
            lines.append(QAFixture.line("e1-\(i)", agent: "E001", channel: i % 2 == 0 ? "wechat" : "phone"))
        }
        for i in 0..<2 { lines.append(QAFixture.line("e3-\(i)", agent: "E003")) }
        for i in 0..<5 { lines.append(QAFixture.line("old-\(i)", agent: "E001", month: "2026-10")) }
        try await f.load(lines)
    }

    @Test("Samples are reproducible from the seed, per agent, with shortfalls reported")
    func reproducible() async throws {
        let a = try QAFixture()
        let b = try QAFixture()
        try await population(a)
        try await population(b)
        let p = QASampleService.Parameters(period: "2026-11", perAgent: 4, seed: 42)
        let da = try await a.sampling.draw("s", parameters: p, by: .system)
        let db = try await b.sampling.draw("s", parameters: p, by: .system)
        #expect(da.members == db.members)
        #expect(da.populationHash == db.populationHash)
        #expect(da.populationSize == 14)
        #expect(da.members.count == 6)
        #expect(da.members.filter { $0.agent == "E001" }.count == 4)
        #expect(da.shortfalls.map { "\($0.agent) \($0.available)/\($0.wanted)" } == ["E003 2/4"])
        var p2 = p
        p2.seed = 43
        let other = try await a.sampling.draw("s2", parameters: p2, by: .system)
        #expect(other.members != da.members)
        // Strata: 4 per agent and channel.
        var p3 = p
        p3.strata = .channel
        let strat = try await a.sampling.draw("s3", parameters: p3, by: .system)
        #expect(strat.members.filter { $0.agent == "E001" && $0.stratum == "phone" }.count == 4)
        #expect(strat.members.filter { $0.agent == "E001" && $0.stratum == "wechat" }.count == 4)
        do {
            _ = try await a.sampling.draw("s", parameters: p, by: .system)
            Issue.record("a sample name is never reused")
        } catch let error as ServiceError {
            #expect(error.code == .conflict && error.hint?.action == "qa.sample.verify")
        }
        await expectServiceError(.invalidInput) { _ = try QASampleService.Parameters.filters(["team=x"]) }
        await expectServiceError(.invalidInput) {
            _ = try await a.sampling.draw("zero", parameters: .init(period: nil, perAgent: 0, seed: 1), by: .system)
        }
        await expectServiceError(.precondition) {
            _ = try await a.sampling.draw(
                "empty", parameters: .init(period: "2020-01", perAgent: 1, seed: 1), by: .system)
        }
        await expectServiceError(.notFound) { _ = try await a.sampling.verify("nope") }
    }

    @Test("Verifying re-derives the sample and names what changed: edited transcripts, a grown population")
    func verify() async throws {
        let f = try QAFixture()
        try await population(f)
        let service = f.sampling
        try await service.draw("nov", parameters: .init(period: "2026-11", perAgent: 3, seed: 9), by: .system)
        #expect(try await service.verify("nov").isIdentical)
        try f.database.write { db in
            try db.execute(sql: "UPDATE qa_interaction SET turns = replace(turns, '你好', '你好呀') WHERE id = 'e1-3'")
        }
        let edited = try await service.verify("nov")
        #expect(!edited.isIdentical)
        #expect(edited.changes.contains { $0.contains("edited after import") && $0.contains("e1-3") })
        try f.database.write { db in
            try db.execute(sql: "UPDATE qa_interaction SET turns = replace(turns, '你好呀', '你好') WHERE id = 'e1-3'")
        }
        #expect(try await service.verify("nov").isIdentical)
        try await f.load([QAFixture.line("e1-new", agent: "E001")], name: "late.jsonl")
        let grown = try await service.verify("nov")
        #expect(grown.changes.contains { $0.contains("population changed") && $0.contains("14") && $0.contains("15") })
    }

    @Test(
        "Scores are pinned to the rubric version; a new version adds scores and keeps the old; over-sampling draws failures"
    )
    func pinned() async throws {
        let f = try QAFixture()
        try await population(f)
        // Half of E001's November interactions are rude, so they fail conduct.zh.
        try await f.load(
            (0..<6).map { QAFixture.line("rude-\($0)", agent: "E001", reply: "你自己不会看吗？这不归我管") }, name: "rude.jsonl")
        let scoring = f.scoring
        let first = try await scoring.score(rubric: "conduct.zh", by: .system)
        #expect(first.scored == 25 && first.rubricVersion == f.scorer.rubric.sourceHash)
        let again = try await scoring.score(rubric: "conduct.zh", by: .system)
        #expect(again.scored == 0 && again.unchanged == 25)
        let source = try String(
            contentsOf: repositoryRoot.appendingPathComponent("Rubrics/conduct.zh.yaml"), encoding: .utf8)
        let copy = try f.file("conduct.zh.yaml", source + "\n# a new version\n")
        // Rubric paths resolve only inside a content root: the copy's folder is one (its file is named by a relative path).
        let otherRoot = URL(fileURLWithPath: copy).deletingLastPathComponent().path
        let otherEnvironment = KefuEnvironment(
            configuration: Configuration(root: otherRoot, database: f.storage.location), storage: f.storage)
        let newer = try await QAScoreService(environment: otherEnvironment).score(
            rubric: "conduct.zh.yaml", by: .system)
        #expect(newer.rubricVersion != f.scorer.rubric.sourceHash)
        #expect(newer.scored == 25)
        await #expect(throws: ServiceError.self) { try await scoring.score(rubric: copy, by: .system) }
        #expect(try f.count("qa_score") == 50)
        let failed = try f.database.read { db in
            try Int.fetchOne(
                db,
                sql:
                    "SELECT COUNT(*) FROM qa_score WHERE interaction_id LIKE 'rude-%' AND passed = 0 AND rubric_version = ?",
                arguments: [f.scorer.rubric.sourceHash])
        }
        #expect(failed == 6)
        let service = f.sampling
        let plain = try await service.draw(
            "plain", parameters: .init(period: "2026-11", perAgent: 2, filters: [.agent: "E001"], seed: 5), by: .system)
        let over = try await service.draw(
            "over",
            parameters: .init(period: "2026-11", perAgent: 2, filters: [.agent: "E001"], seed: 5, oversampleFailed: 3),
            oversampleRubric: "conduct.zh", by: .system)
        #expect(Set(plain.members.map(\.id)).isSubset(of: Set(over.members.map(\.id))))
        let extra = Set(over.members.map(\.id.rawValue)).subtracting(plain.members.map(\.id.rawValue))
        #expect(extra.count == 3 && extra.allSatisfy { $0.hasPrefix("rude-") })
        #expect(try await service.verify("over").isIdentical)
        await expectServiceError(.notFound) {
            _ = try await scoring.score(rubric: "conduct.zh", sample: "nope", by: .system)
        }
    }
}

@Suite("QA review, disputes and calibration")
struct QAReviewTests {
    /// Three scored November interactions by E001 in sample "s".
    func scoredSample(_ f: QAFixture) async throws {
        try await f.load([
            QAFixture.line("r1", reply: "您好，我是客服小王，很高兴为您服务。请问还有其他问题吗？感谢您的耐心，祝您生活愉快"),
            QAFixture.line("r2", reply: "你自己不会看吗"),
            QAFixture.line("r3"),
        ])
        try await f.sampling.draw("s", parameters: .init(period: "2026-11", perAgent: 5, seed: 1), by: .system)
        _ = try await f.scoring.score(rubric: "conduct.zh", sample: "s", by: .system)
    }

    @Test(
        "Overrides need a reason, keep the automatic verdict, recompute the score and are logged; agents cannot review themselves"
    )
    func review() async throws {
        let f = try QAFixture()
        try await scoredSample(f)
        let service = f.reviewing
        let q001 = try await f.actor("Q001")
        #expect(
            try await service.queue(sample: "s", rubric: "conduct.zh", reviewer: "Q001").interactions == [
                "r1", "r2", "r3",
            ])
        await expectServiceError(.forbidden) {
            _ = try await service.draft(interaction: "r2", rubric: "conduct.zh", by: try await f.actor("E001"))
        }
        await expectServiceError(.notFound) { _ = try await f.actor("NOBODY") }
        await expectServiceError(.notFound) {
            _ = try await service.queue(sample: "none", rubric: "conduct.zh", reviewer: "Q001")
        }
        let draft = try await service.draft(interaction: "r2", rubric: "conduct.zh", by: q001)
        let impatient = try #require(draft.automatic.items.first { $0.id == "impatient" })
        #expect(impatient.verdict == .fail)
        await expectServiceError(.invalidInput) {
            try await service.submit(
                draft, decisions: [.init(item: "impatient", verdict: .pass)], comment: "", by: q001)
        }
        await expectServiceError(.forbidden) {
            try await service.submit(draft, decisions: [], comment: "", by: try await f.actor("Q002"))
        }
        let submitted = try await service.submit(
            draft, decisions: [.init(item: "impatient", verdict: .pass, comment: "customer's own words quoted back")],
            comment: "", by: q001)
        let id = submitted.id
        let expected = f.scorer.rescore(draft.automatic, verdicts: ["impatient": .pass])
        let stored = try f.database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM qa_review WHERE id = ?", arguments: [id.rawValue])!
        }
        #expect((stored["final_score"] as Double) == expected.score)
        #expect(submitted.finalScore.value == expected.score && submitted.overrides == 1)
        #expect((stored["automatic_score"] as Double) == draft.automatic.score)
        #expect(expected.score != draft.automatic.score)
        let item = try f.database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT automatic, verdict FROM qa_review_item WHERE review_id = ? AND item_id = 'impatient'",
                arguments: [id.rawValue])!
        }
        #expect((item["automatic"] as String) == "fail" && (item["verdict"] as String) == "pass")
        let log = try await service.auditLog()
        #expect(log.map(\.action) == ["item.override", "review.submit"])
        #expect(log[0].actor == "Q001" && log[0].before == "fail" && log[0].after?.hasPrefix("pass") == true)
        await expectServiceError(.conflict) { try await service.submit(draft, decisions: [], comment: "", by: q001) }
        #expect(
            try await service.queue(sample: "s", rubric: "conduct.zh", reviewer: "Q001").interactions == ["r1", "r3"])
    }

    @Test(
        "Disputes: only the agent opens, only a team lead or above decides; accept changes the score, reject locks; the log is append-only"
    )
    func disputes() async throws {
        let f = try QAFixture()
        try await scoredSample(f)
        let service = f.reviewing
        let q001 = try await f.actor("Q001")
        let e001 = try await f.actor("E001")
        let l001 = try await f.actor("L001")
        let review = try await service.submit(
            try await service.draft(interaction: "r2", rubric: "conduct.zh", by: q001), decisions: [], comment: "",
            by: q001
        ).id
        await expectServiceError(.forbidden) {
            try await service.openDispute(
                review: review, item: "impatient", reason: "not me", by: try await f.actor("E003"))
        }
        await expectServiceError(.invalidInput) {
            try await service.openDispute(review: review, item: "impatient", reason: " ", by: e001)
        }
        await expectServiceError(.notFound) {
            try await service.openDispute(review: review, item: "no-such-item", reason: "x", by: e001)
        }
        let d1 = try await service.openDispute(
            review: review, item: "impatient", reason: "I was quoting the customer", by: e001)
        await expectServiceError(.conflict) {
            try await service.openDispute(review: review, item: "impatient", reason: "again", by: e001)
        }
        await expectServiceError(.forbidden) {
            _ = try await service.resolveDispute(d1, decision: .accept, comment: "ok", by: q001)
        }
        await expectServiceError(.notFound) {
            _ = try await service.resolveDispute(999, decision: .accept, comment: "ok", by: l001)
        }
        let before = try f.database.read { db in
            try Double.fetchOne(db, sql: "SELECT final_score FROM qa_review WHERE id = ?", arguments: [review.rawValue])
        }
        let accepted = try await service.resolveDispute(d1, decision: .accept, comment: "context confirms it", by: l001)
        #expect(accepted.status == .accepted && accepted.resolver == "L001")
        let after = try f.database.read { db in
            try Double.fetchOne(db, sql: "SELECT final_score FROM qa_review WHERE id = ?", arguments: [review.rawValue])
        }
        #expect(after != before)
        await expectServiceError(.conflict) {
            _ = try await service.resolveDispute(d1, decision: .reject, comment: "again", by: l001)
        }
        let d2 = try await service.openDispute(review: review, item: "closing", reason: "I closed politely", by: e001)
        #expect(
            try await service.resolveDispute(d2, decision: .reject, comment: "no closing line", by: l001).status
                == .rejected)
        await expectServiceError(.conflict) {
            try await service.openDispute(review: review, item: "closing", reason: "please", by: e001)
        }
        #expect(try await service.disputes(status: .open).isEmpty)
        #expect(try await service.disputes().map(\.id) == [d2, d1])
        #expect(
            try await service.auditLog(containing: "review \(review)").map(\.action) == [
                "review.submit", "dispute.open", "dispute.accept", "dispute.open", "dispute.reject",
            ])
        #expect(throws: (any Error).self) {
            try f.database.write { db in try db.execute(sql: "UPDATE qa_audit SET actor = 'x'") }
        }
        #expect(throws: (any Error).self) { try f.database.write { db in try db.execute(sql: "DELETE FROM qa_audit") } }
    }

    @Test("Calibration: blind reviews need every item; the report's kappa, agreement and leans match a hand count")
    func calibration() async throws {
        let f = try QAFixture()
        try await scoredSample(f)
        let calibration = f.calibrating
        let l001 = try await f.actor("L001")
        await expectServiceError(.invalidInput) {
            try await calibration.create("c", sample: "s", rubric: "conduct.zh", reviewers: ["Q001"], by: l001)
        }
        await expectServiceError(.notFound) {
            try await calibration.create(
                "c", sample: "nope", rubric: "conduct.zh", reviewers: ["Q001", "Q002"], by: l001)
        }
        try await calibration.create("c", sample: "s", rubric: "conduct.zh", reviewers: ["Q001", "Q002"], by: l001)
        await expectServiceError(.conflict) {
            try await calibration.create("c", sample: "s", rubric: "conduct.zh", reviewers: ["Q001", "Q002"], by: l001)
        }
        await expectServiceError(.precondition) { _ = try await calibration.report("c") }
        let service = f.reviewing
        let q1 = try await f.actor("Q001")
        let q2 = try await f.actor("Q002")
        await expectServiceError(.forbidden) {
            _ = try await service.draft(
                interaction: "r1", rubric: "conduct.zh", calibration: "c", by: try await f.actor("Q003"))
        }
        let draft = try await service.draft(interaction: "r1", rubric: "conduct.zh", calibration: "c", by: q1)
        await expectServiceError(.invalidInput) {
            try await service.submit(draft, decisions: [.init(item: "greeting", verdict: .pass)], comment: "", by: q1)
        }
        // Q001 agrees with the automatic verdicts everywhere; Q002 fails `greeting` on r1 and r3.
        func human(_ v: Verdict) -> HumanVerdict { HumanVerdict(rawValue: v.rawValue) ?? .na }
        var v1s: [String: [String]] = [:]
        var v2s: [String: [String]] = [:]
        for id in ["r1", "r2", "r3"] {
            let d1 = try await service.draft(
                interaction: InteractionID(id), rubric: "conduct.zh", calibration: "c", by: q1)
            let d2 = try await service.draft(
                interaction: InteractionID(id), rubric: "conduct.zh", calibration: "c", by: q2)
            let v1 = d1.automatic.items.map { QAReviewService.Decision(item: $0.id, verdict: human($0.verdict)) }
            let v2 = d2.automatic.items.map {
                QAReviewService.Decision(
                    item: $0.id, verdict: $0.id == "greeting" && id != "r2" ? .fail : human($0.verdict))
            }
            try await service.submit(d1, decisions: v1, comment: "", by: q1)
            try await service.submit(d2, decisions: v2, comment: "", by: q2)
            v1s[id] = v1.map(\.verdict.rawValue)
            v2s[id] = v2.map(\.verdict.rawValue)
        }
        let report = try await calibration.report("c")
        let a = ["r1", "r2", "r3"].flatMap { v1s[$0]! }
        let b = ["r1", "r2", "r3"].flatMap { v2s[$0]! }
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
        #expect(report.deviations.map(\.lean) == [.balanced, .balanced])
        // Calibration reviews cannot be disputed.
        let reviewID = try f.database.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM qa_review WHERE calibration = 'c' LIMIT 1")!
        }
        await expectServiceError(.precondition) {
            try await service.openDispute(
                review: ReviewID(reviewID), item: "greeting", reason: "x", by: try await f.actor("E001"))
        }
    }
}

@Suite("QA report")
struct QAReportTests {
    @Test(
        "Quality per agent is the mean final score (human where reviewed) with the earlier period as trend; coverage counts samples and reviews"
    )
    func report() async throws {
        let f = try QAFixture()
        try await f.load([
            QAFixture.line("n1", agent: "E001", reply: "您好，我是客服小王，很高兴为您服务。请问还有其他问题吗？感谢您的耐心，祝您生活愉快"),
            QAFixture.line("n2", agent: "E001", reply: "你自己不会看吗"),
            QAFixture.line("n3", agent: "E003"),
            QAFixture.line("o1", agent: "E001", month: "2026-10"),
        ])
        _ = try await f.scoring.score(rubric: "conduct.zh", by: .system)
        try await f.sampling.draw(
            "s", parameters: .init(period: "2026-11", perAgent: 1, filters: [.agent: "E001"], seed: 3), by: .system)
        let scores = try f.database.read { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT interaction_id, score FROM qa_score").map {
                    ($0[0] as String, $0[1] as Double)
                })
        }
        let review = f.reviewing
        let q001 = try await f.actor("Q001")
        let sampled = try f.database.read { db in
            try String.fetchOne(db, sql: "SELECT interaction_id FROM qa_sample_member")!
        }
        let draft = try await review.draft(interaction: InteractionID(sampled), rubric: "conduct.zh", by: q001)
        let flipped = draft.automatic.items[0]
        try await review.submit(
            draft,
            decisions: [
                .init(
                    item: flipped.id, verdict: flipped.verdict == .pass ? .fail : .pass,
                    comment: "checked the recording")
            ], comment: "", by: q001)
        let human = try f.database.read { db in try Double.fetchOne(db, sql: "SELECT final_score FROM qa_review")! }
        let r = try await f.reporting.report(
            period: "2026-11", rubric: "conduct.zh", by: .agent, trend: 1, actor: .system)
        #expect(r.trendPeriods == ["2026-10"])
        let e001 = try #require(r.lines.first { $0.key == "E001" })
        let other = sampled == "n1" ? "n2" : "n1"
        #expect(abs(e001.score.value - (human + scores[other]!) / 2) < 1e-9)
        #expect(e001.count == 2 && e001.reviewed == 1)
        #expect(e001.trend == [scores["o1"].map { Figure($0) }])
        #expect(r.lines.first { $0.key == "E003" }?.score.value == scores["n3"])
        #expect(r.coverage.first { $0.agent == "E001" } == .init(agent: "E001", population: 2, sampled: 1, reviewed: 1))
        #expect(r.failures.contains { $0.item == "impatient" && $0.example.hasPrefix("n2:") })
        #expect(r.automaticVsHuman.items == draft.automatic.items.count)
        #expect(
            abs(r.automaticVsHuman.agreement! - Double(r.automaticVsHuman.items - 1) / Double(r.automaticVsHuman.items))
                < 1e-9)
        // Per item: the overridden item comes first with 0 % kept; every other item was kept.
        let byItem = r.automaticVsHuman.byItem
        #expect(byItem.count == draft.automatic.items.count)
        #expect(byItem.first?.item == flipped.id && byItem.first?.overridden == 1 && byItem.first?.agreement == 0)
        #expect(byItem.dropFirst().allSatisfy { $0.overridden == 0 && $0.agreement == 1 && $0.compared == 1 })
        // The same review as labels for the rubric: one interaction, the flipped item is the only disagreement.
        let evaluation = try await RubricEvalService(environment: f.env).evaluate(rubric: "conduct.zh", reviewsOf: "s")
        #expect(evaluation.interactions == 1 && evaluation.labellers == ["Q001"])
        #expect(evaluation.disagreements.map(\.item) == [flipped.id])
        #expect(evaluation.disagreements.first?.interaction == sampled)
        await expectServiceError(.notFound) {
            _ = try await RubricEvalService(environment: f.env).evaluate(rubric: "conduct.zh", reviewsOf: "nope")
        }
        let team = try await f.reporting.report(
            period: "2026-11", rubric: "conduct.zh", by: .team, trend: 0, actor: .system)
        #expect(team.lines.map(\.key) == ["微信一组"])
        let items = try await f.reporting.report(
            period: "2026-11", rubric: "conduct.zh", by: .rubricItem, trend: 0, actor: .system)
        #expect(items.lines.contains { $0.key == "impatient" && $0.count == 3 })
        await expectServiceError(.invalidInput) {
            _ = try await f.reporting.report(period: "2026-13", rubric: "conduct.zh", by: .agent, actor: .system)
        }
        await expectServiceError(.precondition) {
            _ = try await f.reporting.report(period: "2026-08", rubric: "conduct.zh", by: .agent, actor: .system)
        }
        #expect(try QAReportService.previousPeriods("2026-01", count: 2) == ["2025-11", "2025-12"])
        // Output JSON: snake_case keys, figures rounded to two decimals.
        let json = try OutputJSON.string(r)
        #expect(
            json.contains("\"trend_periods\":[\"2026-10\"]") && json.contains("\"automatic_vs_human\"")
                && json.contains("\"pass_rate\""))
        #expect(!json.contains("passRate"))
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let firstScore = ((decoded?["lines"] as? [[String: Any]])?.first?["score"] as? NSNumber)?.doubleValue
        #expect(firstScore.map { ($0 * 100).rounded() == $0 * 100 } == true)
    }
}
