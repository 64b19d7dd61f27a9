public import KefuRegex

/// Kinds of personal data Kefu masks before anything is stored, logged or shown.
public enum PersonalDataKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// China resident ID: 18 characters with a valid birth date and ISO 7064 check digit, or 15-digit
    /// legacy IDs (valid birth date) next to an ID keyword.
    case residentID = "resident-id"
    /// Bank cards: 13–19 digits (spaces, dashes or dots allowed), a card-network first digit and a valid
    /// Luhn digit, not named as an order, tracking or money number.
    case bankCard = "bank-card"
    /// Mainland mobile numbers: 11 digits starting 13–19 (optionally `+86`, `0086`, separators, Chinese
    /// numerals).
    case mobile
    /// E-mail addresses (a full-width `＠` too).
    case email
    /// A name given in a self-introduction (`我叫李红`, `本人王小明`, `my name is Anna Smith`).
    case name
    /// A site's own rule (a PCRE2 pattern given in configuration, e.g. membership or policy numbers).
    case custom
}

/// Masks personal data in text, keeping the last four digits of numbers (`**************1234`) so an
/// agent can still say "your card ending 1234".
///
/// Numbers are matched on a folded view of the text (``MaskView``): full-width digits, zero-width
/// characters and Chinese numerals do not hide them, separators (spaces, dashes, dots) may sit anywhere
/// inside, and letters may be glued in front when they are a cue (`tel13812345678`, `IDcard…`). Order
/// numbers, tracking numbers, amounts, dates and hotlines stay readable: they fail the check digit or the
/// birth date, start like no card, carry a letter prefix that is no cue (`SF…`), are too short, or sit
/// next to an order, tracking or money word.
///
/// Pure and thread-safe; each thread passes its own ``MatchScratch``. Matching that hits a PCRE2 resource
/// limit throws: callers must not store text whose masking failed.
public struct Masker: Sendable {
    /// The kinds this masker handles.
    public let kinds: Set<PersonalDataKind>
    let id18: Pattern
    let id15: Pattern
    let card: Pattern
    let mobile: Pattern
    let email: Pattern
    let englishName: Pattern
    let custom: [Pattern]

    /// A masked span.
    public struct Finding: Sendable, Hashable {
        /// What it was.
        public var kind: PersonalDataKind
        /// UTF-8 byte range in the original text.
        public var range: Range<Int>

        /// Creates a finding.
        public init(kind: PersonalDataKind, range: Range<Int>) {
            self.kind = kind
            self.range = range
        }
    }

    /// Creates a masker for `kinds` (all by default) plus `customPatterns` (PCRE2, matched on the raw
    /// text; the whole match is masked except its last four digits).
    public init(
        kinds: Set<PersonalDataKind> = Set(PersonalDataKind.allCases), customPatterns: [String] = []
    ) throws(RegexError) {
        self.kinds = kinds
        let exact = PatternOptions(caseless: false, normalization: .none)
        var compiled: [Pattern] = []
        for source in customPatterns { compiled.append(try Pattern(source, options: exact)) }
        custom = compiled
        let folded = PatternOptions(caseless: true, normalization: .none)
        let sep = "[ .\\-]{0,3}"
        // Start: no digit, letter or decimal point before — unless the letters are a cue word.
        let start =
            "(?:(?<![0-9a-z.])|(?<=[^0-9]\\.)"
            + "|(?<=tel|phone|mobile|mob|cell|call|no|nr|num|number|card|id|idcard|acct|account))"
        let end = "(?![0-9])(?![.\\-][0-9])"
        id18 = try Pattern("\(start)[1-9](?:\(sep)[0-9]){16}\(sep)[0-9x]\(end)", options: folded)
        id15 = try Pattern(
            "(?:身份证|证件|身份号|id\\s*card|identity|id\\s*no|id\\s*number)[^0-9]{0,12}?\\K[1-8](?:\(sep)[0-9]){14}\(end)",
            options: folded)
        card = try Pattern("\(start)[3-6](?:\(sep)[0-9]){12,18}\(end)", options: folded)
        mobile = try Pattern(
            "\(start)(?:(?:\\+|00) ?86\(sep)|86[ \\-]{0,3})?1\(sep)[3-9](?:\(sep)[0-9]){9}\(end)", options: folded)
        email = try Pattern(
            "[a-z0-9._%+\\-]+ ?@ ?[a-z0-9\\-]+(?:\\.[a-z0-9\\-]+)*\\.[a-z]{2,}(?![a-z0-9\\-])", options: folded)
        englishName = try Pattern(
            "(?:\\b[Mm]y\\s+name\\s+is\\s+\\K\(Self.capitalised)"
                + "|\\b[Tt]his\\s+is\\s+\\K\(Self.capitalised)(?=,?\\s+speaking\\b))",
            options: exact)
    }

