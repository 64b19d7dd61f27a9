import Foundation
import KefuExams
import KefuServices
import KefuStore
import Testing

/// `kefu exam` and `kefu bank` through the binary, including a process killed in the middle of an exam.
@Suite("kefu exam command line", .serialized)
struct ExamCLITests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-exam-cli-\(UUID().uuidString)")
    var dbPath: String { folder.appendingPathComponent("k.sqlite").path }
    var db: [String] { ["--db", dbPath] }

    func kefu(_ args: [String], stdin: String? = nil) throws -> KefuProcess.Result {
        try KefuProcess.run(args + db, stdin: stdin)
    }

    func prepare() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        #expect(try kefu(["people", "import", "Samples/people.csv"]).status == 0)
    }

    @Test("answers file: waits for the essay (exit 1), the mentor's mark grades it, results and review show it")
    func answersFile() throws {
        try prepare()
        defer { try? FileManager.default.removeItem(at: folder) }
        let chosen = try kefu([
            "exam", "take", "onboarding-theory", "--as", "E001", "--lang", "zh", "--seed", "7",
            "--answers", "Samples/exams/onboarding-theory.zh.model.jsonl",
        ])
        #expect(chosen.status == 2 && chosen.stderr.contains("candidates do not choose their paper"))
        #expect(chosen.stderr.contains("kefu exam fix-seed E001 onboarding-theory"), "\(chosen.stderr)")
        let denied = try kefu(["exam", "fix-seed", "E001", "onboarding-theory", "7", "--as", "S001"])
        #expect(denied.status == 2 && denied.stderr.contains("may not fix exam seeds"), "\(denied.stderr)")
        #expect(try kefu(["exam", "fix-seed", "E001", "onboarding-theory", "7"]).status == 0)
        let take = try kefu([
            "exam", "take", "onboarding-theory", "--as", "E001", "--lang", "zh",
            "--answers", "Samples/exams/onboarding-theory.zh.model.jsonl", "--format", "json",
        ])
        #expect(take.status == 1, "\(take.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(take.stdout.utf8)) as? [String: Any])
        #expect(json["status"] as? String == "submitted" && json["attempt"] as? Int == 1)
        let items = try #require(json["items"] as? [[String: Any]])
        let essay = try #require(
            items.first { ($0["grade"] as? [String: Any])?["state"] as? String == "needs-grading" })
        let position = try #require(essay["position"] as? Int)
        let queue = try kefu(["exam", "queue"])
        #expect(queue.stdout.contains("attempt #1 question \(position + 1) · E001"))
        let own = try kefu(["exam", "grade", "1", String(position + 1), "5", "--as", "E001"])
        #expect(own.status == 2 && own.stderr.contains("their own work"), "\(own.stderr)")
        let notMentor = try kefu(["exam", "grade", "1", String(position + 1), "5", "--as", "M001"])
        #expect(notMentor.status == 2 && notMentor.stderr.contains("current mentor"), "\(notMentor.stderr)")
        let ownReview = try kefu(["exam", "review", "1", "--full", "--as", "E001"])
        #expect(ownReview.status == 2 && ownReview.stderr.contains("without the full answer key"))
        let strangerReview = try kefu(["exam", "review", "1", "--as", "E003"])
        #expect(strangerReview.status == 2 && strangerReview.stderr.contains("no exam attempt 1"))
        let grade = try kefu(["exam", "grade", "1", String(position + 1), "5", "--as", "L001", "--comment", "要点齐全"])
        #expect(grade.status == 0 && grade.stdout.contains("graded: 100 pass"), "\(grade.stdout)\(grade.stderr)")
        let results = try kefu(["exam", "results", "E001"])
        #expect(results.stdout.contains("onboarding-theory: 100 (highest") && results.stdout.contains("evidence"))
        let review = try kefu(["exam", "review", "1", "--full"])
        #expect(review.stdout.contains("PASS") && review.stdout.contains("right answer:"))
        let weak = try kefu(
            ["exam", "take", "channel-wechat", "--as", "E003", "--answers", "-"],
            stdin: "{\"id\": \"wx-reply-seconds\", \"answer\": 30}\n")
        #expect(weak.status == 1 && weak.stdout.contains("FAIL"))
        let retake = try kefu(["exam", "take", "channel-wechat", "--as", "E003", "--answers", "-"], stdin: "\n")
        #expect(
            retake.status == 2 && retake.stderr.contains("delay between attempts") && retake.stderr.contains("opens at")
        )
        let bad = try kefu(
            ["exam", "take", "channel-wechat", "--as", "E004", "--answers", "-"],
            stdin: "{\"id\": \"wx-reply-seconds\", \"answer\": 30}\n{\"id\": \"x\", \"colour\": 1}\n")
        #expect(bad.status == 2 && bad.stderr.contains("stdin:2:") && bad.stderr.contains("unknown key `colour`"))
        let stats = try kefu(["exam", "stats", "onboarding-theory", "--format", "csv"])
        #expect(
            stats.status == 0 && stats.stdout.hasPrefix("key,name,attempts,facility")
                && stats.stdout.split(separator: "\n").count == 21)
    }

    /// What a candidate types for `response` to `item` in the terminal.
    func typed(_ response: Response, _ item: PaperItem) -> String {
        func letter(_ index: Int) -> String {
            String(UnicodeScalar(UInt8(65 + item.choiceOrder.firstIndex(of: index)!)))
        }
        switch response {
        case .choices(let chosen): return chosen.map(letter).joined()
        case .truth(let value): return value ? "t" : "f"
        case .number(let value): return String(value)
        case .text(let text): return text
        case .matches(let chosen):
            let choices = item.question.matchingChoices
            return chosen.map { letter(choices.firstIndex(of: $0!)!) }.joined()
        }
    }

    @Test("a process killed mid-exam loses no given answer; resume continues the same paper and deadline")
    func killedMidExam() throws {
        try prepare()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try kefu(["exam", "fix-seed", "E001", "onboarding-theory", "3"]).status == 0)
        let (process, input, output) = try KefuProcess.start(
            ["exam", "take", "onboarding-theory", "--as", "E001", "--lang", "zh"] + db)
        let database = try KefuDatabase(path: dbPath)
        var attempts = try database.examAttempts(person: "E001")
        for _ in 0..<100 where attempts.isEmpty {
            Thread.sleep(forTimeInterval: 0.1)
            attempts = try database.examAttempts(person: "E001")
        }
        let record = try #require(attempts.first)
        let paper = try JSONDecoder().decode(Paper.self, from: Data(record.paper.utf8))
        let keyText = try String(
            contentsOf: KefuProcess.root.appendingPathComponent("Samples/exams/onboarding-theory.zh.model.jsonl"),
            encoding: .utf8)
        let key = try AnswerScript.parse(keyText, file: "key")
        var expected: [Int: Response] = [:]
        for position in 0..<3 {
            let item = paper.items[position]
            let entry = try #require(key.entries.first { $0.id == item.question.id })
            let response = try AnswerScript.response(try #require(entry.answer), to: item.question, at: entry.location)
            expected[position] = response
            input.fileHandleForWriting.write(Data((typed(response, item) + "\n").utf8))
        }
        // Wait until the third answer is in the database, then kill the process without warning.
        var saved = 0
        for _ in 0..<100 where saved < 3 {
            Thread.sleep(forTimeInterval: 0.1)
            saved = try database.examResponses(attempt: record.id).filter { $0.response != nil }.count
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let stored = try database.examResponses(attempt: record.id)
        #expect(stored.count == 3)
        for response in stored {
            let decoded = try JSONDecoder().decode(Response.self, from: Data(try #require(response.response).utf8))
            #expect(decoded == expected[response.position])
        }
        #expect(try database.examAttempts(person: "E001").first { $0.id == record.id }?.status == .inProgress)
        // A new take is refused while the attempt is open; resume finishes it with the same paper.
        let again = try kefu(["exam", "take", "onboarding-theory", "--as", "E001", "--lang", "zh"], stdin: "")
        #expect(again.status == 2 && again.stderr.contains("kefu exam resume"))
        let resumed = try kefu([
            "exam", "resume", "--as", "E001", "--answers", "Samples/exams/onboarding-theory.zh.model.jsonl",
        ])
        #expect(
            resumed.stdout.contains("attempt #\(record.id) of onboarding-theory"), "\(resumed.stdout)\(resumed.stderr)")
        let finished = try #require(try database.examAttempts(person: "E001").first { $0.id == record.id })
        #expect(finished.status == .submitted && finished.paper == record.paper && finished.deadline == record.deadline)
        #expect(try database.examAttempts(person: "E001").count == 1)
    }

    @Test("--answers -: each line from the pipe is saved as it arrives; a killed process keeps them all")
    func answersStreamedFromPipe() throws {
        try prepare()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try kefu(["exam", "fix-seed", "E001", "onboarding-theory", "7"]).status == 0)
        let (process, input, _) = try KefuProcess.start(
            ["exam", "take", "onboarding-theory", "--as", "E001", "--lang", "zh", "--answers", "-"] + db)
        let database = try KefuDatabase(path: dbPath)
        var attempts = try database.examAttempts(person: "E001")
        for _ in 0..<100 where attempts.isEmpty {
            Thread.sleep(forTimeInterval: 0.1)
            attempts = try database.examAttempts(person: "E001")
        }
        let record = try #require(attempts.first)
        let paper = try JSONDecoder().decode(Paper.self, from: Data(record.paper.utf8))
        let keyText = try String(
            contentsOf: KefuProcess.root.appendingPathComponent("Samples/exams/onboarding-theory.zh.model.jsonl"),
            encoding: .utf8)
        let key = try AnswerScript.parse(keyText, file: "key")
        let lines = keyText.split(separator: "\n", omittingEmptySubsequences: false)
        var expected: [Int: Response] = [:]
        for position in 0..<3 {
            let item = paper.items[position]
            let entry = try #require(key.entries.first { $0.id == item.question.id })
            expected[position] = try AnswerScript.response(
                try #require(entry.answer), to: item.question, at: entry.location)
            input.fileHandleForWriting.write(Data((lines[entry.location.line - 1] + "\n").utf8))
        }
        // The pipe stays open: the answers must be in the database before stdin ends.
        var saved = 0
        for _ in 0..<100 where saved < 3 {
            Thread.sleep(forTimeInterval: 0.1)
            saved = try database.examResponses(attempt: record.id).filter { $0.response != nil }.count
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let stored = try database.examResponses(attempt: record.id).filter { $0.response != nil }
        #expect(stored.count == 3)
        for response in stored {
            let decoded = try JSONDecoder().decode(Response.self, from: Data(try #require(response.response).utf8))
            #expect(decoded == expected[response.position])
        }
        #expect(try database.examAttempts(person: "E001").first { $0.id == record.id }?.status == .inProgress)
    }

    @Test("the terminal: navigation, flags, a refused answer, leaving and resuming")
    func terminal() throws {
        try prepare()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try kefu(["exam", "fix-seed", "E002", "channel-phone", "4"]).status == 0)
        let first = try kefu(
            ["exam", "take", "channel-phone", "--as", "E002"],
            stdin: "/f\n/n\n/p\nzzz-not-an-answer\n/l\n/q\n")
        #expect(first.status == 1, "\(first.stderr)")
        #expect(
            first.stdout.contains("[1/12 ⚑") && first.stdout.contains("[2/12")
                && first.stdout.contains("left: every answer is saved"))
        #expect(first.stdout.contains("Phone channel exam"), "E002 speaks English")
        let attempts = try KefuDatabase(path: dbPath).examAttempts(person: "E002")
        #expect(attempts.count == 1 && attempts[0].language == "en")
        let flags = try KefuDatabase(path: dbPath).examResponses(attempt: attempts[0].id)
        #expect(flags.count == 1 && flags[0].flagged && flags[0].response == nil)
        let submit = try kefu(["exam", "resume", "--as", "E002"], stdin: "/s\ny\n")
        #expect(submit.status == 1 && submit.stdout.contains("12 unanswered") && submit.stdout.contains("FAIL"))
    }

    @Test("read-only commands never create a database; JSON output has snake_case keys and rounded figures")
    func readOnlyAndJSON() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for command in [
            ["exam", "results", "E001"], ["exam", "queue"], ["exam", "review", "1"],
            ["exam", "stats", "onboarding-theory"],
            ["transcript", "list"], ["transcript", "show", "1"],
        ] {
            let result = try kefu(command)
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dbPath), "\(command) created the database")
            #expect(!FileManager.default.fileExists(atPath: dbPath + ".key"), "\(command) created a key")
        }
        #expect(try kefu(["exam", "results", "E001", "--format", "yaml"]).status == 64)
        #expect(
            try kefu(["play", "p2p-withdrawal-delay", "--as", "E001", "--mode", "quiz", "--replies", "-"], stdin: "")
                .status == 64)
        #expect(!FileManager.default.fileExists(atPath: dbPath))
        #expect(try kefu(["people", "import", "Samples/people.csv"]).status == 0)
        let take = try kefu(
            ["exam", "take", "channel-wechat", "--as", "E003", "--answers", "-", "--format", "json"],
            stdin: "{\"id\": \"wx-reply-seconds\", \"answer\": 30}\n")
        #expect(
            take.status == 1 && take.stdout.contains("\"submit_reason\"") && !take.stdout.contains("submitReason"),
            "\(take.stdout)")
        let results = try kefu(["exam", "results", "E003", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(results.stdout.utf8)) as? [[String: Any]])
        let attempts = try #require(json.first?["attempts"] as? [[String: Any]])
        let percent = try #require(attempts.first?["percent"] as? Double)
        #expect(
            json.first?["flagged_for_retraining"] as? Bool == false
                && abs((percent * 100).rounded() - percent * 100) < 1e-6, "\(results.stdout)")
    }

    @Test("bank commands: inspect JSON, import all-or-nothing with file:line:col, export GIFT")
    func bankCommands() throws {
        try prepare()
        defer { try? FileManager.default.removeItem(at: folder) }
        let inspect = try KefuProcess.run([
            "bank", "inspect", "QuestionBanks/channel-phone.en.gift", "--format", "json",
        ])
        #expect(inspect.status == 0 && inspect.stdout.contains("\"type\" : \"matching\""))
        let root = folder.appendingPathComponent("content")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("Policies"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: KefuProcess.root.appendingPathComponent("Policies/clauses.yaml"),
            to: root.appendingPathComponent("Policies/clauses.yaml"))
        let gift = folder.appendingPathComponent("mine.gift")
        try Data("// [id:q1]\nQ? {=a ~b}\n\n// [id:q2]\nBad {=%33%a ~b}\n".utf8).write(to: gift)
        let failed = try KefuProcess.run([
            "bank", "import", gift.path, "--into", "mine", "--lang", "en", "--root", root.path,
        ])
        #expect(
            failed.status == 2 && failed.stderr.contains("mine.gift:5:7")
                && failed.stderr.contains("not a grade Moodle accepts"))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("QuestionBanks/mine.en.yaml").path))
        try Data("// [id:q1]\nQ? {=a ~b}\n".utf8).write(to: gift)
        let ok = try KefuProcess.run([
            "bank", "import", gift.path, "--into", "mine", "--lang", "en", "--root", root.path,
        ])
        #expect(ok.status == 0 && ok.stdout.contains("imported 1 questions into QuestionBanks/mine.en.yaml"))
        let export = try KefuProcess.run([
            "bank", "export", "mine", "--lang", "en", "--format", "gift", "--root", root.path,
        ])
        #expect(export.stdout.contains("// [id:q1]") && export.stdout.contains("=a"))
    }
}

