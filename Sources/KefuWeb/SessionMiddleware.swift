import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import KefuCore
import KefuServices

/// Names of the cookies the app sets.
enum CookieName {
    /// The session secret (HttpOnly, SameSite=Lax).
    static let session = "kefu_session"
    /// A random value that seeds the CSRF token before signing in.
    static let preSession = "kefu_pre"
    /// The chosen interface language.
    static let language = "kefu_lang"
}

extension HTTPField.Name {
    /// The header JavaScript sends the CSRF token in.
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}

/// Establishes who is asking (session cookie or `Authorization: Bearer` API token), enforces the CSRF token on every
/// mutation made with a cookie, and picks the page language.
///
/// The CSRF token is a hash of the session secret (or of the pre-session cookie before signing in): pages embed it,
/// forms send it as `_csrf`, JavaScript as `X-CSRF-Token`. API-token requests are exempt: they carry no ambient
/// credential a third-party page could ride on.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = WebContext

    let accounts: AccountService
    let configuration: WebConfiguration
    /// Mutations that need no CSRF token because they change nothing (public credential verification).
    static let exempt: Set<String> = ["/verify", "/api/verify"]

    func handle(
        _ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        var request = request
        var seed: String?
        var clearSession = false
        if let bearer = request.headers.bearer {
            do { context.identity = try await accounts.authenticate(token: bearer.token) } catch {
                throw WebError(.unauthorized, "the API token is unknown, revoked or expired")
            }
            context.viaToken = true
        } else if let secret = request.cookies[CookieName.session]?.value, !secret.isEmpty {
            do {
                context.identity = try await accounts.authenticate(session: secret)
                seed = secret
            } catch let error as ServiceError where error.code == .unauthenticated {
                clearSession = true
            }
        }
        if !context.viaToken {
            if seed == nil {
                if let pre = request.cookies[CookieName.preSession]?.value, pre.count >= 32 {
                    seed = pre
                } else {
                    let pre = Self.randomToken()
                    seed = pre
                    context.pendingCookies.append(
                        Cookie(
                            name: CookieName.preSession, value: pre, path: "/", secure: configuration.secureCookies,
                            httpOnly: true, sameSite: .lax))
                }
            }
            context.csrfToken = Self.csrfToken(seed: seed ?? "")
            if Self.isMutation(request.method), !Self.exempt.contains(request.uri.path) {
                try await Self.checkCSRF(&request, expected: context.csrfToken, limit: configuration.maxBodyBytes)
            }
        }
        context.locale = Locales.choose(request: request)
        context.path = request.uri.path
        var response = try await next(request, context)
        for cookie in context.pendingCookies { response.setCookie(cookie) }
        if clearSession {
            response.setCookie(Cookie(name: CookieName.session, value: "", maxAge: 0, path: "/", sameSite: .lax))
        }
        return response
    }

    static func isMutation(_ method: HTTPRequest.Method) -> Bool {
        method == .post || method == .put || method == .patch || method == .delete
    }

    /// Refuses a mutation whose `X-CSRF-Token` header or `_csrf` form field is not `expected`.
    static func checkCSRF(_ request: inout Request, expected: String, limit: Int) async throws {
        var supplied = request.headers[.csrfToken]
        if supplied == nil,
            request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
        {
            let body = try await request.collectBody(upTo: limit)
            supplied = Form(String(buffer: body))["_csrf"]
        }
        if supplied == nil, let query = request.uri.queryParameters.get("_csrf") { supplied = query }
        guard let supplied, AccountService.constantTimeEqual(supplied, expected) else { throw WebError.badCSRF }
    }

    /// The CSRF token for a seed (session secret or pre-session value).
    static func csrfToken(seed: String) -> String {
        let digest = SHA256.hash(data: Data(("kefu-csrf\u{0}" + seed).utf8))
        return digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// 32 random bytes, hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
