public import KefuRegex

/// Kinds of personal data Kefu masks before anything is stored, logged or shown.
public enum PersonalDataKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// China resident ID: 18 characters with a valid ISO 7064 check digit, or 15-digit legacy IDs next
    /// to an ID keyword.
    case residentID = "resident-id"
    /// Bank cards: 13–19 digits (spaces or dashes allowed), a card-network first digit and a valid Luhn digit.
    case bankCard = "bank-card"
    /// Mainland mobile numbers: 11 digits starting 13–19 (optionally +86, spaces or dashes).
    case mobile
    /// E-mail addresses.
    case email
    /// A site's own rule (a PCRE2 pattern given in configuration, e.g. membership or policy numbers).
    case custom
}

/// Masks personal data in text, keeping the last four digits of numbers (`**************1234`) so an
/// agent can still say "your card ending 1234". Order numbers, tracking numbers and amounts that merely
/// look long are left alone: they fail the check digit, start like no card, carry letters, or sit next
/// to an order, tracking or money word.
///
/// Pure and thread-safe; each thread passes its own ``MatchScratch``.
public struct Masker: Sendable {
    /// The kinds this masker handles.
    public let kinds: Set<PersonalDataKind>
    private let id18: Pattern
    private let id15: Pattern
    private let card: Pattern
    private let mobile: Pattern
    private let email: Pattern
    private let custom: [Pattern]

    /// A masked span.
    public struct Finding: Sendable, Hashable {
        /// What it was.
        public var kind: PersonalDataKind
        /// UTF-8 byte range in the original text.
        public var range: Range<Int>
    }

