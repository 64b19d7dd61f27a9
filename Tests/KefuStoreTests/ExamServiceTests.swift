import Foundation
import GRDB
import Testing
import KefuContent
import KefuCore
import KefuExams
import KefuServices
import KefuStore

/// A fresh database with the sample team, and the exam service over the shipped content.
struct ExamFixture {
    let base: Fixture
    let service: ExamService
    let repository = ContentRepository(root: repositoryRoot)

    init() throws {
        base = try Fixture()
        _ = try PeopleService(database: base.database).importCSV(at: repositoryRoot.appendingPathComponent("Samples/people.csv").path)
        service = ExamService(database: base.database, repository: repository, now: { Fixture.date() })
    }

    func answers(_ name: String) throws -> AnswerScript {
        let path = "Samples/exams/\(name).jsonl"
        return try AnswerScript.parse(try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8), file: path)
    }

    func count(_ sql: String) throws -> Int { try base.database.read { db in try Int.fetchOne(db, sql: sql) ?? -1 } }

    /// The position of the essay in an attempt's paper.
    func essayPosition(_ run: ExamRun) -> Int? { run.session.paper.items.firstIndex { $0.question.type == .essay } }
}

@Suite("exam service (stored attempts)")
struct ExamServiceTests {
    @Test("model answers pass once the mentor marks the essay; the graded attempt is certification evidence")
    func modelAnswers() throws {
        let f = try ExamFixture()
        let run = try f.service.take("onboarding-theory", person: "E001", language: "zh", seed: 7, answers: try f.answers("onboarding-theory.zh.model"))
        #expect(run.record.status == "submitted" && run.record.submitReason == "candidate")
        #expect(run.marking?.pending == 1 && run.record.passed == nil)
        #expect(try f.count("SELECT COUNT(*) FROM attempt") == 0, "no evidence while the essay waits")
        let queue = try f.service.gradingQueue()
        #expect(queue.count == 1 && queue[0].attempt.id == run.record.id && queue[0].question.type == .essay)
        #expect(throws: ServiceError.self) { try f.service.grade(attempt: run.record.id, position: queue[0].position, marks: 4, comment: "", grader: "E003") }
        #expect(throws: ServiceError.self) { try f.service.grade(attempt: run.record.id, position: queue[0].position, marks: 9, comment: "", grader: "M001") }
        let graded = try f.service.grade(attempt: run.record.id, position: queue[0].position, marks: 4, comment: "要点齐全", grader: "M001")
        #expect(graded.status == "graded" && graded.passed == true)
        #expect(abs(graded.percent - 23.0 / 24 * 100) < 0.01)
        #expect(try f.service.gradingQueue().isEmpty)
        let evidence = try f.base.database.read { db in try f.base.database.attempts(of: "E001", db) }
        #expect(evidence.count == 1 && evidence[0].kind == "exam" && evidence[0].reference == "onboarding-theory" && evidence[0].passed)
        #expect(evidence[0].contentVersion == (try f.repository.blueprint("onboarding-theory").contentHash))
        let results = try f.service.results(person: "E001")
        #expect(results.count == 1 && results[0].grade == graded.percent && !results[0].isFlagged)
    }

    @Test("the same seed draws the same paper for another candidate; the English banks are used in English")
    func seededDraw() throws {
        let f = try ExamFixture()
        let a = try f.service.start("onboarding-theory", person: "E001", language: "zh", seed: 11)
        let b = try f.service.start("onboarding-theory", person: "E003", language: "zh", seed: 11)
        #expect(a.session.paper.items.map(\.key) == b.session.paper.items.map(\.key))
        #expect(a.session.paper.items.count == 20 && a.session.paper.maximum == 24)
        let english = try f.service.start("onboarding-theory", person: "E002", seed: 11)
        #expect(english.record.language == "en", "E002 speaks English only")
        #expect(english.session.paper.items.map(\.question.id) == a.session.paper.items.map(\.question.id), "parallel banks draw the same ids")
        #expect(english.session.paper.items[0].question.text != a.session.paper.items[0].question.text)
    }

