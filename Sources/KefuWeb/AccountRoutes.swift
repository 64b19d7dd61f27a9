import Foundation
import Hummingbird
import KefuCore
import KefuServices

extension WebRoutes {
    /// `/healthz` and the language switch: no session needed.
    func addPublicRoutes(to router: Router<WebContext>) {
        router.get("/healthz") { _, _ -> Response in
            var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
            response.headers[.contentType] = "text/plain; charset=utf-8"
            return response
        }
        router.get("/openapi.json") { _, _ -> Response in
            var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: openAPIDocument)))
            response.headers[.contentType] = "application/json; charset=utf-8"
            return response
        }
        router.post("/settings/language") { request, context -> Response in
            let form = try await readForm(request)
            let lang = Locales.supported.contains(form["lang"] ?? "") ? form["lang"]! : "zh"
            var response = Pages.redirect(Self.localPath(form["back"]))
            response.setCookie(
                Cookie(
                    name: CookieName.language, value: lang, maxAge: 365 * 24 * 3600, path: "/",
                    secure: configuration.secureCookies, httpOnly: true, sameSite: .lax))
            return response
        }
    }

    /// Sign in, sign out, first password from an invitation or reset link.
    func addAccountRoutes(to router: Router<WebContext>) {
        router.get("/login") { request, context -> Response in
            if context.identity != nil { return Pages.redirect("/") }
            return try pages.render(
                "login", ["next": Self.localPath(request.uri.queryParameters.get("next"))], context: context)
        }
        router.post("/login") { request, context -> Response in
            let form = try await readForm(request)
            return try await signIn(form: form, request: request, context: context)
        }
        router.post("/logout") { request, context -> Response in
            if let secret = request.cookies[CookieName.session]?.value {
                try? await services.accounts.logout(session: secret)
            }
            var response = Pages.redirect("/login")
            response.setCookie(Cookie(name: CookieName.session, value: "", maxAge: 0, path: "/", sameSite: .lax))
            return response
        }
        router.get("/account/setup") { request, context -> Response in
            try pages.render(
                "setup", ["token": request.uri.queryParameters.get("token") ?? ""], context: context)
        }
        router.post("/account/setup") { request, context -> Response in
            let form = try await readForm(request)
            let password = form["password"] ?? ""
            guard password == form["confirm"] else {
                return try pages.render(
                    "setup",
                    ["token": form["token"] ?? "", "error": pages.locales.text("passwords_differ", context.locale)],
                    context: context, status: .unprocessableContent)
            }
            do {
                try await services.accounts.setPassword(token: form["token"] ?? "", password: password)
            } catch let error as ServiceError where error.code != .unavailable {
                return try pages.render(
                    "setup", ["token": form["token"] ?? "", "error": error.message], context: context,
                    status: .unprocessableContent)
            }
            return Pages.redirect("/login?done=setup")
        }
    }

    /// Checks the throttle, then the password; sets the session cookie and goes to `next`.
    func signIn(form: Form, request: Request, context: WebContext) async throws -> Response {
        let person = (form["person"] ?? "").trimmingCharacters(in: .whitespaces)
        let next = Self.localPath(form["next"])
        let keys = ["person:" + person.lowercased()] + (context.remoteAddress.map { ["address:" + $0] } ?? [])
        guard await throttle.allow(keys) else {
            return try pages.render(
                "login", ["next": next, "person": person, "error": pages.locales.text("throttled", context.locale)],
                context: context, status: .tooManyRequests)
        }
        let signIn: SignIn
        do {
            signIn = try await services.accounts.login(
                person: PersonID(person), password: form["password"] ?? "",
                userAgent: request.headers[.userAgent])
        } catch let error as ServiceError where error.code == .unauthenticated || error.code == .forbidden {
            let message =
                error.code == .unauthenticated ? pages.locales.text("wrong_credentials", context.locale) : error.message
            return try pages.render(
                "login", ["next": next, "person": person, "error": message], context: context, status: .unauthorized)
        }
        var response = Pages.redirect(next)
        response.setCookie(
            Cookie(
                name: CookieName.session, value: signIn.secret, path: "/", secure: configuration.secureCookies,
                httpOnly: true, sameSite: .lax))
        if request.cookies[CookieName.language] == nil,
            let speaker = try? await services.environment.storage.people.person(signIn.identity.person),
            let first = speaker.languages.first(where: Locales.supported.contains)
        {
            response.setCookie(
                Cookie(
                    name: CookieName.language, value: first, maxAge: 365 * 24 * 3600, path: "/",
                    secure: configuration.secureCookies, httpOnly: true, sameSite: .lax))
        }
        return response
    }

    /// A path inside this site to go back to (`/exams/x`), never another host (`//evil`, `https://…`).
    static func localPath(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"), !text.contains("\n")
        else { return "/" }
        return text
    }

    /// The urlencoded form of a request (the body was already collected by the CSRF check).
    func readForm(_ request: Request) async throws -> Form {
        var request = request
        let body = try await request.collectBody(upTo: configuration.maxBodyBytes)
        return Form(String(buffer: body))
    }
}
