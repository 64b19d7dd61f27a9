import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KefuCore
import KefuServices
import Testing

@testable import KefuWeb

/// The WeChat first-reply scenario (English): a 60-second reply limit, greeting → shipping → stock → thanks.
let wechatScenario = "wechat-first-response.en"
/// Replies that pass every step of ``wechatScenario`` in order.
let modelReplies = [
    "Hi, welcome to our shop, happy to help!",
    "Shipping is shown on the product page, which is always up to date. Delivery time depends on the courier, so I cannot promise a day; you can track it in your order once it ships.",
    "I need to check the size L stock with the warehouse; I will reply within 10 minutes.",
    "Thank you for your patience, have a nice day!",
]

extension Browser {
    /// Starts a run through the home page's form; returns its page path (`/runs/N`).
    func startRun(_ reference: String = wechatScenario, mode: String) async throws -> String {
        try await request("/")
        let started = try await post("/scenarios/\(reference)/start", [("mode", mode)])
        #expect(started.status == .seeOther)
        return try #require(started.location)
    }

    /// A JSON request with the page's CSRF token in the header, as chat.js sends it.
    func api(_ path: String, method: HTTPRequest.Method = .get, json: String? = nil) async throws -> Page {
        var headers = HTTPFields()
        headers[HTTPField.Name("X-CSRF-Token")!] = csrf
        headers[.accept] = "application/json"
        return try await request(path, method: method, json: json, headers: headers)
    }
}

