import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KefuCore
import KefuServices
import KefuStore
import KefuTesting
import KefuWeb
import Logging
import NIOCore

/// The repository (content, Samples/, Web/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A fresh database with the sample team, accounts for a few people (bcrypt at its smallest cost) and the web app's
/// router over it.
struct WebHarness {
    let folder: URL
    let environment: KefuEnvironment
    let configuration: WebConfiguration
    static let password = "correct horse battery"
    static let admin = Identity(person: "root", roles: [.admin], channel: .operator(osUser: "root"))

    /// People with a password: `E001`–`E003` (trainees), `S001` (mentor), `M001` (supervisor).
    static let enrolled: [PersonID] = ["E001", "E002", "E003", "S001", "M001"]

    init(clock: WallClock = .system, signInsPerMinute: Int = 1000) async throws {
        folder = try FreshStorage.folder()
        let storage = try SQLiteStorage(path: folder.appendingPathComponent("kefu.sqlite").path)
        environment = KefuEnvironment(
            configuration: Configuration(
                root: repositoryRoot.path, database: folder.appendingPathComponent("kefu.sqlite").path,
                keyPath: folder.appendingPathComponent("kefu.key").path, ledgerOrigin: "kefu.test/ledger"),
            storage: storage, clock: clock)
        var configuration = WebConfiguration(root: repositoryRoot.path)
        configuration.accountSettings.bcryptCost = 4
        configuration.signInsPerMinute = signInsPerMinute
        self.configuration = configuration
        _ = try await PeopleService(environment: environment).importCSV(
            .file(repositoryRoot.appendingPathComponent("Samples/people.csv").path), by: Self.admin)
        let accounts = AccountService(environment: environment, settings: configuration.accountSettings)
        for person in Self.enrolled {
            let link = try await accounts.invite(person, by: Self.admin)
            try await accounts.setPassword(token: link.token, password: Self.password)
        }
    }

    /// The application (in-process; `.router` tests need no socket).
    func application() async throws -> some ApplicationProtocol {
        let router = try await WebApp.router(
            environment: environment, configuration: configuration, logger: Logger(label: "kefu.web.test"))
        return Application(router: router, logger: Logger(label: "kefu.web.test"))
    }
}

/// A response as the tests read it.
struct Page {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: String

    /// The CSRF token the page carries (its `<meta name="csrf-token">`).
    var csrf: String? {
        guard let range = body.range(of: #"name="csrf-token" content=""#) else { return nil }
        return String(body[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The redirect target.
    var location: String? { headers[.location] }

    /// The body as JSON.
    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
    }
}

/// A browser for route tests: keeps cookies between requests and sends the CSRF token of the last page.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var csrf = ""
    var acceptLanguage: String?

    init(_ client: any TestClientProtocol) { self.client = client }

    @discardableResult
    func request(
        _ path: String, method: HTTPRequest.Method = .get, form: [(String, String)]? = nil, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Page {
        var headers = extra
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                separator: "; ")
        }
        if let acceptLanguage { headers[.acceptLanguage] = acceptLanguage }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&"))
        } else if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: json)
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        for field in response.headers[values: .setCookie] {
            let pair = field.split(separator: ";").first.map(String.init) ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[1].isEmpty || field.contains("Max-Age=0") {
                cookies[parts[0]] = nil
            } else {
                cookies[parts[0]] = parts[1]
            }
        }
        let page = Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
        if let token = page.csrf { csrf = token }
        return page
    }

    /// GET then POST a form with the page's CSRF token.
    @discardableResult
    func post(_ path: String, _ form: [(String, String)]) async throws -> Page {
        try await request(path, method: .post, form: [("_csrf", csrf)] + form)
    }

    /// Signs `person` in through the login form.
    @discardableResult
    func signIn(_ person: String, password: String = WebHarness.password) async throws -> Page {
        try await request("/login")
        return try await post("/login", [("person", person), ("password", password), ("next", "/")])
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
