public import KefuCore
public import KefuRegex

/// Scores interactions with a rubric. Pure: no I/O, no clock. Safe to share between threads; each thread
/// passes its own ``MatchScratch``.
public struct Scorer: Sendable {
    /// The rubric.
    public let rubric: Rubric
    private let normalizer: Normalizer
    private let prefilter: LiteralPrefilter?
    private let sections: [(weight: Double, items: [CompiledItem])]

    /// Creates a scorer. With `usePrefilter` (the default), a multi-literal scan decides per turn which
    /// patterns can possibly match, and PCRE2 runs only on those.
    public init(rubric: Rubric, usePrefilter: Bool = true) {
        self.rubric = rubric
        self.normalizer = Normalizer(options: rubric.normalization)
        self.prefilter = usePrefilter ? LiteralPrefilter(patterns: rubric.patterns) : nil
        self.sections = rubric.sections.map { section in (section.weight, section.items.map(CompiledItem.init)) }
    }

    /// Scores one interaction.
    public func score(_ interaction: Interaction, scratch: MatchScratch) -> ScoreResult {
        var context = Context(
            interaction: interaction, rubric: rubric, normalizer: normalizer, prefilter: prefilter, scratch: scratch)
        var results: [ItemResult] = []
        results.reserveCapacity(sections.reduce(0) { $0 + $1.items.count })
        for section in sections {
            for item in section.items { results.append(context.evaluate(item)) }
        }
        return aggregate(interaction: interaction.id, results)
    }

    /// `result` (produced by this rubric) with some items' verdicts replaced by a human's: points, the
    /// section-weighted score, the critical rule and the pass mark are applied exactly as in
    /// ``score(_:scratch:)``. Items not in `verdicts` keep their automatic verdict; evidence is kept.
    public func rescore(_ result: ScoreResult, verdicts: [String: Verdict]) -> ScoreResult {
        var byID: [String: ItemResult] = [:]
        for item in result.items { byID[item.id] = item }
        var results: [ItemResult] = []
        for section in sections {
            for item in section.items {
                var r = byID[item.id] ?? Context.ResultBuilder(item: item)(.na, [], "not in the stored result")
                if let verdict = verdicts[item.id], verdict != r.verdict {
                    r.verdict = verdict
                    r.points = verdict == .pass ? item.points : 0
                    r.maxPoints = verdict == .na ? 0 : item.points
                }
                results.append(r)
            }
        }
        return aggregate(interaction: result.interaction, results)
    }

    /// Section-weighted score, critical items and the pass mark over item results in section order.
    private func aggregate(interaction: String, _ results: [ItemResult]) -> ScoreResult {
        var criticalFailed = false
        var hasError = false
        var weighted = 0.0
        var weightUsed = 0.0
        var index = 0
        for section in sections {
            var earned = 0.0
            var possible = 0.0
            for item in section.items {
                let result = results[index]
                index += 1
                if result.verdict == .fail && item.isCritical { criticalFailed = true }
                if result.verdict == .error { hasError = true }
                earned += result.points
                possible += result.maxPoints
            }
            if possible > 0 {
                weighted += section.weight * earned / possible
                weightUsed += section.weight
            }
        }
        var score = weightUsed > 0 ? (weighted / weightUsed * 100) : 0
        score = (score * 100).rounded() / 100
        if criticalFailed { score = 0 }
        let passed = !criticalFailed && !hasError && weightUsed > 0 && score >= rubric.passMark
        return ScoreResult(
            interaction: interaction, rubric: rubric.id, rubricVersion: rubric.sourceHash, score: score,
            passed: passed, criticalFailed: criticalFailed, items: results)
    }

    /// Tests one match spec against a single text (rule examples in `kefu lint`, exam short answers).
    public func evaluate(_ spec: MatchSpec, on text: String, scratch: MatchScratch) throws(RegexError) -> [Range<Int>]?
    {
        let interaction = Interaction(id: "", channel: .chat, agent: "", turns: [Turn(speaker: .agent, text: text)])
        var context = Context(
            interaction: interaction, rubric: rubric, normalizer: normalizer, prefilter: prefilter, scratch: scratch)
        switch context.match(CompiledSpec(spec), turn: 0) {
        case .matched(let evidence): return evidence.map { $0.start..<$0.end }
        case .notMatched: return nil
        case .error(let error, _): throw error
        }
    }
}

