import Foundation

/// The branch graph of a scenario as Graphviz DOT or Mermaid text (`kefu scenario graph`).
public enum ScenarioGraph {
    /// A condition as an edge label: `passed: a, b; failed: c; late`, or `otherwise`.
    public static func label(_ condition: Condition) -> String {
        var parts: [String] = []
        if !condition.passed.isEmpty { parts.append("passed: " + condition.passed.joined(separator: ", ")) }
        if !condition.failed.isEmpty { parts.append("failed: " + condition.failed.joined(separator: ", ")) }
        if let late = condition.late { parts.append(late ? "late" : "on time") }
        return parts.isEmpty ? "otherwise" : parts.joined(separator: "; ")
    }

    static func excerpt(_ text: String, _ limit: Int = 28) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    /// Graphviz DOT: end steps drawn with a double border (red when reaching them fails the run).
    public static func dot(_ scenario: Scenario) -> String {
        func quote(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var lines = ["digraph \(quote(scenario.key)) {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
        for step in scenario.steps {
            var attributes = ["label=\(quote(step.id + "\\n" + excerpt(step.customer.first ?? "")))"]
            if let end = step.end {
                attributes.append("peripheries=2")
                if end.fails { attributes.append("color=red") }
                attributes[0] =
                    "label=\(quote(step.id + " [" + end.outcome + "]\\n" + excerpt(step.customer.first ?? "")))"
            }
            lines.append("  \(quote(step.id)) [\(attributes.joined(separator: ", "))];")
        }
        for step in scenario.steps {
            for branch in step.branches {
                lines.append("  \(quote(step.id)) -> \(quote(branch.next)) [label=\(quote(label(branch.condition)))];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Mermaid flowchart text: end steps as stadium nodes.
    public static func mermaid(_ scenario: Scenario) -> String {
        func node(_ id: String) -> String { "s_" + id.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined() }
        func text(_ s: String) -> String { s.replacingOccurrences(of: "\"", with: "#quot;") }
        var lines = ["flowchart TD"]
        for step in scenario.steps {
            let label = text(
                step.id + (step.end.map { " [\($0.outcome)]" } ?? "") + ": " + excerpt(step.customer.first ?? ""))
            lines.append(step.end == nil ? "  \(node(step.id))[\"\(label)\"]" : "  \(node(step.id))([\"\(label)\"])")
        }
        for step in scenario.steps {
            for branch in step.branches {
                lines.append("  \(node(step.id)) -->|\"\(text(label(branch.condition)))\"| \(node(branch.next))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
