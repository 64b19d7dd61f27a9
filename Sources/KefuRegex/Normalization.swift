import Foundation

/// Which text normalizations a rubric applies before matching. Case folding is not a text rewrite:
/// it makes patterns caseless (PCRE2 `CASELESS` with Unicode case folding), see ``PatternOptions``.
public struct NormalizationOptions: Sendable, Hashable, Codable {
    /// NFKC: full-width letters, digits and punctuation become half-width, compatibility forms are unified.
    public var nfkc: Bool
    /// Traditional Chinese characters become Simplified (ICU's `Hant-Hans`, one character at a time).
    public var traditionalToSimplified: Bool
    /// Runs of white space become one ASCII space.
    public var collapseWhitespace: Bool

    /// Creates options.
    public init(nfkc: Bool = true, traditionalToSimplified: Bool = true, collapseWhitespace: Bool = true) {
        self.nfkc = nfkc
        self.traditionalToSimplified = traditionalToSimplified
        self.collapseWhitespace = collapseWhitespace
    }

    /// No normalization: text is matched as written.
    public static let none = NormalizationOptions(
        nfkc: false, traditionalToSimplified: false, collapseWhitespace: false)
    /// Everything on: the default for Chinese and English rubrics.
    public static let standard = NormalizationOptions()

    var tableKey: Int { (nfkc ? 1 : 0) | (traditionalToSimplified ? 2 : 0) }
}

/// A text after normalization, as UTF-8 bytes ready for PCRE2, with a map from every byte back to the
/// original text's Unicode code points (so evidence is reported against what the agent actually wrote).
public struct NormalizedText: Sendable {
    /// The normalized UTF-8 bytes.
    public private(set) var bytes: [UInt8]
    /// For each normalized byte: index (in code points) of the first original code point it came from.
    @usableFromInline var originStart: [Int32]
    /// For each normalized byte: index one past the last original code point it came from.
    @usableFromInline var originEnd: [Int32]
    /// Number of code points in the original text.
    public let originalLength: Int

    init(bytes: [UInt8], originStart: [Int32], originEnd: [Int32], originalLength: Int) {
        self.bytes = bytes
        self.originStart = originStart
        self.originEnd = originEnd
        self.originalLength = originalLength
    }

    /// Maps a byte range of the normalized text to a code-point range of the original text.
    public func originalRange(ofBytes range: Range<Int>) -> Range<Int> {
        if range.isEmpty {
            let at = range.lowerBound < bytes.count ? Int(originStart[range.lowerBound]) : originalLength
            return at..<at
        }
        let lower = Int(originStart[range.lowerBound])
        let upper = Int(originEnd[range.upperBound - 1])
        return lower..<max(lower, upper)
    }

    /// The normalized text as a String (for debugging and tests).
    public var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// Normalizes text with a precomputed per-scalar table (built once per process from Foundation's NFKC and
/// ICU's Hant-Hans transform in three batched calls), so the hot path does one table lookup per scalar.
///
/// Limits, by design: Traditional→Simplified is character by character (ICU's transform is too);
/// base letters followed by combining marks are composed with NFKC as one segment.
public struct Normalizer: Sendable {
    /// The options this normalizer applies.
    public let options: NormalizationOptions
    private let table: ScalarTable?

    /// Creates a normalizer; the first one with a given option set builds its table (about 0.1 s).
    public init(options: NormalizationOptions) {
        self.options = options
        self.table = options.tableKey == 0 ? nil : ScalarTable.shared(for: options.tableKey)
    }

    /// Accumulates normalized bytes and their origins (a value type with mutating methods, so the hot
    /// loop needs no closures and no dynamic exclusivity checks).
    struct Writer {
        var bytes: [UInt8] = []
        var starts: [Int32] = []
        var ends: [Int32] = []
        var pendingSpaceStart: Int32 = -1
        var pendingSpaceEnd: Int32 = -1
        let collapse: Bool

        init(capacity: Int, collapse: Bool) {
            self.collapse = collapse
            bytes.reserveCapacity(capacity)
            starts.reserveCapacity(capacity)
            ends.reserveCapacity(capacity)
        }

        @inline(__always) mutating func flushSpace() {
            if pendingSpaceStart >= 0 {
                bytes.append(0x20)
                starts.append(pendingSpaceStart)
                ends.append(pendingSpaceEnd)
                pendingSpaceStart = -1
            }
        }

