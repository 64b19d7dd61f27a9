import Foundation
import Hummingbird
import Logging
import Testing

@testable import KefuWeb

@Suite("web: the OpenAPI document describes the JSON API exactly")
struct OpenAPITests {
    /// The routes that answer JSON (or a credential) and so belong in the document: `/api/…`, the issuer's keys, the
    /// latest checkpoint, the credential download, `/healthz` and the document itself.
    static func isAPI(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path.hasPrefix("/.well-known/") || path == "/ledger/checkpoint"
            || path.hasSuffix("credential.jwt") || path == "/healthz" || path == "/openapi.json"
    }

    @Test("every API route is in /openapi.json with its method, and every documented operation is a route")
    func documentMatchesRoutes() async throws {
        let harness = try await WebHarness()
        let router = try await WebApp.router(
            environment: harness.environment, configuration: harness.configuration, logger: Logger(label: "test"))
        let routes = Set(
            router.routes.map { "\($0.method.rawValue) \($0.path.description)" }.filter {
                Self.isAPI(String($0.split(separator: " ")[1]))
            })
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("Web/openapi.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, operations) in paths {
            for (method, operation) in operations where ["get", "put", "post", "delete", "patch"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
                let op = operation as? [String: Any] ?? [:]
                #expect(op["operationId"] is String, "\(method) \(path) has an operationId")
                #expect(op["responses"] is [String: Any], "\(method) \(path) lists its responses")
            }
        }
        #expect(routes.count >= 14)
        #expect(routes.subtracting(documented).sorted() == [], "routes missing from Web/openapi.json")
        #expect(documented.subtracting(routes).sorted() == [], "documented operations with no route")
    }

    @Test("/openapi.json is served as JSON")
    func served() async throws {
        let harness = try await WebHarness()
        try await harness.application().test(.router) { client in
            let page = try await Browser(client).request("/openapi.json")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(try page.json()["paths"] != nil)
        }
    }
}
