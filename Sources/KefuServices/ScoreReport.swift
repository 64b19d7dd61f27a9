import Foundation
public import KefuCore
public import KefuRubrics

/// JSON with sorted keys and unescaped slashes (stable output for files, the database and diffs); one
/// line unless `pretty`.
public func canonicalJSON<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting =
        pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Renders score results as JSON Lines or as a readable text report.
public enum ScoreReport {
    /// One JSON object (the documented result format), without a trailing newline.
    public static func jsonLine(_ result: ScoreResult) -> String {
        (try? canonicalJSON(result)) ?? "{}"
    }

    /// A readable report of one result: one line per item; evidence is shown in its turn with «» around
    /// the matched span (for a pass, where it was found; for a failure, what went wrong).
    public static func text(_ result: ScoreResult, interaction: Interaction? = nil, rubric: Rubric) -> String {
        var out = "── \(result.interaction) · \(rubric.id) v\(rubric.version) (\(result.rubricVersion.prefix(12))) ──\n"
        let status = result.passed ? "PASSED" : (result.criticalFailed ? "FAILED (critical rule)" : "FAILED")
        out += "score \(format(result.score))/100 · \(status) · pass mark \(format(rubric.passMark))\n"
        let width = min(26, result.items.map(\.id.count).max() ?? 10)
        for item in result.items {
            let mark: String
            switch item.verdict {
            case .pass: mark = "✓"
            case .fail: mark = "✗"
            case .na: mark = "–"
            case .error: mark = "!"
            }
            let points = item.verdict == .na ? "n/a" : "\(format(item.points))/\(format(item.maxPoints))"
            out += "  \(mark) \(pad(item.id, width)) \(pad(points, 6)) "
            func snippet(_ evidence: Evidence) -> String {
                guard let turn = interaction?.turns[safe: evidence.turn] else {
                    return "turn \(evidence.turn): «\(evidence.text)»"
                }
                return "turn \(evidence.turn): " + highlight(turn.text, evidence.start, evidence.end)
            }
            switch item.verdict {
            case .pass:
                if let first = item.evidence.first { out += snippet(first) }
                while out.hasSuffix(" ") { out.removeLast() }
                out += "\n"
            case .na:
                out += item.message + "\n"
            case .fail, .error:
                out += "[\(item.category)] \(item.message)\n"
                for evidence in item.evidence.prefix(3) { out += "      " + snippet(evidence) + "\n" }
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
        return (from > 0 ? "…" : "") + string(from..<lower) + "«" + string(lower..<upper) + "»" + string(upper..<to)
            + (to < scalars.count ? "…" : "")
    }

    /// One line for one result: id, score, verdict and the failed items.
    public static func summaryLine(_ result: ScoreResult) -> String {
        let status = result.passed ? "PASSED" : (result.criticalFailed ? "FAILED (critical)" : "FAILED")
        let failed = result.items.filter { $0.verdict == .fail || $0.verdict == .error }.map(\.id)
        return "\(pad(result.interaction, 30)) \(pad(format(result.score), 6)) \(pad(status, 17)) "
            + (failed.isEmpty ? "" : "failed: " + failed.joined(separator: ", "))
    }

    /// The closing summary line.
    public static func summary(_ summary: ScoreService.Summary) -> String {
        var line =
            "\(summary.scored) interaction\(summary.scored == 1 ? "" : "s") scored · \(summary.passed) passed · "
            + "\(summary.scored - summary.passed) failed · mean score \(format((summary.meanScore * 100).rounded() / 100))"
        if summary.invalid > 0 { line += " · \(summary.invalid) invalid input line\(summary.invalid == 1 ? "" : "s")" }
        if summary.ruleErrors > 0 { line += " · \(summary.ruleErrors) rule error\(summary.ruleErrors == 1 ? "" : "s")" }
        return line
    }

    static func format(_ value: Double) -> String {
        value == value.rounded()
            ? String(Int(value))
            : String(format: "%.2f", value).replacingOccurrences(of: #"0$"#, with: "", options: .regularExpression)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
