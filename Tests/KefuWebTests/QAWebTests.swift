import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KefuCore
import KefuServices
import Testing

@testable import KefuWeb

/// The QA pages: import, samples, the review scorecard, results and disputes, blind calibration, the report and its
/// exports, and who may do what.
@Suite("web: QA reviewers, agents' disputes, team leads' decisions, calibration, reports")
struct QAWebTests {
    /// Interactions beyond the sample file: one handled by the reviewer Q001, one by the team lead L001, one whose
    /// agent id looks like a spreadsheet formula (CSV injection through a report).
    static let extra = """
        {"id": "qa-own-q001", "channel": "chat", "agent": "Q001", "started_at": "2026-11-20T09:00:00+08:00", "turns": [{"speaker": "agent", "text": "您好，我是客服小周，请问有什么可以帮您？"}, {"speaker": "customer", "text": "查一下订单"}, {"speaker": "agent", "text": "好的，已为您查询，感谢您的耐心，再见"}]}
        {"id": "qa-own-l001", "channel": "chat", "agent": "L001", "started_at": "2026-11-21T09:00:00+08:00", "turns": [{"speaker": "agent", "text": "在"}, {"speaker": "customer", "text": "我的快递呢"}, {"speaker": "agent", "text": "等着"}]}
        {"id": "qa-formula", "channel": "chat", "agent": "=SUM(1,2)", "started_at": "2026-11-22T09:00:00+08:00", "turns": [{"speaker": "agent", "text": "您好"}, {"speaker": "customer", "text": "你好"}]}

        """

    /// A harness with passwords for Q001–Q003 (granted qa-reviewer) and team lead L001; with `seed`, the sample
    /// interactions and the extras imported, scored with conduct.zh and sample `nov` (all of 2026-11) drawn.
    static func harness(seed: Bool = true) async throws -> WebHarness {
        let harness = try await WebHarness()
        let env = harness.environment
        let accounts = AccountService(environment: env, settings: harness.configuration.accountSettings)
        for person: PersonID in ["Q001", "Q002", "Q003", "L001"] {
            let link = try await accounts.invite(person, by: WebHarness.admin)
            try await accounts.setPassword(token: link.token, password: WebHarness.password)
        }
        for person: PersonID in ["Q001", "Q002", "Q003"] {
            _ = try await accounts.grant(.qaReviewer, to: person, by: WebHarness.admin)
        }
        guard seed else { return harness }
        let importer = QAImportService(environment: env)
        _ = try await importer.importInteractions(
            from: .file(repositoryRoot.appendingPathComponent("Samples/qa/interactions.jsonl").path),
            by: WebHarness.admin)
        _ = try await importer.importInteractions(
            from: .bytes(Array(extra.utf8), label: "extra.jsonl"), by: WebHarness.admin)
        _ = try await QAScoreService(environment: env).score(rubric: "conduct.zh", by: WebHarness.admin)
        _ = try await QASampleService(environment: env).draw(
            "nov", parameters: .init(period: "2026-11", perAgent: 20, seed: 7), by: WebHarness.admin)
        return harness
    }

    /// A raw upload as qa.js sends it: the file as the body, the CSRF token in a header.
    static func upload(_ browser: Browser, _ body: String, name: String, query: String = "") async throws -> Page {
        var headers = HTTPFields()
        headers[HTTPField.Name("X-CSRF-Token")!] = browser.csrf
        headers[HTTPField.Name("X-File-Name")!] = name
        headers[.accept] = "application/json"
        return try await browser.request("/qa/import\(query)", method: .post, json: body, headers: headers)
    }

    /// The items of a scorecard page: (id, automatic verdict).
    static func items(_ page: Page) -> [(id: String, auto: String)] {
        let pattern = #/class="qa-item" id="item-([^"]+)" data-item="[^"]+" data-auto="([a-z]*)"/#
        return page.body.matches(of: pattern).map { (String($0.1), String($0.2)) }
    }

