import Foundation
import HTTPTypes
public import KefuServices
import Yams

/// How `kefu serve` listens and where it finds its files: from the command line, else the environment
/// (`KEFU_HOST`, `KEFU_PORT`, `KEFU_WEB`, `KEFU_SECURE_COOKIES`, `KEFU_TRUST_PROXY`), else a config file
/// (`--config kefu-serve.yaml`), else the defaults.
public struct WebConfiguration: Sendable, Hashable {
    /// Address to bind (default 127.0.0.1: loopback only; put a TLS reverse proxy in front for other machines).
    public var host = "127.0.0.1"
    /// Port (default 8080; 0 picks a free one).
    public var port = 8080
    /// The folder with `templates/`, `static/` and `locales/` (default `<root>/Web`).
    public var webDirectory: String
    /// Marks cookies `Secure` (set when the app is reached over HTTPS, e.g. behind a TLS proxy).
    public var secureCookies = false
    /// Reload templates on every request (development).
    public var reloadTemplates = false
    /// Sign-in attempts allowed per minute for one person id.
    public var signInsPerMinute = 10
    /// Sign-in attempts allowed per minute from one address (a contact centre behind one NAT or proxy address signs
    /// in many people at the start of a shift).
    public var signInsPerMinutePerAddress = 120
    /// Password hashing and session settings (tests lower the bcrypt cost).
    public var accountSettings = AccountSettings.standard
    /// The largest request body accepted (uploads of credentials, JSON).
    public var maxBodyBytes = 1 << 20
    /// The optional outgoing webhook for mentors' group chat (`mentor_webhook:` in the configuration file).
    public var mentorWebhook: WebhookSettings?

    /// The defaults for a content root.
    public init(root: String) { webDirectory = (root as NSString).appendingPathComponent("Web") }

    /// Settings read from a YAML file (`host`, `port`, `web`, `secure_cookies`, `sign_ins_per_minute`), applied over
    /// `self`. Unknown keys are errors naming the file, so a typo is not silently ignored.
    public func applying(file path: String) throws -> WebConfiguration {
        let map = try yamlMapping(
            path, missing: "cannot read the configuration file; check the path",
            expected: "expected a mapping of settings (host: …, port: …)")
        var copy = self
        for (key, value) in map {
            let text = "\(value)"
            switch key {
            case "host": copy.host = text
            case "port":
                guard let port = Int(text), (0...65535).contains(port) else {
                    throw WebError(
                        .internalServerError, "\(path): port must be a number from 0 to 65535, not `\(text)`")
                }
                copy.port = port
            case "web": copy.webDirectory = text
            case "secure_cookies": copy.secureCookies = ["true", "1", "yes"].contains(text.lowercased())
            case "mentor_webhook": copy.mentorWebhook = try WebhookSettings.parse(value, file: path)
            case "sign_ins_per_minute_per_address":
                guard let n = Int(text), n > 0 else {
                    throw WebError(
                        .internalServerError, "\(path): sign_ins_per_minute_per_address must be a positive number")
                }
                copy.signInsPerMinutePerAddress = n
            case "sign_ins_per_minute":
                guard let n = Int(text), n > 0 else {
                    throw WebError(.internalServerError, "\(path): sign_ins_per_minute must be a positive number")
                }
                copy.signInsPerMinute = n
            default:
                throw WebError(
                    .internalServerError,
                    "\(path): unknown setting `\(key)` (known: host, port, web, secure_cookies, sign_ins_per_minute, sign_ins_per_minute_per_address, mentor_webhook)"
                )
            }
        }
        return copy
    }

    /// Settings from the environment applied over `self`.
    public func applying(environment: [String: String]) throws -> WebConfiguration {
        var copy = self
        if let host = environment["KEFU_HOST"], !host.isEmpty { copy.host = host }
        if let port = environment["KEFU_PORT"], !port.isEmpty {
            guard let value = Int(port), (0...65535).contains(value) else {
                throw WebError(.internalServerError, "KEFU_PORT must be a number from 0 to 65535, not `\(port)`")
            }
            copy.port = value
        }
        if let web = environment["KEFU_WEB"], !web.isEmpty { copy.webDirectory = web }
        if let secure = environment["KEFU_SECURE_COOKIES"] {
            copy.secureCookies = ["true", "1", "yes"].contains(secure.lowercased())
        }
        return copy
    }
}