@Suite("kefu mentor command line", .serialized)
struct MentorCLITests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-mentor-cli-\(UUID().uuidString)")
    var db: [String] { ["--db", folder.appendingPathComponent("k.sqlite").path] }

    @Test(
        "without certified mentors everyone is unmatched with the reason (exit 1); leave marks a person; unknown ids fail"
    )
    func noMentors() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try KefuProcess.run(["people", "import", "Samples/people.csv"] + db).status == 0)
        let assign = try KefuProcess.run(["mentor", "assign", "--as-of", "2026-11-23"] + db)
        #expect(assign.status == 1)
        #expect(
            assign.stdout.contains("unmatched E002: no compatible mentor (speaks en, serves phone)")
                && assign.stdout.contains("does not hold the `onboarding` certification"))
        #expect(assign.stdout.contains("stored 0 new pairs"))
        #expect(try KefuProcess.run(["mentor", "list"] + db).stdout.contains("no active mentor pairs"))
        #expect(try KefuProcess.run(["people", "leave", "M001"] + db).status == 0)
        #expect(try KefuProcess.run(["people", "show", "M001"] + db).stdout.contains("left"))
        let unknown = try KefuProcess.run(["people", "leave", "X999"] + db)
        #expect(unknown.status == 2 && unknown.stderr.contains("no person with id `X999`"))
        let badDate = try KefuProcess.run(["mentor", "assign", "--as-of", "23.11.2026"] + db)
        #expect(badDate.status != 0 && badDate.stderr.contains("YYYY-MM-DD"))
    }
}
