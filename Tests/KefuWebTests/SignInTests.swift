import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KefuServices
import Testing

@testable import KefuWeb

@Suite("web: sign-in, sessions, CSRF, security headers, languages")
struct SignInTests {
    @Test("healthz answers 200; an anonymous visitor to / goes to /login; static files are served")
    func anonymous() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            let health = try await browser.request("/healthz")
            #expect(health.status == .ok)
            #expect(health.body == "ok\n")
            let home = try await browser.request("/")
            #expect(home.status == .seeOther)
            #expect(home.location == "/login?next=%2F")
            let css = try await browser.request("/static/kefu.css")
            #expect(css.status == .ok)
            #expect(css.body.contains(".bubble"))
            let api = try await browser.request("/api/me")
            #expect(api.status == .unauthorized)
            #expect(try api.json()["error"] != nil)
        }
    }

    @Test("every response carries the CSP without inline script, nosniff and frame-ancestors 'none'")
    func securityHeaders() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            for path in ["/login", "/healthz", "/no-such-page", "/static/kefu.js"] {
                let page = try await browser.request(path)
                let csp = page.headers[.contentSecurityPolicy] ?? ""
                #expect(csp.contains("script-src 'self'"), "\(path)")
                #expect(!csp.contains("unsafe-inline"), "\(path)")
                #expect(csp.contains("frame-ancestors 'none'"), "\(path)")
                #expect(page.headers[.xContentTypeOptions] == "nosniff", "\(path)")
            }
            let login = try await browser.request("/login")
            #expect(!login.body.contains("<script>"))
            #expect(!login.body.contains(" onclick="))
        }
    }

    @Test("sign in with the right password: HttpOnly SameSite=Lax session cookie, home page; wrong password: 401")
    func signInAndOut() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            let wrong = try await browser.signIn("E001", password: "wrong horse battery")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.contains("工号或密码错误"))
            #expect(browser.cookies["kefu_session"] == nil)
            let unknown = try await browser.signIn("NOBODY")
            #expect(unknown.status == .unauthorized)
            #expect(unknown.body.contains("工号或密码错误"))

            let ok = try await browser.signIn("E001")
            #expect(ok.status == .seeOther)
            let cookie = ok.headers[values: .setCookie].first { $0.hasPrefix("kefu_session=") } ?? ""
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains("Secure"))
            let home = try await browser.request("/")
            #expect(home.status == .ok)
            #expect(home.body.contains("王小明"))
            #expect(home.body.contains("onboarding-theory"))
            let me = try await browser.request("/api/me")
            #expect(try me.json()["person"] as? String == "E001")

            let out = try await browser.post("/logout", [])
            #expect(out.status == .seeOther)
            #expect(try await browser.request("/").status == .seeOther)
        }
    }

    @Test("a form without the CSRF token, or with another browser's, is refused with 403")
    func csrf() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E001")
            let page = try await browser.request("/")
            #expect(page.csrf?.count == 32)
            let missing = try await browser.request("/logout", method: .post, form: [])
            #expect(missing.status == .forbidden)
            let other = Browser(client)
            try await other.request("/login")
            let foreign = try await browser.request("/logout", method: .post, form: [("_csrf", other.csrf)])
            #expect(foreign.status == .forbidden)
            #expect(try await browser.request("/").status == .ok, "still signed in after the refused logouts")
            var headers = HTTPFields()
            headers[HTTPField.Name("X-CSRF-Token")!] = browser.csrf
            let viaHeader = try await browser.request("/logout", method: .post, headers: headers)
            #expect(viaHeader.status == .seeOther)
        }
    }

    @Test("sign-in is rate-limited per person id and per address")
    func throttled() async throws {
        let harness = try await WebHarness(signInsPerMinute: 3)
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            for _ in 0..<3 {
                #expect(try await browser.signIn("E002", password: "nope nope nope").status == .unauthorized)
            }
            let blocked = try await browser.signIn("E002")
            #expect(blocked.status == .tooManyRequests)
            #expect(browser.cookies["kefu_session"] == nil)
        }
    }

    @Test("one person id has the low limit; one address (a centre behind NAT) the higher one; a minute later all pass")
    func throttleLimits() async {
        let throttle = SignInThrottle(limit: 3, addressLimit: 5)
        let start = Date(timeIntervalSince1970: 1_000_000)
        for n in 0..<3 {
            #expect(await throttle.allow(["person:e00\(n)", "address:10.0.0.1"], at: start))
        }
        #expect(await throttle.allow(["person:e003", "address:10.0.0.1"], at: start))
        #expect(await throttle.allow(["person:e004", "address:10.0.0.1"], at: start))
        #expect(!(await throttle.allow(["person:e005", "address:10.0.0.1"], at: start)))
        #expect(await throttle.allow(["person:e006", "address:10.0.0.2"], at: start))
        for _ in 0..<2 { #expect(await throttle.allow(["person:e007", "address:10.0.0.3"], at: start)) }
        #expect(await throttle.allow(["person:e007", "address:10.0.0.4"], at: start))
        #expect(!(await throttle.allow(["person:e007", "address:10.0.0.5"], at: start)))
        #expect(await throttle.allow(["person:e007", "address:10.0.0.1"], at: start.addingTimeInterval(61)))
    }

    @Test("Chinese by default; English from Accept-Language or the language switch")
    func languages() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let zh = Browser(client)
            #expect(try await zh.request("/login").body.contains("<html lang=\"zh\">"))
            let en = Browser(client)
            en.acceptLanguage = "en-GB,en;q=0.9,zh;q=0.5"
            let page = try await en.request("/login")
            #expect(page.body.contains("<html lang=\"en\">"))
            #expect(page.body.contains("Sign in"))
            let switcher = Browser(client)
            try await switcher.request("/login")
            let switched = try await switcher.post("/settings/language", [("lang", "en"), ("back", "/login")])
            #expect(switched.location == "/login")
            #expect(try await switcher.request("/login").body.contains("Person id"))
            let evil = try await switcher.post("/settings/language", [("lang", "zh"), ("back", "//evil.example/")])
            #expect(evil.location == "/")
        }
    }
}