/// A match spec as the scorer reads it: pattern indices only (locations are looked up on the error path).
final class CompiledSpec: Sendable {
    let any: [Int]
    let all: [Int]
    let unless: [Int]
    let source: MatchSpec

    init(_ spec: MatchSpec) {
        any = spec.any.map(\.index)
        all = spec.all.map(\.index)
        unless = spec.unless.map(\.index)
        source = spec
    }

    /// The reference (with its location) for a pattern index used by this spec.
    func ref(_ index: Int) -> PatternRef {
        (source.any + source.all + source.unless).first { $0.index == index } ?? PatternRef(index: index)
    }
}

/// An item as the scorer reads it: a class, so that scoring an interaction passes references instead of
/// copying every item's strings and arrays.
final class CompiledItem: Sendable {
    let id: String
    let kind: ItemKind
    let category: String
    let scope: Scope
    let points: Double
    let isCritical: Bool
    let channels: [Channel]
    let match: CompiledSpec
    let trigger: CompiledSpec?
    let when: CompiledSpec?
    let timing: TimingRule?
    let replyWindow: Int
    /// Complaint episodes: a triggering turn that raises a new problem (nil: no episodes).
    let newProblem: CompiledSpec?
    /// Eligible for the interaction-level fast path: plain any-of patterns over agent turns.
    let isSimple: Bool

    init(_ item: Item) {
        id = item.id
        kind = item.kind
        category = item.category
        scope = item.scope
        points = item.points
        isCritical = item.isCritical
        channels = item.channels
        match = CompiledSpec(item.match)
        trigger = item.trigger.map(CompiledSpec.init)
        when = item.when.map(CompiledSpec.init)
        timing = item.timing
        replyWindow = item.replyWindow
        newProblem = item.episode.map { CompiledSpec($0.newProblem) }
        isSimple =
            (item.kind == .required || item.kind == .forbidden) && item.scope != .replyAfterTrigger
            && item.when == nil && item.match.all.isEmpty && !item.match.any.isEmpty
    }
}

/// A normalized turn behind a reference.
final class NormalizedBox {
    let value: NormalizedText
    init(_ value: NormalizedText) { self.value = value }
}

/// Per-interaction evaluation state: normalized turns and memoized matches.
private struct Context {
    let interaction: Interaction
    let rubric: Rubric
    let normalizer: Normalizer
    let prefilter: LiteralPrefilter?
    let scratch: MatchScratch
    var normalized: [NormalizedBox?]
    var candidates: [LiteralPrefilter.Candidates?]
    /// PCRE2 results: `memoSlot[pattern * turns + turn]` is 1 + the index into `memoValues`, or 0.
    var memoSlot: [Int32] = []
    var memoValues: [[Range<Int>]] = []
    /// Union of the agent turns' candidate bits (computed on first use).
    var agentUnion: [UInt64] = []
    let agentTurns: [Int]

    init(
        interaction: Interaction, rubric: Rubric, normalizer: Normalizer, prefilter: LiteralPrefilter?,
        scratch: MatchScratch
    ) {
        self.interaction = interaction
        self.rubric = rubric
        self.normalizer = normalizer
        self.prefilter = prefilter
        self.scratch = scratch
        self.normalized = Array(repeating: nil, count: interaction.turns.count)
        self.candidates = Array(repeating: nil, count: interaction.turns.count)
        self.agentTurns = interaction.turns.indices.filter { interaction.turns[$0].speaker == .agent }
    }

    enum SpecMatch {
        case matched([Evidence])
        case notMatched
        case error(RegexError, PatternRef)
    }

    /// The normalized turn, computed once; boxed so that handing it out costs one reference count.
    mutating func text(_ turn: Int) -> NormalizedBox {
        if let cached = normalized[turn] { return cached }
        let value = NormalizedBox(normalizer.normalize(interaction.turns[turn].text))
        normalized[turn] = value
        return value
    }