    /// One to three capitalised words (`Anna`, `Anna Smith`, `Mary-Jane O'Brien`).
    static let capitalised = "[A-Z](?:'[A-Z])?[a-z]+(?:[ \\-][A-Z](?:'[A-Z])?[a-z]+){0,2}(?![A-Za-z])"

    /// The personal data found in `text`, in order, without overlaps. Throws when a pattern hits a
    /// PCRE2 resource limit (the text must then not be stored).
    public func findings(in text: String, scratch: MatchScratch) throws(RegexError) -> [Finding] {
        var found: [Finding] = []
        func add(_ kind: PersonalDataKind, _ range: Range<Int>) {
            if !range.isEmpty, !found.contains(where: { $0.range.overlaps(range) }) {
                found.append(Finding(kind: kind, range: range))
            }
        }
        if Self.mayContainNumberOrEmail(text) {
            let view = MaskView(text)
            try view.bytes.withUnsafeBufferPointer { (bytes) throws(RegexError) in
                for (kind, range) in try numberFindings(view, bytes, scratch) { add(kind, view.original(range)) }
            }
        }
        if kinds.contains(.name) {
            for range in try nameFindings(text, scratch: scratch) { add(.name, range) }
        }
        if !custom.isEmpty {
            var utf8 = Array(text.utf8)
            try utf8.withUnsafeMutableBufferPointer { (mutable) throws(RegexError) in
                let bytes = UnsafeBufferPointer(mutable)
                for pattern in custom {
                    for r in try pattern.allMatches(in: bytes, scratch: scratch) where !r.isEmpty { add(.custom, r) }
                }
            }
        }
        return found.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// `text` with every finding masked: digits (of any width, Chinese numerals included) replaced by `*`
    /// except the last four; e-mail: the local part replaced by `***`; names: every letter replaced by `*`.
    /// Throws when a pattern hits a PCRE2 resource limit (the text must then not be stored).
    public func mask(_ text: String, scratch: MatchScratch) throws(RegexError) -> (text: String, findings: [Finding]) {
        let found = try findings(in: text, scratch: scratch)
        guard !found.isEmpty else { return (text, []) }
        var bytes = Array(text.utf8)
        for finding in found.reversed() {
            let span = String(decoding: bytes[finding.range], as: UTF8.self)
            let replaced = Self.masked(span, kind: finding.kind)
            bytes.replaceSubrange(finding.range, with: Array(replaced.utf8))
        }
        return (String(decoding: bytes, as: UTF8.self), found)
    }

    /// One span masked as its kind asks.
    static func masked(_ span: String, kind: PersonalDataKind) -> String {
        let scalars = Array(span.unicodeScalars)
        switch kind {
        case .email:
            guard let at = scalars.firstIndex(where: { $0 == "@" || $0 == "＠" }) else { return span }
            return "***" + String(String.UnicodeScalarView(scalars[at...]))
        case .name:
            return String(String.UnicodeScalarView(scalars.map { $0.properties.isAlphabetic ? "*" : $0 }))
        default:
            var out = scalars
            var keep = 4
            for i in scalars.indices.reversed() {
                let s = scalars[i]
                let isDigitLike = MaskView.isDigitLike(s)
                let isCheckX = kind == .residentID && (MaskView.fold(s) == "X" || MaskView.fold(s) == "x")
                let isLetter = kind == .custom && s.properties.isAlphabetic && s.isASCII
                if isDigitLike || isCheckX {
                    if keep > 0 { keep -= 1 } else { out[i] = "*" }
                } else if isLetter {
                    out[i] = "*"
                }
            }
            return String(String.UnicodeScalarView(out))
        }
    }

    /// True when `text` may hold a number or address worth matching: eleven or more digit-like characters
    /// (any width, Chinese numerals included) or an `@`.
    static func mayContainNumberOrEmail(_ text: String) -> Bool {
        var digits = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x40, 0xFF20, 0xFE6B: return true
            case 0x30...0x39, 0xFF10...0xFF19: digits += 1
            case 0x3000...0x9FFF: if MaskView.isChineseNumeral(scalar) { digits += 1 }
            default: if scalar.value > 0x7F, MaskView.isDigitLike(scalar) { digits += 1 }
            }
            if digits >= 11 { return true }
        }
        return false
    }
}
