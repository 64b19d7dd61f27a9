import Foundation

/// Question text as safe HTML. GIFT's `[html]` text is sanitized against an allowlist of tags without attributes
/// (scripts, styles, frames, forms, event handlers and links are dropped); `[markdown]` is rendered from escaped text
/// (emphasis, code, lists, paragraphs); plain and Moodle text is escaped with line breaks kept. Whatever the input,
/// the output contains only tags written here.
enum RichText {
    /// Tags kept (without attributes).
    static let allowed: Set<String> = [
        "p", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "code", "pre", "sub", "sup", "blockquote",
        "h3", "h4", "h5", "table", "thead", "tbody", "tr", "th", "td", "span", "div", "hr",
    ]
    /// Void tags (no closing tag).
    static let void: Set<String> = ["br", "hr"]
    /// Tags dropped together with everything inside them.
    static let dropped: Set<String> = [
        "script", "style", "iframe", "object", "embed", "template", "noscript", "textarea", "select", "svg", "math",
        "title", "head",
    ]

    /// The HTML for `text` in `format` (`html`, `markdown`, `moodle`, `plain`).
    static func html(_ text: String, format: String) -> String {
        switch format {
        case "html": return sanitize(text)
        case "markdown": return markdown(text)
        case "moodle": return sanitize(text.replacingOccurrences(of: "\n", with: "<br>"))
        default: return escape(text).replacingOccurrences(of: "\n", with: "<br>")
        }
    }

    /// Escapes text for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Keeps allowed tags (re-written without attributes, properly nested and closed) and escaped text.
    static func sanitize(_ html: String) -> String {
        let chars = Array(html.unicodeScalars)
        var out = ""
        var text = ""
        var open: [String] = []
        var i = 0
        func flushText() {
            out += escape(decodeEntities(text))
            text = ""
        }
        while i < chars.count {
            guard chars[i] == "<", let tag = readTag(chars, at: i) else {
                text.unicodeScalars.append(chars[i])
                i += 1
                continue
            }
            flushText()
            i = tag.end
            if tag.isComment { continue }
            if dropped.contains(tag.name) {
                if !tag.closing { i = skipElement(chars, name: tag.name, from: i) }
                continue
            }
            guard allowed.contains(tag.name) else { continue }
            if tag.closing {
                if let index = open.lastIndex(of: tag.name) {
                    for name in open[index...].reversed() { out += "</\(name)>" }
                    open.removeSubrange(index...)
                }
            } else if void.contains(tag.name) {
                out += "<\(tag.name)>"
            } else {
                out += "<\(tag.name)>"
                open.append(tag.name)
            }
        }
        flushText()
        for name in open.reversed() { out += "</\(name)>" }
        return out
    }

    struct Tag {
        var name: String
        var closing: Bool
        var isComment: Bool
        var end: Int
    }

