import Foundation
import GRDB
import KefuContent
import KefuCore
import KefuScenarios
import KefuServices
import KefuStorage
import KefuStore
import Testing

/// A fresh database with one trainee, and the scenario service over the shipped content.
struct ScenarioFixture {
    let base: Fixture
    let service: ScenarioService

    init() throws {
        base = try Fixture()
        try base.database.addPerson(
            Person(
                id: "E001", name: "王小明", hireDate: "2026-09-01", languages: ["zh", "en"],
                channels: [.phone, .wechat, .chat]))
        service = ScenarioService(
            environment: KefuEnvironment(
                configuration: Configuration(root: repositoryRoot.path, database: base.database.path),
                storage: SQLiteStorage(database: base.database),
                clock: .fixed(Fixture.date())))
    }

    /// A trainee acting (roles are not checked by the runner: the run belongs to `person`).
    static func who(_ person: String) -> Identity {
        Identity(person: PersonID(person), roles: [.trainee], channel: .operator(osUser: "test"))
    }

    func replies(_ path: String) throws -> ReplyFile {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
        return try ReplyScript.parseFile(text, file: path)
    }

    func count(_ sql: String) throws -> Int { try base.database.read { db in try Int.fetchOne(db, sql: sql) ?? -1 } }
}

@Suite("scenario service (stored runs)")
struct ScenarioServiceTests {
    @Test(
        "every shipped scenario passes with each of its model reply sets and fails with its poor ones, through the service"
    )
    func shippedReplySets() async throws {
        let f = try ScenarioFixture()
        let (all, _) = ContentRepository(root: repositoryRoot).scenarios()
        #expect(all.count >= 24)
        var played = 0
        for loaded in all {
            for set in loaded.replySets {
                let file = try f.replies(set.path)
                // A reply set follows one customer path, chosen by its seed (practice: the trainee may choose it).
                let (play, _) = try await f.service.play(
                    loaded.scenario.key, mode: .practice, seed: file.seed ?? 0, replies: file.replies,
                    by: ScenarioFixture.who("E001"))
                let report = try #require(play.runner.report)
                #expect(report.status == .complete, "\(set.path): \(report.outcome ?? "")")
                #expect(
                    report.passed == (set.kind == "model"),
                    "\(set.path) scored \(report.score), outcome \(report.outcome ?? "")")
                #expect(play.run.passed == report.passed && play.run.attemptID != nil)
                played += 1
            }
        }
        #expect(played >= 48)
        #expect(try f.count("SELECT COUNT(*) FROM attempt WHERE kind = 'scenario'") == played)
        #expect(try f.count("SELECT COUNT(*) FROM scenario_run WHERE status = 'complete'") == played)
    }

    @Test("each reply is saved as it is given: a run abandoned mid-way is stored in progress with every reply")
    func autosave() async throws {
        let f = try ScenarioFixture()
        let clock = ManualClock()
        var (play, first) = try await f.service.start(
            "p2p-withdrawal-delay", mode: .exam, clock: clock, by: ScenarioFixture.who("E001"))
        #expect(first.count == 1)
        clock.advance(by: .seconds(17))
        _ = try await f.service.reply(&play, "您好，我是平台客服专员小李，很抱歉让您久等了。", by: ScenarioFixture.who("E001"))
        // The process "dies" here: nothing else is called. A new reader sees both turns and the reply's checks.
        let stored = try #require(try await f.service.environment.storage.scenarios.run(play.run.id))
        #expect(stored.status == .inProgress && stored.attemptID == nil)
        let transcript = try await f.service.transcript(play.run.id, by: .system)
        let json = try OutputJSON.string(transcript)
        #expect(
            json.contains("\"person_id\":\"E001\"") && json.contains("\"status\":\"in-progress\""),
            "\(json.prefix(300))")
        await #expect { try await f.service.reply(&play, "hi", by: ScenarioFixture.who("E002")) } throws: { error in
            (error as? ServiceError)?.code == .forbidden
        }
        #expect(transcript.interaction.turns.count == 3)
        #expect(transcript.interaction.turns[1].at == 17 && transcript.interaction.turns[1].speaker == .agent)
        #expect(transcript.report?.replies.first?.checks.contains { $0.id == "apology" && $0.verdict == .pass } == true)
    }

    @Test("stopping early stores an incomplete run that is not evidence; attempt numbers count every run")
    func incomplete() async throws {
        let f = try ScenarioFixture()
        let model = try f.replies("Scenarios/p2p/withdrawal-delay.zh.model.jsonl")
        let (short, actions) = try await f.service.play(
            "p2p-withdrawal-delay", mode: .exam, replies: Array(model.replies.prefix(1)),
            by: ScenarioFixture.who("E001"))
        #expect(
            short.run.status == .incomplete && short.run.outcome == "end-of-input" && short.run.attemptID == nil
                && !short.run.passed)
        guard case .finished(let report)? = actions.last else {
            Issue.record("no finished action")
            return
        }
        #expect(report.status == .incomplete)
        let (full, _) = try await f.service.play(
            "p2p-withdrawal-delay", mode: .exam, replies: model.replies, by: ScenarioFixture.who("E001"))
        #expect(full.run.attemptNumber == 2 && full.run.status == .complete && full.run.passed)
        let attempts = try f.base.database.read { db in try f.base.database.attempts(of: "E001", db) }
        #expect(attempts.count == 1)
        #expect(
            attempts.first.map { ($0.kind, $0.reference, $0.mode, $0.passed) } ?? ("", "", "", false) == (
                "scenario", "p2p-withdrawal-delay", "exam", true
            ))
        #expect(attempts.first?.contentVersion == full.runner.scenario.contentHash)
        let listed = try await f.service.transcripts(person: "E001", by: .system)
        #expect(listed.map(\.id) == [full.run.id, short.run.id])
    }

    @Test("the language is chosen by id.lang, --lang, or defaults to Chinese; the stored transcript is scorable JSON")
    func languagesAndTranscript() async throws {
        let f = try ScenarioFixture()
        let en = try f.replies("Scenarios/p2p/withdrawal-delay.en.model.jsonl")
        let (play, _) = try await f.service.play(
            "p2p-withdrawal-delay.en", mode: .practice, seed: 0, replies: en.replies, by: ScenarioFixture.who("E001"))
        #expect(play.run.language == "en" && play.run.mode == .practice && play.run.passed)
        let stored = try await f.service.transcript(play.run.id, by: .system)
        let decoded = try JSONDecoder().decode(Interaction.self, from: Data(stored.run.transcript.utf8))
        #expect(decoded.agent == "E001" && decoded.channel == .chat && decoded.turns.count == 6)
        #expect(decoded.turns.filter { $0.speaker == .agent }.map(\.text) == en.replies.map(\.text))
        let (zh, _) = try await f.service.start(
            "p2p-withdrawal-delay", mode: .practice, seed: 0, clock: ManualClock(), by: ScenarioFixture.who("E001"))
        #expect(zh.run.language == "zh")
    }

    @Test("unknown people, scenarios and modes are refused before anything is stored")
    func refusals() async throws {
        let f = try ScenarioFixture()
        await #expect {
            try await f.service.start(
                "p2p-withdrawal-delay", mode: .exam, clock: ManualClock(), by: ScenarioFixture.who("X999"))
        } throws: { error in
            "\(error)".contains("no person `X999`") && (error as? ServiceError)?.code == .notFound
        }
        await #expect {
            try await f.service.start(
                "p2p-withdrawl-delay", mode: .exam, clock: ManualClock(), by: ScenarioFixture.who("E001"))
        } throws: { error in
            "\(error)".contains("no scenario `p2p-withdrawl-delay`") && "\(error)".contains("p2p-withdrawal-delay")
        }
        #expect(PlayMode(rawValue: "quiz") == nil && PlayMode.allCases.map(\.rawValue) == ["practice", "exam"])
        #expect(try f.count("SELECT COUNT(*) FROM scenario_run") == 0)
    }
}