    /// Creates a masker for `kinds` (all by default) plus `customPatterns` (PCRE2, matched on the raw
    /// text; the whole match is masked except its last four digits).
    public init(
        kinds: Set<PersonalDataKind> = Set(PersonalDataKind.allCases), customPatterns: [String] = []
    ) throws(RegexError) {
        self.kinds = kinds
        var compiled: [Pattern] = []
        for source in customPatterns {
            compiled.append(try Pattern(source, options: PatternOptions(caseless: false, normalization: .none)))
        }
        custom = compiled
        let exact = PatternOptions(caseless: false, normalization: .none)
        // `(?<![0-9A-Za-z])` keeps tracking numbers such as SF1234567890123 intact.
        id18 = try Pattern(
            #"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"#,
            options: exact)
        id15 = try Pattern(
            #"(?:身份证|证件|ID\s*card|identity)[^0-9]{0,8}(?<![0-9A-Za-z])([1-8]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})(?![0-9A-Za-z])"#,
            options: PatternOptions(caseless: true, normalization: .none))
        card = try Pattern(
            #"(?<![0-9A-Za-z.])[3-6]\d{3}(?:[ -]?\d){9,15}(?![0-9A-Za-z.])(?!\s*(?:元|块|yuan|RMB|CNY|%))"#,
            options: exact)
        mobile = try Pattern(
            #"(?<![0-9A-Za-z])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])"#, options: exact)
        email = try Pattern(#"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"#, options: exact)
    }

    /// Words that make a long number an order, tracking or money number rather than a card.
    static let nonCardContext: [[UInt8]] = [
        "订单", "单号", "运单", "快递", "物流", "order", "tracking", "waybill", "invoice", "发票", "工单", "ticket",
    ]
    .map { Array($0.utf8) }

    /// True when `text` may contain something to mask (cheap pre-check: enough digits, or an `@`).
    @inline(__always) static func mayContainPersonalData(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var run = 0
        var longest = 0
        for b in bytes {
            if b == 0x40 { return true }
            if b >= 0x30 && b <= 0x39 {
                run += 1
                if run > longest { longest = run }
            } else if b != 0x20 && b != 0x2D {
                run = 0
            }
            if longest >= 11 { return true }
        }
        return false
    }

    /// The personal data found in `text`, in order, without overlaps.
    public func findings(in text: String, scratch: MatchScratch) -> [Finding] {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBufferPointer { mutable in
            let bytes = UnsafeBufferPointer(mutable)
            guard !custom.isEmpty || Self.mayContainPersonalData(bytes) else { return [] }
            var found: [Finding] = []
            func add(_ kind: PersonalDataKind, _ range: Range<Int>) {
                if !found.contains(where: { $0.range.overlaps(range) }) {
                    found.append(Finding(kind: kind, range: range))
                }
            }
            func digits(_ range: Range<Int>) -> [UInt8] {
                bytes[range].filter { $0 >= 0x30 && $0 <= 0x39 || $0 == 0x58 || $0 == 0x78 }
            }
            if kinds.contains(.residentID) {
                for r in (try? id18.allMatches(in: bytes, scratch: scratch)) ?? []
                where Self.isValidResidentID(digits(r)) { add(.residentID, r) }
                var start = 0
                while let r = try? id15.firstMatch(in: bytes, from: start, scratch: scratch) {
                    // Mask only the number (the last 15 bytes of the match), not the keyword before it.
                    add(.residentID, (r.upperBound - 15)..<r.upperBound)
                    start = r.upperBound
                }
            }
            if kinds.contains(.email) {
                for r in (try? email.allMatches(in: bytes, scratch: scratch)) ?? [] { add(.email, r) }
            }
            if kinds.contains(.mobile) {
                for r in (try? mobile.allMatches(in: bytes, scratch: scratch)) ?? [] { add(.mobile, r) }
            }
            if kinds.contains(.bankCard) {
                for r in (try? card.allMatches(in: bytes, scratch: scratch)) ?? [] {
                    let d = digits(r)
                    guard (13...19).contains(d.count), Self.luhn(d),
                        !Self.hasNonCardContext(bytes, before: r.lowerBound)
                    else { continue }
                    add(.bankCard, r)
                }
            }
            for pattern in custom {
                for r in (try? pattern.allMatches(in: bytes, scratch: scratch)) ?? [] where !r.isEmpty {
                    add(.custom, r)
                }
            }
            return found.sorted { $0.range.lowerBound < $1.range.lowerBound }
        }
    }

    /// `text` with every finding masked: digits and letters replaced by `*` except the last four digits
    /// (e-mail: the local part replaced by `***`).
    public func mask(_ text: String, scratch: MatchScratch) -> (text: String, findings: [Finding]) {
        let found = findings(in: text, scratch: scratch)
        guard !found.isEmpty else { return (text, []) }
        var bytes = Array(text.utf8)
        for finding in found.reversed() {
            if finding.kind == .email {
                guard let at = bytes[finding.range].firstIndex(of: 0x40) else { continue }
                bytes.replaceSubrange(finding.range.lowerBound..<at, with: Array("***".utf8))
                continue
            }
            var keep = 4
            var i = finding.range.upperBound - 1
            while i >= finding.range.lowerBound {
                let b = bytes[i]
                let isDigit = b >= 0x30 && b <= 0x39
                let isCheckX = (b == 0x58 || b == 0x78) && finding.kind == .residentID
                let isLetter = finding.kind == .custom && (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A
                if isDigit || isCheckX {
                    if keep > 0 { keep -= 1 } else { bytes[i] = 0x2A }
                } else if isLetter {
                    bytes[i] = 0x2A
                }
                i -= 1
            }
        }
        return (String(decoding: bytes, as: UTF8.self), found)
    }

    /// ISO 7064 MOD 11-2 check of an 18-character resident ID.
    public static func isValidResidentID(_ chars: [UInt8]) -> Bool {
        guard chars.count == 18 else { return false }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        var sum = 0
        for i in 0..<17 {
            guard chars[i] >= 0x30 && chars[i] <= 0x39 else { return false }
            sum += Int(chars[i] - 0x30) * weights[i]
        }
        let expected = Array("10X98765432".utf8)[sum % 11]
        let last = chars[17] == 0x78 ? 0x58 : chars[17]
        return last == expected
    }

    /// The Luhn check.
    public static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            var v = Int(d) - 0x30
            if i % 2 == 1 {
                v *= 2
                if v > 9 { v -= 9 }
            }
            sum += v
        }
        return sum % 10 == 0
    }

    static func hasNonCardContext(_ bytes: UnsafeBufferPointer<UInt8>, before start: Int) -> Bool {
        let from = max(0, start - 18)
        let window = Array(bytes[from..<start]).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return nonCardContext.contains { word in
            guard window.count >= word.count else { return false }
            for i in 0...(window.count - word.count) where Array(window[i..<i + word.count]) == word { return true }
            return false
        }
    }
}