    /// All matches of a pattern in a turn, as original code-point ranges (memoized).
    mutating func ranges(_ index: Int, turn: Int) throws(RegexError) -> [Range<Int>] {
        // The prefilter answers most (pattern, turn) pairs with one bit test; only PCRE2 results are memoized.
        if prefilter != nil && !mayMatch(index, turn: turn) { return [] }
        if memoSlot.isEmpty { memoSlot = [Int32](repeating: 0, count: rubric.patterns.count * interaction.turns.count) }
        let key = index &* interaction.turns.count &+ turn
        let slot = memoSlot[key]
        if slot > 0 { return memoValues[Int(slot) - 1] }
        let box = text(turn)
        let pattern = rubric.patterns[index]
        let byteRanges = try box.value.bytes.withUnsafeBufferPointer { (buffer) throws(RegexError) -> [Range<Int>] in
            try pattern.allMatches(in: buffer, scratch: scratch)
        }
        let result = byteRanges.isEmpty ? [] : byteRanges.map { box.value.originalRange(ofBytes: $0) }
        memoValues.append(result)
        memoSlot[key] = Int32(memoValues.count)
        return result
    }

    /// The prefilter's candidates for `turn` (scanned once), or nil without a prefilter.
    mutating func candidates(for turn: Int) -> LiteralPrefilter.Candidates? {
        guard let prefilter else { return nil }
        if let known = candidates[turn] { return known }
        let scanned = prefilter.scan(text(turn).value.bytes)
        candidates[turn] = scanned
        return scanned
    }

    /// False when the prefilter proves pattern `index` cannot match in `turn`.
    @inline(__always) mutating func mayMatch(_ index: Int, turn: Int) -> Bool {
        candidates(for: turn)?.mayMatch(index) ?? true
    }

    /// Matches of pattern `index` in `turn` that overlap no match of the `unless` patterns.
    mutating func surviving(_ index: Int, unless: [Int], turn: Int) throws(RegexError) -> [Range<Int>] {
        let found = try ranges(index, turn: turn)
        if found.isEmpty || unless.isEmpty { return found }
        var exceptions: [Range<Int>] = []
        for u in unless { exceptions += try ranges(u, turn: turn) }
        return found.filter { hit in
            !exceptions.contains { ex in
                hit.isEmpty ? ex.contains(hit.lowerBound) : ex.overlaps(hit)
            }
        }
    }

    /// Whether `turn` matches `spec`. With `collectAll`, evidence comes from every `any` pattern that
    /// matches (forbidden items report every violation), otherwise matching stops at the first.
    mutating func match(_ spec: CompiledSpec, turn: Int, collectAll: Bool = false) -> SpecMatch {
        var evidence: [Evidence] = []
        var current = -1
        do {
            if !spec.any.isEmpty {
                var found = false
                for index in spec.any {
                    current = index
                    let hits = try surviving(index, unless: spec.unless, turn: turn)
                    if !hits.isEmpty {
                        found = true
                        evidence += hits.prefix(3).map { makeEvidence(turn: turn, range: $0) }
                        if !collectAll { break }
                    }
                }
                if !found { return .notMatched }
            }
            for index in spec.all {
                current = index
                let hits = try surviving(index, unless: spec.unless, turn: turn)
                if hits.isEmpty { return .notMatched }
                evidence += hits.prefix(3).map { makeEvidence(turn: turn, range: $0) }
            }
        } catch {
            return .error(error, spec.ref(current))
        }
        return evidence.isEmpty && spec.any.isEmpty && spec.all.isEmpty ? .notMatched : .matched(evidence)
    }

    /// True when the prefilter proves that no pattern of `spec.any` can match in any agent turn.
    mutating func certainlyAbsent(_ spec: CompiledSpec) -> Bool {
        guard prefilter != nil, !agentTurns.isEmpty else { return false }
        if agentUnion.isEmpty {
            var union = [UInt64](repeating: 0, count: (rubric.patterns.count + 63) / 64)
            for turn in agentTurns { candidates(for: turn)?.formUnion(into: &union) }
            agentUnion = union
        }
        for index in spec.any where agentUnion[index >> 6] & (1 << UInt64(index & 63)) != 0 { return false }
        return true
    }

    /// Evidence for code points `range` of a turn: finds the UTF-8 offsets by counting lead bytes.
    func makeEvidence(turn: Int, range: Range<Int>) -> Evidence {
        let utf8 = interaction.turns[turn].text.utf8
        var scalarIndex = 0
        var lower = utf8.endIndex
        var upper = utf8.endIndex
        var i = utf8.startIndex
        while i < utf8.endIndex {
            if utf8[i] & 0xC0 != 0x80 {
                if scalarIndex == range.lowerBound { lower = i }
                if scalarIndex == range.upperBound {
                    upper = i
                    break
                }
                scalarIndex += 1
            }
            i = utf8.index(after: i)
        }
        if lower > upper { lower = upper }
        return Evidence(
            turn: turn, start: range.lowerBound, end: range.upperBound,
            text: String(decoding: utf8[lower..<upper], as: UTF8.self))
    }