        @inline(__always) mutating func emit(_ scalar: Unicode.Scalar, _ start: Int32, _ end: Int32) {
            if collapse && Normalizer.isSpace(scalar) {
                if pendingSpaceStart < 0 { pendingSpaceStart = start }
                pendingSpaceEnd = end
                return
            }
            flushSpace()
            let value = scalar.value
            if value < 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: value))
                starts.append(start)
                ends.append(end)
                return
            }
            for byte in UTF8.encode(scalar).unsafelyUnwrapped {
                bytes.append(byte)
                starts.append(start)
                ends.append(end)
            }
        }

        @inline(__always) mutating func emit(mapped: ScalarTable.Mapping, _ start: Int32, _ end: Int32) {
            switch mapped {
            case .single(let scalar): emit(scalar, start, end)
            case .many(let scalars): for scalar in scalars { emit(scalar, start, end) }
            }
        }
    }

    /// Normalizes `text`, keeping a map to its code points.
    public func normalize(_ text: String) -> NormalizedText {
        var writer = Writer(capacity: text.utf8.count, collapse: options.collapseWhitespace)
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        var position: Int32 = 0
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            guard let table else {
                writer.emit(scalar, position, position + 1)
                index = next
                position += 1
                continue
            }
            if next < scalars.endIndex, options.nfkc, ScalarTable.isNonStarter(scalars[next]) {
                // A base with combining marks: compose the whole segment with NFKC.
                var end = next
                var count: Int32 = 1
                while end < scalars.endIndex, ScalarTable.isNonStarter(scalars[end]) {
                    end = scalars.index(after: end)
                    count += 1
                }
                let segment = String(String.UnicodeScalarView(scalars[index..<end]))
                    .precomposedStringWithCompatibilityMapping
                for composed in segment.unicodeScalars {
                    writer.emit(mapped: table.mapped(composed, skipNFKC: true), position, position + count)
                }
                index = end
                position += count
                continue
            }
            writer.emit(mapped: table.mapped(scalar, skipNFKC: false), position, position + 1)
            index = next
            position += 1
        }
        writer.flushSpace()
        return NormalizedText(
            bytes: writer.bytes, originStart: writer.starts, originEnd: writer.ends, originalLength: Int(position))
    }

    /// Normalizes one scalar (used for pattern literals); nil when normalization leaves it unchanged.
    func mapped(_ scalar: Unicode.Scalar) -> [Unicode.Scalar]? {
        guard let table else { return nil }
        let out: [Unicode.Scalar]
        switch table.mapped(scalar, skipNFKC: false) {
        case .single(let s): out = [s]
        case .many(let many): out = Array(many)
        }
        return out == [scalar] ? nil : out
    }

    @inline(__always) static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F,
            0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}

/// Per-scalar replacement table for one option set. BMP scalars are looked up in a flat array; the
/// astral planes that normalization touches (mathematical alphanumerics, enclosed alphanumerics, CJK
/// compatibility ideographs) in a dictionary; every other scalar maps to itself.
final class ScalarTable: Sendable {
    /// Value < 0x8000_0000: the single replacement scalar. Otherwise: 0x8000_0000 | offset << 8 | length into `multi`.
    private let bmp: [UInt32]
    private let multi: [Unicode.Scalar]
    private let astral: [UInt32: [Unicode.Scalar]]
    private let nfkcOnlyWhenSkipping: ScalarTable?

    private init(bmp: [UInt32], multi: [Unicode.Scalar], astral: [UInt32: [Unicode.Scalar]], t2sOnly: ScalarTable?) {
        self.bmp = bmp
        self.multi = multi
        self.astral = astral
        self.nfkcOnlyWhenSkipping = t2sOnly
    }

    /// What one scalar becomes.
    enum Mapping {
        case single(Unicode.Scalar)
        case many(ArraySlice<Unicode.Scalar>)
    }

    /// The scalars that `scalar` maps to. With `skipNFKC`, only the Traditional→Simplified part (the
    /// caller already composed the segment with NFKC).
    @inline(__always) func mapped(_ scalar: Unicode.Scalar, skipNFKC: Bool) -> Mapping {
        if skipNFKC, let nfkcOnlyWhenSkipping { return nfkcOnlyWhenSkipping.mapped(scalar, skipNFKC: false) }
        let value = scalar.value
        if value < 0x80 { return .single(scalar) }
        if value <= 0xFFFF {
            let entry = bmp[Int(value)]
            if entry & 0x8000_0000 == 0 { return .single(Unicode.Scalar(entry).unsafelyUnwrapped) }
            let offset = Int((entry >> 8) & 0x7F_FFFF)
            return .many(multi[offset..<(offset + Int(entry & 0xFF))])
        }
        if let mapped = astral[value] { return .many(mapped[...]) }
        return .single(scalar)
    }

