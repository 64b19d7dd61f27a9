import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KefuCore
import KefuExams
import KefuServices
import Testing

@testable import KefuWeb

/// A wall clock the test moves.
final class MovableClock: @unchecked Sendable {
    private let lock = NSLock()
    private var date = Date()
    var wallClock: WallClock { WallClock { [self] in lock.withLock { date } } }
    func advance(seconds: Double) { lock.withLock { date = date.addingTimeInterval(seconds) } }
}

@Suite("web: taking an exam in the browser and through the API")
struct ExamWebTests {
    /// Starts `blueprint` as the browser's person and returns the attempt path.
    static func start(_ browser: Browser, _ blueprint: String) async throws -> String {
        try await browser.request("/")
        let started = try await browser.post("/exams/\(blueprint)/start", [])
        #expect(started.status == .seeOther)
        return try #require(started.location)
    }

    @Test("one question per page: answer without JavaScript, move on, reload resumes at the same question")
    func onePerPage() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E001")
            let path = try await Self.start(browser, "onboarding-theory")
            let first = try await browser.request(path)
            #expect(first.status == .ok)
            #expect(first.body.components(separatedBy: "<fieldset class=\"question").count == 2)
            let state = try await browser.request("/api\(path)")
            let questions = try #require(try state.json()["questions"] as? [[String: Any]])
            #expect(questions.count == 20)
            #expect(!state.body.contains("fraction"), "the API must not reveal the key")
            let q0 = questions[0]
            let answerField = try Self.formAnswer(q0)
            let next = try await browser.post("\(path)/answer", [("p", "0")] + answerField + [("go", "next")])
            #expect(next.status == .seeOther)
            #expect(next.location == "\(path)?q=2")
            // A reload of the attempt page shows question 2 (the position is stored), question 1 is answered.
            let reloaded = try await browser.request(path)
            #expect(reloaded.body.contains("id=\"q1\""))
            #expect(reloaded.body.contains("class=\"qbtn answered\" data-pos=\"0\""))
            let again = try await browser.request("/api\(path)")
            let responses = try #require(try again.json()["responses"] as? [Any])
            #expect(!(responses[0] is NSNull))
            #expect(responses[1] is NSNull)
        }
    }

    /// Form fields answering an API question (first choice, true, 42, text, first matching choice).
    static func formAnswer(_ question: [String: Any]) throws -> [(String, String)] {
        let position = question["position"] as? Int ?? 0
        switch question["type"] as? String {
        case "single", "multiple":
            let choice = try #require((question["choices"] as? [[String: Any]])?.first?["value"] as? Int)
            return [("a\(position)", String(choice))]
        case "truefalse": return [("a\(position)", "true")]
        case "numerical": return [("a\(position)", "42")]
        case "matching":
            let items = (question["items"] as? [Any])?.count ?? 0
            return (0..<items).map { ("m\(position)_\($0)", "0") }
        default: return [("a\(position)", "我会先核实身份再处理")]
        }
    }

    @Test("autosave answers JSON; a refused answer says why; another person's or a guessed attempt is 404 alike")
    func autosaveAndIsolation() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E001")
            let path = try await Self.start(browser, "channel-wechat")
            let page = try await browser.request(path)
            #expect(page.body.components(separatedBy: "<fieldset class=\"question").count == 13, "all on one page")
            var json = HTTPFields()
            json[.accept] = "application/json"
            json[HTTPField.Name("X-CSRF-Token")!] = browser.csrf
            let questions = try #require(
                try (try await browser.request("/api\(path)")).json()["questions"] as? [[String: Any]])
            var fields: [(String, String)] = []
            for question in questions.prefix(3) {
                fields += [("p", String(question["position"] as? Int ?? 0))] + (try Self.formAnswer(question))
            }
            let saved = try await browser.request("\(path)/answer", method: .post, form: fields, headers: json)
            #expect(saved.status == .ok)
            #expect((try saved.json()["saved"] as? [Int])?.count == 3)
            if let numeric = questions.first(where: { $0["type"] as? String == "numerical" }) {
                let p = numeric["position"] as? Int ?? 0
                let bad = try await browser.request(
                    "\(path)/answer", method: .post, form: [("p", "\(p)"), ("a\(p)", "forty")], headers: json)
                #expect(bad.status == .unprocessableContent)
                #expect(bad.body.contains("not a number"))
            }
            let other = Browser(client)
            try await other.signIn("E002")
            let foreign = try await other.request(path)
            let missing = try await other.request("/attempts/999999")
            #expect(foreign.status == .notFound)
            #expect(missing.status == .notFound)
            let id = path.replacingOccurrences(of: "/attempts/", with: "")
            #expect(foreign.body.contains("no exam attempt \(id)<"))
            #expect(missing.body.contains("no exam attempt 999999<"))
            let foreignAPI = try await other.request("/api\(path)")
            #expect(foreignAPI.status == .notFound)
        }
    }

    @Test("submit shows the result as the blueprint's review options allow; later answers are refused")
    func submitAndResult() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E001")
            let path = try await Self.start(browser, "channel-phone")
            try await browser.request(path)
            let submitted = try await browser.post("\(path)/answer", [("go", "submit")])
            #expect(submitted.location == path)
            let result = try await browser.request(path)
            #expect(result.body.contains("id=\"verdict\""))
            #expect(result.body.contains("未通过"))
            #expect(result.body.contains("正确答案"), "channel-phone shows the right answers")
            var json = HTTPFields()
            json[HTTPField.Name("X-CSRF-Token")!] = browser.csrf
            let late = try await browser.request(
                "/api\(path)/answers/0", method: .put, json: #"{"answer":{"truth":true}}"#, headers: json)
            #expect(late.status == .conflict)
            let home = try await browser.request("/")
            #expect(home.body.contains("#1</a>"))
        }
    }

    @Test("the server's deadline: an attempt left open past its time limit is submitted as a deadline submission")
    func deadline() async throws {
        let clock = MovableClock()
        let harness = try await WebHarness(clock: clock.wallClock)
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E001")
            let path = try await Self.start(browser, "channel-phone")
            let page = try await browser.request(path)
            #expect(page.body.contains("data-remaining=\"1200\""))
            clock.advance(seconds: 1201)
            let after = try await browser.request(path)
            #expect(after.body.contains("到时自动交卷"))
            #expect(after.body.contains("id=\"verdict\""))
        }
    }

    @Test("JSON API: start, answer with PUT, flag, submit; bad bodies are 400")
    func api() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E003")
            try await browser.request("/")
            var headers = HTTPFields()
            headers[HTTPField.Name("X-CSRF-Token")!] = browser.csrf
            let started = try await browser.request(
                "/api/exams/channel-phone/attempts", method: .post, headers: headers)
            #expect(started.status == .created)
            let attempt = try #require(try started.json()["attempt"] as? Int)
            let questions = try #require(try started.json()["questions"] as? [[String: Any]])
            let tf = try #require(questions.first { $0["type"] as? String == "truefalse" })
            let p = tf["position"] as? Int ?? 0
            let put = try await browser.request(
                "/api/attempts/\(attempt)/answers/\(p)", method: .put, json: #"{"answer":{"truth":false}}"#,
                headers: headers)
            #expect(put.status == .ok)
            let wrongKind = try await browser.request(
                "/api/attempts/\(attempt)/answers/\(p)", method: .put, json: #"{"answer":{"number":3}}"#,
                headers: headers)
            #expect(wrongKind.status == .unprocessableContent)
            let garbage = try await browser.request(
                "/api/attempts/\(attempt)/answers/\(p)", method: .put, json: "{", headers: headers)
            #expect(garbage.status == .badRequest)
            let flag = try await browser.request("/api/attempts/\(attempt)/flags/\(p)", method: .post, headers: headers)
            #expect((try flag.json()["flagged"] as? [Int]) == [p])
            let noCSRF = try await browser.request("/api/attempts/\(attempt)/submit", method: .post)
            #expect(noCSRF.status == .forbidden)
            let done = try await browser.request("/api/attempts/\(attempt)/submit", method: .post, headers: headers)
            #expect(done.status == .ok)
            #expect(try done.json()["status"] as? String == "graded")
        }
    }
}