    /// Reviews `interaction` as the browser's reviewer: every item agreed except `override` (verdict, reason).
    static func review(
        _ browser: Browser, _ interaction: String, override: (verdict: String, reason: String)? = nil,
        calibration: String? = nil
    ) async throws -> Page {
        let path =
            "/qa/review/\(interaction)?rubric=conduct.zh&sample=nov"
            + (calibration.map { "&calibration=\($0)" } ?? "")
        let page = try await browser.request(path)
        #expect(page.status == .ok, "\(path): \(page.body.prefix(300))")
        let items = Self.items(page)
        #expect(!items.isEmpty)
        var form: [(String, String)] = [("rubric", "conduct.zh"), ("sample", "nov")]
        if let calibration { form.append(("calibration", calibration)) }
        for (index, item) in items.enumerated() {
            if index == 0, let override {
                form += [("v_\(item.id)", override.verdict), ("c_\(item.id)", override.reason)]
            } else {
                form.append(("v_\(item.id)", calibration == nil ? "agree" : (index % 2 == 0 ? "pass" : "na")))
            }
        }
        return try await browser.post("/qa/review/\(interaction)", form)
    }

    @Test("import: a JSONL upload answers counts and the masking summary; a bad CSV stores nothing, errors by line:col")
    func importUpload() async throws {
        let harness = try await Self.harness(seed: false)
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("Q001")
            let page = try await browser.request("/qa/import")
            #expect(page.status == .ok)
            #expect(page.body.contains("id=\"qa-import-form\"") && page.body.contains("/static/qa.js"))
            let jsonl = try String(
                contentsOf: repositoryRoot.appendingPathComponent("Samples/qa/interactions.jsonl"), encoding: .utf8)
            let ok = try await Self.upload(browser, jsonl, name: "interactions.jsonl")
            #expect(ok.status == .ok, "\(ok.body.prefix(300))")
            let report = try ok.json()
            #expect(report["imported"] as? Int == 28)
            #expect(report["batch"] as? String == "interactions.jsonl")
            let kinds = try #require(report["maskedByKind"] as? [String: Int])
            #expect((kinds["resident-id"] ?? 0) > 0 && (kinds["bank-card"] ?? 0) > 0 && (kinds["mobile"] ?? 0) > 0)
            #expect(kinds.values.reduce(0, +) == report["masked"] as? Int)
            // Nothing of a file with a bad row is stored; every bad row is listed as file:line:col.
            let csv =
                "interaction_id,channel,agent,started_at,speaker,text,at\n"
                + "c-1,chat,E001,2026-11-02T10:00:00+08:00,agent,您好,0\n"
                + "c-1,fax,E001,2026-11-02T10:00:00+08:00,customer,hello,1\n"
                + "c-2,chat,E002,2026-11-02T11:00:00+08:00,robot,hi,x\n"
            let bad = try await Self.upload(browser, csv, name: "turns.csv", query: "?format=csv")
            #expect(bad.status == .unprocessableContent)
            let message = try #require((try bad.json()["error"] as? [String: Any])?["message"] as? String)
            // Columns count characters: `fax` starts at column 5 of line 3, `robot` at column 41 of line 4.
            #expect(message.contains("turns.csv:3:5: channel must be"), "\(message)")
            #expect(message.contains("turns.csv:4:41: speaker must be"), "\(message)")
            #expect(message.contains("nothing was imported"))
            let home = try await browser.request("/qa")
            #expect(home.body.contains("id=\"count-interactions\">28<"))
            #expect(home.body.contains("id=\"count-batches\">1<"))
            // The token is required, and an agent may not import.
            var headers = HTTPFields()
            headers[.accept] = "application/json"
            let forged = try await browser.request("/qa/import", method: .post, json: jsonl, headers: headers)
            #expect(forged.status == .forbidden)
            let agent = Browser(client)
            try await agent.signIn("E001")
            #expect(try await Self.upload(agent, jsonl, name: "x.jsonl").status == .forbidden)
        }
    }

    @Test("samples: draw with seed and strata, a taken name re-shows the form, verify re-derives it")
    func samples() async throws {
        let harness = try await Self.harness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("Q001")
            let list = try await browser.request("/qa/samples")
            #expect(list.status == .ok && list.body.contains("data-sample=\"nov\""))
            let form = [
                ("name", "strat"), ("period", "2026-11"), ("per_agent", "1"), ("seed", "42"), ("strata", "channel"),
                ("channel", ""), ("agent", ""), ("oversample", "0"), ("rubric", ""),
            ]
            let drawn = try await browser.post("/qa/samples", form)
            #expect(drawn.status == .seeOther && drawn.location == "/qa/samples/strat")
            let sample = try await browser.request("/qa/samples/strat?rubric=conduct.zh")
            #expect(sample.status == .ok)
            // One per agent and channel: E001 chat, E003 phone, E004 phone, Q001, L001, =SUM(1,2) chat.
            #expect(sample.body.components(separatedBy: "<tr data-interaction=").count - 1 == 6)
            #expect(sample.body.contains("class=\"button review-link\""))
            #expect(sample.body.contains("分层: channel") && sample.body.contains("种子 42"))
            let again = try await browser.post("/qa/samples", form)
            #expect(again.status == .unprocessableContent && again.body.contains("id=\"qa-error\""))
            let verified = try await browser.request("/qa/samples/strat?rubric=conduct.zh&verify=1")
            #expect(verified.body.contains("verification valid"))
            #expect(try await browser.request("/qa/samples/no-such-sample").status == .notFound)
        }
    }

    @Test("a reviewer reviews on the scorecard, the agent disputes an item, the team lead decides")
    func reviewDisputeDecide() async throws {
        let harness = try await Self.harness()
        try await harness.application().test(.router) { client in
            let reviewer = Browser(client)
            try await reviewer.signIn("Q001")
            let page = try await reviewer.request("/qa/review/qa-2026-11-001?rubric=conduct.zh&sample=nov")
            #expect(page.status == .ok)
            #expect(page.body.contains("id=\"qa-keys\"") && page.body.contains("<mark data-items="))
            let items = Self.items(page)
            let first = try #require(items.first)
            let flipped = first.auto == "pass" ? "fail" : "pass"
            // An override without a reason is refused and the scorecard comes back with the message.
            let refused = try await Self.review(reviewer, "qa-2026-11-001", override: (flipped, ""))
            #expect(refused.status == .unprocessableContent && refused.body.contains("needs a comment"))
            let submitted = try await Self.review(reviewer, "qa-2026-11-001", override: (flipped, "录音里已复述诉求"))
            #expect(submitted.status == .seeOther)
            let location = try #require(submitted.location)
            #expect(location.hasPrefix("/qa/results/"))
            let reviewID = String(location.dropFirst("/qa/results/".count).prefix { $0.isNumber })
            let result = try await reviewer.request(location)
            #expect(result.body.contains("qa-changed") && result.body.contains("录音里已复述诉求"))
            #expect(!result.body.contains("dispute-submit"), "only the agent disputes")
            // The agent sees it among their own results and disputes the overridden item.
            let agent = Browser(client)
            try await agent.signIn("E001")
            let mine = try await agent.request("/qa/mine")
            #expect(mine.body.contains("data-review=\"\(reviewID)\""))
            let own = try await agent.request("/qa/results/\(reviewID)")
            #expect(own.status == .ok && own.body.contains("dispute-submit"))
            let disputed = try await agent.post(
                "/qa/results/\(reviewID)/disputes", [("item", first.id), ("reason", "我在第一轮已经做到")])
            #expect(disputed.status == .seeOther)
            // Another agent's result and a guessed id answer alike: not found.
            let other = Browser(client)
            try await other.signIn("E003")
            #expect(try await other.request("/qa/results/\(reviewID)").status == .notFound)
            #expect(try await other.request("/qa/results/987654").status == .notFound)
            #expect(try await other.request("/qa/disputes").status == .forbidden)
            // The team lead decides: rejected, the item is locked.
            let lead = Browser(client)
            try await lead.signIn("L001")
            let queue = try await lead.request("/qa/disputes")
            #expect(queue.body.contains("我在第一轮已经做到") && queue.body.contains("decide-submit"))
            let disputeID = try #require(queue.body.firstMatch(of: #/data-dispute="(\d+)"/#).map { String($0.1) })
            let decided = try await lead.post(
                "/qa/disputes/\(disputeID)", [("decision", "reject"), ("verdict", ""), ("comment", "维持原判")])
            #expect(decided.status == .seeOther)
            let after = try await agent.request("/qa/results/\(reviewID)")
            let forms = { (page: Page) in page.body.components(separatedBy: "class=\"dispute-submit\"").count - 1 }
            #expect(after.body.contains("维持原判"))
            #expect(forms(after) == forms(own) - 1, "the rejected item is locked against further disputes")
        }
    }

    @Test("role isolation: no review of one's own interaction, no decision on one's own dispute, 404 for guesses")
    func isolation() async throws {
        let harness = try await Self.harness()
        try await harness.application().test(.router) { client in
            let reviewer = Browser(client)
            try await reviewer.signIn("Q001")
            let own = try await reviewer.request("/qa/review/qa-own-q001?rubric=conduct.zh")
            #expect(own.status == .forbidden && own.body.contains("cannot review it"))
            #expect(try await reviewer.request("/qa/review/qa-guess?rubric=conduct.zh").status == .notFound)
            #expect(try await reviewer.request("/qa/calibrations/none").status == .notFound)
            // Q001 reviews the team lead's interaction; the lead disputes it and may not decide it.
            let submitted = try await Self.review(reviewer, "qa-own-l001")
            let location = try #require(submitted.location?.split(separator: "?").first.map(String.init))
            let lead = Browser(client)
            try await lead.signIn("L001")
            let result = try await lead.request(location)
            let item = try #require(result.body.firstMatch(of: #/<tr data-item="([^"]+)"/#).map { String($0.1) })
            let disputed = try await lead.post("\(location)/disputes", [("item", item), ("reason", "我有异议")])
            #expect(disputed.status == .seeOther)
            let queue = try await lead.request("/qa/disputes")
            #expect(queue.body.contains("我有异议") && !queue.body.contains("decide-submit"))
            let disputeID = try #require(queue.body.firstMatch(of: #/data-dispute="(\d+)"/#).map { String($0.1) })
            let refused = try await lead.post(
                "/qa/disputes/\(disputeID)", [("decision", "accept"), ("verdict", ""), ("comment", "我自己改")])
            #expect(refused.status == .forbidden)
            // An agent: no QA home (sent to their own results), no scorecard, no queue.
            let agent = Browser(client)
            try await agent.signIn("E001")
            let home = try await agent.request("/qa")
            #expect(home.status == .seeOther && home.location == "/qa/mine")
            #expect(try await agent.request("/qa/review/qa-2026-11-001?rubric=conduct.zh").status == .forbidden)
            #expect(try await agent.request("/qa/samples").status == .forbidden)
            #expect(try await agent.request("/qa/report").status == .forbidden)
            // A form without the CSRF token changes nothing.
            let forged = try await agent.request(
                "/qa/results/1/disputes", method: .post, form: [("item", "greeting"), ("reason", "x")])
            #expect(forged.status == .forbidden)
        }
    }

    @Test("blind calibration: no verdicts visible until the session closes, then the agreement report")
    func calibration() async throws {
        let harness = try await Self.harness()
        try await harness.application().test(.router) { client in
            let lead = Browser(client)
            try await lead.signIn("L001")
            _ = try await lead.request("/qa/calibrations")
            _ = try await QASampleService(environment: harness.environment).draw(
                "cal", parameters: .init(period: "2026-11", perAgent: 1, filters: [.agent: "E001"], seed: 3),
                by: WebHarness.admin)
            let created = try await lead.post(
                "/qa/calibrations",
                [("name", "c1"), ("sample", "cal"), ("rubric", "conduct.zh"), ("reviewers", "Q001, Q002，Q003")])
            #expect(created.status == .seeOther && created.location == "/qa/calibrations/c1")
            var interactions: [String] = []
            for person in ["Q001", "Q002", "Q003"] {
                let reviewer = Browser(client)
                try await reviewer.signIn(person)
                let session = try await reviewer.request("/qa/calibrations/c1")
                #expect(!session.body.contains("id=\"qa-agreement\""))
                let link = try #require(
                    session.body.firstMatch(of: #/class="calibration-review" href="/qa/review/([^"?]+)\?/#).map {
                        String($0.1)
                    })
                let blind = try await reviewer.request(
                    "/qa/review/\(link)?rubric=conduct.zh&sample=cal&calibration=c1")
                #expect(blind.body.contains("qa-blind") && !blind.body.contains("class=\"qa-auto\""))
                #expect(!blind.body.contains("<mark"), "no automatic evidence in a blind review")
                let done = try await Self.review(reviewer, link, calibration: "c1")
                #expect(done.status == .seeOther && done.location == "/qa/calibrations/c1")
                let progress = try await reviewer.request("/qa/calibrations/c1")
                #expect(progress.body.contains("id=\"qa-queue-done\""))
                #expect(!progress.body.contains("id=\"qa-agreement\""), "blind until closed")
                interactions.append(link)
            }
            // Calibration reviews are never shown as results (they are blind), even to their reviewer.
            let reviewer = Browser(client)
            try await reviewer.signIn("Q002")
            for id in 1...3 { #expect(try await reviewer.request("/qa/results/\(id)").status == .notFound) }
            let closed = try await lead.post("/qa/calibrations/c1/close", [])
            #expect(closed.status == .seeOther)
            let report = try await reviewer.request("/qa/calibrations/c1")
            #expect(report.body.contains("id=\"qa-agreement\"") && report.body.contains("Fleiss κ"))
            #expect(report.body.contains("<svg"))
            // A closed session takes no more reviews.
            let late = try await reviewer.request(
                "/qa/review/\(interactions[0])?rubric=conduct.zh&sample=cal&calibration=c1")
            #expect(late.status == .conflict)
            #expect(try await lead.post("/qa/calibrations/c1/close", []).status == .conflict)
        }
    }

    @Test("the QA report: charts, a CSV with formula cells neutralised, a real XLSX")
    func report() async throws {
        let harness = try await Self.harness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("Q001")
            let page = try await browser.request("/qa/report?period=2026-11&rubric=conduct.zh&by=agent&trend=1")
            #expect(page.status == .ok)
            #expect(page.body.components(separatedBy: "<svg").count - 1 == 2)
            #expect(page.body.contains("<th scope=\"row\">E001</th>"))
            let csv = try await browser.request("/qa/report?period=2026-11&rubric=conduct.zh&by=agent&format=csv")
            #expect(csv.status == .ok)
            #expect(csv.body.contains("'=SUM(1,2)") || csv.body.contains("\"'=SUM(1,2)\""))
            #expect(!csv.body.contains("\n=SUM") && !csv.body.contains(",=SUM"))
            let xlsx = try await browser.request("/qa/report?period=2026-11&rubric=conduct.zh&by=agent&format=xlsx")
            #expect(xlsx.status == .ok)
            #expect(xlsx.body.hasPrefix("PK"))
            let empty = try await browser.request("/qa/report?period=2019-01&rubric=conduct.zh")
            #expect(empty.status == .ok && empty.body.contains("id=\"qa-error\""))
        }
    }

    @Test("evidence spans: split by Unicode scalars, overlapping items merged, ranges outside the text clipped")
    func evidenceSpans() {
        let spans = QAView.spans(
            "您好，我是客服<b>", [(0..<2, "greeting"), (1..<4, "identity"), (6..<99, "x"), (50..<60, "y")])
        #expect(spans.map(\.text) == ["您", "好", "，我", "是客", "服<b>"])
        #expect(spans.map(\.items) == [["greeting"], ["greeting", "identity"], ["identity"], [], ["x"]])
        #expect(QAView.spans("", [(0..<3, "a")]).map(\.text) == [""])
        #expect(QAView.localized("开场问候 / Greets the customer", "en") == "Greets the customer")
        #expect(QAView.localized("开场问候 / Greets the customer", "zh") == "开场问候")
    }
}
