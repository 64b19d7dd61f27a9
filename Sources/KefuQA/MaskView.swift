import Foundation

/// The text the masker matches on: compatibility forms folded by NFKC, code point by code point (full-width `１３８`,
/// `＠`, `＋`, circled `①`, superscript `²`, mathematical `𝟏`, `㈠`, ligatures …), zero-width characters (U+200B/200C/200D/2060/FEFF,
/// soft hyphen) dropped, dash and space variants unified, and runs of seven or more Chinese numerals
/// (`一三八…`, `幺`, `〇`, `零`) read as digits — with a map from every byte back to the original text's
/// UTF-8 bytes, so masks are applied to what was actually written.
struct MaskView {
    /// The folded UTF-8 bytes.
    private(set) var bytes: [UInt8] = []
    /// For each folded byte: the original byte range of the character it came from.
    private var starts: [Int] = []
    private var ends: [Int] = []

    init(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        var offsets: [Int] = []
        offsets.reserveCapacity(scalars.count + 1)
        var offset = 0
        for scalar in scalars {
            offsets.append(offset)
            offset += UTF8.width(scalar)
        }
        offsets.append(offset)
        let numerals = Self.numeralRuns(scalars)
        bytes.reserveCapacity(offset)
        for (i, scalar) in scalars.enumerated() {
            let folded = numerals[i] ? Self.chineseDigit(scalar).map { [$0] } ?? [] : Self.foldAll(scalar)
            for piece in folded {
                UTF8.encode(piece) { byte in
                    bytes.append(byte)
                    starts.append(offsets[i])
                    ends.append(offsets[i + 1])
                }
            }
        }
    }

    /// The original byte range of folded bytes `range`.
    func original(_ range: Range<Int>) -> Range<Int> {
        guard !range.isEmpty else { return 0..<0 }
        return starts[range.lowerBound]..<ends[range.upperBound - 1]
    }

    /// The original byte range of the character folded byte `index` came from.
    func original(at index: Int) -> Range<Int> { starts[index]..<ends[index] }

    /// A scalar as matched: full-width ASCII folded, zero-width dropped (nil), spaces and dashes unified.
    static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD: return nil
        case 0xFF01...0xFF5E: return Unicode.Scalar(scalar.value - 0xFEE0)
        case 0x3000, 0x00A0, 0x2000...0x200A, 0x202F: return " "
        case 0x2010...0x2015, 0x2212, 0xFE63, 0x30FC: return "-"
        default: return scalar
        }
    }

    /// A scalar as matched, possibly several (`⑴` is `(1)`): ``fold(_:)`` first; then, for the blocks that hold
    /// compatibility forms, NFKC of the code point, each resulting scalar folded again. Han, kana, Hangul and
    /// ordinary letters are never touched (and never cost a normalization).
    static func foldAll(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        guard let first = fold(scalar) else { return [] }
        guard first == scalar, hasCompatibilityForms(scalar) else { return [first] }
        let normalized = String(scalar).precomposedStringWithCompatibilityMapping.unicodeScalars
        guard normalized.count != 1 || normalized.first != scalar else { return [scalar] }
        return normalized.compactMap(fold)
    }

    /// True for code points in the blocks that hold compatibility decompositions worth folding for numbers, e-mail
    /// and ids: Latin-1 (`²`, `¹`, `º`), superscripts and subscripts, letterlike symbols and number forms (`Ⅻ`),
    /// enclosed alphanumerics (`①`, `⑴`, `⒈`), enclosed CJK (`㈠`, `㊀`), CJK compatibility, ligatures, half-width
    /// and full-width forms, mathematical alphanumerics (`𝟏`) and enclosed alphanumeric supplement (`🄁`).
    static func hasCompatibilityForms(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00A0...0x00FF, 0x2070...0x209F, 0x2100...0x218F, 0x2460...0x24FF, 0x3200...0x33FF, 0xFB00...0xFB4F,
            0xFE50...0xFE6F, 0xFF00...0xFFEF, 0x1D400...0x1D7FF, 0x1F100...0x1F1FF:
            return true
        default:
            return false
        }
    }

    /// True when `scalar` reads as one decimal digit: ASCII, full-width, a Chinese numeral, or a compatibility
    /// form of a digit (`①`, `𝟏`, `¹`).
    static func isDigitLike(_ scalar: Unicode.Scalar) -> Bool {
        if let digit = chineseDigit(scalar), ("0"..."9").contains(digit) { return true }
        guard scalar.value > 0x7F, hasCompatibilityForms(scalar) else { return false }
        let folded = foldAll(scalar)
        return folded.count == 1 && ("0"..."9").contains(folded[0])
    }

    /// The digit a Chinese numeral stands for when a phone number is read out (`幺` is one), or nil.
    static func chineseDigit(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar {
        case "〇", "零", "○": return "0"
        case "一", "幺": return "1"
        case "二", "两": return "2"
        case "三": return "3"
        case "四": return "4"
        case "五": return "5"
        case "六": return "6"
        case "七": return "7"
        case "八": return "8"
        case "九": return "9"
        default: return fold(scalar)
        }
    }

    /// Marks the scalars inside runs of at least seven Chinese numerals (separators allowed between
    /// them), so `一三八一二三四五六七八` reads as a number but `一下` or `三天` do not.
    static func numeralRuns(_ scalars: [Unicode.Scalar]) -> [Bool] {
        var marks = [Bool](repeating: false, count: scalars.count)
        var i = 0
        while i < scalars.count {
            guard isChineseNumeral(scalars[i]) else {
                i += 1
                continue
            }
            var end = i
            var count = 0
            var j = i
            while j < scalars.count {
                if isChineseNumeral(scalars[j]) {
                    count += 1
                    end = j + 1
                } else if fold(scalars[j]).map({ $0 != " " && $0 != "-" }) ?? false {
                    break
                }
                j += 1
            }
            if count >= 7 { for k in i..<end { marks[k] = true } }
            i = max(end, i + 1)
        }
        return marks
    }

    static func isChineseNumeral(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "〇", "零", "○", "一", "幺", "二", "两", "三", "四", "五", "六", "七", "八", "九": return true
        default: return false
        }
    }
}
