import Foundation
public import KefuCore
public import KefuStorage

/// The one error the services throw: a code the edges map to an exit status or an HTTP status, a
/// message for the person who must act, and an optional structured hint (the CLI shows it as a
/// command, the web as a link). Messages never name CLI commands or flags, and never carry customer
/// data.
public struct ServiceError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// The thing named does not exist (or is not visible to the actor).
        case notFound = "not-found"
        /// Who is acting is not established: not signed in, a wrong password, an expired session, a
        /// revoked API token (the web answers 401).
        case unauthenticated
        /// The actor may not do this.
        case forbidden
        /// The request clashes with what is stored (already exists, already reviewed, changed meanwhile).
        case conflict
        /// The input is malformed or out of range (file:line:col in the message for files).
        case invalidInput = "invalid-input"
        /// Something must happen first (score before review, clear the retraining flag, …).
        case precondition
        /// Storage, a file or a key cannot be used right now.
        case unavailable
    }

    /// A next step the person can take, named as an action with arguments, so each edge can render it
    /// its own way (the CLI as a command line, the web as a link).
    public struct Hint: Sendable, Hashable, Codable {
        /// The action, dotted: `qa.score`, `people.import`, `exam.clear`, …
        public var action: String
        /// The action's arguments by name (`rubric`, `sample`, `person`, …).
        public var arguments: [String: String]

        /// Creates a hint.
        public init(_ action: String, _ arguments: [String: String] = [:]) {
            self.action = action
            self.arguments = arguments
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What failed and what to do, in words for the person who must act.
    public var message: String
    /// The next step, when there is one.
    public var hint: Hint?

    /// Creates an error.
    public init(_ code: Code, _ message: String, hint: Hint? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    /// A storage failure translated for the person who acts.
    public init(_ error: StorageError) {
        switch error.code {
        case .notFound: self.init(.notFound, error.description)
        case .conflict: self.init(.conflict, error.description)
        case .unavailable, .tooNew: self.init(.unavailable, error.description)
        case .readOnly: self.init(.unavailable, error.description)
        }
    }

    /// The message.
    public var description: String { message }

    /// `noun` `id` does not exist: the standard not-found error.
    public static func notFound<K>(_ id: Identifier<K>) -> ServiceError {
        ServiceError(.notFound, "no \(K.noun) `\(id)`")
    }

    /// `noun` `id` does not exist: the standard not-found error.
    public static func notFound<K>(_ id: SerialNumber<K>) -> ServiceError {
        ServiceError(.notFound, "no \(K.noun) \(id)")
    }
}

/// Runs `body`, translating storage errors into ``ServiceError``.
func translatingStorageErrors<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let error as StorageError { throw ServiceError(error) }
}

/// Runs `body`, translating storage errors into ``ServiceError``.
func translatingStorageErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as StorageError { throw ServiceError(error) }
}
