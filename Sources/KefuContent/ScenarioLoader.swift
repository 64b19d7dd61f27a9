import Foundation
public import KefuCore
import KefuRegex
public import KefuRubrics
public import KefuScenarios
import Yams

/// A scenario as loaded from its YAML file, with what lint needs beyond the engine's model.
public struct LoadedScenario: Sendable {
    /// The engine model.
    public var scenario: Scenario
    /// The file it came from.
    public var path: String
    /// Where the `id:` value stands.
    public var idLocation: SourceLocation
    /// Where each step starts.
    public var stepLocations: [String: SourceLocation]
    /// Rule examples of inline checks, per check id.
    public var examples: [String: RuleExamples]
    /// Reply sets shipped with the scenario (`model` must pass, `poor` must fail), as paths relative to the
    /// content root, with where they are named.
    public var replySets: [(kind: String, path: String, location: SourceLocation)]
    /// The errors found while loading; a scenario with errors is never played.
    public var errors: [Diagnostic]
}

/// Loads scenario YAML (documented in `Scenarios/README.md`) into a ``Scenario`` and checks its branch
/// graph: unreachable steps, no reachable end, branches on checks the step does not apply, unknown next
/// steps, missing default branches, timed channels without limits, unknown rubric references.
public enum ScenarioLoader {
    static let topKeys = (
        required: [
            "id", "language", "title", "business", "channel", "persona", "source", "pass_mark", "steps", "replies",
        ],
        optional: [
            "rubrics", "checks", "weights", "max_turns", "reply_limit_seconds", "reply_time_points", "description",
        ]
    )
    /// Channels on which replies are timed: every step needs a limit.
    public static let timedChannels: Set<Channel> = [.phone, .chat, .wechat]

    /// Parses one scenario file. `rubrics` are the loaded rubrics by id (for `use:` checks and `rubrics:`).
    public static func load(
        path: String, text: String, clauses: ClauseCatalog?, rubrics: [String: Rubric]
    ) -> (LoadedScenario?, [Diagnostic]) {
        var reader = YAMLReader(file: path, text: text)
        guard let root = reader.root(),
            let top = reader.mapping(root, what: "a scenario", required: topKeys.required, optional: topKeys.optional)
        else { return (nil, reader.diagnostics) }

        let header = parseHeader(top, clauses: clauses, reader: &reader)
        let rubricIDs = transcriptRubrics(top["rubrics"], language: header.language, rubrics: rubrics, reader: &reader)
        let checks = parseChecks(top["checks"], rubrics: rubrics, clauses: clauses, reader: &reader)
        let parsedSteps = parseSteps(
            top["steps"], header: header, checkIDs: Set(checks.items.map(\.id)), reader: &reader)
        let steps = parsedSteps.steps
        checkGraph(
            steps: steps, stepNodes: parsedSteps.nodes, maxTurns: header.maxTurns,
            maxTurnsNode: top["max_turns"] ?? root, reader: &reader)
        let used = Set(steps.flatMap(\.checks))
        for item in checks.items where !used.contains(item.id) {
            if let node = checks.locations[item.id] {
                reader.warning(at: reader.location(node), "check `\(item.id)` is not used by any step")
            }
        }
        let replySets = self.replySets(top["replies"], path: path, reader: &reader)

        let checkRubric = Rubric(
            id: "scenario:\(header.id).\(header.language)", version: RubricLoader.sha256(text),
            sourceHash: RubricLoader.sha256(text),
            title: header.title, language: header.language, channels: [header.channel], normalization: .standard,
            passMark: header.passMark,
            sections: [Section(id: "checks", title: "checks", weight: 1, items: checks.items)],
            patterns: checks.builder.patterns)
        let scenario = Scenario(
            id: header.id, language: header.language, title: header.title, business: header.business,
            channel: header.channel,
            persona: header.persona, sources: header.sources, rubricIDs: rubricIDs, passMark: header.passMark,
            weights: header.weights,
            maxTurns: header.maxTurns, replyLimitSeconds: header.replyLimit, replyTimePoints: header.replyTimePoints,
            steps: steps,
            checks: checkRubric, contentHash: RubricLoader.sha256(text))
        let loaded = LoadedScenario(
            scenario: scenario, path: path, idLocation: reader.location(top["id"]),
            stepLocations: parsedSteps.nodes.mapValues { reader.location($0) }, examples: checks.examples,
            replySets: replySets,
            errors: reader.diagnostics.filter { $0.severity == .error })
        return (loaded, reader.diagnostics)
    }