    /// The agent reply that answers customer turn `index`: the first agent turn after it.
    func reply(after index: Int) -> Int? {
        agentTurns.first { $0 > index }
    }

    /// For each customer turn matching the trigger, the next `window` agent turns (windows that are
    /// identical to an earlier one are listed once); triggers with no agent reply after them are `unanswered`.
    mutating func triggeredWindows(
        _ trigger: CompiledSpec, window: Int
    ) -> (windows: [(trigger: Int, replies: [Int])], unanswered: [Int], error: (RegexError, PatternRef)?) {
        var windows: [(Int, [Int])] = []
        var unanswered: [Int] = []
        var seen = Set<Int>()
        for (index, turn) in interaction.turns.enumerated() where turn.speaker == .customer {
            switch match(trigger, turn: index) {
            case .error(let error, let ref): return ([], [], (error, ref))
            case .notMatched: continue
            case .matched:
                let replies = Array(agentTurns.lazy.filter { $0 > index }.prefix(max(1, window)))
                if let first = replies.first {
                    if seen.insert(first).inserted { windows.append((index, replies)) }
                } else {
                    unanswered.append(index)
                }
            }
        }
        return (windows, unanswered, nil)
    }

    /// Builds an item's result.
    struct ResultBuilder {
        let item: CompiledItem

        func callAsFunction(_ verdict: Verdict, _ evidence: [Evidence], _ message: String) -> ItemResult {
            ItemResult(
                id: item.id, category: item.category, kind: item.kind, verdict: verdict,
                points: verdict == .pass ? item.points : 0, maxPoints: verdict == .na ? 0 : item.points,
                evidence: evidence, message: message)
        }
    }

    func errorResult(_ result: ResultBuilder, _ error: RegexError, _ ref: PatternRef, _ turn: Int?) -> ItemResult {
        let whereText = ref.location.map { " (\($0))" } ?? ""
        let turnText = turn.map { " on turn \($0)" } ?? ""
        return result(
            .error, [], "rule `\(rubric.patterns[ref.index].source)`\(whereText)\(turnText): \(error.description)")
    }

    mutating func evaluate(_ item: CompiledItem) -> ItemResult {
        let result = ResultBuilder(item: item)
        if !item.channels.isEmpty && !item.channels.contains(interaction.channel) {
            return result(.na, [], "does not apply to the \(interaction.channel.rawValue) channel")
        }
        if item.kind == .timing, let timing = item.timing {
            return evaluateTiming(timing, result: result)
        }

        if item.isSimple && certainlyAbsent(item.match) {
            return item.kind == .forbidden
                ? result(.pass, [], Self.notFound(item.scope)) : result(.fail, [], Self.notFound(item.scope))
        }
        if item.kind == .accuracy || item.scope == .replyAfterTrigger, let trigger = item.trigger {
            return evaluateTriggered(item, trigger: trigger, result: result)
        }

        // Which agent turns are looked at.
        var turnsInScope = scopedAgentTurns(item.scope)
        var triggerNote = ""
        let scopeName = Self.scopeName(item.scope)
        if let condition = item.when {
            var kept: [Int] = []
            for turn in turnsInScope {
                switch match(condition, turn: turn) {
                case .error(let error, let ref): return errorResult(result, error, ref, turn)
                case .notMatched: continue
                case .matched: kept.append(turn)
                }
            }
            if kept.isEmpty { return result(.na, [], "no agent turn meets the condition (`when`)") }
            turnsInScope = kept
            triggerNote += " (agent turns meeting the condition: \(kept.map(String.init).joined(separator: ", ")))"
        }

        var matchedTurns: [Int] = []
        var unmatchedTurns: [Int] = []
        var evidence: [Evidence] = []
        for turn in turnsInScope {
            switch match(item.match, turn: turn, collectAll: item.kind == .forbidden) {
            case .error(let error, let ref): return errorResult(result, error, ref, turn)
            case .notMatched: unmatchedTurns.append(turn)
            case .matched(let found):
                matchedTurns.append(turn)
                evidence += found
            }
        }

        switch item.kind {
        case .forbidden:
            if matchedTurns.isEmpty {
                return result(
                    .pass, [],
                    triggerNote.isEmpty ? Self.notFound(item.scope) : "not found in \(scopeName)\(triggerNote)")
            }
            return result(.fail, evidence, "found in agent turn \(list(matchedTurns))")
        case .required, .accuracy, .timing:
            if turnsInScope.isEmpty {
                return result(.fail, [], "no agent turn in scope (\(scopeName))")
            }
            let needsEvery = item.scope == .everyAgentTurn || (item.when != nil && item.scope != .anyAgentTurn)
            if needsEvery {
                if unmatchedTurns.isEmpty {
                    return result(.pass, evidence, "found in every agent turn in scope\(triggerNote)")
                }
                return result(.fail, evidence, "missing in agent turn \(list(unmatchedTurns))\(triggerNote)")
            }
            if !matchedTurns.isEmpty { return result(.pass, evidence, "found in agent turn \(list(matchedTurns))") }
            return result(.fail, [], Self.notFound(item.scope))
        }
    }