    @Test("every answer is stored when given: a crash loses nothing and resume continues the same paper")
    func autosaveAndResume() throws {
        let f = try ExamFixture()
        let t0 = Fixture.date()
        var run = try f.service.start("onboarding-theory", person: "E001", language: "zh", seed: 5, at: t0)
        let paper = run.session.paper
        let key = try f.answers("onboarding-theory.zh.model")
        var given: [Int: Response] = [:]
        for position in 0..<4 {
            let item = paper.items[position]
            guard let entry = key.entries.first(where: { $0.id == item.question.id }), let value = entry.answer else { continue }
            let response = try AnswerScript.response(value, to: item.question, at: entry.location)
            try f.service.go(&run, to: position, at: t0.addingTimeInterval(Double(position) * 30))
            try f.service.answer(&run, response, at: t0.addingTimeInterval(Double(position) * 30 + 10))
            given[position] = response
        }
        try f.service.toggleFlag(&run, at: t0.addingTimeInterval(150))
        // The process dies here: nothing in memory survives. A new service instance resumes from the database.
        let other = ExamService(database: try KefuDatabase(path: f.base.database.path), repository: f.repository)
        let resumed = try #require(try other.resume(person: "E001", at: t0.addingTimeInterval(600)))
        #expect(resumed.record.id == run.record.id && resumed.session.paper == paper)
        for (position, response) in given { #expect(resumed.session.responses[position] == response) }
        #expect(resumed.session.flagged == [3] && resumed.session.position == 3)
        #expect(abs((resumed.session.remaining(at: t0.addingTimeInterval(600)) ?? 0) - (40 * 60 - 600)) < 0.01, "the deadline is stored: time ran while away")
        #expect(try f.count("SELECT COUNT(*) FROM exam_response WHERE response IS NOT NULL") == given.count)
        // Starting again while an attempt is open is refused.
        #expect(throws: ServiceError.self) { try f.service.start("onboarding-theory", person: "E001", language: "zh", at: t0.addingTimeInterval(700)) }
    }

    @Test("at the deadline the attempt is submitted automatically, stamped at the deadline, late answers refused")
    func deadline() throws {
        let f = try ExamFixture()
        let t0 = Fixture.date()
        var run = try f.service.start("channel-wechat", person: "E001", language: "zh", seed: 2, at: t0)
        try f.service.answer(&run, .choices([0]), position: 0, at: t0.addingTimeInterval(60))
        let deadline = try #require(run.session.deadline)
        #expect(deadline == t0.addingTimeInterval(20 * 60))
        // Back after the deadline: resume finds the attempt submitted.
        let resumed = try #require(try f.service.resume(person: "E001", at: deadline.addingTimeInterval(5)))
        #expect(resumed.session.submitted == .deadline)
        let record = try #require(try f.base.database.examAttempt(run.record.id))
        #expect(record.status == "graded" && record.submitReason == "deadline")
        #expect(record.submittedAt.flatMap { ISO8601DateFormatter.withFraction.date(from: $0) } == deadline)
        // A late answer through a stale in-memory run is refused and cannot change the stored attempt.
        #expect(throws: (any Error).self) { try f.service.answer(&run, .choices([1]), position: 1, at: deadline.addingTimeInterval(10)) }
        #expect(try f.count("SELECT COUNT(*) FROM exam_response WHERE response IS NOT NULL") == 1)
        #expect(try f.service.resume(person: "E001") == nil)
    }

    @Test("retake or retrain until passed: two failures flag retraining, a supervisor clears it, unseen questions come first")
    func retraining() throws {
        let f = try ExamFixture()
        let weak = try f.answers("onboarding-theory.zh.weak")
        let first = try f.service.take("onboarding-theory", person: "E003", language: "zh", seed: 1, answers: weak)
        let essay = try #require(f.essayPosition(first))
        let one = try f.service.grade(attempt: first.record.id, position: essay, marks: 1, comment: "", grader: "M001")
        #expect(one.passed == false)
        let second = try f.service.take("onboarding-theory", person: "E003", language: "zh", seed: 2, answers: weak)
        #expect(Set(first.session.paper.items.map(\.key)).intersection(second.session.paper.items.map(\.key)).count <= 2,
                "the second draw avoids the first attempt's questions where the bank allows")
        _ = try f.service.grade(attempt: second.record.id, position: try #require(f.essayPosition(second)), marks: 1, comment: "", grader: "M001")
        #expect(try f.base.database.openRetrainingFlags().map(\.person) == ["E003"])
        #expect(try f.service.results(person: "E003")[0].isFlagged)
        #expect {
            try f.service.start("onboarding-theory", person: "E003", language: "zh")
        } throws: { error in
            "\(error)".contains("flagged for retraining")
        }
        #expect(throws: ServiceError.self) { try f.service.clearRetraining(person: "E003", blueprint: "onboarding-theory", supervisor: "L001", note: "") }
        try f.service.clearRetraining(person: "E003", blueprint: "onboarding-theory", supervisor: "S001", note: "重新培训完成")
        let third = try f.service.take("onboarding-theory", person: "E003", language: "zh", seed: 3, answers: try f.answers("onboarding-theory.zh.model"))
        #expect(third.record.attemptNumber == 3 && third.record.cycle == 1)
    }

