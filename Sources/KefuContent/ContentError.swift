public import KefuCore

/// An error of the content module: content that cannot be loaded, reported with its diagnostics.
public struct ContentError: Error, Sendable, CustomStringConvertible {
    /// The diagnostics that explain the failure (at least one error).
    public let diagnostics: [Diagnostic]

    /// Creates an error from diagnostics.
    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// Creates an error with one message about a file.
    public init(file: String, _ message: String) {
        self.diagnostics = [Diagnostic(.error, at: SourceLocation(file: file, line: 1, column: 1), message)]
    }

    /// Every diagnostic, one per paragraph.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
