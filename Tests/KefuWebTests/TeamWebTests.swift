import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KefuCore
import KefuExams
import KefuServices
import KefuStore
import KefuTesting
import Logging
import Testing

@testable import KefuWeb

/// A fresh database with the sample team over a content root that is the repository's except for a promotion track
/// people can meet in a test (E001 may become a team lead after two rated cycles; a supervisor a manager), a fixed
/// clock (2026-12-02), and accounts for E001–E003, M001 (mentor), L001 (team lead), S001 (supervisor) and Q003
/// (granted admin).
struct TeamHarness {
    /// The database's folder.
    let folder: URL
    /// Storage, content (the modified root) and the fixed clock.
    let environment: KefuEnvironment
    /// The web app's settings (bcrypt at its smallest cost, no sign-in throttle to speak of).
    let configuration: WebConfiguration
    /// Everyone's password.
    static let password = WebHarness.password
    /// The fixed "now".
    static let now = Timestamp.parse("2026-12-02T10:00:00Z") ?? Date()
    /// People with a password.
    static let enrolled: [PersonID] = ["E001", "E002", "E003", "M001", "L001", "S001", "Q003"]
    /// The promotion tracks of the test's content root.
    static let promotion = """
        tracks:
          - track: specialist
            steps:
              - {from: specialist, to: senior-specialist, requires: {certifications: [onboarding], tenure_months: 2}}
          - track: management
            steps:
              - {from: specialist, to: team-lead, requires: {tenure_months: 2, ratings: {last: 2, minimum: D}}}
              - {from: supervisor, to: manager, requires: {tenure_months: 1}}
        """

    /// A fresh database with the sample team, Q003 granted admin, and the accounts of ``enrolled``.
    init() async throws {
        folder = try FreshStorage.folder()
        let root = folder.appendingPathComponent("content")
        try Self.contentRoot(at: root)
        let database = folder.appendingPathComponent("kefu.sqlite").path
        environment = KefuEnvironment(
            configuration: Configuration(
                root: root.path, database: database, keyPath: folder.appendingPathComponent("kefu.key").path,
                ledgerOrigin: "kefu.test/ledger"),
            storage: try SQLiteStorage(path: database), clock: .fixed(Self.now))
        var configuration = WebConfiguration(root: repositoryRoot.path)
        configuration.accountSettings.bcryptCost = 4
        configuration.signInsPerMinute = 1000
        self.configuration = configuration
        _ = try await PeopleService(environment: environment).importCSV(
            .file(repositoryRoot.appendingPathComponent("Samples/people.csv").path), by: WebHarness.admin)
        let accounts = AccountService(environment: environment, settings: configuration.accountSettings)
        try await accounts.grant(.admin, to: "Q003", by: WebHarness.admin)
        for person in Self.enrolled {
            let link = try await accounts.invite(person, by: WebHarness.admin)
            try await accounts.setPassword(token: link.token, password: Self.password)
        }
    }