    @Test("statistics use first attempts only and flag a key that punishes strong candidates")
    func statistics() throws {
        let f = try ExamFixture()
        let people = ["E001", "E003", "E004", "M001", "Q001", "Q002"]
        for (n, person) in people.enumerated() {
            let file = n % 2 == 0 ? "onboarding-theory.zh.model" : "onboarding-theory.zh.weak"
            let run = try f.service.take("onboarding-theory", person: person, language: "zh", seed: 42, answers: try f.answers(file))
            let grader = person == "M001" ? "Q003" : "M001"
            _ = try f.service.grade(attempt: run.record.id, position: try #require(f.essayPosition(run)), marks: n % 2 == 0 ? 5 : 1, comment: "", grader: grader)
        }
        // A second attempt by E003 does not enter the statistics.
        let again = try f.service.take("onboarding-theory", person: "E003", language: "zh", seed: 9, answers: try f.answers("onboarding-theory.zh.model"))
        _ = try f.service.grade(attempt: again.record.id, position: try #require(f.essayPosition(again)), marks: 5, comment: "", grader: "M001")
        let (report, names) = try f.service.statistics(blueprint: "onboarding-theory")
        #expect(report.attempts == people.count)
        #expect(report.items.count == 20 && report.slots == 20)
        #expect(report.internalConsistency.map { $0 > 50 } == true, "model and weak answers split cleanly: high consistency")
        #expect(names.count >= 20)
        // Items the weak file answers right (every third question) do not separate the groups as the others do.
        let strong = report.items.filter { ($0.discrimination ?? 0) > 90 }
        #expect(!strong.isEmpty)
        let bank = try f.service.statistics(bank: "onboarding")
        #expect(bank.report.items.count == 20 && bank.report.internalConsistency == nil)
    }
}

@Suite("question bank import and export")
struct BankServiceTests {
    /// A scratch content root with the clause catalog, so imports never touch the repository.
    func scratch() throws -> (ContentRepository, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-banks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Policies"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Policies/clauses.yaml"), to: root.appendingPathComponent("Policies/clauses.yaml"))
        return (ContentRepository(root: root), root)
    }

    @Test("every shipped bank: GIFT export then import is the identity, and so is YAML")
    func shippedRoundTrip() throws {
        let (scratchRepository, root) = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let shipped = BankService(repository: ContentRepository(root: repositoryRoot))
        let (banks, _) = ContentRepository(root: repositoryRoot).banks()
        #expect(banks.count == 6)
        for loaded in banks {
            for format in ["gift", "yaml"] {
                let text = try shipped.export(loaded.bank.id, language: loaded.bank.language, format: format)
                let file = root.appendingPathComponent("\(loaded.bank.id)-\(format).\(loaded.bank.language).\(format)")
                try Data(text.utf8).write(to: file)
                let result = try BankService(repository: scratchRepository).importFile(file.path, into: "copy-\(format)-\(loaded.bank.id)", language: loaded.bank.language)
                #expect(result.imported == loaded.bank.questions.count)
                let back = try scratchRepository.bank("copy-\(format)-\(loaded.bank.id)", language: loaded.bank.language)
                #expect(back.bank.questions == loaded.bank.questions, "\(loaded.path) via \(format)")
            }
        }
    }

    @Test("imports are all or nothing: an error or a taken id leaves the bank untouched; non-UTF-8 is refused")
    func transactionalImport() throws {
        let (repository, root) = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let service = BankService(repository: repository)
        let good = root.appendingPathComponent("good.gift")
        try Data("// [id:a] [source:CH-PHONE]\nRings? {#3}\n\n// [id:b]\nTrue? {T}\n".utf8).write(to: good)
        #expect(try service.importFile(good.path, into: "team", language: "zh").imported == 2)
        let target = root.appendingPathComponent("QuestionBanks/team.zh.yaml")
        let before = try Data(contentsOf: target)

        let bad = root.appendingPathComponent("bad.gift")
        try Data("// [id:c]\nFine {T}\n\n// [id:d]\nBroken {=yes ~no\n".utf8).write(to: bad)
        #expect { try service.importFile(bad.path, into: "team", language: "zh") } throws: { error in
            "\(error)".contains("bad.gift:5:8") && "\(error)".contains("not closed")
        }
        #expect(try Data(contentsOf: target) == before)

