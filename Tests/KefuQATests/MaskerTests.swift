import KefuRegex
import Testing

@testable import KefuQA

/// Builds valid identifiers the way issuers do, so tests never embed real ones.
enum Make {
    static func residentID(_ first17: String) -> String {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(first17, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return first17 + String(Array("10X98765432")[sum % 11])
    }

    static func card(_ prefix: String) -> String {
        for d in 0...9 where Masker.luhn(Array((prefix + String(d)).utf8)) { return prefix + String(d) }
        return prefix
    }

    static func wrongCheck(_ valid: String) -> String {
        var chars = Array(valid)
        let last = chars.removeLast()
        return String(chars) + (last == "1" ? "2" : "1")
    }
}

@Suite("Masking personal data")
struct MaskerTests {
    let masker: Masker
    let scratch = MatchScratch()

    init() throws { masker = try Masker() }

    func masked(_ text: String) -> String { (try? masker.mask(text, scratch: scratch).text) ?? "<error>" }

    @Test("an 18-character resident ID with a valid check digit is masked, keeping the last four")
    func residentID() {
        let id = Make.residentID("11010519900307123")
        #expect(masked("我的身份证是\(id)，请核对") == "我的身份证是**************\(id.suffix(4))，请核对")
        let x = Make.residentID("44030419851231002")
        #expect(masked("ID \(x)").hasSuffix(String(x.suffix(4))))
        #expect(!masked("ID \(x)").contains(String(x.prefix(10))))
        // A wrong check digit is not an ID (it may be anything else).
        let wrong = Make.wrongCheck(id)
        #expect(masked("编号\(wrong)") == "编号\(wrong)")
    }

    @Test("a 15-digit legacy ID is masked next to an ID keyword, and left alone elsewhere")
    func legacyID() {
        #expect(masked("老身份证号：110105900307123") == "老身份证号：***********7123")
        #expect(masked("流水 110105900307123") == "流水 110105900307123")
    }

    @Test("bank cards that pass the Luhn check are masked, with or without spaces and dashes")
    func cards() {
        let plain = Make.card("622202123456789012")
        #expect(masked("卡号\(plain)") == "卡号***************\(plain.suffix(4))")
        let spaced = Make.card("6222 0212 3456 7890 12")
        // Groups are kept; the last four digits (across the space) stay readable.
        #expect(masked("card \(spaced) ok") == "card **** **** **** ***0 12\(spaced.suffix(1)) ok")
        let visa = Make.card("411111111111111")
        #expect(masked("Visa \(visa)").contains("****"))
        #expect(!masked("Visa \(visa)").contains("41111111"))
        #expect(masked("卡号\(Make.wrongCheck(plain))") == "卡号\(Make.wrongCheck(plain))")
    }

    @Test("order numbers, tracking numbers and amounts that merely look long survive")
    func lookAlikes() {
        let luhnValid = Make.card("622202123456789012")
        for text in [
            "订单号\(luhnValid)已发货",  // an order number that happens to pass Luhn
            "运单号：SF1234567890123",
            "tracking number \(Make.card("5123456789012345"))",
            "您的订单 202611030012345678 已受理",
            "金额 4123456789012345 元",
            "合计 1299.00 元，优惠 100.00",
            "版本 3.14159265358979323",
        ] {
            #expect(masked(text) == text, "\(text)")
        }
    }

    @Test("mainland mobile numbers and e-mail addresses are masked")
    func contacts() {
        #expect(masked("电话13812345678") == "电话*******5678")
        #expect(masked("call +86 138-1234-5678 now") == "call +** ***-****-5678 now")
        #expect(masked("mail anna.smith+cs@example.com.cn") == "mail ***@example.com.cn")
        #expect(masked("号码 12812345678") == "号码 12812345678")  // 12x is not a mobile prefix
    }

    @Test("only the configured kinds are masked")
    func configurable() throws {
        let onlyCards = try Masker(kinds: [.bankCard])
        let text = "电话13812345678 卡\(Make.card("622202123456789012"))"
        let out = try onlyCards.mask(text, scratch: scratch)
        #expect(out.text.contains("13812345678"))
        #expect(out.findings.map(\.kind) == [.bankCard])
    }

