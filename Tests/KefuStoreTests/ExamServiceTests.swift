import Foundation
import GRDB
import KefuContent
import KefuCore
import KefuExams
import KefuServices
import KefuStorage
import KefuStore
import Testing

/// A fresh database with the sample team, and the exam service over the shipped content.
struct ExamFixture {
    let base: Fixture
    let environment: KefuEnvironment
    let service: ExamService
    let repository = ContentRepository(root: repositoryRoot)

    init() throws {
        base = try Fixture()
        _ = try seedPeople(base.database, csv: repositoryRoot.appendingPathComponent("Samples/people.csv").path)
        environment = KefuEnvironment(
            configuration: Configuration(root: repositoryRoot.path, database: base.database.path),
            storage: SQLiteStorage(database: base.database),
            clock: .fixed(Fixture.date()))
        service = ExamService(environment: environment)
    }

    /// `person` acting at the terminal, with the roles of their level.
    func who(_ person: String) async throws -> Identity {
        try await environment.operatorIdentity(as: PersonID(person), osUser: "test")
    }

    /// `person` acting, after an administrator fixed the seed of their next attempt of `blueprint`.
    func seeded(_ person: String, _ blueprint: String, _ seed: UInt64) async throws -> Identity {
        try await service.fixSeed(person: PersonID(person), blueprint: BlueprintID(blueprint), seed: seed, by: .system)
        return try await who(person)
    }

    var exams: any ExamStore { get throws { try environment.storage.exams } }

    func answers(_ name: String) throws -> AnswerScript {
        let path = "Samples/exams/\(name).jsonl"
        return try AnswerScript.parse(
            try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8), file: path)
    }

    func count(_ sql: String) throws -> Int { try base.database.read { db in try Int.fetchOne(db, sql: sql) ?? -1 } }

    /// The position of the essay in an attempt's paper.
    func essayPosition(_ run: ExamRun) -> Int? { run.session.paper.items.firstIndex { $0.question.type == .essay } }
}

