import Foundation
public import KefuContent
public import KefuCore

/// The content check (`lint`): YAML schema, regexes, rule examples, ids and policy citations of the
/// content under the environment's root.
public struct LintService: Sendable {
    /// The content.
    public let repository: ContentRepository

    /// Creates the service over the environment's content.
    public init(environment: KefuEnvironment) { self.repository = environment.content }

    /// Lints `paths` (files or folders inside the content root, relative to it; absolute paths must lie
    /// inside it too), or every content folder when `paths` is empty. A path outside the root is an
    /// `invalidInput` error: only content is linted.
    public func lint(paths: [String] = []) async throws -> LintReport {
        let relative = try paths.map(inside)
        return LintReport(diagnostics: Linter(repository: repository).lint(paths: relative))
    }

    /// `path` relative to the root; an error when it leads outside.
    func inside(_ path: String) throws -> String {
        let base = repository.root.standardizedFileURL.path
        var relative = path
        if path.hasPrefix("/") {
            let full = URL(fileURLWithPath: path).standardizedFileURL.path
            if full == base { return "." }
            guard full.hasPrefix(base + "/") else { throw Self.outside(path) }
            relative = String(full.dropFirst(base.count + 1))
        }
        guard repository.contained(relative) != nil else { throw Self.outside(path) }
        return relative
    }

    static func outside(_ path: String) -> ServiceError {
        ServiceError(.invalidInput, "\(path) is outside the content folder; name files or folders inside it")
    }
}

/// What lint found: every diagnostic in file order, and the counts.
public struct LintReport: Sendable, Hashable, Codable {
    /// Errors and warnings, sorted by file, line and column.
    public var diagnostics: [Diagnostic]
    /// Number of errors.
    public var errors: Int
    /// Number of warnings.
    public var warnings: Int

    /// Counts `diagnostics`.
    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
        self.errors = diagnostics.filter { $0.severity == .error }.count
        self.warnings = diagnostics.count - errors
    }

    /// True when there is no error (warnings allowed).
    public var passed: Bool { errors == 0 }

    /// `2 errors, 1 warning`.
    public var summary: String {
        "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
    }

    /// The text report: each diagnostic (with its source line and caret), then the summary line.
    public var text: String {
        diagnostics.map { $0.description + "\n" }.joined() + summary + "\n"
    }
}
