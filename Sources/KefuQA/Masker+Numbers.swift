import KefuRegex

extension Masker {
    /// Numbers and e-mail addresses in the folded view, as folded byte ranges.
    func numberFindings(
        _ view: MaskView, _ bytes: UnsafeBufferPointer<UInt8>, _ scratch: MatchScratch
    ) throws(RegexError) -> [(PersonalDataKind, Range<Int>)] {
        var out: [(PersonalDataKind, Range<Int>)] = []
        if kinds.contains(.residentID) {
            for r in try id18.allMatches(in: bytes, scratch: scratch) {
                let d = Self.digits(bytes, r)
                if Self.groupsAreNumberLike(bytes, r), Self.isValidResidentID(d), Self.hasValidBirthDate(d, at: 6) {
                    out.append((.residentID, r))
                }
            }
            for r in try id15.allMatches(in: bytes, scratch: scratch) {
                let d = Self.digits(bytes, r)
                if d.count == 15, Self.groupsAreNumberLike(bytes, r),
                    Self.hasValidBirthDate(Array("19".utf8) + d[6..<12], at: 0)
                {
                    out.append((.residentID, r))
                }
            }
        }
        if kinds.contains(.bankCard) {
            for r in try card.allMatches(in: bytes, scratch: scratch) {
                if let card = Self.validCard(bytes, r) { out.append((.bankCard, card)) }
            }
        }
        if kinds.contains(.email) {
            for r in try email.allMatches(in: bytes, scratch: scratch) { out.append((.email, r)) }
        }
        if kinds.contains(.mobile) {
            for r in try mobile.allMatches(in: bytes, scratch: scratch)
            where Self.groupsAreNumberLike(bytes, r)
                && !Self.hasContext(bytes, before: r.lowerBound, blocking: Self.nonCardContext, unless: Self.phoneCues)
            {
                out.append((.mobile, r))
            }
        }
        return out
    }

    /// The longest prefix of candidate `range` ending at a group boundary that is a card: 13–19 digits,
    /// Luhn-valid, number-like grouping, not named as an order/tracking/money number, no currency after.
    static func validCard(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int>? {
        guard !hasContext(bytes, before: range.lowerBound, blocking: nonCardContext, unless: cardCues) else {
            return nil
        }
        var ends = [range.upperBound]
        for i in stride(from: range.upperBound - 1, to: range.lowerBound, by: -1)
        where isDigit(bytes[i - 1]) && !isDigit(bytes[i]) {
            ends.append(i)
        }
        for end in ends {
            let r = range.lowerBound..<end
            let d = digits(bytes, r)
            if (13...19).contains(d.count), luhn(d), groupsAreNumberLike(bytes, r), !isFollowedByCurrency(bytes, end) {
                return r
            }
        }
        return nil
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// The digits (and a check `X`, as `X`) of a folded byte range.
    static func digits(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8] {
        bytes[range].compactMap { isDigit($0) ? $0 : ($0 == 0x58 || $0 == 0x78) ? 0x58 : nil }
    }

    /// False for a decimal read as a number: when a dot separates the digits, every group has 2–6 digits
    /// (`138.1234.5678`, not `3.14159265358979`).
    static func groupsAreNumberLike(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard bytes[range].contains(0x2E) else { return true }
        var group = 0
        for b in bytes[range] {
            if isDigit(b) || b == 0x58 || b == 0x78 {
                group += 1
            } else if group > 0 {
                if group < 2 || group > 6 { return false }
                group = 0
            }
        }
        return group == 0 || (2...6).contains(group)
    }

    /// A valid `yyyymmdd` at `offset` of `digits` (years 1800–2099).
    static func hasValidBirthDate(_ digits: [UInt8], at offset: Int) -> Bool {
        guard digits.count >= offset + 8 else { return false }
        func number(_ from: Int, _ count: Int) -> Int {
            digits[offset + from..<offset + from + count].reduce(0) { $0 * 10 + Int($1) - 0x30 }
        }
        let year = number(0, 4)
        let month = number(4, 2)
        let day = number(6, 2)
        return (1800...2099).contains(year) && (1...12).contains(month) && (1...31).contains(day)
    }

    /// Words that make a long number an order, tracking or money number rather than a card or a phone.
    static let nonCardContext: [[UInt8]] = [
        "订单", "单号", "运单", "快递", "物流", "order", "tracking", "waybill", "invoice", "发票", "工单", "ticket",
        "金额", "¥", "￥", "amount", "total", "合计", "流水", "交易号", "transaction", "编号", "serial",
    ]
    .map { Array($0.utf8) }

    /// Words that name a card even after an order word (`订单退款到卡号…`, `refund order 12 to card …`).
    static let cardCues: [[UInt8]] = [
        "卡", "card", "银行", "bank", "账户", "账号", "account", "借记", "debit", "credit", "visa", "退到", "refund to",
    ]
    .map { Array($0.utf8) }

    /// Words that name a phone even after an order word.
    static let phoneCues: [[UInt8]] = [
        "手机", "电话", "联系", "tel", "phone", "mobile", "call", "致电", "打给", "号码是",
    ]
    .map { Array($0.utf8) }

    /// True when one of `blocking` occurs in the 30 bytes before `start` with none of `unless` after it.
    static func hasContext(
        _ bytes: UnsafeBufferPointer<UInt8>, before start: Int, blocking: [[UInt8]], unless: [[UInt8]]
    ) -> Bool {
        let from = max(0, start - 30)
        let window = bytes[from..<start].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        func last(_ words: [[UInt8]]) -> Int {
            var best = -1
            for word in words where window.count >= word.count {
                for i in stride(from: window.count - word.count, through: 0, by: -1)
                where window[i..<i + word.count].elementsEqual(word) {
                    best = max(best, i)
                    break
                }
            }
            return best
        }
        let block = last(blocking)
        return block >= 0 && last(unless) < block
    }

    /// True when a currency or percent follows `end` (after spaces): `元`, `块`, `yuan`, `rmb`, `cny`, `%`, `万`.
    static func isFollowedByCurrency(_ bytes: UnsafeBufferPointer<UInt8>, _ end: Int) -> Bool {
        var i = end
        while i < bytes.count, bytes[i] == 0x20 { i += 1 }
        let rest = bytes[i..<min(bytes.count, i + 6)].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return ["元", "块", "yuan", "rmb", "cny", "%", "万", "usd"].contains { rest.starts(with: Array($0.utf8)) }
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

    /// The Luhn check over the ASCII digits of `digits` (separators are skipped).
    public static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (i, d) in digits.filter(isDigit).reversed().enumerated() {
            var v = Int(d) - 0x30
            if i % 2 == 1 {
                v *= 2
                if v > 9 { v -= 9 }
            }
            sum += v
        }
        return sum % 10 == 0
    }
}