@Suite("exam service (stored attempts)")
struct ExamServiceTests {
    @Test("model answers pass once the mentor marks the essay; the graded attempt is certification evidence")
    func modelAnswers() async throws {
        let f = try ExamFixture()
        let run = try await f.service.take(
            "onboarding-theory", language: "zh", answers: try f.answers("onboarding-theory.zh.model"),
            by: try await f.seeded("E001", "onboarding-theory", 7))
        #expect(run.record.status == .submitted && run.record.submitReason == .candidate)
        #expect(run.marking?.pending == 1 && run.record.passed == nil)
        #expect(try f.count("SELECT COUNT(*) FROM attempt") == 0, "no evidence while the essay waits")
        let queue = try await f.service.gradingQueue(by: .system)
        #expect(queue.count == 1 && queue[0].attempt.id == run.record.id && queue[0].question.type == .essay)
        let e003 = try await f.who("E003")
        let lead = try await f.who("L001")
        await #expect {
            try await f.service.grade(
                attempt: run.record.id, position: queue[0].position, marks: 4, comment: "", by: e003)
        } throws: { error in
            (error as? ServiceError)?.code == .forbidden
        }
        await #expect {
            try await f.service.grade(
                attempt: run.record.id, position: queue[0].position, marks: 9, comment: "", by: lead)
        } throws: { error in
            (error as? ServiceError)?.code == .invalidInput
        }
        let graded = try await f.service.grade(
            attempt: run.record.id, position: queue[0].position, marks: 4, comment: "要点齐全", by: lead)
        #expect(graded.status == .graded && graded.passed == true)
        #expect(abs(graded.percent.value - 23.0 / 24 * 100) < 0.01)
        #expect(try await f.service.gradingQueue(by: .system).isEmpty)
        let evidence = try f.base.database.read { db in try f.base.database.attempts(of: "E001", db) }
        #expect(
            evidence.count == 1 && evidence[0].kind == "exam" && evidence[0].reference == "onboarding-theory"
                && evidence[0].passed)
        #expect(evidence[0].contentVersion == (try f.repository.blueprint("onboarding-theory").contentHash))
        let results = try await f.service.results(person: "E001", by: .system)
        #expect(results.count == 1 && results[0].grade == graded.percent && !results[0].flaggedForRetraining)
        let json = try OutputJSON.string(results)
        #expect(
            json.contains("\"flagged_for_retraining\":false") && json.contains("\"pass_mark\":")
                && json.contains("\"percent\":95.83"), "\(json)")
    }

    @Test("the same seed draws the same paper for another candidate; the English banks are used in English")
    func seededDraw() async throws {
        let f = try ExamFixture()
        let a = try await f.service.start(
            "onboarding-theory", language: "zh", by: try await f.seeded("E001", "onboarding-theory", 11))
        let b = try await f.service.start(
            "onboarding-theory", language: "zh", by: try await f.seeded("E003", "onboarding-theory", 11))
        #expect(a.session.paper.items.map(\.key) == b.session.paper.items.map(\.key))
        #expect(a.session.paper.items.count == 20 && a.session.paper.maximum == 24)
        let english = try await f.service.start(
            "onboarding-theory", by: try await f.seeded("E002", "onboarding-theory", 11))
        #expect(english.record.language == "en", "E002 speaks English only")
        #expect(
            english.session.paper.items.map(\.question.id) == a.session.paper.items.map(\.question.id),
            "parallel banks draw the same ids")
        #expect(english.session.paper.items[0].question.text != a.session.paper.items[0].question.text)
    }

    @Test("every answer is stored when given: a crash loses nothing and resume continues the same paper")
    func autosaveAndResume() async throws {
        let f = try ExamFixture()
        let t0 = Fixture.date()
        let e001 = try await f.seeded("E001", "onboarding-theory", 5)
        var run = try await f.service.start("onboarding-theory", language: "zh", at: t0, by: e001)
        let paper = run.session.paper
        let key = try f.answers("onboarding-theory.zh.model")
        var given: [Int: Response] = [:]
        for position in 0..<4 {
            let item = paper.items[position]
            guard let entry = key.entries.first(where: { $0.id == item.question.id }), let value = entry.answer else {
                continue
            }
            let response = try AnswerScript.response(value, to: item.question, at: entry.location)
            try await f.service.go(&run, to: position, at: t0.addingTimeInterval(Double(position) * 30), by: e001)
            try await f.service.answer(&run, response, at: t0.addingTimeInterval(Double(position) * 30 + 10), by: e001)
            given[position] = response
        }
        try await f.service.toggleFlag(&run, at: t0.addingTimeInterval(150), by: e001)
        // The process dies here: nothing in memory survives. A new service instance resumes from the database.
        let other = ExamService(
            environment: KefuEnvironment(
                configuration: f.environment.configuration,
                storage: SQLiteStorage(database: try KefuDatabase(path: f.base.database.path))))
        let resumed = try #require(try await other.resume(at: t0.addingTimeInterval(600), by: e001))
        #expect(resumed.record.id == run.record.id && resumed.session.paper == paper)
        for (position, response) in given { #expect(resumed.session.responses[position] == response) }
        #expect(resumed.session.flagged == [3] && resumed.session.position == 3)
        #expect(
            abs((resumed.session.remaining(at: t0.addingTimeInterval(600)) ?? 0) - (40 * 60 - 600)) < 0.01,
            "the deadline is stored: time ran while away")
        #expect(try f.count("SELECT COUNT(*) FROM exam_response WHERE response IS NOT NULL") == given.count)
        // Starting again while an attempt is open is refused.
        await #expect(throws: ServiceError.self) {
            try await f.service.start("onboarding-theory", language: "zh", at: t0.addingTimeInterval(700), by: e001)
        }
    }

    @Test("at the deadline the attempt is submitted automatically, stamped at the deadline, late answers refused")
    func deadline() async throws {
        let f = try ExamFixture()
        let t0 = Fixture.date()
        let e001 = try await f.seeded("E001", "channel-wechat", 2)
        var run = try await f.service.start("channel-wechat", language: "zh", at: t0, by: e001)
        try await f.service.answer(&run, .choices([0]), position: 0, at: t0.addingTimeInterval(60), by: e001)
        let deadline = try #require(run.session.deadline)
        #expect(deadline == t0.addingTimeInterval(20 * 60))
        // Back after the deadline: resume finds the attempt submitted.
        let resumed = try #require(try await f.service.resume(at: deadline.addingTimeInterval(5), by: e001))
        #expect(resumed.session.submitted == .deadline)
        let record = try #require(try await f.exams.attempt(run.record.id))
        #expect(record.status == .graded && record.submitReason == .deadline)
        #expect(record.submittedAt.flatMap { ISO8601DateFormatter.withFraction.date(from: $0) } == deadline)
        // A late answer through a stale in-memory run is refused and cannot change the stored attempt.
        var stale = run
        await #expect {
            try await f.service.answer(
                &stale, .choices([1]), position: 1, at: deadline.addingTimeInterval(10), by: e001)
        } throws: { error in
            (error as? ServiceError)?.code == .conflict
        }
        #expect(try f.count("SELECT COUNT(*) FROM exam_response WHERE response IS NOT NULL") == 1)
        #expect(try await f.service.resume(by: e001) == nil)
    }

    @Test(
        "retake or retrain until passed: two failures flag retraining, a supervisor clears it, unseen questions come first"
    )
    func retraining() async throws {
        let f = try ExamFixture()
        let weak = try f.answers("onboarding-theory.zh.weak")
        let first = try await f.service.take(
            "onboarding-theory", language: "zh", answers: weak, by: try await f.seeded("E003", "onboarding-theory", 1))
        let essay = try #require(f.essayPosition(first))
        let lead = try await f.who("L001")
        let one = try await f.service.grade(attempt: first.record.id, position: essay, marks: 1, comment: "", by: lead)
        #expect(one.passed == false)
        let second = try await f.service.take(
            "onboarding-theory", language: "zh", answers: weak, by: try await f.seeded("E003", "onboarding-theory", 2))
        #expect(
            Set(first.session.paper.items.map(\.key)).intersection(second.session.paper.items.map(\.key)).count <= 2,
            "the second draw avoids the first attempt's questions where the bank allows")
        _ = try await f.service.grade(
            attempt: second.record.id, position: try #require(f.essayPosition(second)), marks: 1, comment: "", by: lead)
        #expect(try await f.exams.openRetrainingFlags().map(\.person) == ["E003"])
        #expect(try await f.service.results(person: "E003", by: .system)[0].flaggedForRetraining)
        let e003 = try await f.who("E003")
        await #expect {
            try await f.service.start("onboarding-theory", language: "zh", by: e003)
        } throws: { error in
            "\(error)".contains("flagged for retraining") && (error as? ServiceError)?.hint?.action == "exam.clear"
        }
        await #expect {
            try await f.service.clearRetraining(person: "E003", blueprint: "onboarding-theory", note: "", by: lead)
        } throws: { error in
            (error as? ServiceError)?.code == .forbidden
        }
        try await f.service.clearRetraining(
            person: "E003", blueprint: "onboarding-theory", note: "重新培训完成", by: try await f.who("S001"))
        let third = try await f.service.take(
            "onboarding-theory", language: "zh", answers: try f.answers("onboarding-theory.zh.model"),
            by: try await f.seeded("E003", "onboarding-theory", 3))
        #expect(third.record.attemptNumber == 3 && third.record.cycle == 1)
    }

    @Test("statistics use first attempts only and flag a key that punishes strong candidates")
    func statistics() async throws {
        let f = try ExamFixture()
        let people = ["E001", "E003", "E004", "M001", "Q001", "Q002"]
        for (n, person) in people.enumerated() {
            let file = n % 2 == 0 ? "onboarding-theory.zh.model" : "onboarding-theory.zh.weak"
            let run = try await f.service.take(
                "onboarding-theory", language: "zh", answers: try f.answers(file),
                by: try await f.seeded(person, "onboarding-theory", 42))
            let grader = "L001"
            _ = try await f.service.grade(
                attempt: run.record.id, position: try #require(f.essayPosition(run)), marks: n % 2 == 0 ? 5 : 1,
                comment: "", by: try await f.who(grader))
        }
        // A second attempt by E003 does not enter the statistics.
        let again = try await f.service.take(
            "onboarding-theory", language: "zh", answers: try f.answers("onboarding-theory.zh.model"),
            by: try await f.seeded("E003", "onboarding-theory", 9))
        _ = try await f.service.grade(
            attempt: again.record.id, position: try #require(f.essayPosition(again)), marks: 5, comment: "",
            by: try await f.who("L001"))
        let statistics = try await f.service.statistics("onboarding-theory", by: .system)
        #expect(statistics.kind == .blueprint)
        let (report, names) = (statistics.report, statistics.names)
        #expect(report.attempts == people.count)
        #expect(report.items.count == 20 && report.slots == 20)
        #expect(
            report.internalConsistency.map { $0 > 50 } == true, "model and weak answers split cleanly: high consistency"
        )
        #expect(names.count >= 20)
        // Items the weak file answers right (every third question) do not separate the groups as the others do.
        let strong = report.items.filter { ($0.discrimination ?? 0) > 90 }
        #expect(!strong.isEmpty)
        let bank = try await f.service.statistics("onboarding", by: .system)
        #expect(bank.kind == .bank && bank.report.items.count == 20 && bank.report.internalConsistency == nil)
        await #expect { try await f.service.statistics("no-such-thing", by: .system) } throws: { error in
            (error as? ServiceError)?.code == .notFound
        }
    }
}