        #expect { try service.importFile(good.path, into: "team", language: "zh") } throws: { error in
            "\(error)".contains("already has 2 of these ids") && "\(error)".contains("nothing was imported")
        }
        #expect(try Data(contentsOf: target) == before)
        #expect(try service.importFile(good.path, into: "team", language: "zh", replace: true).imported == 2)

        let latin1 = root.appendingPathComponent("latin1.gift")
        try Data([0x51, 0x3F, 0x7B, 0x3D, 0x6F, 0x6B, 0x7D, 0x0A, 0x0A, 0x53, 0xF6, 0x7B, 0x54, 0x7D]).write(to: latin1)
        #expect { try service.importFile(latin1.path, into: "team", language: "zh") } throws: { error in
            "\(error)".contains("latin1.gift:3:2") && "\(error)".contains("not valid UTF-8")
        }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("QuestionBanks/latin1.zh.yaml").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("QuestionBanks").path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test("Moodle's windows-1252 GIFT fixture is refused with where the encoding breaks",
          .enabled(if: FileManager.default.fileExists(atPath: repositoryRoot.appendingPathComponent("../shared/external/moodle-gift/README.md").path),
                   "../shared/external/moodle-gift is absent"))
    func windows1252() throws {
        let path = repositoryRoot.appendingPathComponent("../shared/external/moodle-gift/tests/fixtures/questions_encoding_windows-1252.gift.txt").standardizedFileURL.path
        let service = BankService(repository: ContentRepository(root: repositoryRoot))
        #expect { try service.inspect(path) } throws: { error in
            let text = "\(error)"
            return text.contains("questions_encoding_windows-1252.gift.txt:") && text.contains("not valid UTF-8 (byte 0xf6") && text.contains("iconv")
        }
    }

    @Test("inspect prints the documented JSON fields")
    func inspectJSON() throws {
        let json = try BankService(repository: ContentRepository(root: repositoryRoot)).inspectJSON(repositoryRoot.appendingPathComponent("QuestionBanks/channel-wechat.zh.gift").path)
        let questions = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(questions.count == 24)
        let tf = try #require(questions.first { $0["id"] as? String == "wx-late-notice" })
        #expect(tf["type"] as? String == "truefalse" && tf["correct"] as? Bool == true && tf["true_feedback"] as? String == "正确。")
        let numerical = try #require(questions.first { $0["id"] as? String == "wx-reply-seconds" })
        let answers = try #require(numerical["answers"] as? [[String: Any]])
        #expect(answers[0]["value"] as? Double == 60 && answers[0]["tolerance"] as? Double == 0 && answers[0]["fraction"] as? Double == 100)
        let matching = try #require(questions.first { $0["type"] as? String == "matching" })
        #expect((matching["pairs"] as? [[String: Any]])?.count == 3)
        #expect(questions.allSatisfy { $0["category"] as? String == "channel/wechat" && ($0["source"] as? [String])?.isEmpty == false })
    }
}

extension ISO8601DateFormatter {
    /// Parses Kefu's millisecond timestamps.
    static var withFraction: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}

@Suite("group commit of answer saves")
struct SaveBatcherTests {
    @Test("concurrent saves all land; a refused save (submitted attempt) fails alone")
    func concurrentSaves() throws {
        let f = try ExamFixture()
        let people = ["E001", "E002", "E003", "E004", "M001", "Q001", "Q002", "Q003"]
        var runs: [ExamRun] = []
        for person in people { runs.append(try f.service.start("channel-phone", person: person, language: "zh", seed: 1)) }
        // Submit one attempt first: its saves must be refused without failing anyone else's.
        var closed = runs[0]
        try f.service.submit(&closed)
        let batcher = SaveBatcher()
        let database = f.base.database
        let ids = runs.map(\.record.id)
        let failures = NSLock()
        nonisolated(unsafe) var refused: [Int64] = []
        DispatchQueue.concurrentPerform(iterations: ids.count * 12) { n in
            let attempt = ids[n % ids.count]
            let position = n / ids.count
            do {
                try batcher.save(ResponseSave(attempt: attempt, position: position, response: "{\"number\":\(position)}", flagged: false,
                                              savedAt: "2026-11-22T09:00:00.000Z", current: position), on: database)
            } catch {
                failures.withLock { refused.append(attempt) }
            }
        }
        #expect(Set(refused) == [ids[0]] && refused.count == 12)
        for id in ids.dropFirst() {
            let stored = try database.examResponses(attempt: id)
            #expect(stored.count == 12 && stored.allSatisfy { $0.response == "{\"number\":\($0.position)}" })
        }
        #expect(try database.examResponses(attempt: ids[0]).isEmpty)
    }
}