    /// The agent turns a scope looks at: the first, the last, or all of them.
    func scopedAgentTurns(_ scope: Scope) -> [Int] {
        switch scope {
        case .firstAgentTurn: return agentTurns.first.map { [$0] } ?? []
        case .lastAgentTurn: return agentTurns.last.map { [$0] } ?? []
        case .anyAgentTurn, .everyAgentTurn, .replyAfterTrigger: return agentTurns
        }
    }

    /// How messages name a scope ("the first agent turn", "any agent turn", …).
    static func scopeName(_ scope: Scope) -> String {
        switch scope {
        case .firstAgentTurn: return "the first agent turn"
        case .lastAgentTurn: return "the last agent turn"
        case .anyAgentTurn, .everyAgentTurn: return "any agent turn"
        case .replyAfterTrigger: return "the agent's replies"
        }
    }

    /// "not found in …" for a scope, without building a new string per item.
    static func notFound(_ scope: Scope) -> String {
        switch scope {
        case .firstAgentTurn: return "not found in the first agent turn"
        case .lastAgentTurn: return "not found in the last agent turn"
        case .anyAgentTurn, .everyAgentTurn: return "not found in any agent turn"
        case .replyAfterTrigger: return "not found in the agent's replies"
        }
    }

    /// Accuracy items and scope `reply_after_trigger`: every triggering customer turn is answered, within
    /// the item's reply window, by a reply that matches (required, accuracy) or by none that matches (forbidden).
    /// With episodes (``EpisodeRule``): once a triggering turn's window has matched, later triggering turns
    /// that do not match `new_problem` are follow-ups of the same complaint and demand nothing; the first
    /// one that does match `new_problem` opens a new episode, which needs its own matching reply.
    mutating func evaluateTriggered(
        _ item: CompiledItem, trigger: CompiledSpec, result: ResultBuilder
    ) -> ItemResult {
        let triggered = triggeredWindows(trigger, window: item.replyWindow)
        if let (error, ref) = triggered.error { return errorResult(result, error, ref, nil) }
        if triggered.windows.isEmpty && triggered.unanswered.isEmpty {
            return result(.na, [], "the trigger never occurs in a customer turn")
        }
        let windowText = item.replyWindow > 1 ? "the next \(item.replyWindow) agent replies" : "the agent's next reply"
        var evidence: [Evidence] = []
        var failures: [String] = []
        // Episodes: `covered` is true while the open episode has had its matching reply; a later trigger
        // that raises no new problem is then a follow-up and demands nothing.
        var covered = false
        var followUps: [Int] = []
        for (triggerTurn, replies) in triggered.windows {
            if let newProblem = item.newProblem, covered {
                switch match(newProblem, turn: triggerTurn) {
                case .error(let error, let ref): return errorResult(result, error, ref, triggerTurn)
                case .matched: break
                case .notMatched:
                    followUps.append(triggerTurn)
                    continue
                }
            }
            var windowMatched = false
            var matched: [Int] = []
            for turn in replies {
                switch match(item.match, turn: turn, collectAll: item.kind == .forbidden) {
                case .error(let error, let ref): return errorResult(result, error, ref, turn)
                case .notMatched: continue
                case .matched(let found):
                    matched.append(turn)
                    evidence += found
                    windowMatched = true
                }
                if item.kind != .forbidden { break }
            }
            covered = windowMatched
            if item.kind == .forbidden {
                if !matched.isEmpty {
                    failures.append("agent turn \(list(matched)) (after the customer's turn \(triggerTurn))")
                }
            } else if matched.isEmpty {
                failures.append("\(windowText) after the customer's turn \(triggerTurn) (turn \(list(replies)))")
            }
        }
        var unanswered: [Int] = []
        for turn in triggered.unanswered {
            if let newProblem = item.newProblem, covered {
                switch match(newProblem, turn: turn) {
                case .error(let error, let ref): return errorResult(result, error, ref, turn)
                case .matched: break
                case .notMatched:
                    followUps.append(turn)
                    continue
                }
            }
            unanswered.append(turn)
        }
        let followUpNote =
            followUps.isEmpty ? "" : " (follow-ups of an answered complaint: customer turn \(list(followUps)))"
        let triggers =
            list(triggered.windows.map(\.trigger).filter { !followUps.contains($0) } + unanswered) + followUpNote
        if item.kind == .forbidden {
            if failures.isEmpty {
                return result(.pass, [], "not found in \(windowText) after the customer's turn \(triggers)")
            }
            return result(.fail, evidence, "found in " + failures.joined(separator: "; "))
        }
        if !unanswered.isEmpty {
            failures.append("no agent reply follows the customer's turn \(list(unanswered))")
        }
        if failures.isEmpty {
            return result(.pass, evidence, "found in \(windowText) after the customer's turn \(triggers)")
        }
        return result(.fail, evidence, "missing in " + failures.joined(separator: "; "))
    }

