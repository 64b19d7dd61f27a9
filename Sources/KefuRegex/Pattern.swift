import CPCRE2

/// Resource limits applied to every match, so that a catastrophic pattern yields an error, never a hang.
public struct MatchLimits: Sendable, Hashable {
    /// PCRE2 match limit: how many times the matcher may call its internal match function (backtracking steps).
    public var matchLimit: UInt32
    /// PCRE2 depth limit (backtracking depth; used by the interpreter, ignored by JIT).
    public var depthLimit: UInt32
    /// PCRE2 heap limit in KiB (interpreter).
    public var heapLimitKiB: UInt32

    /// Creates limits.
    public init(matchLimit: UInt32 = 200_000, depthLimit: UInt32 = 10_000, heapLimitKiB: UInt32 = 20_000) {
        self.matchLimit = matchLimit
        self.depthLimit = depthLimit
        self.heapLimitKiB = heapLimitKiB
    }

    /// Generous for customer-service turns (hundreds of characters), tight enough to stop `(a+)+$` within milliseconds.
    public static let standard = MatchLimits()
}

/// How a pattern is compiled.
public struct PatternOptions: Sendable, Hashable {
    /// Case-insensitive (Unicode simple case folding).
    public var caseless: Bool
    /// The normalization that the subject text goes through; pattern literals are normalized the same way.
    public var normalization: NormalizationOptions

    /// Creates options.
    public init(caseless: Bool = true, normalization: NormalizationOptions = .standard) {
        self.caseless = caseless
        self.normalization = normalization
    }
}

/// A compiled PCRE2 pattern (UTF + UCP, JIT-compiled when the platform supports it).
///
/// Immutable after compilation and therefore safe to share between tasks and threads: PCRE2's compiled
/// code and JIT code are read-only during matching. Per-thread state lives in ``MatchScratch``.
public final class Pattern: @unchecked Sendable {
    /// The pattern as the author wrote it.
    public let source: String
    /// The PCRE2 pattern actually compiled (script-aware `\b`, normalized literals).
    public let compiledSource: String
    /// The options it was compiled with.
    public let options: PatternOptions
    /// True when PCRE2's JIT compiled the pattern.
    public let isJIT: Bool
    private let code: OpaquePointer

    /// Compiles `source`. Throws a ``RegexError`` whose `patternOffset` points into `source` (in scalars).
    public init(_ source: String, options: PatternOptions = PatternOptions()) throws(RegexError) {
        let normalizer = Normalizer(options: options.normalization)
        let rewritten = PatternSource(pattern: source, normalizer: normalizer)
        var flags = UInt32(PCRE2_UTF) | UInt32(PCRE2_UCP)
        if options.caseless { flags |= UInt32(PCRE2_CASELESS) }
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let utf8 = Array(rewritten.compiled.utf8)
        let compiled = utf8.withUnsafeBufferPointer { buffer in
            pcre2_compile_8(buffer.baseAddress, buffer.count, flags, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            throw RegexError(
                kind: .compile(
                    message: Self.message(for: errorCode),
                    sourceOffset: rewritten.sourceOffset(forByte: errorOffset)))
        }
        self.code = compiled
        self.source = source
        self.compiledSource = rewritten.compiled
        self.options = options
        self.isJIT = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
    }

    deinit { pcre2_code_free_8(code) }

    /// PCRE2's text for an error code.
    static func message(for code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(code, &buffer, buffer.count)
        return length > 0 ? String(decoding: buffer[0..<Int(length)], as: UTF8.self) : "error \(code)"
    }

    /// The first match at or after byte `start`, as a byte range of `subject`, or nil.
    ///
    /// `subject` must be valid UTF-8 (every Swift `String` and every ``NormalizedText`` is): it is not
    /// re-validated, which is what makes repeated matching on the same text cheap.
    public func firstMatch(
        in subject: UnsafeBufferPointer<UInt8>, from start: Int = 0, scratch: MatchScratch
    ) throws(RegexError) -> Range<Int>? {
        let rc: Int32
        if isJIT {
            rc = pcre2_jit_match_8(
                code, subject.baseAddress, subject.count, start, 0, scratch.matchData, scratch.context)
        } else {
            rc = pcre2_match_8(
                code, subject.baseAddress, subject.count, start, UInt32(PCRE2_NO_UTF_CHECK), scratch.matchData,
                scratch.context)
        }
        if rc >= 0 {
            let ovector = pcre2_get_ovector_pointer_8(scratch.matchData)!
            return ovector[0]..<ovector[1]
        }
        switch rc {
        case PCRE2_ERROR_NOMATCH: return nil
        case PCRE2_ERROR_MATCHLIMIT: throw RegexError(kind: .matchLimit)
        case PCRE2_ERROR_DEPTHLIMIT: throw RegexError(kind: .depthLimit)
        case PCRE2_ERROR_HEAPLIMIT: throw RegexError(kind: .heapLimit)
        case PCRE2_ERROR_JIT_STACKLIMIT: throw RegexError(kind: .jitStackLimit)
        default: throw RegexError(kind: .matchFailed(code: rc, message: Self.message(for: rc)))
        }
    }

    /// All non-overlapping matches as byte ranges (an empty match advances by one character).
    public func allMatches(
        in subject: UnsafeBufferPointer<UInt8>, scratch: MatchScratch
    ) throws(RegexError) -> [Range<Int>] {
        var results: [Range<Int>] = []
        var start = 0
        while start <= subject.count, let range = try firstMatch(in: subject, from: start, scratch: scratch) {
            results.append(range)
            if range.isEmpty {
                var next = range.upperBound + 1
                while next < subject.count, subject[next] & 0xC0 == 0x80 { next += 1 }
                start = next
            } else {
                start = range.upperBound
            }
        }
        return results
    }

    /// True when the pattern matches anywhere in `text` (convenience for tests and lint; not the hot path).
    public func matches(_ text: String, scratch: MatchScratch) throws(RegexError) -> Bool {
        let normalized = Normalizer(options: options.normalization).normalize(text)
        return try normalized.bytes.withUnsafeBufferPointer { (buffer) throws(RegexError) -> Bool in
            try firstMatch(in: buffer, scratch: scratch) != nil
        }
    }

    /// Every match in `text`, as code-point ranges of `text` (convenience for tests and lint).
    public func matchRanges(in text: String, scratch: MatchScratch) throws(RegexError) -> [Range<Int>] {
        let normalized = Normalizer(options: options.normalization).normalize(text)
        let ranges = try normalized.bytes.withUnsafeBufferPointer { (buffer) throws(RegexError) -> [Range<Int>] in
            try allMatches(in: buffer, scratch: scratch)
        }
        return ranges.map { normalized.originalRange(ofBytes: $0) }
    }
}

/// Per-thread matching state: PCRE2 match data, a match context carrying the limits, and a JIT stack.
///
/// Create one per task or thread and never share it; creating one costs a few allocations.
public final class MatchScratch {
    let matchData: OpaquePointer
    let context: OpaquePointer
    private let jitStack: OpaquePointer?

    /// Creates scratch space with the given limits.
    public init(limits: MatchLimits = .standard) {
        matchData = pcre2_match_data_create_8(1, nil)!
        context = pcre2_match_context_create_8(nil)!
        pcre2_set_match_limit_8(context, limits.matchLimit)
        pcre2_set_depth_limit_8(context, limits.depthLimit)
        pcre2_set_heap_limit_8(context, limits.heapLimitKiB)
        jitStack = pcre2_jit_stack_create_8(32 * 1024, 1024 * 1024, nil)
        if let jitStack { pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(jitStack)) }
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_match_context_free_8(context)
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
    }
}