@Suite("question bank import and export")
struct BankServiceTests {
    /// A scratch content root with the clause catalog, so imports never touch the repository.
    func scratch() throws -> (ContentRepository, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-banks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("Policies"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: repositoryRoot.appendingPathComponent("Policies/clauses.yaml"),
            to: root.appendingPathComponent("Policies/clauses.yaml"))
        return (ContentRepository(root: root), root)
    }

    /// The bank service over the content root `root` (no storage).
    func bankService(_ root: URL) -> BankService {
        BankService(
            environment: KefuEnvironment(
                configuration: Configuration(
                    root: root.path, database: root.appendingPathComponent("unused.sqlite").path), storage: nil))
    }

    @Test("every shipped bank: GIFT export then import is the identity, and so is YAML")
    func shippedRoundTrip() async throws {
        let (scratchRepository, root) = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let shipped = bankService(repositoryRoot)
        let (banks, _) = ContentRepository(root: repositoryRoot).banks()
        #expect(banks.count == 6)
        for loaded in banks {
            for format in BankFormat.allCases {
                let text = try shipped.export(BankID(loaded.bank.id), language: loaded.bank.language, format: format)
                let file = root.appendingPathComponent(
                    "\(loaded.bank.id)-\(format.rawValue).\(loaded.bank.language).\(format.rawValue)")
                try Data(text.utf8).write(to: file)
                let result = try bankService(root).importBank(
                    .file(file.path), into: BankID("copy-\(format.rawValue)-\(loaded.bank.id)"),
                    language: loaded.bank.language, by: .system)
                #expect(result.imported == loaded.bank.questions.count)
                let back = try scratchRepository.bank(
                    "copy-\(format.rawValue)-\(loaded.bank.id)", language: loaded.bank.language)
                #expect(back.bank.questions == loaded.bank.questions, "\(loaded.path) via \(format)")
            }
        }
    }

