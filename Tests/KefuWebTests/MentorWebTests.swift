import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KefuCore
import KefuScenarios
import KefuServices
import KefuStorage
import Testing

@testable import KefuWeb

/// A harness with E001 apprenticed to M001 and E002 to Q001 (another mentor), each with a finished exam-mode run.
struct MentorFixture {
    let harness: WebHarness
    let ownRun: RunID
    let foreignRun: RunID

    init() async throws {
        harness = try await WebHarness()
        let storage = try harness.environment.storage
        _ = try await storage.mentoring.recordAssignment(
            ending: [],
            adding: [
                MentorshipRecord(
                    apprenticeID: "E001", mentorID: "M001", assignedAt: "2026-11-01T09:00:00Z", score: 1, reasons: []),
                MentorshipRecord(
                    apprenticeID: "E002", mentorID: "Q001", assignedAt: "2026-11-01T09:00:00Z", score: 1, reasons: []),
            ], at: "2026-11-01T09:00:00Z")
        ownRun = try await Self.play("E001", harness)
        foreignRun = try await Self.play("E002", harness)
    }

    /// Plays the P2P withdrawal scenario in exam mode with its model replies; returns the stored run.
    static func play(_ person: PersonID, _ harness: WebHarness) async throws -> RunID {
        let file = try ScenarioService.replies(
            from: .file(repositoryRoot.appendingPathComponent("Scenarios/p2p/withdrawal-delay.zh.model.jsonl").path))
        let (play, _) = try await ScenarioService(environment: harness.environment).play(
            "p2p-withdrawal-delay", language: "zh", mode: .exam, replies: file.replies,
            by: Identity(person: person, roles: [.trainee], channel: .session))
        return play.run.id
    }
}

@Suite("web: the mentor's pages")
struct MentorWebTests {
    @Test("a mentor reviews a transcript: evidence marked, a note, an override with a reason, then the sign-off")
    func reviewAndSignOff() async throws {
        let f = try await MentorFixture()
        try await f.harness.application().test(.router) { client in
            let mentor = Browser(client)
            try await mentor.signIn("M001")
            let home = try await mentor.request("/")
            #expect(home.body.contains(#"id="mentor-work""#))
            #expect(home.body.contains("对话记录 1 份"))
            let queue = try await mentor.request("/mentor")
            #expect(queue.status == .ok)
            #expect(queue.body.contains(#"href="/mentor/runs/\#(f.ownRun)""#))
            #expect(!queue.body.contains(#"href="/mentor/runs/\#(f.foreignRun)""#))
            #expect(queue.body.contains(#"href="/mentor/apprentices/E001""#))
            let page = try await mentor.request("/mentor/runs/\(f.ownRun)")
            #expect(page.status == .ok)
            #expect(page.body.contains("<mark>"))
            #expect(page.body.contains(#"id="sign-off-form""#))
            let api = try await mentor.request("/api/mentor/runs/\(f.ownRun)")
            let report = try #require(api.json()["report"] as? [String: Any])
            let reply = try #require((report["replies"] as? [[String: Any]])?.first)
            let turn = try #require(reply["turn"] as? Int)
            let check = try #require((reply["checks"] as? [[String: Any]])?.first?["id"] as? String)

            let missingReason = try await mentor.post(
                "/mentor/runs/\(f.ownRun)/overrides",
                [("turn", String(turn)), ("check", check), ("verdict", "fail"), ("reason", " ")])
            #expect(missingReason.status == .unprocessableContent)
            try await mentor.request("/mentor/runs/\(f.ownRun)")
            let overridden = try await mentor.post(
                "/mentor/runs/\(f.ownRun)/overrides",
                [("turn", String(turn)), ("check", check), ("verdict", "fail"), ("reason", "问候语不够完整")])
            #expect(overridden.status == .seeOther)
            try await mentor.post("/mentor/runs/\(f.ownRun)/notes", [("turn", String(turn)), ("note", "语速可以放慢")])
            let after = try await mentor.request("/mentor/runs/\(f.ownRun)?done=overridden")
            #expect(after.body.contains("问候语不够完整"))
            #expect(after.body.contains("语速可以放慢"))
            #expect(after.body.contains(#"<span id="override-count">1</span>"#))
            // The automatic verdict stays visible beside the override.
            #expect(after.body.contains("自动判定"))
            #expect(after.body.contains("改判已保存"))

            let signed = try await mentor.post(
                "/mentor/runs/\(f.ownRun)/sign-off", [("certification", "onboarding"), ("note", "合格")])
            #expect(signed.location == "/mentor?done=signed-off")
            let emptied = try await mentor.request("/mentor?done=signed-off")
            #expect(!emptied.body.contains(#"href="/mentor/runs/\#(f.ownRun)""#))
            let progress = try await mentor.request("/mentor/apprentices/E001")
            #expect(progress.status == .ok)
            #expect(progress.body.contains("由 M001 于 "))
            // A mentor may not certify: no button, and the form is refused.
            #expect(!progress.body.contains("/certify"))
            let refused = try await mentor.post("/mentor/apprentices/E001/certify", [("certification", "onboarding")])
            #expect(refused.status == .forbidden)
        }
    }

