import Foundation
import KefuCore
import KefuRubrics

/// Renders score results as JSON Lines or as a readable text report.
public enum ScoreReport {
    /// One JSON object (the documented result format), without a trailing newline.
    public static func jsonLine(_ result: ScoreResult) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(result) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A readable report of one result; evidence is shown in its turn with «» around the matched span.
    public static func text(_ result: ScoreResult, interaction: Interaction? = nil, rubric: Rubric) -> String {
        var out = "── \(result.interaction) · \(rubric.id) v\(rubric.version) (\(result.rubricVersion.prefix(12))) ──\n"
        let status = result.passed ? "PASSED" : (result.criticalFailed ? "FAILED (critical rule)" : "FAILED")
        out += "score \(format(result.score))/100 · \(status) · pass mark \(format(rubric.passMark))\n"
        let titles = Dictionary(rubric.items.map { ($0.id, $0.title) }, uniquingKeysWith: { a, _ in a })
        for item in result.items {
            let mark: String
            switch item.verdict {
            case .pass: mark = "✓"
            case .fail: mark = "✗"
            case .na: mark = "–"
            case .error: mark = "!"
            }
            let points = item.verdict == .na ? "n/a" : "\(format(item.points))/\(format(item.maxPoints))"
            out += "  \(mark) \(pad(item.id, 28)) \(pad(item.category, 24)) \(pad(points, 7)) \(titles[item.id] ?? "")\n"
            out += "      \(item.message)\n"
            for evidence in item.evidence.prefix(3) {
                out += "      turn \(evidence.turn) [\(evidence.start)..<\(evidence.end)]: "
                if let turn = interaction?.turns[safe: evidence.turn] {
                    out += highlight(turn.text, evidence.start, evidence.end) + "\n"
                } else {
                    out += "«\(evidence.text)»\n"
                }
            }
        }
        return out
    }

    /// The text with «» around code points `start..<end`, shortened to about 60 characters of context.
    static func highlight(_ text: String, _ start: Int, _ end: Int) -> String {
        let scalars = Array(text.unicodeScalars)
        let lower = max(0, min(start, scalars.count))
        let upper = max(lower, min(end, scalars.count))
        let from = max(0, lower - 30)
        let to = min(scalars.count, upper + 30)
        func string(_ range: Range<Int>) -> String {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[range])
            return String(s).replacingOccurrences(of: "\n", with: " ")
        }
        return (from > 0 ? "…" : "") + string(from..<lower) + "«" + string(lower..<upper) + "»" + string(upper..<to) + (to < scalars.count ? "…" : "")
    }

    /// The closing summary line.
    public static func summary(_ summary: ScoreService.Summary) -> String {
        var line = "\(summary.scored) interaction\(summary.scored == 1 ? "" : "s") scored · \(summary.passed) passed · "
            + "\(summary.scored - summary.passed) failed · mean score \(format((summary.meanScore * 100).rounded() / 100))"
        if summary.invalid > 0 { line += " · \(summary.invalid) invalid input line\(summary.invalid == 1 ? "" : "s")" }
        if summary.ruleErrors > 0 { line += " · \(summary.ruleErrors) rule error\(summary.ruleErrors == 1 ? "" : "s")" }
        return line
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value).replacingOccurrences(of: #"0$"#, with: "", options: .regularExpression)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
