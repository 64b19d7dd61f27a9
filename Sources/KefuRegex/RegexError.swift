/// An error from Kefu's regex layer: a pattern that does not compile, or a match that hit a resource limit.
///
/// The `description` names what failed and what to do; it never contains the subject text
/// (which may be customer data).
public struct RegexError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case compile(message: String, sourceOffset: Int)
        case matchLimit
        case depthLimit
        case heapLimit
        case jitStackLimit
        case matchFailed(code: Int32, message: String)
    }

    let kind: Kind

    /// For a compile error: the offset in the pattern as written, in Unicode scalars (0-based); otherwise nil.
    public var patternOffset: Int? {
        if case .compile(_, let offset) = kind { return offset }
        return nil
    }

    /// PCRE2's own message for a compile error or a match failure.
    public var engineMessage: String {
        switch kind {
        case .compile(let message, _), .matchFailed(_, let message): return message
        case .matchLimit: return "match limit exceeded"
        case .depthLimit: return "depth limit exceeded"
        case .heapLimit: return "heap limit exceeded"
        case .jitStackLimit: return "JIT stack limit exceeded"
        }
    }

    /// True when the error is a resource limit (catastrophic backtracking or a pattern too costly for the text).
    public var isResourceLimit: Bool {
        switch kind {
        case .matchLimit, .depthLimit, .heapLimit, .jitStackLimit: return true
        default: return false
        }
    }

    /// What failed and what to do.
    public var description: String {
        switch kind {
        case .compile(let message, let offset):
            return "pattern does not compile: \(message) (at offset \(offset))"
        case .matchLimit, .depthLimit, .heapLimit, .jitStackLimit:
            return "pattern hit the PCRE2 \(engineMessage) while matching: "
                + "it backtracks catastrophically on this text; rewrite nested or overlapping quantifiers "
                + "(e.g. `(a+)+` → `a+`) or anchor the pattern"
        case .matchFailed(let code, let message):
            return "PCRE2 match failed (\(code)): \(message)"
        }
    }
}