@Suite("web: error pages")
struct ErrorPageTests {
    @Test("a 404 page carries the browser's CSRF token, so signing out from it works")
    func csrfOnErrorPages() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            try await browser.signIn("E001")
            let home = try await browser.request("/")
            let token = try #require(home.csrf)
            let missing = try await browser.request("/attempts/424242")
            #expect(missing.status == .notFound)
            #expect(missing.csrf == token)
            #expect(try await browser.post("/logout", []).status == .seeOther)
        }
    }
}

@Suite("web: API tokens")
struct APITokenWebTests {
    @Test("a bearer token acts as its person without a CSRF token; its use is recorded in the next batch")
    func bearer() async throws {
        let harness = try await WebHarness()
        let accounts = AccountService(environment: harness.environment, settings: harness.configuration.accountSettings)
        let created = try await accounts.createToken(for: "E002", name: "script", by: WebHarness.admin)
        #expect(try await harness.environment.storage.accounts.token(created.info.id)?.lastUsedAt == nil)
        try await harness.application().test(.router) { client in
            let browser = Browser(client)
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(created.token)"
            let me = try await browser.request("/api/me", headers: headers)
            #expect(try me.json()["person"] as? String == "E002")
            let started = try await browser.request(
                "/api/exams/channel-phone/attempts", method: .post, headers: headers)
            #expect(started.status == .created, "no CSRF token needed with a bearer token")
            headers[.authorization] = "Bearer kefu_nope_nope"
            #expect(try await browser.request("/api/me", headers: headers).status == .unauthorized)
        }
        var recorded: String?
        for _ in 0..<30 where recorded == nil {
            try await Task.sleep(for: .milliseconds(100))
            recorded = try await harness.environment.storage.accounts.token(created.info.id)?.lastUsedAt
        }
        #expect(recorded != nil, "the use was written within 3 s")
    }
}