/// How many times `needle` occurs in `text`.
func occurrences(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

@Suite("web: scenario chat")
struct ScenarioWebTests {
    @Test(
        "practice: the chat page shows the customer, the 60 s limit and a form; a reply shows its checks with evidence")
    func practice() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E001")
            let path = try await browser.startRun(mode: "practice")
            #expect(path.hasPrefix("/runs/"))
            let chat = try await browser.request(path)
            #expect(chat.status == .ok)
            #expect(chat.body.contains(#"<div class="bubble customer" data-turn="0">"#))
            #expect(chat.body.contains("Anyone there?"))
            #expect(chat.body.contains(#"id="countdown""#))
            #expect(chat.body.contains("60 s"))
            #expect(chat.body.contains(#"action="\#(path)/reply""#))
            #expect(chat.body.contains(#"<textarea id="reply" name="reply""#))
            #expect(chat.body.contains(#"<script src="/static/chat.js" defer></script>"#))
            #expect(occurrences("<script", in: chat.body) == 2, "only the two external scripts")
            #expect(!chat.body.contains(#"class="bubble agent""#))

            let replied = try await browser.post(path + "/reply", [("reply", modelReplies[0]), ("turn", "0")])
            #expect(replied.status == .seeOther)
            #expect(replied.location == path)
            let after = try await browser.request(path)
            #expect(after.body.contains(#"<div class="bubble agent" data-turn="1">"#))
            #expect(after.body.contains(#"<li class="check pass" data-check="script-greeting">"#))
            #expect(after.body.contains("<mark>"))
            #expect(after.body.contains("How much is shipping"), "not late: the run went on to the question")

            // Customer-visible text is escaped; only evidence marks are markup.
            let hostile = "<b>Shipping</b> is shown on the product page & <script>alert(1)</script>"
            try await browser.post(path + "/reply", [("reply", hostile), ("turn", "2")])
            let escaped = try await browser.request(path)
            #expect(escaped.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!escaped.body.contains("<script>alert"))
            #expect(!escaped.body.contains("<b>Shipping"))
            #expect(escaped.body.contains(#"data-check="shipping-on-page""#))
        }
    }

    @Test("exam mode: no per-reply checks until the end; then the transcript with verdicts, times, score and result")
    func examMode() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E001")
            let path = try await browser.startRun(mode: "exam")
            for (index, reply) in modelReplies.enumerated() {
                let page = try await browser.request(path)
                #expect(page.body.contains(#"id="reply-form""#), "reply \(index): still live")
                #expect(!page.body.contains("data-check="), "reply \(index): no feedback in exam mode")
                #expect(!page.body.contains("<mark>"), "reply \(index): no evidence in exam mode")
                let sent = try await browser.post(path + "/reply", [("reply", reply)])
                #expect(sent.status == .seeOther)
            }
            let transcript = try await browser.request(path)
            #expect(transcript.status == .ok)
            #expect(!transcript.body.contains(#"id="reply-form""#))
            #expect(transcript.body.contains(#"id="transcript""#))
            #expect(occurrences(#"<div class="reply-feedback""#, in: transcript.body) == 4)
            #expect(transcript.body.contains(#"data-check="closing""#))
            #expect(transcript.body.contains(#"<span class="badge pass" id="verdict">"#))
            #expect(transcript.body.contains("<mark>"))
            #expect(transcript.body.contains(#"<span id="late-count">0</span>"#))
            let score = transcript.body.components(separatedBy: #"<strong id="score">"#).dropFirst().first?
                .prefix { $0 != "<" }
            #expect(Double(score.map(String.init) ?? "") ?? 0 >= 85)

            let late = try await browser.post(path + "/reply", [("reply", "one more thing")])
            #expect(late.status == .conflict)
            #expect(late.body.contains("replies are closed"))
            try await browser.request("/")  // error pages carry no CSRF token: take a fresh one
            let api = try await browser.api(
                path.replacingOccurrences(of: "/runs/", with: "/api/runs/") + "/replies",
                method: .post, json: #"{"text":"hello?"}"#)
            #expect(api.status == .conflict)
        }
    }

    @Test("another trainee's run and a guessed id answer the same 404; they cannot reply to it")
    func foreignRuns() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let owner = Browser(client)
            try await owner.signIn("E001")
            let path = try await owner.startRun(mode: "practice")
            let id = String(path.dropFirst("/runs/".count))
            let other = Browser(client)
            try await other.signIn("E002")
            try await other.request("/")
            let foreign = try await other.request(path)
            let guessed = try await other.request("/runs/987654")
            #expect(foreign.status == .notFound)
            #expect(guessed.status == .notFound)
            #expect(foreign.body.contains("no such scenario run") && guessed.body.contains("no such scenario run"))
            #expect(!foreign.body.contains("Anyone there?"))
            let foreignAPI = try await other.api("/api/runs/\(id)")
            let guessedAPI = try await other.api("/api/runs/987654")
            #expect(foreignAPI.status == .notFound)
            #expect(foreignAPI.body == guessedAPI.body)
            try await other.request("/")  // error pages carry no CSRF token: take a fresh one
            let reply = try await other.post(path + "/reply", [("reply", "hi")])
            #expect(reply.status == .notFound)
            try await other.request("/")
            let replyAPI = try await other.api("/api/runs/\(id)/replies", method: .post, json: #"{"text":"hi"}"#)
            #expect(replyAPI.body == guessedAPI.body)
            #expect(try await owner.request(path).body.contains(#"id="reply-form""#), "the owner's run is untouched")
        }
    }

    @Test("JSON API: start, state, replies with feedback, the finished result, then the stored transcript")
    func jsonAPI() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E001")
            try await browser.request("/")
            let started = try await browser.api(
                "/api/scenarios/\(wechatScenario)/runs", method: .post, json: #"{"mode":"practice"}"#)
            #expect(started.status == .created)
            let state = try started.json()
            let id = try #require(state["run"] as? Int)
            #expect(state["status"] as? String == "in-progress")
            #expect((state["pending"] as? [String: Any])?["limit_seconds"] as? Double == 60)
            #expect((state["seconds_left"] as? Double ?? 0) > 50)

            var finished: [String: Any]?
            for (index, reply) in modelReplies.enumerated() {
                let body = String(data: try JSONEncoder().encode(["text": reply]), encoding: .utf8)!
                let answer = try await browser.api("/api/runs/\(id)/replies", method: .post, json: body)
                #expect(answer.status == .ok)
                let outcome = try answer.json()
                let feedback = outcome["feedback"] as? [[String: Any]] ?? []
                #expect(feedback.count == 1, "reply \(index)")
                #expect((feedback.first?["checks"] as? [[String: Any]])?.isEmpty == false)
                if index < modelReplies.count - 1 {
                    #expect((outcome["customer"] as? [[String: Any]])?.count == 1)
                    let live = try await browser.api("/api/runs/\(id)").json()
                    #expect((live["turns"] as? [Any])?.count == 2 * index + 3)
                }
                finished = outcome["finished"] as? [String: Any]
            }
            let result = try #require(finished)
            #expect(result["run"] as? Int == id)
            let report = try #require(result["report"] as? [String: Any])
            #expect(report["status"] as? String == "complete")
            #expect(report["passed"] as? Bool == true)
            let stored = try await browser.api("/api/runs/\(id)").json()
            #expect((stored["report"] as? [String: Any])?["status"] as? String == "complete")
            #expect(((stored["interaction"] as? [String: Any])?["turns"] as? [Any])?.count == 8)
            let bad = try await browser.api(
                "/api/scenarios/\(wechatScenario)/runs", method: .post, json: #"{"mode":"speedrun"}"#)
            #expect(bad.status == .unprocessableContent)
            let defaulted = try await browser.api("/api/scenarios/\(wechatScenario)/runs", method: .post)
            #expect(defaulted.status == .created)
            #expect(try defaulted.json()["mode"] as? String == "practice", "an empty body starts a practice run")
            let unknown = try await browser.api(
                "/api/scenarios/no-such-scenario.en/runs", method: .post, json: #"{"mode":"practice"}"#)
            #expect(unknown.status == .notFound)
        }
    }

    @Test("a live run survives a reload; after a restart it is recorded incomplete and takes no more replies")
    func restart() async throws {
        let harness = try await WebHarness()
        let path = try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E001")
            let path = try await browser.startRun(mode: "practice")
            try await browser.post(path + "/reply", [("reply", modelReplies[0])])
            let reloaded = try await browser.request(path)
            #expect(reloaded.body.contains(#"id="reply-form""#))
            #expect(reloaded.body.contains(#"name="turn" value="2""#), "same run, same step after a reload")
            return path
        }
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E001")
            let page = try await browser.request(path)
            #expect(page.status == .ok)
            #expect(!page.body.contains(#"id="reply-form""#))
            #expect(page.body.contains("(interrupted)"))
            #expect(page.body.contains(#"data-check="script-greeting""#), "the saved reply is kept")
            let reply = try await browser.post(path + "/reply", [("reply", modelReplies[1])])
            #expect(reply.status == .conflict)
            #expect(reply.body.contains("interrupted"))
        }
    }
}

@Suite("web: live scenario runs in memory")
struct LivePlaysTests {
    @Test("a run idle longer than the limit leaves memory when another run starts; a recent one stays")
    func idleRunsExpire() async throws {
        let harness = try await WebHarness()
        let scenarios = ScenarioService(environment: harness.environment)
        let trainee = Identity(person: "E001", roles: [.trainee], channel: .session)
        func start() async throws -> LiveRun {
            let (play, _) = try await scenarios.start(
                "express-late-parcel.zh", mode: .practice, clock: ContinuousClock(), by: trainee)
            return LiveRun(play: play, pending: nil)
        }
        let plays = LivePlays()
        let old = try await start()
        let now = ContinuousClock.now
        #expect(await plays.add(old, now: now).isEmpty)
        let recent = try await start()
        #expect(await plays.add(recent, now: now + .seconds(60)).isEmpty)
        let later = try await start()
        let expired = await plays.add(later, now: now + LivePlays.idleLimit + .seconds(30))
        #expect(expired.map(\.play.run.id) == [old.play.run.id])
        #expect(await plays.peek(old.play.run.id) == nil)
        #expect(await plays.peek(recent.play.run.id) != nil)
    }
}
