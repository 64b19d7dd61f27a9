import Foundation
import HTTPTypes
import Hummingbird
import KefuServices
import Logging

/// Adds the security headers to every response: a Content-Security-Policy without inline script or style,
/// `frame-ancestors 'none'`, `nosniff`, a same-origin referrer, and HSTS when served over TLS.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let secure: Bool
    static var policy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        if secure { response.headers[.strictTransportSecurity] = "max-age=31536000" }
        return response
    }
}

/// Logs one line per request through swift-log: method, the route's pattern (`/attempts/{attempt}`, never the ids,
/// query or body, so no personal data), status and milliseconds.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let logger: Logger

    func handle(
        _ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        let route = context.endpointPath ?? (request.uri.path.hasPrefix("/static/") ? "/static/*" : "(unmatched)")
        logger.info(
            "\(request.method) \(route) \(response.status.code) \(String(format: "%.1f", ms)) ms")
        return response
    }
}

/// Turns errors into answers: pages get an error page (or, without a session, the sign-in page), `/api/…` gets
/// `{"error": {"code", "message"}}`. Service errors keep their message; a read the policy refuses is already "not
/// found" in the services, so foreign ids and missing ids answer alike.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let pages: Pages
    let logger: Logger

    struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
        }
        var error: Detail
    }

    func handle(
        _ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response
    ) async throws -> Response {
        do { return try await next(request, context) } catch {
            // Static files: the file middleware (outside this one) answers the router's "no route".
            if request.uri.path.hasPrefix("/static/") { throw error }
            let (status, code, message) = Self.describe(error)
            if status == .internalServerError { logger.error("request failed: \(type(of: error))") }
            if Self.wantsJSON(request) {
                return try Pages.json(Body(error: .init(code: code, message: message)), status: status)
            }
            if status == .unauthorized, request.method == .get {
                let next = request.uri.path
                return Pages.redirect(
                    "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
            }
            var context = context
            context.locale = Locales.choose(request: request)
            // This middleware runs outside the session middleware: give the error page the browser's CSRF token so
            // the forms on it (sign out, language) keep working.
            if let seed = request.cookies[CookieName.session]?.value ?? request.cookies[CookieName.preSession]?.value {
                context.csrfToken = SessionMiddleware.csrfToken(seed: seed)
            }
            let titleKey = status == .notFound ? "error_not_found" : "error_title"
            return try pages.render(
                "error",
                ["message": message, "titleKey": pages.locales.text(titleKey, context.locale), "status": status.code],
                context: context, status: status)
        }
    }

    static func wantsJSON(_ request: Request) -> Bool {
        request.uri.path.hasPrefix("/api/") || request.headers[.accept]?.hasPrefix("application/json") == true
    }

    /// Status, code and message for an error.
    static func describe(_ error: any Error) -> (HTTPResponse.Status, String, String) {
        switch error {
        case let error as WebError:
            return (error.status, error.status == .notFound ? "not-found" : "\(error.status.code)", error.message)
        case let error as ServiceError:
            switch error.code {
            case .notFound: return (.notFound, error.code.rawValue, error.message)
            case .unauthenticated: return (.unauthorized, error.code.rawValue, error.message)
            case .forbidden: return (.forbidden, error.code.rawValue, error.message)
            case .conflict: return (.conflict, error.code.rawValue, error.message)
            case .invalidInput: return (.unprocessableContent, error.code.rawValue, error.message)
            case .precondition: return (.conflict, error.code.rawValue, error.message)
            case .unavailable: return (.serviceUnavailable, error.code.rawValue, error.message)
            }
        case let error as HTTPError:
            return (error.status, "\(error.status.code)", error.body ?? error.status.reasonPhrase)
        default:
            return (.internalServerError, "internal", "something went wrong on the server; the error is logged")
        }
    }
}
