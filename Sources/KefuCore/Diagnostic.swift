/// A position in a content file, 1-based, columns counted in Unicode scalars (as editors and libyaml do).
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Path of the file as given by the user (relative paths stay relative).
    public var file: String
    /// Line number starting at 1.
    public var line: Int
    /// Column number starting at 1, in Unicode scalars.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `path:line:col`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// One finding about content or input: an error (the content cannot be used) or a warning.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How serious a diagnostic is.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        case warning
        case error

        /// Errors sort after warnings.
        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    /// Error or warning.
    public var severity: Severity
    /// Where the problem is.
    public var location: SourceLocation
    /// What is wrong and what to do, written for the content author.
    public var message: String
    /// The offending source line, when known, shown with a caret under the column.
    public var sourceLine: String?

    /// Creates a diagnostic.
    public init(_ severity: Severity, at location: SourceLocation, _ message: String, sourceLine: String? = nil) {
        self.severity = severity
        self.location = location
        self.message = message
        self.sourceLine = sourceLine
    }

    /// `path:line:col: error: message`, then the source line and a caret when known.
    public var description: String {
        var out = "\(location): \(severity.rawValue): \(message)"
        if let sourceLine {
            out += "\n    \(sourceLine)\n    "
            out += Self.caretPadding(line: sourceLine, column: location.column) + "^"
        }
        return out
    }

    /// Spaces (and tabs where the line has tabs) up to `column`, counting East Asian wide characters as two cells.
    static func caretPadding(line: String, column: Int) -> String {
        var pad = ""
        for (index, scalar) in line.unicodeScalars.enumerated() where index < column - 1 {
            if scalar == "\t" {
                pad.append("\t")
            } else {
                pad.append(isWide(scalar) ? "  " : " ")
            }
        }
        return pad
    }

    /// True for scalars that terminals draw two cells wide (CJK, full-width forms, Hangul, emoji).
    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}

extension Array where Element == Diagnostic {
    /// True when any diagnostic is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