    /// The repository's content with `Tracks/promotion.yaml` replaced.
    static func contentRoot(at root: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("Tracks"), withIntermediateDirectories: true)
        // Content folders are copied (the content loader does not descend into a linked folder); the rest is linked.
        let copied: Set<String> = ["Policies", "QuestionBanks", "Rubrics", "Scenarios"]
        for name in try manager.contentsOfDirectory(atPath: repositoryRoot.path)
        where name != "Tracks" && !name.hasPrefix(".") {
            let source = repositoryRoot.appendingPathComponent(name)
            if copied.contains(name) {
                try manager.copyItem(at: source, to: root.appendingPathComponent(name))
            } else {
                try manager.createSymbolicLink(at: root.appendingPathComponent(name), withDestinationURL: source)
            }
        }
        let tracks = repositoryRoot.appendingPathComponent("Tracks")
        for name in try manager.contentsOfDirectory(atPath: tracks.path) where name != "promotion.yaml" {
            try manager.createSymbolicLink(
                at: root.appendingPathComponent("Tracks/\(name)"),
                withDestinationURL: tracks.appendingPathComponent(name))
        }
        try Data(promotion.utf8).write(to: root.appendingPathComponent("Tracks/promotion.yaml"))
    }

    /// The application over this database.
    func application() async throws -> some ApplicationProtocol {
        let router = try await WebApp.router(
            environment: environment, configuration: configuration, logger: Logger(label: "kefu.web.test"))
        return Application(router: router, logger: Logger(label: "kefu.web.test"))
    }

    /// Imports the sample KPI feedback (October and November 2026).
    func importFeedback() async throws {
        _ = try await ReviewService(environment: environment).importFeedback(
            .file(repositoryRoot.appendingPathComponent("Samples/reviews/feedback-2026.csv").path), by: WebHarness.admin
        )
    }

    /// An identity as the services see it, with the roles `person` holds.
    func identity(_ person: PersonID) async throws -> Identity {
        let roles = try await AccountService(environment: environment).roles(of: person)
        return Identity(person: person, roles: roles, channel: .operator(osUser: "test"))
    }

    /// Evidence for `onboarding` an administrator enters by hand for `person`: the exam, both scenarios, a
    /// supervisor's sign-off.
    func enterEvidenceByHand(_ person: PersonID) async throws {
        let people = PeopleService(environment: environment)
        for (kind, reference) in [
            (AttemptKind.exam, "onboarding-theory"), (.scenario, "p2p-withdrawal-delay"),
            (.scenario, "express-damaged-parcel"),
        ] {
            _ = try await people.recordAttempt(
                AttemptInput(
                    person: person, kind: kind, reference: reference, score: 95, result: .pass, reason: "纸质考试"),
                by: WebHarness.admin)
        }
        _ = try await people.recordSignOff(
            SignOffInput(person: person, mentor: "S001", certification: "onboarding", reason: "纸质签字"),
            by: WebHarness.admin)
    }

    /// `person` fails onboarding-theory twice (weak answers, the essay marked 1 by team lead L001): flagged.
    func flagForRetraining(_ person: PersonID) async throws {
        let exams = ExamService(environment: environment)
        let path = "Samples/exams/onboarding-theory.zh.weak.jsonl"
        let weak = try AnswerScript.parse(
            try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8), file: path)
        let lead = try await identity("L001")
        for _ in 0..<2 {
            let run = try await exams.take(
                "onboarding-theory", language: "zh", answers: weak, by: try await identity(person))
            let essay = try #require(run.session.paper.items.firstIndex { $0.question.type == .essay })
            _ = try await exams.grade(attempt: run.record.id, position: essay, marks: 1, comment: "", by: lead)
        }
    }
}

/// The lines of a CSV body (CRLF line ends, a byte-order mark first).
private func csvLines(_ body: String) -> [String] {
    body.replacingOccurrences(of: "\r\n", with: "\n").drop { $0 == "\u{FEFF}" }.split(separator: "\n").map(String.init)
}

/// The body's first CSV line.
private func firstLine(_ body: String) -> String { csvLines(body).first ?? "" }

@Suite("web: team leads, supervisors, managers and administrators")
struct TeamWebTests {
    /// Every page of the area.
    static let pages = [
        "/team", "/team?format=csv", "/team/cycles", "/team/cycles/2026-11", "/team/cycles/compare?a=2026-10&b=2026-11",
        "/team/scorecards/E001/2026-11", "/team/promotion", "/team/promotion/E001",
        "/team/promotion/E001/apply?to=team-lead", "/team/retraining", "/team/certifications",
        "/team/certifications/1", "/team/mentors", "/team/mentors/proposal", "/people", "/people/E001",
        "/audit", "/audit?format=xlsx",
    ]