    /// The tag starting at `start` (`<`), or nil when the `<` is text.
    static func readTag(_ chars: [Unicode.Scalar], at start: Int) -> Tag? {
        var i = start + 1
        if i + 2 < chars.count, chars[i] == "!", chars[i + 1] == "-", chars[i + 2] == "-" {
            var j = i + 3
            while j + 2 < chars.count, !(chars[j] == "-" && chars[j + 1] == "-" && chars[j + 2] == ">") { j += 1 }
            return Tag(name: "", closing: false, isComment: true, end: min(chars.count, j + 3))
        }
        if i < chars.count, chars[i] == "!" || chars[i] == "?" {
            while i < chars.count, chars[i] != ">" { i += 1 }
            return Tag(name: "", closing: false, isComment: true, end: min(chars.count, i + 1))
        }
        var closing = false
        if i < chars.count, chars[i] == "/" {
            closing = true
            i += 1
        }
        guard i < chars.count, chars[i].properties.isAlphabetic, chars[i].isASCII else { return nil }
        var name = ""
        while i < chars.count, chars[i].isASCII, chars[i].properties.isAlphabetic || ("0"..."9").contains(chars[i]) {
            name.unicodeScalars.append(chars[i])
            i += 1
        }
        var quote: Unicode.Scalar?
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == ">" {
                break
            }
            i += 1
        }
        return Tag(name: name.lowercased(), closing: closing, isComment: false, end: min(chars.count, i + 1))
    }

    /// The index after `</name>` (case-insensitive), or the end.
    static func skipElement(_ chars: [Unicode.Scalar], name: String, from start: Int) -> Int {
        var i = start
        while i < chars.count {
            if chars[i] == "<", let tag = readTag(chars, at: i), tag.closing, tag.name == name { return tag.end }
            i += 1
        }
        return chars.count
    }

    /// Decodes the entities text in HTML is written with (`&amp;`, `&#39;`, `&#x4E2D;`…), so that escaping again does
    /// not double them.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}"]
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semi = after.prefix(10).firstIndex(of: ";") {
                let body = String(after[..<semi])
                var decoded: String?
                if body.hasPrefix("#x") || body.hasPrefix("#X") {
                    decoded = UInt32(body.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if body.hasPrefix("#") {
                    decoded = UInt32(body.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
                } else {
                    decoded = named[body]
                }
                if let decoded {
                    out += decoded
                    rest = after[after.index(after: semi)...]
                    continue
                }
            }
            out += "&"
            rest = after
        }
        return out + rest
    }

    /// A small Markdown subset from escaped text: paragraphs, `-`/`*`/`1.` lists, `**strong**`, `*em*`, `` `code` ``.
    static func markdown(_ text: String) -> String {
        var out = ""
        var paragraph: [String] = []
        var list: (tag: String, items: [String])?
        func flush() {
            if !paragraph.isEmpty {
                out += "<p>" + paragraph.map(inline).joined(separator: "<br>") + "</p>"
                paragraph = []
            }
            if let current = list {
                out +=
                    "<\(current.tag)>" + current.items.map { "<li>\(inline($0))</li>" }.joined() + "</\(current.tag)>"
                list = nil
            }
        }
        for raw in text.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false)
        {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                flush()
            } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                if !paragraph.isEmpty || list?.tag == "ol" { flush() }
                list = ("ul", (list?.items ?? []) + [String(line.dropFirst(2))])
            } else if let dot = line.firstIndex(of: "."), line[..<dot].allSatisfy(\.isNumber), !line[..<dot].isEmpty,
                line[line.index(after: dot)...].hasPrefix(" ")
            {
                if !paragraph.isEmpty || list?.tag == "ul" { flush() }
                list = ("ol", (list?.items ?? []) + [String(line[line.index(dot, offsetBy: 2)...])])
            } else {
                if list != nil { flush() }
                paragraph.append(line)
            }
        }
        flush()
        return out
    }

    /// Inline Markdown on escaped text.
    static func inline(_ raw: String) -> String {
        var text = escape(raw)
        text = replacePairs(text, marker: "`", open: "<code>", close: "</code>")
        text = replacePairs(text, marker: "**", open: "<strong>", close: "</strong>")
        text = replacePairs(text, marker: "*", open: "<em>", close: "</em>")
        return text
    }

    /// Replaces `marker…marker` pairs (an unpaired marker stays as written).
    static func replacePairs(_ text: String, marker: String, open: String, close: String) -> String {
        let parts = text.components(separatedBy: marker)
        guard parts.count >= 3 else { return text }
        var out = parts[0]
        var index = 1
        while index < parts.count {
            if index + 1 < parts.count || (parts.count - index) % 2 == 0 {
                if index + 1 < parts.count {
                    out += open + parts[index] + close + parts[index + 1]
                    index += 2
                    continue
                }
            }
            out += marker + parts[index]
            index += 1
        }
        return out
    }
}

extension RichText {
    /// `text` in `format` as a tree of template nodes for the `rich` partial (`{{#stem}}{{> rich}}{{/stem}}` with
    /// `["nodes": …]`): elements of the allowlist and text pieces, which Mustache escapes itself — so no page needs
    /// unescaped HTML. The tree is read from the sanitized HTML, whose tags are all written by ``sanitize(_:)``.
    static func nodes(_ text: String, format: String) -> [[String: Any]] {
        tree(sanitize(html(text, format: format)))
    }

    /// The template data for the `rich` partial.
    static func content(_ text: String, format: String) -> [String: Any] { ["nodes": nodes(text, format: format)] }

    /// Parses sanitized HTML (allowlisted tags without attributes, escaped text) into nested nodes.
    static func tree(_ html: String) -> [[String: Any]] {
        var stack: [(tag: String, children: [[String: Any]])] = [("", [])]
        func append(_ node: [String: Any]) { stack[stack.count - 1].children.append(node) }
        var text = ""
        func flush() {
            if !text.isEmpty { append(["isText": true, "text": decodeEntities(text)]) }
            text = ""
        }
        var rest = Substring(html)
        while let first = rest.first {
            guard first == "<", let close = rest.firstIndex(of: ">") else {
                text.append(first)
                rest = rest.dropFirst()
                continue
            }
            flush()
            let inside = rest[rest.index(after: rest.startIndex)..<close]
            rest = rest[rest.index(after: close)...]
            if inside.hasPrefix("/") {
                let name = String(inside.dropFirst())
                guard stack.count > 1, stack.contains(where: { $0.tag == name }) else { continue }
                while let top = stack.popLast() {
                    append(["isText": false, "tag": top.tag, "void": false, "nodes": top.children])
                    if top.tag == name { break }
                }
            } else if void.contains(String(inside)) {
                append(["isText": false, "tag": String(inside), "void": true, "nodes": [[String: Any]]()])
            } else {
                stack.append((String(inside), []))
            }
        }
        flush()
        while stack.count > 1, let top = stack.popLast() {
            append(["isText": false, "tag": top.tag, "void": false, "nodes": top.children])
        }
        return stack[0].children
    }
}
