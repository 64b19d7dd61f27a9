import Foundation
import HTTPTypes
import Hummingbird
import KefuCore
import Mustache

/// Renders the Mustache templates of `Web/templates` (HTML-escaped by default: customer text is untrusted) with the
/// strings of the request's language and the common page data (who is signed in, the CSRF token, the language switch).
struct Pages: Sendable {
    let library: MustacheLibrary
    let locales: Locales
    let reload: Bool

    /// Loads templates and strings from the web folder.
    static func load(_ configuration: WebConfiguration) async throws -> Pages {
        let templates = (configuration.webDirectory as NSString).appendingPathComponent("templates")
        guard FileManager.default.fileExists(atPath: templates) else {
            throw WebError(
                .internalServerError,
                "\(templates): the page templates are missing; run from the Kefu checkout or pass --web DIR")
        }
        let library: MustacheLibrary
        do { library = try await MustacheLibrary(directory: templates) } catch {
            throw WebError(.internalServerError, "\(templates): a template does not parse: \(error)")
        }
        let locales = try Locales(
            directory: (configuration.webDirectory as NSString).appendingPathComponent("locales"))
        return Pages(library: library, locales: locales, reload: configuration.reloadTemplates)
    }

    /// The data every page gets: `t` (strings), `lang`, `csrf`, `me` and the role flags.
    func common(_ context: WebContext) -> [String: Any] {
        var data: [String: Any] = [
            "t": locales.table(context.locale), "lang": context.locale, "csrf": context.csrfToken,
            "otherLang": context.locale == "zh" ? "en" : "zh",
            "otherLangName": context.locale == "zh" ? "English" : "中文", "back": context.path,
        ]
        if let identity = context.identity {
            data["me"] = [
                "person": identity.person.rawValue,
                "roles": identity.roles.sorted().map(\.rawValue).joined(separator: ", "),
            ]
            data["nav"] = Navigation.links(for: identity, path: context.path).map { link in
                ["href": link.href, "label": locales.text(link.label, context.locale), "current": link.current]
            }
        }
        return data
    }

    /// Renders `template` with `data` over the common data, as an HTML response that is never cached.
    func render(
        _ template: String, _ data: [String: Any], context: WebContext, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        var all = common(context)
        for (key, value) in data { all[key] = value }
        guard let html = library.render(all, withTemplate: template, reload: reload) else {
            throw WebError(.internalServerError, "the page template `\(template)` is missing")
        }
        return Self.html(html, status: status)
    }

    /// An HTML response.
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A JSON response of `value` (sorted keys, as `--format json` prints).
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A 303 to `location` (after a form post).
    static func redirect(_ location: String) -> Response { .redirect(to: location, type: .normal) }
}