    @Test("a trainee or a mentor gets 403 or 404 on every page and every form; a supervisor gets 403 on /people")
    func roleIsolation() async throws {
        let harness = try await TeamHarness()
        try await harness.importFeedback()
        _ = try await ReviewService(environment: harness.environment).runCycle("2026-11", by: WebHarness.admin)
        try await harness.application().test(.router) { client in
            for person in ["E001", "M001"] {
                let browser = Browser(client)
                try await browser.signIn(person)
                let home = try await browser.request("/")
                #expect(home.status == .ok)
                #expect(!home.body.contains("href=\"/team\""), "\(person) is shown no team link")
                for path in Self.pages {
                    let page = try await browser.request(path)
                    #expect(
                        page.status == .forbidden || page.status == .notFound, "\(person) GET \(path): \(page.status)")
                    #expect(!page.body.contains("period,person"), "\(person) \(path): no export")
                }
                let posts: [(String, [(String, String)])] = [
                    ("/team/cycles", [("period", "2026-10")]),
                    ("/team/promotion/E002/apply", [("to", "team-lead"), ("confirm", "yes")]),
                    (
                        "/team/retraining/clear",
                        [("person", "E002"), ("blueprint", "onboarding-theory"), ("note", "x")]
                    ),
                    ("/team/certifications/issue", [("person", "E002"), ("certification", "onboarding")]),
                    ("/team/certifications/expire", []), ("/team/mentors/apply", [("confirm", "yes")]),
                    ("/people/import", [("csv", "id,name,hire_date\nX1,x,2026-01-01")]), ("/people/E002/lock", []),
                    ("/people/E002/grant", [("role", "admin")]),
                ]
                for (path, form) in posts {
                    let page = try await browser.post(path, form)
                    #expect(
                        page.status == .forbidden || page.status == .notFound, "\(person) POST \(path): \(page.status)")
                }
            }
            #expect(try await harness.environment.storage.people.person("X1") == nil, "nothing was imported")
            let supervisor = Browser(client)
            try await supervisor.signIn("S001")
            #expect(try await supervisor.request("/team").status == .ok)
            #expect(try await supervisor.request("/audit").status == .ok)
            #expect(try await supervisor.request("/people").status == .forbidden)
            #expect(try await supervisor.request("/people/E001").status == .forbidden)
            let lead = Browser(client)
            try await lead.signIn("L001")
            #expect(try await lead.request("/team").status == .ok)
            #expect(try await lead.request("/audit").status == .forbidden, "team leads do not read the audit log")
            // A form without the CSRF token is refused before anything runs.
            let forged = try await supervisor.request("/team/cycles", method: .post, form: [("period", "2026-10")])
            #expect(forged.status == .forbidden)
            #expect(
                try await ReviewService(environment: harness.environment).report(
                    period: "2026-10", by: WebHarness.admin
                ).isEmpty)
        }
    }

    @Test("guessed ids answer 404: people, cycles, scorecards, certificates, promotion steps")
    func guessedIDs() async throws {
        let harness = try await TeamHarness()
        try await harness.application().test(.router) { client in
            let supervisor = Browser(client)
            try await supervisor.signIn("S001")
            for path in [
                "/team/promotion/NOBODY", "/team/promotion/E001/apply?to=expert", "/team/cycles/1999-01",
                "/team/scorecards/E001/1999-01", "/team/scorecards/NOBODY/2026-11", "/team/certifications/999",
                "/team/certifications/abc", "/team/cycles/compare?a=1999-01&b=1999-02",
            ] {
                #expect(try await supervisor.request(path).status == .notFound, "\(path)")
            }
            let admin = Browser(client)
            try await admin.signIn("Q003")
            #expect(try await admin.request("/people/NOBODY").status == .notFound)
            #expect(try await admin.post("/people/NOBODY/lock", []).status == .notFound)
            #expect(try await admin.post("/people/E001/frobnicate", []).status == .notFound)
        }
    }

    @Test("a supervisor runs review cycles (a stored one refused unless replaced), the dashboard, compare, exports")
    func cycles() async throws {
        let harness = try await TeamHarness()
        try await harness.importFeedback()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("S001")
            let empty = try await browser.request("/team")
            #expect(empty.status == .ok && empty.body.contains("id=\"no-scorecards\""))
            try await browser.request("/team/cycles")
            let bad = try await browser.post("/team/cycles", [("period", "2026-13")])
            #expect(bad.status == .unprocessableContent && bad.body.contains("is not a period"))
            for period in ["2026-10", "2026-11"] {
                let ran = try await browser.post("/team/cycles", [("period", period)])
                #expect(ran.status == .seeOther && ran.location == "/team/cycles/\(period)?ran=1")
            }
            let again = try await browser.post("/team/cycles", [("period", "2026-11")])
            #expect(again.status == .conflict && again.body.contains("already stored"))
            #expect(
                try await browser.post("/team/cycles", [("period", "2026-11"), ("replace", "yes")]).status == .seeOther)
            let cycle = try await browser.request("/team/cycles/2026-11")
            #expect(cycle.status == .ok && cycle.body.contains("data-person=\"E001\"") && cycle.body.contains("<svg"))
            let cards = try await ReviewService(environment: harness.environment).report(
                period: "2026-11", by: WebHarness.admin)
            let e001 = try #require(cards.first { $0.person == "E001" })
            #expect(cycle.body.contains(TeamView.number(e001.total)), "the page shows E001's stored total")
            let board = try await browser.request("/team")
            #expect(board.body.contains("<svg") && board.body.contains("<title") && board.body.contains("<desc"))
            #expect(board.body.contains("/team/scorecards/E001/2026-10") && board.body.contains("王小明"))
            let scorecard = try await browser.request("/team/scorecards/E001/2026-11")
            #expect(
                scorecard.status == .ok && scorecard.body.contains("data-kpi=\"satisfaction\"")
                    && scorecard.body.contains("data-print"))
            let cycleCSV = try await browser.request("/team/cycles/2026-11?format=csv")
            #expect(csvLines(cycleCSV.body).count == cards.count + 1 && cycleCSV.body.contains("2026-11,E001,王小明"))
            let compare = try await browser.request("/team/cycles/compare?a=2026-10&b=2026-11")
            #expect(compare.status == .ok && compare.body.contains("id=\"comparison\""))
            let csv = try await browser.request("/team?format=csv")
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(firstLine(csv.body).hasPrefix("period,person,name,team,total,rating"))
            #expect(csv.body.contains("2026-11,E001,王小明,微信一组,\(TeamView.number(e001.total)),\(e001.rating)"))
            let xlsx = try await client.execute(
                uri: "/team?format=xlsx", method: .get,
                headers: [.cookie: browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")], body: nil)
            #expect(Array(xlsx.body.readableBytesView.prefix(2)) == Array("PK".utf8), "an .xlsx is a zip")
            let team = try await browser.request("/team?team=Phone%20B")
            #expect(team.body.contains("data-person=\"E002\"") && !team.body.contains("data-person=\"E001\""))
        }
    }

    @Test("promotion: every rule explained, a confirmation step, refusals shown, nobody promotes themselves")
    func promotion() async throws {
        let harness = try await TeamHarness()
        try await harness.importFeedback()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("S001")
            let before = try await browser.request("/team/promotion/E001")
            #expect(
                before.status == .ok && before.body.contains("class=\"rule unmet\"")
                    && !before.body.contains("apply-link"))
            #expect(before.body.contains("个考核周期评级均不低于 D"), "the ratings rule is listed, in Chinese")
            let early = try await browser.post("/team/promotion/E001/apply", [("to", "team-lead"), ("confirm", "yes")])
            #expect(
                early.status == .conflict && early.body.contains("id=\"refusal\"")
                    && early.body.contains("not all rules are met"))
            for period in ["2026-10", "2026-11"] { try await browser.post("/team/cycles", [("period", period)]) }
            let ready = try await browser.request("/team/promotion/E001")
            #expect(ready.body.contains("href=\"/team/promotion/E001/apply?to=team-lead\""))
            #expect(
                ready.body.contains("class=\"rule met\"") && ready.body.contains("class=\"rule unmet\""),
                "the other track is unmet")
            let confirm = try await browser.request("/team/promotion/E001/apply?to=team-lead")
            #expect(confirm.status == .ok && confirm.body.contains("name=\"confirm\""))
            let unconfirmed = try await browser.post("/team/promotion/E001/apply", [("to", "team-lead")])
            #expect(unconfirmed.status == .unprocessableContent && unconfirmed.body.contains("id=\"confirm-error\""))
            #expect(try await harness.environment.storage.people.person("E001")?.level == .specialist)
            let done = try await browser.post("/team/promotion/E001/apply", [("to", "team-lead"), ("confirm", "yes")])
            #expect(done.status == .ok && done.body.contains("id=\"new-level\">team-lead"))
            #expect(try await harness.environment.storage.people.person("E001")?.level == .teamLead)
            // Nobody promotes themselves: S001's own step is ready but refused, with the reason.
            let own = try await browser.request("/team/promotion/S001")
            #expect(own.status == .ok && own.body.contains("id=\"apply-refusal\"") && !own.body.contains("apply-link"))
            let selfPromotion = try await browser.post(
                "/team/promotion/S001/apply", [("to", "manager"), ("confirm", "yes")])
            #expect(selfPromotion.status == .forbidden && selfPromotion.body.contains("nobody may"))
            #expect(try await harness.environment.storage.people.person("S001")?.level == .supervisor)
            // A team lead checks but does not approve.
            let lead = Browser(client)
            try await lead.signIn("L001")
            #expect(try await lead.request("/team/promotion/E002").status == .ok)
            let refused = try await lead.post("/team/promotion/S001/apply", [("to", "manager"), ("confirm", "yes")])
            #expect(refused.status == .forbidden)
            let audit = try await browser.request("/audit?action=promotion.")
            #expect(audit.body.contains("data-action=\"promotion.apply\""))
        }
    }

    @Test("retraining cleared with a reason; certification issued when met, unmet explained, revoked, expired, printed")
    func retrainingAndCertifications() async throws {
        let harness = try await TeamHarness()
        try await harness.flagForRetraining("E003")
        try await harness.enterEvidenceByHand("E002")
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("S001")
            let flags = try await browser.request("/team/retraining")
            #expect(flags.body.contains("data-person=\"E003\" data-blueprint=\"onboarding-theory\""))
            let noReason = try await browser.post(
                "/team/retraining/clear", [("person", "E003"), ("blueprint", "onboarding-theory"), ("note", " ")])
            #expect(noReason.status == .unprocessableContent && noReason.body.contains("id=\"retraining-error\""))
            let cleared = try await browser.post(
                "/team/retraining/clear", [("person", "E003"), ("blueprint", "onboarding-theory"), ("note", "复训完成")])
            #expect(cleared.status == .seeOther)
            #expect(try await browser.request("/team/retraining").body.contains("id=\"no-flags\""))
            let unmet = try await browser.post(
                "/team/certifications/issue", [("person", "E001"), ("certification", "onboarding")])
            #expect(
                unmet.status == .unprocessableContent && unmet.body.contains("id=\"not-issued\"")
                    && unmet.body.contains("rule unmet"))
            let selfIssue = try await browser.post(
                "/team/certifications/issue", [("person", "S001"), ("certification", "onboarding")])
            #expect(selfIssue.status == .forbidden && selfIssue.body.contains("nobody may"))
            let issued = try await browser.post(
                "/team/certifications/issue", [("person", "E002"), ("certification", "onboarding")])
            #expect(issued.status == .ok && issued.body.contains("id=\"issued\""))
            let entry = try #require(try await harness.environment.storage.ledger.entries(person: "E002").last)
            let certificate = try await browser.request("/team/certifications/\(entry.sequence)")
            #expect(
                certificate.status == .ok && certificate.body.contains("Anna Smith")
                    && certificate.body.contains("data-state=\"valid\""))
            let list = try await browser.request("/team/certifications")
            #expect(list.body.contains("data-entry=\"\(entry.sequence)\" data-state=\"valid\""))
            let noReason2 = try await browser.post("/team/certifications/\(entry.sequence)/revoke", [("reason", "")])
            #expect(noReason2.status == .unprocessableContent)
            #expect(
                try await browser.post("/team/certifications/\(entry.sequence)/revoke", [("reason", "考试舞弊")]).status
                    == .seeOther)
            #expect(try await browser.request("/team/certifications").body.contains("data-state=\"revoked\""))
            let future = try await browser.post("/team/certifications/expire", [("asOf", "2027-12-31")])
            #expect(future.status == .unprocessableContent && future.body.contains("in the future"))
            let expired = try await browser.post("/team/certifications/expire", [("asOf", "2026-12-02")])
            #expect(expired.status == .seeOther && expired.location == "/team/certifications?done=expired&n=0")
        }
    }

    @Test(
        "mentor assignment: the dry run is shown and stores nothing; apply needs the confirmation and the same proposal"
    )
    func mentors() async throws {
        let harness = try await TeamHarness()
        try await harness.enterEvidenceByHand("M001")
        let certified = try await LedgerService(environment: harness.environment).certify(
            person: "M001", certification: "onboarding", by: WebHarness.admin)
        #expect(certified.isIssued, "\(certified.checks)")
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("S001")
            let page = try await browser.request("/team/mentors")
            #expect(page.status == .ok && page.body.contains("id=\"dry-run\""))
            let proposal = try await browser.request("/team/mentors/proposal")
            #expect(proposal.status == .ok)
            let assignment = try await MentorService(environment: harness.environment).propose()
            #expect(assignment.pairs.count == 4 && assignment.pairs.allSatisfy { $0.mentor == "M001" })
            #expect(proposal.body.contains("id=\"proposed-pairs\""))
            #expect(proposal.body.contains("李慧 (M001)") && proposal.body.contains("孙磊 (E004)"))
            #expect(
                try await MentorService(environment: harness.environment).active().isEmpty, "a dry run stores nothing")
            let fingerprint = WebRoutes.fingerprint(assignment)
            #expect(proposal.body.contains(fingerprint))
            let unconfirmed = try await browser.post("/team/mentors/apply", [("fingerprint", fingerprint)])
            #expect(unconfirmed.status == .conflict && unconfirmed.body.contains("id=\"proposal-error\""))
            let stale = try await browser.post("/team/mentors/apply", [("confirm", "yes"), ("fingerprint", "0")])
            #expect(stale.status == .conflict && stale.body.contains("id=\"proposal-error\""))
            let applied = try await browser.post(
                "/team/mentors/apply", [("confirm", "yes"), ("fingerprint", fingerprint)])
            #expect(applied.status == .seeOther)
            #expect(try await MentorService(environment: harness.environment).active().count == assignment.pairs.count)
        }
    }

    @Test("people: import CSV all-or-nothing, invite shows the one-time link once, lock, unlock, grant, withdraw")
    func peopleAndAccounts() async throws {
        let harness = try await TeamHarness()
        try await harness.application().test(.router) { client in
            let admin = Browser(client)
            try await admin.signIn("Q003")
            let list = try await admin.request("/people")
            #expect(list.status == .ok && list.body.contains("data-person=\"E004\" data-state=\"none\""))
            let bad = try await admin.post("/people/import", [("csv", "id,name,hire_date\nN1,新人,2026-13-01\n")])
            #expect(bad.status == .unprocessableContent && bad.body.contains("hire_date"))
            let good = try await admin.post(
                "/people/import", [("csv", "id,name,hire_date,team\nN1,新人,2026-11-01,微信一组\n")])
            #expect(good.status == .seeOther && good.location == "/people?imported=1")
            let invite = try await admin.post("/people/E004/invite", [])
            #expect(invite.status == .ok && invite.body.contains("/account/setup?token="))
            let token = try #require(
                invite.body.components(separatedBy: "token=").dropFirst().first?.prefix { $0 != "<" && $0 != "\n" })
            #expect(token.count >= 16)
            let person = try await admin.request("/people/E004")
            #expect(
                person.body.contains("data-state=\"invited\"") && !person.body.contains(String(token)),
                "the link is shown once")
            #expect(try await admin.post("/people/E001/lock", []).location == "/people/E001?done=lock")
            #expect(try await admin.request("/people/E001").body.contains("data-state=\"disabled\""))
            let locked = Browser(client)
            let signIn = try await locked.signIn("E001")
            #expect(signIn.status != .seeOther || signIn.location != "/", "a locked account cannot sign in")
            #expect(try await admin.post("/people/E001/unlock", []).status == .seeOther)
            #expect(try await admin.post("/people/E001/grant", [("role", "qa-reviewer")]).status == .seeOther)
            #expect(try await admin.request("/people/E001").body.contains("data-role=\"qa-reviewer\""))
            #expect(try await admin.post("/people/E001/withdraw", [("role", "qa-reviewer")]).status == .seeOther)
            #expect(!(try await admin.request("/people/E001").body.contains("data-role=\"qa-reviewer\"")))
            let selfGrant = try await admin.post("/people/Q003/grant", [("role", "supervisor")])
            #expect(selfGrant.status == .forbidden && selfGrant.body.contains("themselves"))
        }
    }

    @Test("audit log: filters by actor, action, dates and text; paging; CSV cells that start = + - @ are neutralised")
    func audit() async throws {
        let harness = try await TeamHarness()
        let accounts = AccountService(environment: harness.environment, settings: harness.configuration.accountSettings)
        // A formula typed by staff ends up in the log as data: the export must not let a spreadsheet run it.
        _ = try await accounts.grant(.qaReviewer, to: "Q001", by: WebHarness.admin)
        let supervisor = try await harness.identity("S001")
        try await harness.environment.audit(supervisor, "=cmd|' /C calc'!A0", subject: "+SUM(1)")
        try await harness.environment.audit(supervisor, "@import", subject: "-1+2")
        for i in 0..<55 { try await harness.environment.audit(WebHarness.admin, "test.bulk", subject: "bulk \(i)") }
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("S001")
            let all = try await browser.request("/audit")
            #expect(
                all.status == .ok && all.body.contains("data-action=\"test.bulk\"")
                    && all.body.contains("rel=\"next\""), "newest first, 50 to a page")
            let grants = try await browser.request("/audit?action=role.")
            #expect(
                grants.body.contains("data-action=\"role.grant\"")
                    && !grants.body.contains("data-action=\"account.invite\""))
            let text = try await browser.request("/audit?q=qa-reviewer")
            #expect(text.body.contains("role grant") && !text.body.contains("data-action=\"people.import\""))
            let later = try await browser.request("/audit?from=2026-12-03")
            #expect(later.body.contains("id=\"no-events\""))
            let today = try await browser.request("/audit?from=2026-12-02&to=2026-12-02&actor=S001")
            #expect(today.body.contains("+SUM(1)") && !today.body.contains("data-action=\"role.grant\""))
            #expect(try await browser.request("/audit?from=yesterday").status == .unprocessableContent)
            let paged = try await browser.request("/audit?page=2")
            #expect(paged.status == .ok && paged.body.contains("rel=\"prev\""), "more than 50 events: a second page")
            let csv = try await browser.request("/audit?actor=S001&format=csv")
            #expect(firstLine(csv.body) == "sequence,at,actor,person,action,subject,detail")
            let rows: [String] = Array(csvLines(csv.body).dropFirst())
            let cells: [String] = rows.flatMap { row in row.split(separator: ",").map(String.init) }
                .map { $0.hasPrefix("\"") ? String($0.dropFirst()) : $0 }
            #expect(
                cells.count >= 14 && cells.contains { $0.contains("=cmd") } && cells.contains { $0.contains("-1+2") },
                "\(csv.body)")
            #expect(!cells.contains { ["=", "+", "-", "@"].contains($0.first.map(String.init) ?? "") }, "\(cells)")
        }
    }
}
