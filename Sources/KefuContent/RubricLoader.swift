import Crypto
public import KefuCore
import KefuRegex
public import KefuRubrics
import Yams

/// A rubric as loaded from its YAML file, with what lint needs beyond the engine's model.
public struct LoadedRubric: Sendable {
    /// The engine model.
    public var rubric: Rubric
    /// The file it came from.
    public var path: String
    /// Where the `id:` value stands.
    public var idLocation: SourceLocation
    /// Rule examples per item id.
    public var examples: [String: RuleExamples]
    /// Where each item starts.
    public var itemLocations: [String: SourceLocation]
    /// The errors found while loading; a rubric with errors is partial (lint still runs its valid
    /// items' examples) and is never used for scoring.
    public var errors: [Diagnostic]
}

/// Examples that document and test one rule: texts where its spec must match and texts where it must not.
public struct RuleExamples: Sendable {
    /// Texts that must match.
    public var match: [(text: String, location: SourceLocation)]
    /// Texts that must not match.
    public var noMatch: [(text: String, location: SourceLocation)]
    /// Examples for the trigger (customer side), when the item has one.
    public var triggerMatch: [(text: String, location: SourceLocation)]
    /// Texts that must not trigger.
    public var triggerNoMatch: [(text: String, location: SourceLocation)]
    /// Agent lines that meet the `when` condition.
    public var whenMatch: [(text: String, location: SourceLocation)]
    /// Agent lines that do not.
    public var whenNoMatch: [(text: String, location: SourceLocation)]
    /// Customer lines that raise a new problem (`episode.examples.match`).
    public var newProblemMatch: [(text: String, location: SourceLocation)] = []
    /// Customer lines that do not (`episode.examples.no_match`).
    public var newProblemNoMatch: [(text: String, location: SourceLocation)] = []
}