    /// True for scalars with a non-zero canonical combining class (they compose with the preceding base).
    @inline(__always) static func isNonStarter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x300 && scalar.properties.canonicalCombiningClass != .notReordered
    }

    private static let cache = TableCache()

    static func shared(for key: Int) -> ScalarTable { cache.table(for: key) }

    /// Builds a table: `key` bit 0 = NFKC, bit 1 = Traditional→Simplified.
    static func build(key: Int) -> ScalarTable {
        let nfkc = key & 1 != 0
        let t2s = key & 2 != 0
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(66_000)
        let astralRanges: [ClosedRange<UInt32>] = [0x1D400...0x1D7FF, 0x1F100...0x1F1FF, 0x2F800...0x2FA1F]
        for value in UInt32(0x80)...0xFFFF where !(0xD800...0xDFFF).contains(value) {
            scalars.append(Unicode.Scalar(value).unsafelyUnwrapped)
        }
        for range in astralRanges {
            for value in range { if let s = Unicode.Scalar(value) { scalars.append(s) } }
        }
        // One batched call per transform; U+0001 separates entries and is left alone by both transforms.
        var joined = String.UnicodeScalarView()
        for s in scalars {
            joined.append(s)
            joined.append("\u{1}")
        }
        var text = String(joined)
        if nfkc { text = text.precomposedStringWithCompatibilityMapping }
        if t2s { text = text.applyingTransform(StringTransform("Hant-Hans"), reverse: false) ?? text }
        var pieces: [[Unicode.Scalar]] = []
        pieces.reserveCapacity(scalars.count + 1)
        var current: [Unicode.Scalar] = []
        for s in text.unicodeScalars {
            if s == "\u{1}" {
                pieces.append(current)
                current = []
            } else {
                current.append(s)
            }
        }
        var bmp = [UInt32](repeating: 0, count: 0x10000)
        for value in 0..<0x10000 { bmp[value] = UInt32(value) }
        var multi: [Unicode.Scalar] = []
        var astral: [UInt32: [Unicode.Scalar]] = [:]
        // If the batch did not round-trip one entry per scalar, fall back to identity rather than misalign.
        if pieces.count == scalars.count {
            for (i, original) in scalars.enumerated() {
                let mapped = pieces[i]
                if mapped == [original] { continue }
                if original.value <= 0xFFFF {
                    if mapped.count == 1 {
                        bmp[Int(original.value)] = mapped[0].value
                    } else {
                        bmp[Int(original.value)] = 0x8000_0000 | UInt32(multi.count) << 8 | UInt32(mapped.count & 0xFF)
                        multi.append(contentsOf: mapped)
                    }
                } else {
                    astral[original.value] = mapped
                }
            }
        }
        // 妳 (the feminine "you" of Taiwan and Hong Kong writing) has no simplified form of its own in ICU's
        // Hant-Hans; simplified text writes 你, so it folds to 你 like the other traditional forms.
        if t2s && bmp[0x59B3] == 0x59B3 { bmp[0x59B3] = 0x4F60 }
        let t2sOnly = (nfkc && t2s) ? shared(for: 2) : nil
        return ScalarTable(bmp: bmp, multi: multi, astral: astral, t2sOnly: nfkc ? t2sOnly ?? identity : nil)
    }

    private static let identity = ScalarTable(
        bmp: (0..<0x10000).map { UInt32($0) }, multi: [], astral: [:], t2sOnly: nil)
}

/// Builds each table once, on first use, under a lock.
private final class TableCache: @unchecked Sendable {
    private let lock = NSLock()
    private var tables: [Int: ScalarTable] = [:]

    func table(for key: Int) -> ScalarTable {
        lock.lock()
        if let table = tables[key] {
            lock.unlock()
            return table
        }
        lock.unlock()
        let built = ScalarTable.build(key: key)
        lock.lock()
        defer { lock.unlock() }
        if let table = tables[key] { return table }
        tables[key] = built
        return built
    }
}
