import KefuCore
import Yams

/// Strict, typed access to a YAML document that records a diagnostic (with `path:line:col` and the
/// offending line) for every missing key, unknown key, duplicate key and wrong type.
struct YAMLReader {
    let file: String
    let text: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, text: String) {
        self.file = file
        self.text = text
    }

    /// Parses the document; a syntax error becomes a diagnostic and nil.
    mutating func root() -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                error(at: SourceLocation(file: file, line: 1, column: 1), "the file is empty")
                return nil
            }
            return node
        } catch let yamlError as YamlError {
            switch yamlError {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                let detail = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
                error(at: location(mark), "invalid YAML: \(detail)")
            case .reader(let problem, let offset, _, _):
                error(
                    at: SourceLocation(file: file, line: 1, column: 1),
                    "the file is not valid UTF-8 text (\(problem)\(offset.map { " at byte \($0)" } ?? "")); save it as UTF-8"
                )
            default:
                error(at: SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(yamlError)")
            }
            return nil
        } catch {
            self.error(at: SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(error)")
            return nil
        }
    }

    func location(_ mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func location(_ node: Node?) -> SourceLocation { location(node?.mark) }

    mutating func error(at location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(.error, at: location, message, sourceLine: text.line(location.line)))
    }

    mutating func warning(at location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(.warning, at: location, message, sourceLine: text.line(location.line)))
    }

    mutating func error(_ node: Node?, _ message: String) { error(at: location(node), message) }

    /// A mapping's entries by key, checking required and allowed keys and duplicates.
    /// `optional: nil` allows any key (maps keyed by ids).
    mutating func mapping(_ node: Node, what: String, required: [String], optional: [String]?) -> [String: Node]? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping of keys to values")
            return nil
        }
        var entries: [String: Node] = [:]
        var keyNodes: [String: Node] = [:]
        let allowed = optional.map { Set(required + $0) }
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                error(keyNode, "\(what) keys must be plain names")
                continue
            }
            if entries[key.string] != nil {
                error(keyNode, "duplicate key `\(key.string)` in \(what)")
                continue
            }
            if let allowed, !allowed.contains(key.string) {
                let hint = allowed.sorted().joined(separator: ", ")
                error(keyNode, "unknown key `\(key.string)` in \(what); allowed keys: \(hint)")
                continue
            }
            entries[key.string] = value
            keyNodes[key.string] = keyNode
        }
        for key in required where entries[key] == nil {
            error(node, "\(what) is missing the required key `\(key)`")
        }
        return entries
    }

    mutating func string(_ node: Node?, _ what: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, node.tag.rawValue != Tag.Name.null.rawValue else {
            error(node, "\(what) must be text")
            return nil
        }
        return scalar.string
    }

    mutating func number(_ node: Node?, _ what: String) -> Double? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, let value = Double(scalar.string) else {
            error(node, "\(what) must be a number")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node?, _ what: String) -> Bool? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else {
            error(node, "\(what) must be true or false")
            return nil
        }
        switch scalar.string {
        case "true", "True", "TRUE", "yes": return true
        case "false", "False", "FALSE", "no": return false
        default:
            error(node, "\(what) must be true or false, not `\(scalar.string)`")
            return nil
        }
    }

    /// A sequence's elements (a single scalar is accepted as a one-element list when `allowScalar`).
    mutating func sequence(_ node: Node?, _ what: String, allowScalar: Bool = false) -> [Node]? {
        guard let node else { return nil }
        switch node {
        case .sequence(let sequence): return Array(sequence)
        case .scalar where allowScalar: return [node]
        default:
            error(node, "\(what) must be a list")
            return nil
        }
    }

    mutating func strings(_ node: Node?, _ what: String, allowScalar: Bool = false) -> [String]? {
        guard let nodes = sequence(node, what, allowScalar: allowScalar) else { return nil }
        return nodes.compactMap { string($0, "each entry of \(what)") }
    }

    /// Source column for offset `offset` (in scalars) inside the scalar value of `node`, following the
    /// quoting style so a compile-error caret lands on the right character of the source line.
    func column(of offset: Int, inScalar node: Node) -> SourceLocation {
        var location = location(node)
        guard case .scalar(let scalar) = node, let line = text.line(location.line) else { return location }
        let chars = Array(line.unicodeScalars)
        var col = location.column - 1
        switch scalar.style {
        case .singleQuoted, .doubleQuoted:
            let isDouble = scalar.style == .doubleQuoted
            col += 1
            var remaining = offset
            while remaining > 0, col < chars.count {
                if !isDouble, chars[col] == "'", col + 1 < chars.count, chars[col + 1] == "'" {
                    col += 2
                } else if isDouble, chars[col] == "\\" {
                    col += 2
                } else {
                    col += 1
                }
                remaining -= 1
            }
        case .plain:
            col += offset
        default:
            return location
        }
        location.column = col + 1
        return location
    }
}