/// Loads rubric YAML (documented in `Rubrics/README.md`) into a ``Rubric``, collecting diagnostics.
public enum RubricLoader {
    /// Hex SHA-256 of `text`'s UTF-8 bytes.
    public static func sha256(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    static let rubricKeys = (
        required: ["id", "version", "title", "language", "channels", "pass_mark", "sections"],
        optional: ["normalization", "description"]
    )

    /// Parses one rubric file. Returns nil when the file is not a rubric at all; otherwise the rubric,
    /// partial when ``LoadedRubric/errors`` is not empty.
    public static func load(path: String, text: String, clauses: ClauseCatalog?) -> (LoadedRubric?, [Diagnostic]) {
        var reader = YAMLReader(file: path, text: text)
        guard let root = reader.root(),
            let top = reader.mapping(
                root, what: "a rubric", required: rubricKeys.required, optional: rubricKeys.optional)
        else { return (nil, reader.diagnostics) }

        let id = reader.string(top["id"], "id") ?? ""
        let version = reader.string(top["version"], "version") ?? ""
        let title = reader.string(top["title"], "title") ?? ""
        let language = reader.string(top["language"], "language") ?? ""
        if !["zh", "en"].contains(language), let node = top["language"] {
            reader.error(node, "language must be `zh` or `en`")
        }
        let channels = parseChannels(top["channels"], reader: &reader) ?? []
        let passMark = reader.number(top["pass_mark"], "pass_mark") ?? 0
        if !(0...100).contains(passMark), let node = top["pass_mark"] {
            reader.error(node, "pass_mark must be between 0 and 100")
        }
        var normalization = NormalizationOptions.standard
        var caseFold = true
        if let node = top["normalization"],
            let n = reader.mapping(
                node, what: "normalization", required: [],
                optional: ["nfkc", "case_fold", "traditional_to_simplified", "collapse_whitespace"])
        {
            normalization.nfkc = reader.bool(n["nfkc"], "nfkc") ?? true
            normalization.traditionalToSimplified =
                reader.bool(n["traditional_to_simplified"], "traditional_to_simplified") ?? true
            normalization.collapseWhitespace = reader.bool(n["collapse_whitespace"], "collapse_whitespace") ?? true
            caseFold = reader.bool(n["case_fold"], "case_fold") ?? true
        }

        var builder = Builder(normalization: normalization, caseFold: caseFold)
        var sections: [Section] = []
        var examples: [String: RuleExamples] = [:]
        var itemLocations: [String: SourceLocation] = [:]
        var sectionIDs = Set<String>()
        for sectionNode in reader.sequence(top["sections"], "sections") ?? [] {
            guard
                let s = reader.mapping(
                    sectionNode, what: "a section", required: ["id", "title", "weight", "items"], optional: [])
            else { continue }
            let sectionID = reader.string(s["id"], "section id") ?? ""
            if !sectionIDs.insert(sectionID).inserted { reader.error(s["id"], "duplicate section id `\(sectionID)`") }
            let weight = reader.number(s["weight"], "weight") ?? 0
            if weight <= 0, let node = s["weight"] { reader.error(node, "weight must be greater than 0") }
            var items: [Item] = []
            for itemNode in reader.sequence(s["items"], "items") ?? [] {
                guard
                    let (item, itemExamples) = parseItem(itemNode, reader: &reader, builder: &builder, clauses: clauses)
                else { continue }
                if itemLocations[item.id] != nil {
                    reader.error(itemNode, "duplicate item id `\(item.id)` (item ids must be unique in a rubric)")
                    continue
                }
                itemLocations[item.id] = reader.location(itemNode)
                examples[item.id] = itemExamples
                items.append(item)
            }
            if items.isEmpty { reader.error(sectionNode, "section `\(sectionID)` has no usable items") }
            sections.append(
                Section(id: sectionID, title: reader.string(s["title"], "title") ?? "", weight: weight, items: items))
        }
        let rubric = Rubric(
            id: id, version: version, sourceHash: sha256(text), title: title, language: language, channels: channels,
            normalization: normalization, passMark: passMark, sections: sections, patterns: builder.patterns)
        let loaded = LoadedRubric(
            rubric: rubric, path: path, idLocation: reader.location(top["id"]), examples: examples,
            itemLocations: itemLocations,
            errors: reader.diagnostics.filter { $0.severity == .error })
        return (loaded, reader.diagnostics)
    }

    static func parseChannels(_ node: Node?, reader: inout YAMLReader) -> [Channel]? {
        guard let nodes = reader.sequence(node, "channels", allowScalar: true) else { return nil }
        var channels: [Channel] = []
        for n in nodes {
            guard let name = reader.string(n, "channel") else { continue }
            guard let channel = Channel(rawValue: name) else {
                reader.error(n, "unknown channel `\(name)`; use phone, chat, wechat or email")
                continue
            }
            channels.append(channel)
        }
        return channels
    }

    /// Compiles patterns once each (identical source and options share one compiled pattern).
    struct Builder {
        let normalization: NormalizationOptions
        let caseFold: Bool
        var patterns: [Pattern] = []
        var index: [String: Int] = [:]

        mutating func add(_ source: String, caseSensitive: Bool, node: Node, reader: inout YAMLReader) -> PatternRef? {
            let key = (caseSensitive ? "1" : "0") + source
            if let existing = index[key] { return PatternRef(index: existing, location: reader.location(node)) }
            if let problem = CatastrophicPatternCheck.problem(in: source) {
                reader.error(at: reader.column(of: problem.offset, inScalar: node), problem.message)
                return nil
            }
            do {
                let pattern = try Pattern(
                    source, options: PatternOptions(caseless: caseFold && !caseSensitive, normalization: normalization))
                patterns.append(pattern)
                index[key] = patterns.count - 1
                return PatternRef(index: patterns.count - 1, location: reader.location(node))
            } catch {
                let at = reader.column(of: error.patternOffset ?? 0, inScalar: node)
                reader.error(
                    at: at,
                    "regex does not compile: \(error.engineMessage) (offset \(error.patternOffset ?? 0) in `\(source)`)"
                )
                return nil
            }
        }
    }

    /// A spec: a pattern, a list of patterns (any of), or `{any, all, unless}`; a pattern is text or
    /// `{pattern, case_sensitive}`.
    static func parseSpec(_ node: Node?, what: String, reader: inout YAMLReader, builder: inout Builder) -> MatchSpec? {
        guard let node else { return nil }
        func patternRefs(_ node: Node?, _ label: String) -> [PatternRef] {
            guard let entries = reader.sequence(node, label, allowScalar: true) else { return [] }
            var refs: [PatternRef] = []
            for entry in entries {
                var source: String?
                var caseSensitive = false
                var sourceNode = entry
                if case .mapping = entry {
                    guard
                        let m = reader.mapping(
                            entry, what: "a pattern", required: ["pattern"], optional: ["case_sensitive"])
                    else { continue }
                    source = reader.string(m["pattern"], "pattern")
                    caseSensitive = reader.bool(m["case_sensitive"], "case_sensitive") ?? false
                    sourceNode = m["pattern"] ?? entry
                } else {
                    source = reader.string(entry, "a pattern")
                }
                guard let source else { continue }
                if source.isEmpty {
                    reader.error(entry, "a pattern must not be empty")
                    continue
                }
                if let ref = builder.add(source, caseSensitive: caseSensitive, node: sourceNode, reader: &reader) {
                    refs.append(ref)
                }
            }
            return refs
        }
        switch node {
        case .scalar, .sequence:
            let refs = patternRefs(node, what)
            return refs.isEmpty ? nil : MatchSpec(any: refs)
        case .mapping:
            guard let m = reader.mapping(node, what: what, required: [], optional: ["any", "all", "unless"]) else {
                return nil
            }
            let spec = MatchSpec(
                any: patternRefs(m["any"], "any"), all: patternRefs(m["all"], "all"),
                unless: patternRefs(m["unless"], "unless"))
            if m["any"] == nil && m["all"] == nil {
                reader.error(node, "\(what) needs `any` or `all` patterns")
                return nil
            }
            return spec
        default:
            reader.error(node, "\(what) must be a pattern, a list of patterns, or a mapping with any/all/unless")
            return nil
        }
    }

    static let itemKeys = (
        required: ["id", "title", "kind", "category", "source"],
        optional: [
            "scope", "points", "critical", "channels", "match", "expect", "trigger", "reply_window", "episode", "when",
            "timing", "examples", "trigger_examples", "when_examples", "note",
        ]
    )

    /// Parses one rubric item (or an inline scenario check); nil when it has errors.
    static func parseItem(
        _ node: Node, reader: inout YAMLReader, builder: inout Builder, clauses: ClauseCatalog?
    ) -> (Item, RuleExamples)? {
        guard let m = reader.mapping(node, what: "an item", required: itemKeys.required, optional: itemKeys.optional)
        else { return nil }
        let errorsBefore = reader.diagnostics.filter { $0.severity == .error }.count
        let id = reader.string(m["id"], "id") ?? ""
        let title = reader.string(m["title"], "title") ?? ""
        let kind = parseKind(m, reader: &reader)
        let category = parseCategory(m, kind: kind, reader: &reader)
        let sources = reader.strings(m["source"], "source", allowScalar: true) ?? []
        if let clauses, let sourceNodes = reader.sequence(m["source"], "source", allowScalar: true) {
            for (name, n) in zip(sources, sourceNodes) where !clauses.contains(name) {
                reader.error(n, "unknown policy clause `\(name)`; cite an id listed in Policies/clauses.yaml")
            }
        }
        let scope = parseScope(m, kind: kind, reader: &reader)
        let points = reader.number(m["points"], "points") ?? 1
        if points <= 0, let n = m["points"] { reader.error(n, "points must be greater than 0") }
        let critical = reader.bool(m["critical"], "critical") ?? false
        let channels = parseChannels(m["channels"], reader: &reader) ?? []

        let (spec, timing) = parseMatch(m, node: node, kind: kind, scope: scope, reader: &reader, builder: &builder)
        var trigger: MatchSpec?
        if kind == .accuracy || scope == .replyAfterTrigger {
            if m["trigger"] == nil {
                reader.error(
                    node, "scope reply_after_trigger needs a `trigger` (the customer's words that call for the reply)")
            }
            trigger = parseSpec(m["trigger"], what: "trigger", reader: &reader, builder: &builder)
        } else if m["trigger"] != nil {
            reader.error(m["trigger"], "`trigger` is used only with scope reply_after_trigger or kind accuracy")
        }
        var when: MatchSpec?
        if let node = m["when"] {
            if kind == .timing || kind == .accuracy {
                reader.error(node, "`when` applies to required and forbidden items")
            }
            when = parseSpec(node, what: "when", reader: &reader, builder: &builder)
        }
        var examples = parseExamples(m, node: node, id: id, kind: kind, trigger: trigger, when: when, reader: &reader)
        let replyWindow = parseReplyWindow(m["reply_window"], hasTrigger: trigger != nil, reader: &reader)
        let episode = parseEpisode(
            m["episode"], kind: kind, hasTrigger: trigger != nil, examples: &examples, reader: &reader,
            builder: &builder)

        let errorsAfter = reader.diagnostics.filter { $0.severity == .error }.count
        if errorsAfter > errorsBefore { return nil }
        var item = Item(
            id: id, title: title, kind: kind, category: category, scope: scope, points: points, isCritical: critical,
            sources: sources, channels: channels, match: spec, trigger: trigger, when: when, timing: timing)
        item.replyWindow = replyWindow
        item.episode = episode
        return (item, examples)
    }

    /// `episode: {new_problem: …, examples: …}`: what marks a new problem within a complaint (required and accuracy
    /// items with a trigger only).
    static func parseEpisode(
        _ node: Node?, kind: ItemKind, hasTrigger: Bool, examples: inout RuleExamples, reader: inout YAMLReader,
        builder: inout Builder
    ) -> EpisodeRule? {
        guard let node else { return nil }
        if !hasTrigger || kind == .forbidden {
            reader.error(node, "`episode` applies only to required and accuracy items with a trigger")
        }
        guard let em = reader.mapping(node, what: "episode", required: ["new_problem"], optional: ["examples"]) else {
            return nil
        }
        let episode = parseSpec(em["new_problem"], what: "new_problem", reader: &reader, builder: &builder).map {
            EpisodeRule(newProblem: $0)
        }
        func exampleList(_ n: Node?, _ label: String) -> [(String, SourceLocation)] {
            guard let nodes = reader.sequence(n, label, allowScalar: true) else { return [] }
            return nodes.compactMap { x in reader.string(x, "an example").map { ($0, reader.location(x)) } }
        }
        if let e = em["examples"],
            let xm = reader.mapping(e, what: "episode examples", required: ["match", "no_match"], optional: [])
        {
            examples.newProblemMatch = exampleList(xm["match"], "episode.examples.match")
            examples.newProblemNoMatch = exampleList(xm["no_match"], "episode.examples.no_match")
        } else if em["examples"] == nil {
            reader.warning(
                at: reader.location(node),
                "the episode has no `examples`; add customer lines that do and do not raise a new problem")
        }
        return episode
    }

    /// `kind:` (required when unknown, after an error).
    static func parseKind(_ m: [String: Node], reader: inout YAMLReader) -> ItemKind {
        guard let kindName = reader.string(m["kind"], "kind") else { return .required }
        if let k = ItemKind(rawValue: kindName) { return k }
        reader.error(m["kind"], "unknown kind `\(kindName)`; use required, forbidden, accuracy or timing")
        return .required
    }

    /// `category:`, which must suit the kind.
    static func parseCategory(_ m: [String: Node], kind: ItemKind, reader: inout YAMLReader) -> String {
        let category = reader.string(m["category"], "category") ?? ""
        if !category.isEmpty && !Category.isValid(category) {
            reader.error(
                m["category"],
                "unknown category `\(category)`; use one of \(Category.fixed.joined(separator: ", ")), accuracy.* or timing.*"
            )
        }
        if kind == .accuracy && !category.hasPrefix("accuracy.") {
            reader.error(m["category"], "an accuracy item's category must be accuracy.<topic>")
        }
        if kind == .timing && !category.hasPrefix("timing.") {
            reader.error(m["category"], "a timing item's category must be timing.<topic>")
        }
        return category
    }

    /// `scope:`, defaulting by kind.
    static func parseScope(_ m: [String: Node], kind: ItemKind, reader: inout YAMLReader) -> Scope {
        let scope = kind == .accuracy ? Scope.replyAfterTrigger : Scope.anyAgentTurn
        guard let scopeName = reader.string(m["scope"], "scope") else { return scope }
        if let s = Scope(rawValue: scopeName) { return s }
        reader.error(
            m["scope"], "unknown scope `\(scopeName)`; use \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
        return scope
    }

    /// What the item checks: `match` (required, forbidden), `expect` (accuracy) or `timing`.
    static func parseMatch(
        _ m: [String: Node], node: Node, kind: ItemKind, scope: Scope, reader: inout YAMLReader, builder: inout Builder
    ) -> (MatchSpec, TimingRule?) {
        switch kind {
        case .required, .forbidden:
            if m["expect"] != nil { reader.error(m["expect"], "`expect` belongs to accuracy items; use `match`") }
            if m["match"] == nil { reader.error(node, "a \(kind.rawValue) item needs `match`") }
            return (parseSpec(m["match"], what: "match", reader: &reader, builder: &builder) ?? MatchSpec(), nil)
        case .accuracy:
            if m["match"] != nil {
                reader.error(m["match"], "an accuracy item states what the reply must contain with `expect`")
            }
            if m["expect"] == nil { reader.error(node, "an accuracy item needs `expect`") }
            let spec = parseSpec(m["expect"], what: "expect", reader: &reader, builder: &builder) ?? MatchSpec()
            if scope != .replyAfterTrigger {
                reader.error(m["scope"], "an accuracy item's scope is always reply_after_trigger")
            }
            return (spec, nil)
        case .timing:
            return (MatchSpec(), parseTiming(m, node: node, reader: &reader))
        }
    }

    /// A timing item's `timing: {limit_seconds, measure}`; a timing item has no patterns.
    static func parseTiming(_ m: [String: Node], node: Node, reader: inout YAMLReader) -> TimingRule? {
        var timing: TimingRule?
        if let t = m["timing"],
            let tm = reader.mapping(t, what: "timing", required: ["limit_seconds"], optional: ["measure"])
        {
            let limit = reader.number(tm["limit_seconds"], "limit_seconds") ?? 0
            if limit <= 0, let n = tm["limit_seconds"] { reader.error(n, "limit_seconds must be greater than 0") }
            var measure = TimingRule.Measure.everyReply
            if let name = reader.string(tm["measure"], "measure") {
                if let parsed = TimingRule.Measure(rawValue: name) {
                    measure = parsed
                } else {
                    reader.error(tm["measure"], "measure must be every_reply, first_reply or first_agent_turn")
                }
            }
            timing = TimingRule(limitSeconds: limit, measure: measure)
        } else if m["timing"] == nil {
            reader.error(node, "a timing item needs `timing: {limit_seconds: …}`")
        }
        for key in ["match", "expect", "trigger"] where m[key] != nil {
            reader.error(m[key], "a timing item has no patterns; remove `\(key)`")
        }
        return timing
    }

    /// `examples` (required unless timing), `trigger_examples` and `when_examples` (optional, warned about).
    static func parseExamples(
        _ m: [String: Node], node: Node, id: String, kind: ItemKind, trigger: MatchSpec?, when: MatchSpec?,
        reader: inout YAMLReader
    ) -> RuleExamples {
        var examples = RuleExamples(
            match: [], noMatch: [], triggerMatch: [], triggerNoMatch: [], whenMatch: [], whenNoMatch: [])
        func exampleList(_ node: Node?, _ label: String) -> [(String, SourceLocation)] {
            guard let nodes = reader.sequence(node, label, allowScalar: true) else { return [] }
            return nodes.compactMap { n in reader.string(n, "an example").map { ($0, reader.location(n)) } }
        }
        guard kind != .timing else {
            if m["examples"] != nil {
                reader.error(m["examples"], "timing items have no patterns to exemplify; remove `examples`")
            }
            return examples
        }
        if let e = m["examples"],
            let em = reader.mapping(e, what: "examples", required: ["match", "no_match"], optional: [])
        {
            examples.match = exampleList(em["match"], "examples.match")
            examples.noMatch = exampleList(em["no_match"], "examples.no_match")
            if examples.match.isEmpty, let n = em["match"] {
                reader.error(n, "give at least one example that must match")
            }
            if examples.noMatch.isEmpty, let n = em["no_match"] {
                reader.error(n, "give at least one example that must not match")
            }
        } else if m["examples"] == nil {
            reader.error(
                node, "item `\(id)` needs `examples: {match: [...], no_match: [...]}`: every rule is tested by lint")
        }
        // Optional example sets for the customer-side trigger and the agent-side condition.
        func optionalExamples(
            _ key: String, for spec: MatchSpec?, warning: String
        ) -> (match: [(String, SourceLocation)], noMatch: [(String, SourceLocation)]) {
            if let e = m[key], let em = reader.mapping(e, what: key, required: ["match", "no_match"], optional: []) {
                return (exampleList(em["match"], "\(key).match"), exampleList(em["no_match"], "\(key).no_match"))
            }
            if spec != nil, let node = key == "trigger_examples" ? m["trigger"] : m["when"] {
                reader.warning(at: reader.location(node), warning)
            }
            return ([], [])
        }
        (examples.triggerMatch, examples.triggerNoMatch) = optionalExamples(
            "trigger_examples", for: trigger,
            warning: "the trigger has no `trigger_examples`; add customer lines that must and must not trigger it")
        (examples.whenMatch, examples.whenNoMatch) = optionalExamples(
            "when_examples", for: when,
            warning: "the condition has no `when_examples`; add agent lines that must and must not meet it")
        return examples
    }

    /// `reply_window`: a whole number of agent replies from 1 to 10 (default 1), only with a trigger.
    static func parseReplyWindow(_ node: Node?, hasTrigger: Bool, reader: inout YAMLReader) -> Int {
        guard let node else { return 1 }
        if !hasTrigger { reader.error(node, "`reply_window` applies only to items with a trigger") }
        guard let value = reader.number(node, "reply_window") else { return 1 }
        if value < 1 || value > 10 || value != value.rounded() {
            reader.error(node, "reply_window must be a whole number from 1 to 10")
            return 1
        }
        return Int(value)
    }
}

/// Static check for the classic catastrophic shape: an unbounded quantifier applied to a group that
/// itself contains an unbounded quantifier (`(a+)+`, `(\w*\s?)*`), unless the group is atomic.
enum CatastrophicPatternCheck {
    struct Problem {
        var offset: Int
        var message: String
    }

    static func problem(in source: String) -> Problem? {
        let s = Array(source.unicodeScalars)
        struct Frame {
            var start: Int
            var hasUnbounded: Bool
            var isAtomic: Bool
        }
        var stack: [Frame] = []
        var i = 0
        var inClass = false
        func unboundedQuantifier(at j: Int) -> Bool {
            guard j < s.count else { return false }
            if s[j] == "*" || s[j] == "+" { return true }
            if s[j] == "{" {
                var k = j + 1
                while k < s.count, s[k].properties.numericType == .decimal { k += 1 }
                return k + 1 < s.count && s[k] == "," && s[k + 1] == "}"
            }
            return false
        }
        func possessive(at j: Int) -> Bool { j + 1 < s.count && s[j + 1] == "+" && (s[j] == "*" || s[j] == "+") }
        while i < s.count {
            let c = s[i]
            if c == "\\" {
                i += 2
                if i - 1 < s.count, !inClass, unboundedQuantifier(at: i), !stack.isEmpty {
                    stack[stack.count - 1].hasUnbounded = true
                }
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
                i += 1
                if !inClass, unboundedQuantifier(at: i), !stack.isEmpty { stack[stack.count - 1].hasUnbounded = true }
                continue
            }
            switch c {
            case "[":
                inClass = true
                if i + 1 < s.count, s[i + 1] == "]" { i += 1 }
            case "(":
                let atomic = i + 2 < s.count && s[i + 1] == "?" && s[i + 2] == ">"
                stack.append(Frame(start: i, hasUnbounded: false, isAtomic: atomic))
            case ")":
                guard let frame = stack.popLast() else { break }
                if frame.hasUnbounded && !frame.isAtomic && unboundedQuantifier(at: i + 1) && !possessive(at: i + 1) {
                    return Problem(
                        offset: frame.start,
                        message: "nested unbounded quantifiers `(…+)+` can backtrack catastrophically; "
                            + "quantify the inner part only, or make the group atomic `(?>…)`")
                }
                if !frame.isAtomic, unboundedQuantifier(at: i + 1), !possessive(at: i + 1),
                    let problem = alternationProblem(s, from: frame.start, to: i)
                {
                    return problem
                }
                if frame.hasUnbounded || unboundedQuantifier(at: i + 1), !stack.isEmpty {
                    stack[stack.count - 1].hasUnbounded = true
                }
            default:
                if unboundedQuantifier(at: i + 1), !stack.isEmpty, c != "(" {
                    stack[stack.count - 1].hasUnbounded = true
                }
            }
            i += 1
        }
        return nil
    }

    /// A problem when the group `s[start…end]` (its parentheses) has alternatives that overlap (see
    /// ``AlternationCheck``); lookaround and inline-option groups are not checked.
    static func alternationProblem(_ s: [Unicode.Scalar], from start: Int, to end: Int) -> Problem? {
        var body = Array(s[(start + 1)..<end])
        if body.first == "?" {
            if body.count > 1, body[1] == ":" {
                body.removeFirst(2)
            } else if body.count > 2, body[1] == "<" || body[1] == "P" || body[1] == "'",
                body[2] != "=", body[2] != "!",
                let close = body.firstIndex(where: { $0 == ">" || ($0 == "'" && body[1] == "'") }), close > 1
            {
                body.removeFirst(close + 1)
            } else {
                return nil
            }
        }
        guard AlternationCheck.isAmbiguous(body) else { return nil }
        return Problem(
            offset: start,
            message: "the alternatives of this repeated group can match the same text (like `(a|aa)+`), which "
                + "backtracks catastrophically; make the alternatives exclusive, or the group atomic `(?>…)`")
    }
}
