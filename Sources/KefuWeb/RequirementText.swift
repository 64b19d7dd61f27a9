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
        if let rest = after(text, "currently ") { return "当前职级为 \(rest)" }
        if let (name, rest) = quoted(text, after: "valid certification "), rest.isEmpty { return "持有有效的 \(name) 认证" }
        if let rest = after(text, "at least "), rest.hasSuffix(" months at the current level") {
            return "在当前职级满 \(rest.dropLast(28)) 个月"
        }
        if let rest = after(text, "rating "),
            let (grade, tail) = Optional(split(rest, at: " or better in each of the last ")),
            let tail, tail.hasSuffix(" review cycles")
        {
            return "最近 \(tail.dropLast(14)) 个考核周期评级均不低于 \(grade)"
        }
        if let rest = after(text, "QA average ≥ ") {
            let (minimum, months) = split(rest, at: " over the last ")
            if let months, months.hasSuffix(" months") { return "最近 \(months.dropLast(7)) 个月质检平均分 ≥ \(minimum)" }
        }
        if let rest = after(text, "has mentored at least ") {
            return "至少带过 \(rest.split(separator: " ").first ?? "") 名徒弟"
        }
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
        case "no review cycles recorded": return "尚无考核周期记录"
        case "no scored interactions": return "尚无已评分的会话"
        case "not taken": return "未参加"
        default: break
        }
        if let rest = after(text, "currently ") { return "当前职级为 \(rest)" }
        if let rest = after(text, "revoked: ") { return "已撤销：\(rest)" }
        if let rest = after(text, "best "), !rest.contains(" ") { return "最好成绩 \(rest)" }
        if text.hasSuffix(" apprentice") || text.hasSuffix(" apprentices"), let count = Int(text.prefix { $0 != " " }) {
            return "\(count) 名徒弟"
        }
        if text.contains(" over "), text.hasSuffix(" scored interactions") {
            let (mean, count) = split(String(text.dropLast(20)), at: " over ")
            return "\(count ?? "") 条已评分会话的平均分 \(mean)"
        }
        if text.contains(" since ") {
            let (level, rest) = split(text, at: " since ")
            let (since, reaches) = split(rest ?? "", at: "; reaches ")
            var out = "自 \(since) 起任 \(level)"
            if let reaches {
                let (months, date) = split(reaches, at: " months on ")
                out += "；满 \(months) 个月的日期为 \(date ?? "")"
            }
            return out
        }
        if text.hasSuffix(" cycles)"), let range = text.range(of: " (only ") {
            let count = text[range.upperBound...].dropLast(8)
            return String(text[..<range.lowerBound]) + "（仅 \(count) 个周期）"
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

    /// What follows `prefix` in `text`, or nil when `text` does not start with it.
    static func after(_ text: String, _ prefix: String) -> String? {
        text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : nil
    }

    /// `text` before and after the first `separator` (nil after when it does not occur).
    static func split(_ text: String, at separator: String) -> (String, String?) {
        guard let range = text.range(of: separator) else { return (text, nil) }
        return (String(text[..<range.lowerBound]), String(text[range.upperBound...]))
    }
}