    /// The scenario's top-level settings (everything but rubrics, checks, steps and replies).
    struct Header {
        var id: String
        var language: String
        var title: String
        var business: String
        var channel: Channel
        var persona: Persona
        var sources: [String]
        var passMark: Double
        var weights: ScoringWeights
        var maxTurns: Int
        var replyLimit: Double?
        var replyTimePoints: Double
    }

    /// Reads and checks the top-level settings.
    static func parseHeader(_ top: [String: Node], clauses: ClauseCatalog?, reader: inout YAMLReader) -> Header {
        let id = reader.string(top["id"], "id") ?? ""
        if !id.isEmpty,
            id.hasPrefix("-")
                || !id.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        {
            reader.error(
                top["id"], "a scenario id is lowercase letters, digits and hyphens (the language goes in `language`)")
        }
        let language = reader.string(top["language"], "language") ?? ""
        if !["zh", "en"].contains(language), let node = top["language"] {
            reader.error(node, "language must be `zh` or `en`")
        }
        let title = reader.string(top["title"], "title") ?? ""
        let business = reader.string(top["business"], "business") ?? ""
        var channel = Channel.chat
        if let name = reader.string(top["channel"], "channel") {
            if let c = Channel(rawValue: name) {
                channel = c
            } else {
                reader.error(
                    top["channel"],
                    "unknown channel `\(name)`; use \(Channel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        var persona = Persona(name: "", mood: "")
        if let node = top["persona"],
            let p = reader.mapping(node, what: "persona", required: ["name"], optional: ["mood"])
        {
            persona = Persona(
                name: reader.string(p["name"], "persona name") ?? "", mood: reader.string(p["mood"], "mood") ?? "calm")
        }
        let sources = citedClauses(top["source"], clauses: clauses, reader: &reader)
        let passMark = reader.number(top["pass_mark"], "pass_mark") ?? 0
        if !(0...100).contains(passMark), let node = top["pass_mark"] {
            reader.error(node, "pass_mark must be between 0 and 100")
        }
        var weights = ScoringWeights()
        if let node = top["weights"],
            let w = reader.mapping(node, what: "weights", required: ["checks", "rubrics"], optional: [])
        {
            weights = ScoringWeights(
                checks: reader.number(w["checks"], "checks") ?? 50,
                rubrics: reader.number(w["rubrics"], "rubrics") ?? 50)
            if weights.checks < 0 || weights.rubrics < 0 || weights.checks + weights.rubrics <= 0 {
                reader.error(node, "weights must not be negative and must not both be 0")
            }
        }
        let maxTurns = Int(reader.number(top["max_turns"], "max_turns") ?? 12)
        if maxTurns < 1, let node = top["max_turns"] { reader.error(node, "max_turns must be at least 1") }
        let replyLimit = reader.number(top["reply_limit_seconds"], "reply_limit_seconds")
        if let replyLimit, replyLimit <= 0, let node = top["reply_limit_seconds"] {
            reader.error(node, "reply_limit_seconds must be greater than 0")
        }
        let replyTimePoints = reader.number(top["reply_time_points"], "reply_time_points") ?? 1
        if replyTimePoints < 0, let node = top["reply_time_points"] {
            reader.error(node, "reply_time_points must not be negative")
        }
        return Header(
            id: id, language: language, title: title, business: business, channel: channel, persona: persona,
            sources: sources,
            passMark: passMark, weights: weights, maxTurns: maxTurns, replyLimit: replyLimit,
            replyTimePoints: replyTimePoints)
    }

    /// The transcript rubrics' ids, each checked to exist and warned about when its language differs.
    static func transcriptRubrics(
        _ node: Node?, language: String, rubrics: [String: Rubric], reader: inout YAMLReader
    ) -> [String] {
        let rubricIDs = reader.strings(node, "rubrics", allowScalar: true) ?? []
        for (name, node) in zip(rubricIDs, reader.sequence(node, "rubrics", allowScalar: true) ?? []) {
            if let rubric = rubrics[name] {
                if rubric.language != language {
                    reader.warning(
                        at: reader.location(node),
                        "rubric `\(name)` is written for `\(rubric.language)`, the scenario for `\(language)`")
                }
            } else {
                reader.error(
                    node,
                    "no rubric with id `\(name)` under Rubrics/; known ids: \(rubrics.keys.sorted().joined(separator: ", "))"
                )
            }
        }
        return rubricIDs
    }

    /// The reply checks: inline items and copies of rubric items, in one rubric with one pattern table.
    struct Checks {
        var builder = RubricLoader.Builder(normalization: .standard, caseFold: true)
        var items: [Item] = []
        var examples: [String: RuleExamples] = [:]
        var locations: [String: Node] = [:]
    }

    /// Reads `checks:`.
    static func parseChecks(
        _ list: Node?, rubrics: [String: Rubric], clauses: ClauseCatalog?, reader: inout YAMLReader
    ) -> Checks {
        var checks = Checks()
        for node in reader.sequence(list, "checks") ?? [] {
            guard case .mapping = node else {
                reader.error(node, "a check is a mapping: an inline rule or `{id, use: RUBRIC#ITEM}`")
                continue
            }
            var item: Item?
            if mappingKeys(node).contains("use") {
                item = copiedCheck(node, rubrics: rubrics, builder: &checks.builder, reader: &reader)
            } else if let (parsed, itemExamples) = RubricLoader.parseItem(
                node, reader: &reader, builder: &checks.builder, clauses: clauses)
            {
                if parsed.kind == .timing {
                    reader.error(
                        node,
                        "a timing item cannot be a reply check; set `reply_limit_seconds` on the step or the scenario")
                    continue
                }
                checks.examples[parsed.id] = itemExamples
                item = parsed
            }
            guard let item else { continue }
            if checks.locations[item.id] != nil {
                reader.error(node, "duplicate check id `\(item.id)`")
                continue
            }
            checks.locations[item.id] = node
            checks.items.append(item)
        }
        return checks
    }

    /// A check `{id, use: RUBRIC#ITEM}`: a copy of the rubric's item with its patterns moved into `builder`.
    static func copiedCheck(
        _ node: Node, rubrics: [String: Rubric], builder: inout RubricLoader.Builder, reader: inout YAMLReader
    ) -> Item? {
        guard
            let m = reader.mapping(
                node, what: "a rubric reference", required: ["id", "use"], optional: ["points", "critical"])
        else { return nil }
        let checkID = reader.string(m["id"], "id") ?? ""
        let reference = reader.string(m["use"], "use") ?? ""
        let parts = reference.split(separator: "#", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            reader.error(m["use"], "`use` names a rubric item as RUBRIC#ITEM, e.g. complaint.zh#apology")
            return nil
        }
        guard let rubric = rubrics[parts[0]] else {
            reader.error(m["use"], "no rubric with id `\(parts[0])` under Rubrics/")
            return nil
        }
        guard var copied = rubric.items.first(where: { $0.id == parts[1] }) else {
            reader.error(
                m["use"],
                "rubric `\(parts[0])` has no item `\(parts[1])`; its items: \(rubric.items.map(\.id).joined(separator: ", "))"
            )
            return nil
        }
        if copied.kind == .timing {
            reader.error(m["use"], "a timing item cannot be a reply check; set `reply_limit_seconds` on the step")
            return nil
        }
        copied.id = checkID
        copied.match = remap(copied.match, from: rubric, into: &builder)
        copied.trigger = copied.trigger.map { remap($0, from: rubric, into: &builder) }
        copied.when = copied.when.map { remap($0, from: rubric, into: &builder) }
        if let points = reader.number(m["points"], "points") { copied.points = points }
        if let critical = reader.bool(m["critical"], "critical") { copied.isCritical = critical }
        return copied
    }

    /// The steps, with their nodes by id (for locations) and every branch target (checked to exist).
    struct Steps {
        var steps: [Step] = []
        var nodes: [String: Node] = [:]
        var branchTargets: [(step: String, next: String, node: Node)] = []
    }

    /// Reads `steps:` and checks branch targets.
    static func parseSteps(_ list: Node?, header: Header, checkIDs: Set<String>, reader: inout YAMLReader) -> Steps {
        var parsed = Steps()
        for node in reader.sequence(list, "steps") ?? [] {
            if let step = parseStep(node, header: header, checkIDs: checkIDs, into: &parsed, reader: &reader) {
                parsed.steps.append(step)
            }
        }
        if parsed.steps.isEmpty, let list { reader.error(list, "a scenario needs at least one step") }
        for branch in parsed.branchTargets where parsed.nodes[branch.next] == nil {
            reader.error(
                branch.node, "unknown step `\(branch.next)` (steps: \(parsed.steps.map(\.id).joined(separator: ", ")))")
        }
        return parsed
    }

    /// One step; records its node and branch targets in `parsed`.
    static func parseStep(
        _ node: Node, header: Header, checkIDs: Set<String>, into parsed: inout Steps, reader: inout YAMLReader
    ) -> Step? {
        guard
            let m = reader.mapping(
                node, what: "a step", required: ["id", "customer"],
                optional: ["checks", "reply_limit_seconds", "branches", "end", "note"])
        else { return nil }
        let stepID = reader.string(m["id"], "step id") ?? ""
        if parsed.nodes[stepID] != nil {
            reader.error(m["id"], "duplicate step id `\(stepID)`")
            return nil
        }
        parsed.nodes[stepID] = node
        let customer = reader.strings(m["customer"], "customer", allowScalar: true) ?? []
        if customer.isEmpty || customer.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            reader.error(m["customer"], "the customer's line must not be empty")
        }
        let stepChecks = reader.strings(m["checks"], "checks", allowScalar: true) ?? []
        for (name, n) in zip(stepChecks, reader.sequence(m["checks"], "checks", allowScalar: true) ?? [])
        where !checkIDs.contains(name) {
            reader.error(
                n,
                "unknown check `\(name)`; define it under `checks:` (known: \(checkIDs.sorted().joined(separator: ", ")))"
            )
        }
        let limit = reader.number(m["reply_limit_seconds"], "reply_limit_seconds")
        if let limit, limit <= 0, let n = m["reply_limit_seconds"] {
            reader.error(n, "reply_limit_seconds must be greater than 0")
        }
        let end = parseEnd(m["end"], reader: &reader)
        let branches = parseBranches(
            m["branches"], stepID: stepID, stepChecks: stepChecks, into: &parsed, reader: &reader)
        if end != nil && !branches.isEmpty { reader.error(m["branches"], "an end step has no branches") }
        if end == nil {
            if branches.isEmpty {
                reader.error(
                    node, "step `\(stepID)` has no branches and no `end`: say where the conversation goes next")
            } else if let index = branches.firstIndex(where: { $0.condition.isDefault }) {
                if index < branches.count - 1 {
                    reader.warning(
                        at: reader.location(m["branches"]),
                        "branches after the default branch of `\(stepID)` are never taken")
                }
            } else {
                reader.error(
                    m["branches"],
                    "step `\(stepID)` needs a default branch (one without `if`): a reply that meets no condition must go somewhere"
                )
            }
        }
        let step = Step(
            id: stepID, customer: customer, checks: stepChecks, replyLimitSeconds: limit, branches: branches, end: end)
        if timedChannels.contains(header.channel), step.expectsReply, limit == nil, header.replyLimit == nil {
            reader.error(
                node,
                "\(header.channel.rawValue) replies are timed: give `reply_limit_seconds` on the step or the scenario")
        }
        return step
    }

    /// A step's `end:` (an outcome, or `{outcome, fails}`).
    static func parseEnd(_ node: Node?, reader: inout YAMLReader) -> End? {
        guard let n = node else { return nil }
        if case .mapping = n {
            if let e = reader.mapping(n, what: "end", required: ["outcome"], optional: ["fails"]) {
                return End(
                    outcome: reader.string(e["outcome"], "outcome") ?? "resolved",
                    fails: reader.bool(e["fails"], "fails") ?? false)
            }
        } else if let outcome = reader.string(n, "end") {
            return End(outcome: outcome, fails: false)
        }
        return nil
    }

    /// A step's `branches:`; conditions may only name checks the step applies.
    static func parseBranches(
        _ list: Node?, stepID: String, stepChecks: [String], into parsed: inout Steps, reader: inout YAMLReader
    ) -> [Branch] {
        var branches: [Branch] = []
        for b in reader.sequence(list, "branches") ?? [] {
            guard let bm = reader.mapping(b, what: "a branch", required: ["next"], optional: ["if"]) else { continue }
            var condition = Condition()
            if let c = bm["if"],
                let cm = reader.mapping(
                    c, what: "a branch condition", required: [], optional: ["passed", "failed", "late"])
            {
                condition = Condition(
                    passed: reader.strings(cm["passed"], "passed", allowScalar: true) ?? [],
                    failed: reader.strings(cm["failed"], "failed", allowScalar: true) ?? [],
                    late: reader.bool(cm["late"], "late"))
                if condition.isDefault {
                    reader.error(
                        c, "a condition names `passed`, `failed` or `late`; leave out `if` for the default branch")
                }
                for name in condition.checkIDs where !stepChecks.contains(name) {
                    reader.error(
                        c,
                        "the branch depends on check `\(name)`, which step `\(stepID)` does not apply; add it to the step's `checks`"
                    )
                }
            }
            let next = reader.string(bm["next"], "next") ?? ""
            parsed.branchTargets.append((stepID, next, bm["next"] ?? b))
            branches.append(Branch(condition: condition, next: next))
        }
        return branches
    }

    /// `replies: {model: [...], poor: [...]}`: reply files relative to the scenario's folder.
    static func replySets(
        _ node: Node?, path: String, reader: inout YAMLReader
    ) -> [(kind: String, path: String, location: SourceLocation)] {
        var replySets: [(kind: String, path: String, location: SourceLocation)] = []
        if let node, let r = reader.mapping(node, what: "replies", required: ["model", "poor"], optional: []) {
            let folder = path.split(separator: "/").dropLast().joined(separator: "/")
            for kind in ["model", "poor"] {
                for n in reader.sequence(r[kind], kind, allowScalar: true) ?? [] {
                    if let file = reader.string(n, "a reply file") {
                        replySets.append((kind, folder.isEmpty ? file : folder + "/" + file, reader.location(n)))
                    }
                }
            }
        }
        return replySets
    }

    /// Reachability from the first step, a reachable end, and the shortest way to an end within `max_turns`.
    static func checkGraph(
        steps: [Step], stepNodes: [String: Node], maxTurns: Int, maxTurnsNode: Node, reader: inout YAMLReader
    ) {
        guard let first = steps.first else { return }
        let byID = Dictionary(steps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Breadth-first: replies needed to reach each step (a step that expects a reply costs one).
        var distance: [String: Int] = [first.id: 0]
        var queue = [first.id]
        while !queue.isEmpty {
            let id = queue.removeFirst()
            guard let step = byID[id] else { continue }
            for branch in step.branches where distance[branch.next] == nil && byID[branch.next] != nil {
                distance[branch.next] = distance[id, default: 0] + 1
                queue.append(branch.next)
            }
        }
        for step in steps where distance[step.id] == nil {
            if let node = stepNodes[step.id] {
                reader.error(node, "step `\(step.id)` is unreachable: no branch leads to it")
            }
        }
        let ends = steps.filter { $0.end != nil && distance[$0.id] != nil }
        if ends.isEmpty {
            reader.error(
                stepNodes[first.id],
                "no end step can be reached: mark the last step(s) with `end: resolved` (or another outcome)")
            return
        }
        let shortest = ends.map { distance[$0.id, default: 0] + ($0.expectsReply ? 1 : 0) }.min() ?? 0
        if shortest > maxTurns {
            reader.error(
                maxTurnsNode, "max_turns is \(maxTurns) but the shortest way to an end needs \(shortest) replies")
        }
    }

    static func citedClauses(_ node: Node?, clauses: ClauseCatalog?, reader: inout YAMLReader) -> [String] {
        let names = reader.strings(node, "source", allowScalar: true) ?? []
        if let clauses, let nodes = reader.sequence(node, "source", allowScalar: true) {
            for (name, n) in zip(names, nodes) where !clauses.contains(name) {
                reader.error(n, "unknown policy clause `\(name)`; cite an id listed in Policies/clauses.yaml")
            }
        }
        return names
    }

    static func mappingKeys(_ node: Node) -> Set<String> {
        guard case .mapping(let mapping) = node else { return [] }
        return Set(mapping.keys.compactMap(\.string))
    }

    /// A copy of `spec` whose pattern references point into `builder`'s table.
    static func remap(_ spec: MatchSpec, from rubric: Rubric, into builder: inout RubricLoader.Builder) -> MatchSpec {
        func map(_ refs: [PatternRef]) -> [PatternRef] {
            refs.map { ref in
                builder.patterns.append(rubric.patterns[ref.index])
                return PatternRef(index: builder.patterns.count - 1, location: ref.location)
            }
        }
        return MatchSpec(any: map(spec.any), all: map(spec.all), unless: map(spec.unless))
    }
}
