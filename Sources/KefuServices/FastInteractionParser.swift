import KefuCore

/// A byte-level parser for the interaction JSON schema, about an order of magnitude faster than
/// `JSONDecoder`. It accepts exactly what the synthesized `Decodable` conformance accepts for
/// well-formed input (unknown keys ignored, `null` for optional fields) and returns nil for anything
/// else, so ``InteractionDecoder`` can fall back to `JSONDecoder` for the precise error message.
enum FastInteractionParser {
    /// What the fast parser made of a line.
    enum Outcome {
        /// A well-formed interaction whose values are acceptable.
        case parsed(Interaction)
        /// A value that is well placed but not acceptable (an `at` out of range, an empty id), at a byte offset.
        case invalid(offset: Int, message: String)
        /// Anything else: let `JSONDecoder` find the precise error.
        case unknown

        /// The interaction, when the line parsed and its values are acceptable.
        var interaction: Interaction? {
            if case .parsed(let interaction) = self { return interaction }
            return nil
        }
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        var p = Cursor(bytes: bytes)
        let interaction = p.interaction()
        if let invalid = p.invalid { return .invalid(offset: invalid.offset, message: invalid.message) }
        guard let interaction else { return .unknown }
        p.skipSpace()
        return p.index == bytes.count ? .parsed(interaction) : .unknown
    }

    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// The first unacceptable value met, with its byte offset.
        var invalid: (offset: Int, message: String)?

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        @inline(__always) mutating func skipSpace() {
            while index < bytes.count {
                let b = bytes[index]
                guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return }
                index += 1
            }
        }

        @inline(__always) mutating func consume(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        @inline(__always) mutating func peek() -> UInt8? {
            skipSpace()
            return index < bytes.count ? bytes[index] : nil
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for i in 0..<count where bytes[index + i] != word.utf8Start[i] { return false }
            index += count
            return true
        }

        /// Iterates `{ "key": value, … }`, calling `field` with each key's bytes; `field` must consume the value.
        mutating func object(_ field: (inout Cursor, UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
            guard consume(0x7B) else { return false }
            if consume(0x7D) { return true }
            while true {
                guard peek() == 0x22, let key = rawKey(), consume(0x3A), field(&self, key) else { return false }
                if consume(0x2C) { continue }
                return consume(0x7D)
            }
        }

        /// A key without escapes (keys of the schema have none; escaped keys fall back).
        mutating func rawKey() -> UnsafeBufferPointer<UInt8>? {
            index += 1
            let start = index
            while index < bytes.count {
                let b = bytes[index]
                if b == 0x22 {
                    index += 1
                    return UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)])
                }
                if b == 0x5C || b < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        mutating func string() -> String? {
            guard consume(0x22) else { return nil }
            let start = index
            while index < bytes.count {
                let b = bytes[index]
                if b == 0x22 {
                    index += 1
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)]), as: UTF8.self)
                }
                if b == 0x5C { break }
                if b < 0x20 { return nil }
                index += 1
            }
            // Escapes: build the bytes.
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let b = bytes[index]
                index += 1
                switch b {
                case 0x22:
                    return String(validating: out, as: UTF8.self)
                case 0x5C:
                    guard index < bytes.count else { return nil }
                    let e = bytes[index]
                    index += 1
                    switch e {
                    case 0x22, 0x5C, 0x2F: out.append(e)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x75:
                        guard var scalar = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard literal("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00..<0xE000).contains(scalar) {
                            return nil
                        }
                        guard let s = Unicode.Scalar(scalar) else { return nil }
                        out.append(contentsOf: Array(String(Character(s)).utf8))
                    default: return nil
                    }
                default:
                    if b < 0x20 { return nil }
                    out.append(b)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[index]
                index += 1
                switch b {
                case 0x30...0x39: v = v << 4 | UInt32(b - 0x30)
                case 0x41...0x46: v = v << 4 | UInt32(b - 0x37)
                case 0x61...0x66: v = v << 4 | UInt32(b - 0x57)
                default: return nil
                }
            }
            return v
        }

        mutating func null() -> Bool {
            skipSpace()
            return literal("null")
        }

        mutating func number() -> Double? {
            skipSpace()
            let start = index
            if index < bytes.count, bytes[index] == 0x2D { index += 1 }
            var integer: Int64 = 0
            var digits = 0
            var simple = true
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if digits < 15 { integer = integer * 10 + Int64(bytes[index] - 0x30) } else { simple = false }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            if digits > 1 && bytes[start + (bytes[start] == 0x2D ? 1 : 0)] == 0x30 { return nil }
            if index < bytes.count, bytes[index] == 0x2E || bytes[index] == 0x65 || bytes[index] == 0x45 {
                simple = false
                while index < bytes.count,
                    (0x30...0x39).contains(bytes[index]) || [0x2E, 0x65, 0x45, 0x2B, 0x2D].contains(bytes[index])
                { index += 1 }
            }
            if simple { return Double(bytes[start] == 0x2D ? -integer : integer) }
            return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }

        /// Skips any JSON value (for unknown keys).
        mutating func skipValue(depth: Int = 0) -> Bool {
            guard depth < 64, let b = peek() else { return false }
            switch b {
            case 0x22: return string() != nil
            case 0x7B: return object { c, _ in c.skipValue(depth: depth + 1) }
            case 0x5B:
                index += 1
                if consume(0x5D) { return true }
                while true {
                    guard skipValue(depth: depth + 1) else { return false }
                    if consume(0x2C) { continue }
                    return consume(0x5D)
                }
            case 0x74: return literal("true")
            case 0x66: return literal("false")
            case 0x6E: return literal("null")
            default: return number() != nil
            }
        }

        static func equals(_ key: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
            guard key.count == name.utf8CodeUnitCount else { return false }
            for i in 0..<key.count where key[i] != name.utf8Start[i] { return false }
            return true
        }

        /// The `at` value of turn `number`, checked against ``Turn/problem(at:)``; `Infinity`, `NaN` and
        /// out-of-range numbers are recorded in `invalid`.
        mutating func time(turn turnIndex: Int) -> (ok: Bool, value: Double?) {
            skipSpace()
            let start = index
            if null() { return (true, nil) }
            let field = "turns[\(turnIndex)].at"
            guard let value = number() else {
                if start < bytes.count, [0x49, 0x4E, 0x2D].contains(bytes[start]) {
                    invalid = (start, "field `\(field)` must be a finite number of seconds")
                }
                return (false, nil)
            }
            if let problem = Turn.problem(at: value) {
                invalid = (start, "field `\(field)` \(problem)")
                return (false, nil)
            }
            return (true, value)
        }

        mutating func turn(number: Int) -> Turn? {
            var speaker: Speaker?
            var text: String?
            var at: Double?
            let ok = object { c, key in
                if Cursor.equals(key, "speaker") {
                    guard let s = c.string(), let v = Speaker(rawValue: s) else { return false }
                    speaker = v
                } else if Cursor.equals(key, "text") {
                    guard let s = c.string() else { return false }
                    text = s
                } else if Cursor.equals(key, "at") {
                    let (ok, value) = c.time(turn: number)
                    guard ok else { return false }
                    at = value
                } else {
                    return c.skipValue()
                }
                return true
            }
            guard ok, let speaker, let text else { return nil }
            return Turn(speaker: speaker, text: text, at: at)
        }

        mutating func interaction() -> Interaction? {
            var id: String?
            var channel: Channel?
            var agent: String?
            var startedAt: String?
            var turns: [Turn]?
            let ok = object { c, key in
                if Cursor.equals(key, "id") {
                    c.skipSpace()
                    let start = c.index
                    id = c.string()
                    if id?.isEmpty == true {
                        c.invalid = (start, "field `id` is empty; every interaction needs an id")
                        return false
                    }
                    return id != nil
                } else if Cursor.equals(key, "channel") {
                    guard let s = c.string(), let v = Channel(rawValue: s) else { return false }
                    channel = v
                } else if Cursor.equals(key, "agent") {
                    agent = c.string()
                    return agent != nil
                } else if Cursor.equals(key, "started_at") {
                    if c.null() {
                        startedAt = nil
                        return true
                    }
                    startedAt = c.string()
                    return startedAt != nil
                } else if Cursor.equals(key, "turns") {
                    guard c.consume(0x5B) else { return false }
                    var list: [Turn] = []
                    if !c.consume(0x5D) {
                        while true {
                            guard let t = c.turn(number: list.count) else { return false }
                            list.append(t)
                            if c.consume(0x2C) { continue }
                            guard c.consume(0x5D) else { return false }
                            break
                        }
                    }
                    turns = list
                } else {
                    return c.skipValue()
                }
                return true
            }
            guard ok, let id, let channel, let agent, let turns else { return nil }
            return Interaction(id: id, channel: channel, agent: agent, startedAt: startedAt, turns: turns)
        }
    }
}
