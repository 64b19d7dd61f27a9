import Foundation
public import KefuCore

/// The organisation that issues Kefu credentials, from `Policies/issuer.yaml`.
public struct IssuerProfile: Sendable, Hashable {
    /// A URI naming the issuer (the credentials' `issuer.id` and the JWT `iss`).
    public var id: String
    /// Display name.
    public var name: String
    /// The organisation's web address (https).
    public var url: String
    /// Contact address, optional.
    public var email: String?
    /// What the organisation is, optional.
    public var description: String?
    /// Where the revocation status list is published (default: `<url>/credentials/status/revocation`).
    public var statusList: String?

    /// Creates a profile.
    public init(
        id: String, name: String, url: String, email: String? = nil, description: String? = nil,
        statusList: String? = nil
    ) {
        self.id = id
        self.name = name
        self.url = url
        self.email = email
        self.description = description
        self.statusList = statusList
    }
}

/// Loads and checks `Policies/issuer.yaml`.
public enum IssuerLoader {
    /// Where the issuer profile lives, relative to the content root.
    public static let path = "Policies/issuer.yaml"

    /// Parses the profile: `id` (a URI), `name`, `url` (http or https) required; `email`, `description`,
    /// `status_list` (a URL) optional.
    public static func load(file: String, text: String) -> (IssuerProfile?, [Diagnostic]) {
        var reader = YAMLReader(file: file, text: text)
        guard let root = reader.root(),
            let top = reader.mapping(
                root, what: "issuer profile", required: ["id", "name", "url"],
                optional: ["email", "description", "status_list"])
        else { return (nil, reader.diagnostics) }
        let id = reader.string(top["id"], "id") ?? ""
        let name = reader.string(top["name"], "name") ?? ""
        let url = reader.string(top["url"], "url") ?? ""
        if !id.isEmpty, !id.contains(":") || id.contains(" ") {
            reader.error(
                top["id"], "the issuer id must be a URI (e.g. https://example.com/issuer or did:web:example.com)")
        }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { reader.error(top["name"], "the issuer needs a name") }
        for (key, value) in [
            ("url", url), ("status_list", top["status_list"].flatMap { reader.string($0, "status_list") }),
        ] {
            guard let value else { continue }
            if !(value.hasPrefix("https://") || value.hasPrefix("http://")) || value.contains(" ") {
                reader.error(top[key], "`\(key)` must be an http(s) URL")
            }
        }
        let email = top["email"].flatMap { reader.string($0, "email") }
        if let email, !email.contains("@") { reader.error(top["email"], "`email` is not an e-mail address") }
        let profile = IssuerProfile(
            id: id, name: name, url: url, email: email,
            description: top["description"].flatMap { reader.string($0, "description") },
            statusList: top["status_list"].flatMap { reader.string($0, "status_list") })
        return (reader.diagnostics.hasErrors ? nil : profile, reader.diagnostics)
    }
}

extension ContentRepository {
    /// The issuer profile (`Policies/issuer.yaml`), or a content error saying what to write there.
    public func issuerProfile() throws(ContentError) -> IssuerProfile {
        let url = root.appendingPathComponent(IssuerLoader.path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ContentError(
                file: IssuerLoader.path,
                "no issuer profile: credentials name their issuer, so write \(IssuerLoader.path) with the issuer's id (a URI), name and url"
            )
        }
        let text = try Self.readText(url, displayPath: IssuerLoader.path)
        let (profile, diagnostics) = IssuerLoader.load(file: IssuerLoader.path, text: text)
        guard let profile else { throw ContentError(diagnostics.filter { $0.severity == .error }) }
        return profile
    }
}