    @Test("numbers hidden by separators, zero-width characters, full width, glued cues and prefixes are masked")
    func obfuscatedNumbers() {
        #expect(masked("电话138.1234.5678") == "电话***.****.5678")
        #expect(masked("电话1\u{200B}38123\u{200D}45678") == "电话*\u{200B}*****\u{200D}*5678")
        #expect(masked("手机１３８１２３４５６７８") == "手机*******５６７８")
        #expect(masked("tel13812345678") == "tel*******5678")
        #expect(masked("0086 13812345678") == "**** *******5678")
        #expect(masked("＋８６１３８１２３４５６７８") == "＋*********５６７８")
        let id = Make.residentID("11010519900307123")
        #expect(masked("IDcard\(id)") == "IDcard**************\(id.suffix(4))")
        #expect(masked("身份证 110105 19900307 \(id.suffix(4))") == "身份证 ****** ******** \(id.suffix(4))")
    }

    @Test("compatibility forms are folded by NFKC before matching: circled, mathematical, superscript digits")
    func compatibilityForms() {
        #expect(masked("手机①③⑧①②③④⑤⑥⑦⑧") == "手机*******⑤⑥⑦⑧")
        #expect(masked("手机𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖 ok") == "手机*******𝟓𝟔𝟕𝟖 ok")
        #expect(masked("tel ¹³⁸¹²³⁴⁵⁶⁷⁸") == "tel *******⁵⁶⁷⁸")
        #expect(masked("mail：ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ").contains("ｊｏｈｎ") == false)
        // Look-alikes: letters with accents, ligatures, and a circled step number stay as written.
        #expect(masked("café résumé ﬁle ①号窗口") == "café résumé ﬁle ①号窗口")
        #expect(MaskView.foldAll("⑴") == ["(", "1", ")"])
        #expect(MaskView.foldAll("中") == ["中"])
        #expect(MaskView.foldAll("\u{200B}") == [])
    }

    @Test("a mobile read out in Chinese numerals is masked; short numeral runs are words")
    func chineseNumerals() {
        #expect(masked("我的手机是一三八一二三四五六七八，谢谢") == "我的手机是*******五六七八，谢谢")
        #expect(masked("打幺三八幺二三四五六七八") == "打*******五六七八")
        #expect(masked("我想问一下，三天后到货吗") == "我想问一下，三天后到货吗")
    }

    @Test("cards after No., before a full stop, in a refund sentence, and 19-digit debit cards are masked")
    func cardContexts() {
        let card = Make.card("622202123456789012")
        let debit = Make.card("621700987654321098")
        #expect(masked("No.\(card)") == "No.***************\(card.suffix(4))")
        #expect(masked("卡号\(card).") == "卡号***************\(card.suffix(4)).")
        #expect(masked("订单退款到卡号\(card)") == "订单退款到卡号***************\(card.suffix(4))")
        #expect(
            masked("refund order 123 to card \(debit)") == "refund order 123 to card ***************\(debit.suffix(4))")
        #expect(masked("order \(card)") == "order \(card)")
    }

    @Test("e-mail with a full-width at sign, and names in self-introductions, are masked conservatively")
    func emailAndNames() {
        #expect(masked("邮箱 zhang.wei＠example.com") == "邮箱 ***＠example.com")
        #expect(masked("您好，我叫李红，身份证丢了") == "您好，我叫**，身份证丢了")
        #expect(masked("本人王小明身份证丢了") == "本人***身份证丢了")
        #expect(masked("我是张伟先生") == "我是**先生")
        #expect(masked("Hi, my name is Anna Smith and") == "Hi, my name is **** ***** and")
        #expect(masked("this is John speaking") == "this is **** speaking")
        for text in ["我是新客户", "我是想问一下", "本人不同意", "my name is on the card", "This is great", "我是李先生"] {
            #expect(masked(text) == text, "\(text)")
        }
    }

    @Test("hotlines, dates, decimals and tracking numbers stay readable")
    func readable() {
        for text in [
            "客服热线95588", "400-820-8820", "2026-11-05 13:45", "坐标 31.2304167", "SF13812345678901", "运单号 13812345678",
        ] {
            #expect(masked(text) == text, "\(text)")
        }
    }

    @Test("a custom pattern that hits the PCRE2 limit throws instead of masking nothing")
    func failsClosed() throws {
        let slow = try Masker(customPatterns: ["(a|aa)+$"])
        #expect(throws: RegexError.self) { try slow.mask(String(repeating: "a", count: 40) + "!", scratch: scratch) }
    }
}