    func list(_ turns: [Int]) -> String { turns.map(String.init).joined(separator: ", ") }

    func evaluateTiming(_ timing: TimingRule, result: ResultBuilder) -> ItemResult {
        let turns = interaction.turns
        guard !turns.isEmpty, turns.allSatisfy({ $0.at != nil }) else {
            return result(.na, [], "the turns carry no times")
        }
        guard turns.allSatisfy({ ($0.at ?? 0).isFinite }) else {
            return result(.na, [], "the turns carry times that are not finite numbers")
        }
        if timing.measure == .firstAgentTurn {
            guard let first = agentTurns.first, let at = turns[first].at else {
                return result(.na, [], "no agent turn")
            }
            let evidence = makeEvidence(turn: first, range: 0..<turns[first].text.unicodeScalars.count)
            if at <= timing.limitSeconds {
                return result(
                    .pass, [], "answered after \(Self.format(at)) s (limit \(Self.format(timing.limitSeconds)) s)")
            }
            return result(
                .fail, [evidence], "answered after \(Self.format(at)) s (limit \(Self.format(timing.limitSeconds)) s)")
        }
        var late: [Evidence] = []
        var notes: [String] = []
        var pending: Int?
        var measured = 0
        for (index, turn) in turns.enumerated() {
            if turn.speaker == .customer {
                if pending == nil { pending = index }
                continue
            }
            guard let asked = pending else { continue }
            pending = nil
            measured += 1
            let waited = (turn.at ?? 0) - (turns[asked].at ?? 0)
            if waited > timing.limitSeconds {
                late.append(makeEvidence(turn: index, range: 0..<turn.text.unicodeScalars.count))
                notes.append("turn \(index) replied \(Self.format(waited)) s after turn \(asked)")
            }
            if timing.measure == .firstReply { break }
        }
        if measured == 0 { return result(.na, [], "no customer message was answered") }
        if late.isEmpty {
            return result(
                .pass, [], "\(measured) repl\(measured == 1 ? "y" : "ies") within \(Self.format(timing.limitSeconds)) s"
            )
        }
        return result(.fail, late, notes.joined(separator: "; ") + " (limit \(Self.format(timing.limitSeconds)) s)")
    }

    /// Formats seconds for a note; never traps, whatever the value (huge, infinite or NaN).
    static func format(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e15 else { return String(seconds) }
        return seconds == seconds.rounded() ? String(Int(seconds)) : String((seconds * 10).rounded() / 10)
    }
}