@Suite("web: the eight question types as pages show them and forms send them back")
struct QuestionTypeTests {
    static let gift = """
        ::desc:: 以下题目根据《客服规范》。

        ::single:: 首问负责制要求？{=首个接待的客服负责到底 ~转给别人}

        ::multiple:: 哪些是服务禁语？{~%50%不知道 ~%50%自己看 ~%-100%您好}

        ::tf:: 可以向他人透露客户信息。{F}

        ::num:: 微信回复时限是多少秒？{#60}

        ::short:: 开场白的第一句是？{=您好}

        ::essay:: 写一段致歉话术。{}

        ::match:: 匹配渠道与时限。{=微信 -> 60 秒 =电话 -> 3 声内接听 =邮件 -> 24 小时}
        """

    @Test("each type renders its inputs, and the fields a browser sends read back as the same answer")
    func roundTrip() async throws {
        let parsed = GIFT.parse(Self.gift, file: "types.gift")
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        let types = Set(parsed.questions.map(\.type))
        #expect(types.count == 8)
        let pages = try await Pages.load(WebConfiguration(root: repositoryRoot.path))
        for (position, question) in parsed.questions.enumerated() {
            let order =
                question.type == .matching ? Array(question.matchingChoices.indices) : Array(question.answers.indices)
            let item = PaperItem(slot: position, section: 0, bank: "t", question: question, mark: 1, choiceOrder: order)
            let data = ExamView.question(item, position: position, response: nil, flagged: false)
            let html =
                pages.library.render(["questions": [data], "t": pages.locales.table("zh")], withTemplate: "attempt")
                ?? ""
            let (fields, expected) = Self.answer(question, position: position)
            for (name, _) in fields { #expect(html.contains("name=\"\(name)\""), "\(question.type) renders \(name)") }
            let form = Form(fields.map { "\(Browser.encode($0.0))=\(Browser.encode($0.1))" }.joined(separator: "&"))
            let read = ExamView.response(form, item: item, position: position)
            #expect((try? read.get()) == expected, "\(question.type)")
            if let expected {
                let filled = ExamView.question(item, position: position, response: expected, flagged: true)
                let again =
                    pages.library.render(
                        ["questions": [filled], "t": pages.locales.table("zh")], withTemplate: "attempt") ?? ""
                #expect(
                    again.contains(" checked") || again.contains(" selected") || again.contains("value=\""),
                    "\(question.type) shows the saved answer")
            }
        }
    }

    static func answer(_ q: Question, position: Int) -> ([(String, String)], ExamAnswer?) {
        switch q.type {
        case .description: return ([], nil)
        case .single: return ([("a\(position)", "0")], .choices([0]))
        case .multiple: return ([("a\(position)", "1"), ("a\(position)", "0")], .choices([0, 1]))
        case .truefalse: return ([("a\(position)", "false")], .truth(false))
        case .numerical: return ([("a\(position)", "60")], .number(60))
        case .short: return ([("a\(position)", "您好")], .text("您好"))
        case .essay: return ([("a\(position)", "非常抱歉给您带来不便。")], .text("非常抱歉给您带来不便。"))
        case .matching:
            let choices = q.matchingChoices
            return (
                q.matchingItems.indices.map { ("m\(position)_\($0)", String($0)) },
                .matches(q.matchingItems.indices.map { choices[$0] })
            )
        }
    }
}