    @Test("role isolation: another mentor's apprentice, their transcripts and guessed ids answer 404")
    func isolation() async throws {
        let f = try await MentorFixture()
        try await f.harness.application().test(.router) { client in
            let mentor = Browser(client)
            try await mentor.signIn("M001")
            let missing = try await mentor.request("/mentor/runs/999999")
            #expect(missing.status == .notFound)
            let foreign = try await mentor.request("/mentor/runs/\(f.foreignRun)")
            #expect(foreign.status == .notFound)
            #expect(foreign.body.contains("999999") == false)
            try await mentor.request("/mentor")
            let post = try await mentor.post(
                "/mentor/runs/\(f.foreignRun)/overrides",
                [("turn", "1"), ("check", "greeting"), ("verdict", "pass"), ("reason", "x")])
            #expect(post.status == .notFound)
            #expect(try await mentor.request("/mentor/apprentices/E002").status == .notFound)
            #expect(try await mentor.request("/mentor/apprentices/NOBODY").status == .notFound)
            #expect(try await mentor.request("/mentor/essays/99999/1").status == .notFound)
            // A trainee has no mentor's area, and cannot review their own transcript.
            let trainee = Browser(client)
            try await trainee.signIn("E001")
            #expect(try await trainee.request("/mentor").status == .forbidden)
            let own = try await trainee.request("/mentor/runs/\(f.ownRun)")
            #expect(own.status == .ok)
            #expect(!own.body.contains(#"id="sign-off-form""#))
            #expect(!own.body.contains("/overrides"))
            try await trainee.request("/")
            let selfSign = try await trainee.post(
                "/mentor/runs/\(f.ownRun)/sign-off", [("certification", "onboarding"), ("note", "")])
            #expect(selfSign.status == .forbidden)
            // A supervisor reads any apprentice and may issue (the button shows only when every requirement is met).
            let supervisor = Browser(client)
            try await supervisor.signIn("S001")
            let page = try await supervisor.request("/mentor/apprentices/E002")
            #expect(page.status == .ok)
            #expect(page.body.contains("最好成绩 100"))
            #expect(!page.body.contains(#"id="issue-onboarding""#))
        }
    }

    @Test("the webhook's look at the queues sees every mentor's waiting transcripts, and a sign-off removes one")
    func waitingItems() async throws {
        let f = try await MentorFixture()
        let before = try await MentorWorkWatcher.waitingItems(f.harness.environment)
        #expect(before == ["run:\(f.ownRun)", "run:\(f.foreignRun)"])
        try await MentorReviewService(environment: f.harness.environment).signOff(
            f.ownRun, certification: "onboarding", note: "",
            by: Identity(person: "M001", roles: [.trainee, .mentor], channel: .session))
        #expect(try await MentorWorkWatcher.waitingItems(f.harness.environment) == ["run:\(f.foreignRun)"])
    }