    @Test("imports are all or nothing: an error or a taken id leaves the bank untouched; non-UTF-8 is refused")
    func transactionalImport() async throws {
        let (repository, root) = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let service = bankService(root)
        _ = repository
        let good = root.appendingPathComponent("good.gift")
        try Data("// [id:a] [source:CH-PHONE]\nRings? {#3}\n\n// [id:b]\nTrue? {T}\n".utf8).write(to: good)
        #expect(try service.importBank(.file(good.path), into: "team", language: "zh", by: .system).imported == 2)
        let target = root.appendingPathComponent("QuestionBanks/team.zh.yaml")
        let before = try Data(contentsOf: target)

        let bad = root.appendingPathComponent("bad.gift")
        try Data("// [id:c]\nFine {T}\n\n// [id:d]\nBroken {=yes ~no\n".utf8).write(to: bad)
        #expect { try service.importBank(.file(bad.path), into: "team", language: "zh", by: .system) } throws: {
            error in
            "\(error)".contains("bad.gift:5:8") && "\(error)".contains("not closed")
        }
        #expect(try Data(contentsOf: target) == before)

        #expect { try service.importBank(.file(good.path), into: "team", language: "zh", by: .system) } throws: {
            error in
            "\(error)".contains("already has 2 of these ids") && "\(error)".contains("nothing was imported")
        }
        #expect(try Data(contentsOf: target) == before)
        #expect(
            try service.importBank(.file(good.path), into: "team", language: "zh", replace: true, by: .system).imported
                == 2)

        let latin1 = root.appendingPathComponent("latin1.gift")
        try Data([0x51, 0x3F, 0x7B, 0x3D, 0x6F, 0x6B, 0x7D, 0x0A, 0x0A, 0x53, 0xF6, 0x7B, 0x54, 0x7D]).write(to: latin1)
        #expect { try service.importBank(.file(latin1.path), into: "team", language: "zh", by: .system) } throws: {
            error in
            "\(error)".contains("latin1.gift:3:2") && "\(error)".contains("not valid UTF-8")
        }
        #expect(
            !FileManager.default.fileExists(atPath: root.appendingPathComponent("QuestionBanks/latin1.zh.yaml").path))
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: root.appendingPathComponent("QuestionBanks").path
        ).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test(
        "Moodle's windows-1252 GIFT fixture is refused with where the encoding breaks",
        .enabled(
            if: FileManager.default.fileExists(
                atPath: repositoryRoot.appendingPathComponent("../shared/external/moodle-gift/README.md").path),
            "../shared/external/moodle-gift is absent"))
    func windows1252() async throws {
        let path = repositoryRoot.appendingPathComponent(
            "../shared/external/moodle-gift/tests/fixtures/questions_encoding_windows-1252.gift.txt"
        ).standardizedFileURL.path
        let service = bankService(repositoryRoot)
        #expect { try service.inspect(.file(path)) } throws: { error in
            let text = "\(error)"
            return text.contains("questions_encoding_windows-1252.gift.txt:")
                && text.contains("not valid UTF-8 (byte 0xf6") && text.contains("iconv")
        }
    }

    @Test("inspect prints the documented JSON fields")
    func inspectJSON() async throws {
        let json = try bankService(repositoryRoot).inspectJSON(
            .file(repositoryRoot.appendingPathComponent("QuestionBanks/channel-wechat.zh.gift").path))
        let questions = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(questions.count == 24)
        let tf = try #require(questions.first { $0["id"] as? String == "wx-late-notice" })
        #expect(
            tf["type"] as? String == "truefalse" && tf["correct"] as? Bool == true
                && tf["true_feedback"] as? String == "正确。")
        let numerical = try #require(questions.first { $0["id"] as? String == "wx-reply-seconds" })
        let answers = try #require(numerical["answers"] as? [[String: Any]])
        #expect(
            answers[0]["value"] as? Double == 60 && answers[0]["tolerance"] as? Double == 0
                && answers[0]["fraction"] as? Double == 100)
        let matching = try #require(questions.first { $0["type"] as? String == "matching" })
        #expect((matching["pairs"] as? [[String: Any]])?.count == 3)
        #expect(
            questions.allSatisfy {
                $0["category"] as? String == "channel/wechat" && ($0["source"] as? [String])?.isEmpty == false
            })
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
    @Test("concurrent saves through the actor all land; a refused save (submitted attempt) fails alone")
    func concurrentSaves() async throws {
        let f = try ExamFixture()
        let people = ["E001", "E002", "E003", "E004", "M001", "Q001", "Q002", "Q003"]
        var runs: [ExamRun] = []
        for person in people {
            runs.append(
                try await f.service.start(
                    "channel-phone", language: "zh", by: try await f.seeded(person, "channel-phone", 1)))
        }
        // Submit one attempt first: its saves must be refused without failing anyone else's.
        var closed = runs[0]
        try await f.service.submit(&closed, by: try await f.who(people[0]))
        let batcher = SaveBatcher()
        let store = try f.exams
        let ids = runs.map(\.record.id)
        let refused = await withTaskGroup(of: (ExamAttemptID, StorageError.Code?).self) { group in
            for n in 0..<(ids.count * 12) {
                let attempt = ids[n % ids.count]
                let position = n / ids.count
                group.addTask {
                    do {
                        try await batcher.save(
                            ResponseSave(
                                attempt: attempt, position: position, response: "{\"number\":\(position)}",
                                flagged: false,
                                savedAt: "2026-11-22T09:00:00.000Z", current: position), to: store)
                        return (attempt, nil)
                    } catch {
                        return (attempt, (error as? StorageError)?.code ?? .unavailable)
                    }
                }
            }
            var refused: [(ExamAttemptID, StorageError.Code?)] = []
            for await outcome in group where outcome.1 != nil { refused.append(outcome) }
            return refused
        }
        #expect(refused.count == 12 && refused.allSatisfy { $0.0 == ids[0] && $0.1 == .conflict })
        for id in ids.dropFirst() {
            let stored = try await store.responses(attempt: id)
            #expect(stored.count == 12 && stored.allSatisfy { $0.response == "{\"number\":\($0.position)}" })
        }
        #expect(try await store.responses(attempt: ids[0]).isEmpty)
    }

    @Test("saves on read-only storage fail with the read-only code")
    func readOnly() async throws {
        let f = try ExamFixture()
        let run = try await f.service.start(
            "channel-phone", language: "zh", by: try await f.seeded("E001", "channel-phone", 1))
        let readOnly = try SQLiteStorage(path: f.base.database.path, readOnly: true)
        await #expect {
            try await SaveBatcher().save(
                ResponseSave(
                    attempt: run.record.id, position: 0, response: nil, flagged: true,
                    savedAt: "2026-11-22T09:00:00.000Z", current: 0),
                to: readOnly.exams)
        } throws: { error in (error as? StorageError)?.code == .readOnly }
    }
}

@Suite("exam benchmark (tasks, not threads)")
struct ExamBenchmarkTests {
    @Test("a small saturated run: every candidate's answers are saved and every attempt submitted")
    func smallRun() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kefu-bench-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let content = KefuEnvironment(
            configuration: Configuration(
                root: repositoryRoot.path, database: folder.appendingPathComponent("unused").path), storage: nil)
        let key = try ExamBenchmark.answerKey(for: "channel-wechat", language: "zh", content: content)
        var results: [(String, ExamBenchmark.Result)] = []
        try await ExamBenchmark.runOnScratchDatabase(
            folder.appendingPathComponent("bench.sqlite").path, root: repositoryRoot.path, blueprint: "channel-wechat",
            language: "zh", candidates: 12,
            answers: key, think: 0
        ) { results.append(($0, $1)) }
        #expect(results.count == 1)
        let result = try #require(results.first?.1)
        #expect(result.graded == 12 && result.candidates == 12)
        #expect(
            result.answers >= 12 * 10 && result.saveLatencies.count == result.answers
                && result.startLatencies.count == 12)
    }
}
