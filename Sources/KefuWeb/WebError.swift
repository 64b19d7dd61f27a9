public import HTTPTypes
import Hummingbird

/// Errors of the web layer itself (service errors keep their own type and are mapped to statuses by
/// ``ErrorPageMiddleware``). The message is written for the person in front of the browser.
public struct WebError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status the error answers with.
    public var status: HTTPResponse.Status
    /// What went wrong and what to do.
    public var message: String

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// No session: pages redirect to the sign-in page, the API answers 401.
    public static let signInRequired = WebError(.unauthorized, "sign in first")
    /// A form or JSON mutation without the right CSRF token.
    public static let badCSRF = WebError(
        .forbidden, "this form has expired or did not come from Kefu; reload the page and try again")
    /// Guessed or foreign ids: the same answer whether or not the thing exists.
    public static let notFound = WebError(.notFound, "not found")
    /// Too many sign-in attempts from one address or for one person.
    public static let throttled = WebError(
        .tooManyRequests, "too many sign-in attempts; wait a minute and try again")

    /// A malformed request body or parameter.
    public static func badRequest(_ message: String) -> WebError { WebError(.badRequest, message) }
}
