import Foundation

/// The certification requirement texts of the rules engine (written in English, as the CLI prints them) in Chinese
/// for the zh pages. Texts it does not know are shown as written.
enum RequirementText {
    /// `text` (a requirement or what the records show) in `locale`.
    static func localized(_ text: String, _ locale: String) -> String {
        guard locale == "zh" else { return text }
        let (main, manual) = split(text, at: " — entered by hand by ")
        var out = requirement(main) ?? actual(main) ?? main
        if let manual {
            let (who, reason) = split(manual, at: ": ")
            out += "——由 \(who) 手工录入" + (reason.map { "：\($0)" } ?? "")
        }
        return out
    }

    static func requirement(_ text: String) -> String? {
        if text == "the person is active" { return "人员在职" }
        if let (name, rest) = quoted(text, after: "exam "), rest.hasPrefix(" ≥ ") {
            return "考试 \(name) ≥ \(rest.dropFirst(3)) 分"
        }
        if let (name, rest) = quoted(text, after: "scenario "), rest.hasPrefix(" in exam mode ≥ ") {
            return "考试模式情景演练 \(name) ≥ \(rest.dropFirst(16)) 分"
        }
        if let (name, rest) = quoted(text, after: "mentor sign-off for "), rest.isEmpty { return "导师签核（\(name)）" }
        if let (name, rest) = quoted(text, after: "valid "), rest == " certification" { return "持有有效的 \(name) 认证" }
        return nil
    }

    static func actual(_ text: String) -> String? {
        switch text {
        case "status: left": return "状态：已离职"
        case "no exam-mode attempt recorded": return "尚无考试模式的记录"
        case "no sign-off recorded": return "尚无签核记录"
        case "never issued": return "从未颁发"
        default: break
        }
        if text.hasPrefix("best "), text.hasSuffix(")"), let open = text.firstIndex(of: "(") {
            let score = text.dropFirst(5).prefix { $0 != " " }
            var inside = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            let failed = inside.hasSuffix(", not passed")
            if failed { inside = String(inside.dropLast(12)) }
            let (attempt, time) = split(inside, at: ", ")
            return "最好成绩 \(score)（\(attempt.replacingOccurrences(of: "attempt ", with: "记录 #"))，\(time ?? "")"
                + (failed ? "，未通过" : "") + "）"
        }
        if text.hasPrefix("signed by ") {
            let (who, when) = split(String(text.dropFirst(10)), at: " on ")
            return "由 \(who) 于 \(when ?? "") 签核"
        }
        for (english, chinese) in [("valid until ", "有效期至 "), ("expired on ", "已于 ")] where text.hasPrefix(english) {
            let (date, entry) = split(String(text.dropFirst(english.count)), at: " (ledger entry ")
            let number = entry.map { "（台账第 \($0.dropLast()) 条）" } ?? ""
            return chinese + date + (english == "expired on " ? " 过期" : "") + number
        }
        if text.hasPrefix("revoked (ledger entry ") {
            let (entry, reason) = split(String(text.dropFirst(22)), at: "): ")
            return "已撤销（台账第 \(entry) 条）：\(reason ?? "")"
        }
        return nil
    }

    /// The `name` in backquotes right after `prefix`, and what follows it.
    static func quoted(_ text: String, after prefix: String) -> (String, Substring)? {
        guard text.hasPrefix(prefix + "`") else { return nil }
        let rest = text.dropFirst(prefix.count + 1)
        guard let close = rest.firstIndex(of: "`") else { return nil }
        return (String(rest[..<close]), rest[rest.index(after: close)...])
    }

    /// `text` before and after the first `separator` (nil after when it does not occur).
    static func split(_ text: String, at separator: String) -> (String, String?) {
        guard let range = text.range(of: separator) else { return (text, nil) }
        return (String(text[..<range.lowerBound]), String(text[range.upperBound...]))
    }
}
