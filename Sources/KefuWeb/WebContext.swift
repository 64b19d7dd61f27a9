public import Hummingbird
public import HummingbirdAuth
public import KefuCore

/// The request context of the web app: who is signed in (from the session cookie or an API token), the CSRF token
/// their forms carry, the language pages are rendered in, and cookies to set on the response.
public struct WebContext: AuthRequestContext, RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The signed-in person, nil for an anonymous visitor.
    public var identity: Identity?
    /// The peer's address (the reverse proxy's when there is one), for the sign-in throttle.
    public var remoteAddress: String?
    /// The CSRF token of this browser: derived from the session secret, or from the pre-session cookie before
    /// signing in. Empty for API-token requests, which carry no ambient credentials.
    public var csrfToken: String = ""
    /// `zh` or `en`.
    public var locale: String = "zh"
    /// True when the request came with an API token (JSON clients).
    public var viaToken: Bool = false
    /// The request's path, for "back" links (the language switch returns to it).
    public var path: String = "/"
    /// Cookies the middleware sets on the way out (pre-session cookie).
    public var pendingCookies: [Cookie] = []

    /// A fresh context for a request arriving on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The signed-in identity, or the error that sends the visitor to the sign-in page.
    public func signedIn() throws -> Identity {
        guard let identity else { throw WebError.signInRequired }
        return identity
    }
}