    @Test("a mentor marks an apprentice's essay from the queue")
    func essay() async throws {
        let f = try await MentorFixture()
        let exams = ExamService(environment: f.harness.environment)
        let apprentice = Identity(person: "E001", roles: [.trainee], channel: .session)
        let answers = try ExamService.answers(
            from: .file(repositoryRoot.appendingPathComponent("Samples/exams/onboarding-theory.zh.model.jsonl").path))
        _ = try await exams.take("onboarding-theory", language: "zh", answers: answers, by: apprentice)
        try await f.harness.application().test(.router) { client in
            let mentor = Browser(client)
            try await mentor.signIn("M001")
            let queue = try await mentor.request("/mentor")
            let link = try #require(
                queue.body.range(of: #"/mentor/essays/[0-9]+/[0-9]+"#, options: .regularExpression).map {
                    String(queue.body[$0])
                })
            let page = try await mentor.request(link)
            #expect(page.status == .ok)
            #expect(page.body.contains(#"id="essay-answer""#))
            let tooMany = try await mentor.post(link, [("marks", "1000"), ("comment", "")])
            #expect(tooMany.status == .unprocessableContent)
            try await mentor.request(link)
            let graded = try await mentor.post(link, [("marks", "4"), ("comment", "条理清楚")])
            #expect(graded.location == "/mentor?done=graded")
            #expect(try await mentor.request(link).status == .notFound)
        }
    }
}

@Suite("web: certification requirements in Chinese")
struct RequirementTextTests {
    @Test("every requirement and record text of the rules engine reads in Chinese; unknown text stays as written")
    func chinese() {
        let cases: [(String, String)] = [
            ("exam `onboarding-theory` ≥ 80", "考试 onboarding-theory ≥ 80 分"),
            ("scenario `p2p-withdrawal-delay` in exam mode ≥ 85", "考试模式情景演练 p2p-withdrawal-delay ≥ 85 分"),
            ("mentor sign-off for `onboarding`", "导师签核（onboarding）"),
            ("valid `onboarding` certification", "持有有效的 onboarding 认证"),
            ("the person is active", "人员在职"),
            ("best 100 (attempt 9, 2026-12-02T07:38:26Z)", "最好成绩 100（记录 #9，2026-12-02T07:38:26Z）"),
            ("best 62.5 (attempt 3, 2026-12-01T01:00:00Z, not passed)", "最好成绩 62.5（记录 #3，2026-12-01T01:00:00Z，未通过）"),
            ("signed by M001 on 2026-12-02T07:39:32Z", "由 M001 于 2026-12-02T07:39:32Z 签核"),
            (
                "signed by M001 on 2026-12-02 — entered by hand by root: paper form",
                "由 M001 于 2026-12-02 签核——由 root 手工录入：paper form"
            ),
            ("valid until 2027-12-02 (ledger entry 4)", "有效期至 2027-12-02（台账第 4 条）"),
            ("expired on 2026-01-02 (ledger entry 2)", "已于 2026-01-02 过期（台账第 2 条）"),
            ("revoked (ledger entry 7): cheating", "已撤销（台账第 7 条）：cheating"),
            ("no exam-mode attempt recorded", "尚无考试模式的记录"),
            ("currently team-lead", "当前职级为 team-lead"),
            ("valid certification `onboarding`", "持有有效的 onboarding 认证"),
            ("at least 12 months at the current level", "在当前职级满 12 个月"),
            ("rating B or better in each of the last 2 review cycles", "最近 2 个考核周期评级均不低于 B"),
            ("QA average ≥ 85 over the last 3 months", "最近 3 个月质检平均分 ≥ 85"),
            ("has mentored at least 2 apprentices", "至少带过 2 名徒弟"),
            (
                "specialist since 2026-01-01; reaches 12 months on 2027-01-01",
                "自 2026-01-01 起任 specialist；满 12 个月的日期为 2027-01-01"
            ),
            ("specialist since 2025-01-01", "自 2025-01-01 起任 specialist"),
            ("2026-10 A, 2026-11 B (only 2 cycles)", "2026-10 A, 2026-11 B（仅 2 个周期）"),
            ("91.5 over 12 scored interactions", "12 条已评分会话的平均分 91.5"),
            ("best 88", "最好成绩 88"),
            ("1 apprentice", "1 名徒弟"),
            ("revoked: misconduct", "已撤销：misconduct"),
            ("expired on 2026-01-02", "已于 2026-01-02 过期"),
            ("not taken", "未参加"),
            ("something new", "something new"),
        ]
        for (english, chinese) in cases {
            #expect(RequirementText.localized(english, "zh") == chinese)
            #expect(RequirementText.localized(english, "en") == english)
        }
    }
}
