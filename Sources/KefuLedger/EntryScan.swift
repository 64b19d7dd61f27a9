import Foundation

/// A ledger entry's stored body read in one pass, without building a ``JSONValue``: the scan accepts a body
/// only when it is already in canonical form (keys strictly in order, no white space, minimal escapes,
/// minimal integers) and its top level holds exactly the fields ``LedgerEntry/json`` writes, with their
/// types. For such a body, parsing it and writing ``LedgerEntry/json`` back gives the same bytes, so
/// verification can hash the stored bytes as they are.
///
/// The scan is conservative: whatever it does not accept (escapes in a field it reads, non-ASCII keys,
/// nesting deeper than ``maximumDepth``, …) goes to the plain path (parse and re-encode), which decides and
/// names the problem. It never accepts a body the plain path refuses (`EntryScanTests` checks this on
/// every tampering the ledger tests use and on mutated bodies).
public struct EntryScan: Sendable {
    /// The `seq` field.
    public var sequence: Int64 = 0
    /// The `refers_to` field, when present.
    public var refersTo: Int64?
    /// Byte ranges of the string fields (between the quotes, no escapes inside).
    public var kind: Range<Int> = 0..<0
    /// The `person` field's bytes.
    public var person: Range<Int> = 0..<0
    /// The `subject` field's bytes.
    public var subject: Range<Int> = 0..<0
    /// The `prev_hash` field's bytes.
    public var previousHash: Range<Int> = 0..<0
    /// The `valid_until` field's bytes, when present.
    public var validUntil: Range<Int>?

    /// Deeper nesting goes to the plain path (which allows 64 levels).
    public static let maximumDepth = 32

    /// Scans `body`; nil when it is not (plainly) a canonical ledger entry.
    public static func scan(_ body: UnsafeBufferPointer<UInt8>) -> EntryScan? {
        var scanner = CanonicalScanner(bytes: body)
        return scanner.entry()
    }

    /// True when `bytes[range]` equals `text`'s UTF-8.
    public static func bytes(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, equal text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in utf8.count == range.count && bytes[range].elementsEqual(utf8) }
    }
}

/// The scanner behind ``EntryScan``: each method returns nil (or false) on anything not canonical.
struct CanonicalScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    /// Fields the top level may hold, each with the kind of value it must have.
    private enum Field {
        case sequence, refersTo, kind, person, subject, recordedAt, previousHash, validUntil, reason, evidence
    }

    private static let fields: [[UInt8]: Field] = [
        Array("seq".utf8): .sequence, Array("refers_to".utf8): .refersTo, Array("kind".utf8): .kind,
        Array("person".utf8): .person, Array("subject".utf8): .subject, Array("recorded_at".utf8): .recordedAt,
        Array("prev_hash".utf8): .previousHash, Array("valid_until".utf8): .validUntil,
        Array("reason".utf8): .reason, Array("evidence".utf8): .evidence,
    ]

    private static let kinds = Set(LedgerEventKind.allCases.map { Array($0.rawValue.utf8) })

    mutating func entry() -> EntryScan? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var scan = EntryScan()
        var seen: Set<Field> = []
        var previousKey: Range<Int>?
        while true {
            guard let key = string(), !key.escaped, isASCII(key.range) else { return nil }
            if let previousKey, !lexicographicallyPrecedes(previousKey, key.range) { return nil }
            previousKey = key.range
            guard take(UInt8(ascii: ":")), let field = Self.fields[Array(bytes[key.range])] else { return nil }
            guard read(field, into: &scan) else { return nil }
            seen.insert(field)
            if take(UInt8(ascii: ",")) { continue }
            guard take(UInt8(ascii: "}")), index == bytes.count else { return nil }
            break
        }
        let required: [Field] = [.sequence, .kind, .person, .subject, .recordedAt, .previousHash, .evidence]
        return required.allSatisfy { seen.contains($0) } ? scan : nil
    }

    private mutating func read(_ field: Field, into scan: inout EntryScan) -> Bool {
        switch field {
        case .sequence:
            guard let value = integer() else { return false }
            scan.sequence = value
        case .refersTo:
            guard let value = integer() else { return false }
            scan.refersTo = value
        case .evidence:
            return value(depth: 1)
        case .recordedAt, .reason:
            return string() != nil
        case .kind, .person, .subject, .previousHash, .validUntil:
            guard let text = string(), !text.escaped else { return false }
            switch field {
            case .kind:
                guard Self.kinds.contains(Array(bytes[text.range])) else { return false }
                scan.kind = text.range
            case .person: scan.person = text.range
            case .subject: scan.subject = text.range
            case .previousHash: scan.previousHash = text.range
            default: scan.validUntil = text.range
            }
        }
        return true
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private func isASCII(_ range: Range<Int>) -> Bool { !bytes[range].contains { $0 >= 0x80 } }

    private func lexicographicallyPrecedes(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        bytes[a].lexicographicallyPrecedes(bytes[b])
    }

    mutating func value(depth: Int) -> Bool {
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < EntryScan.maximumDepth else { return false }
            return bytes[index] == UInt8(ascii: "{") ? object(depth: depth) : array(depth: depth)
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return integer() != nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    private mutating func array(depth: Int) -> Bool {
        index += 1
        if take(UInt8(ascii: "]")) { return true }
        while true {
            guard value(depth: depth + 1) else { return false }
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "]"))
        }
    }

    private mutating func object(depth: Int) -> Bool {
        index += 1
        if take(UInt8(ascii: "}")) { return true }
        var previousKey: Range<Int>?
        while true {
            guard let key = string(), !key.escaped, isASCII(key.range) else { return false }
            if let previousKey, !lexicographicallyPrecedes(previousKey, key.range) { return false }
            previousKey = key.range
            guard take(UInt8(ascii: ":")), value(depth: depth + 1) else { return false }
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "}"))
        }
    }

    /// A canonical integer: `0` or an optional minus and 1–18 digits without a leading zero.
    mutating func integer() -> Int64? {
        let negative = take(UInt8(ascii: "-"))
        let start = index
        var value: Int64 = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            value = value * 10 + Int64(bytes[index] - 0x30)
            index += 1
            if index - start > 18 { return nil }
        }
        let digits = index - start
        guard digits > 0, bytes[start] != 0x30 || (digits == 1 && !negative) else { return nil }
        return negative ? -value : value
    }

    /// A canonical string: its content range and whether it holds escapes.
    mutating func string() -> (range: Range<Int>, escaped: Bool)? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return (start..<index - 1, escaped)
            case 0..<0x20: return nil
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                escaped = true
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                    UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"):
                    guard controlEscape() else { return nil }
                default: return nil
                }
            default: continue
            }
        }
        return nil
    }

    /// `\u00XX` (lower-case hex) for a control character that has no short escape: the only `\u` canonical.
    private mutating func controlEscape() -> Bool {
        guard index + 4 <= bytes.count, bytes[index] == 0x30, bytes[index + 1] == 0x30 else { return false }
        let high = bytes[index + 2]
        let low = bytes[index + 3]
        let lowValue: UInt8
        switch low {
        case 0x30...0x39: lowValue = low - 0x30
        case 0x61...0x66: lowValue = low - 0x61 + 10
        default: return false
        }
        guard high == 0x30 || high == 0x31 else { return false }
        let code = (high - 0x30) << 4 | lowValue
        guard ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(code) else { return false }
        index += 4
        return true
    }
}
