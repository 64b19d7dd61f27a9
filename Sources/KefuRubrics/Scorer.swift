import KefuCore
import KefuRegex

/// Scores interactions with a rubric. Pure: no I/O, no clock. Safe to share between threads; each thread
/// passes its own ``MatchScratch``.
public struct Scorer: Sendable {
    /// The rubric.
    public let rubric: Rubric
    private let normalizer: Normalizer
    private let prefilter: LiteralPrefilter?

    /// Creates a scorer. With `usePrefilter` (the default), a multi-literal scan decides per turn which
    /// patterns can possibly match, and PCRE2 runs only on those.
    public init(rubric: Rubric, usePrefilter: Bool = true) {
        self.rubric = rubric
        self.normalizer = Normalizer(options: rubric.normalization)
        self.prefilter = usePrefilter ? LiteralPrefilter(patterns: rubric.patterns) : nil
    }

    /// Scores one interaction.
    public func score(_ interaction: Interaction, scratch: MatchScratch) -> ScoreResult {
        var context = Context(
            interaction: interaction, rubric: rubric, normalizer: normalizer, prefilter: prefilter, scratch: scratch)
        var results: [ItemResult] = []
        var criticalFailed = false
        var hasError = false
        var weighted = 0.0
        var weightUsed = 0.0
        for section in rubric.sections {
            var earned = 0.0
            var possible = 0.0
            for item in section.items {
                let result = context.evaluate(item)
                if result.verdict == .fail && item.isCritical { criticalFailed = true }
                if result.verdict == .error { hasError = true }
                earned += result.points
                possible += result.maxPoints
                results.append(result)
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
            interaction: interaction.id, rubric: rubric.id, rubricVersion: rubric.sourceHash, score: score,
            passed: passed, criticalFailed: criticalFailed, items: results)
    }

    /// Tests one match spec against a single text (rule examples in `kefu lint`, exam short answers).
    public func evaluate(_ spec: MatchSpec, on text: String, scratch: MatchScratch) throws(RegexError) -> [Range<Int>]? {
        let interaction = Interaction(id: "", channel: .chat, agent: "", turns: [Turn(speaker: .agent, text: text)])
        var context = Context(
            interaction: interaction, rubric: rubric, normalizer: normalizer, prefilter: prefilter, scratch: scratch)
        switch context.match(spec, turn: 0) {
        case .matched(let evidence): return evidence.map { $0.start..<$0.end }
        case .notMatched: return nil
        case .error(let error, _): throw error
        }
    }
}

/// Per-interaction evaluation state: normalized turns and memoized matches.
private struct Context {
    let interaction: Interaction
    let rubric: Rubric
    let normalizer: Normalizer
    let prefilter: LiteralPrefilter?
    let scratch: MatchScratch
    var normalized: [NormalizedText?]
    var candidates: [LiteralPrefilter.Candidates?]
    var memo: [Int: [Range<Int>]] = [:]
    let agentTurns: [Int]

    init(interaction: Interaction, rubric: Rubric, normalizer: Normalizer, prefilter: LiteralPrefilter?, scratch: MatchScratch) {
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

    mutating func text(_ turn: Int) -> NormalizedText {
        if let cached = normalized[turn] { return cached }
        let value = normalizer.normalize(interaction.turns[turn].text)
        normalized[turn] = value
        return value
    }

    /// All matches of a pattern in a turn, as original code-point ranges (memoized).
    mutating func ranges(_ ref: PatternRef, turn: Int) throws(RegexError) -> [Range<Int>] {
        let key = ref.index &* 65_536 &+ turn
        if let cached = memo[key] { return cached }
        let normalizedText = text(turn)
        if let prefilter {
            if candidates[turn] == nil { candidates[turn] = prefilter.scan(normalizedText.bytes) }
            if !candidates[turn]!.mayMatch(ref.index) {
                memo[key] = []
                return []
            }
        }
        let pattern = rubric.patterns[ref.index]
        let byteRanges = try normalizedText.bytes.withUnsafeBufferPointer { (buffer) throws(RegexError) -> [Range<Int>] in
            try pattern.allMatches(in: buffer, scratch: scratch)
        }
        let result = byteRanges.map { normalizedText.originalRange(ofBytes: $0) }
        memo[key] = result
        return result
    }

    /// Matches of `ref` in `turn` that overlap no match of the `unless` patterns.
    mutating func surviving(_ ref: PatternRef, unless: [PatternRef], turn: Int) throws(RegexError) -> [Range<Int>] {
        let found = try ranges(ref, turn: turn)
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
    mutating func match(_ spec: MatchSpec, turn: Int, collectAll: Bool = false) -> SpecMatch {
        var evidence: [Evidence] = []
        var current = spec.any.first ?? spec.all.first ?? PatternRef(index: 0)
        do {
            if !spec.any.isEmpty {
                var found = false
                for ref in spec.any {
                    current = ref
                    let hits = try surviving(ref, unless: spec.unless, turn: turn)
                    if !hits.isEmpty {
                        found = true
                        evidence += hits.prefix(3).map { makeEvidence(turn: turn, range: $0) }
                        if !collectAll { break }
                    }
                }
                if !found { return .notMatched }
            }
            for ref in spec.all {
                current = ref
                let hits = try surviving(ref, unless: spec.unless, turn: turn)
                if hits.isEmpty { return .notMatched }
                evidence += hits.prefix(3).map { makeEvidence(turn: turn, range: $0) }
            }
        } catch {
            return .error(error, current)
        }
        return evidence.isEmpty && spec.any.isEmpty && spec.all.isEmpty ? .notMatched : .matched(evidence)
    }

    func makeEvidence(turn: Int, range: Range<Int>) -> Evidence {
        let scalars = interaction.turns[turn].text.unicodeScalars
        let lower = scalars.index(scalars.startIndex, offsetBy: range.lowerBound, limitedBy: scalars.endIndex) ?? scalars.endIndex
        let upper = scalars.index(lower, offsetBy: range.count, limitedBy: scalars.endIndex) ?? scalars.endIndex
        return Evidence(turn: turn, start: range.lowerBound, end: range.upperBound, text: String(scalars[lower..<upper]))
    }

    /// The agent reply that answers customer turn `index`: the first agent turn after it.
    func reply(after index: Int) -> Int? {
        agentTurns.first { $0 > index }
    }

    /// For each customer turn matching the trigger, the next `window` agent turns (windows that are
    /// identical to an earlier one are listed once); triggers with no agent reply after them are `unanswered`.
    mutating func triggeredWindows(_ trigger: MatchSpec, window: Int) -> (windows: [(trigger: Int, replies: [Int])], unanswered: [Int], error: (RegexError, PatternRef)?) {
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

    /// Builds an item's result (a value, so it does not capture the mutable context).
    struct ResultBuilder {
        let item: Item
        let patterns: [Pattern]

        func callAsFunction(_ verdict: Verdict, _ evidence: [Evidence], _ message: String) -> ItemResult {
            ItemResult(
                id: item.id, category: item.category, kind: item.kind, verdict: verdict,
                points: verdict == .pass ? item.points : 0, maxPoints: verdict == .na ? 0 : item.points,
                evidence: evidence, message: message)
        }

        func error(_ error: RegexError, _ ref: PatternRef, _ turn: Int?) -> ItemResult {
            let whereText = ref.location.map { " (\($0))" } ?? ""
            let turnText = turn.map { " on turn \($0)" } ?? ""
            return self(.error, [], "rule `\(patterns[ref.index].source)`\(whereText)\(turnText): \(error.description)")
        }
    }

    mutating func evaluate(_ item: Item) -> ItemResult {
        let result = ResultBuilder(item: item, patterns: rubric.patterns)
        if !item.channels.isEmpty && !item.channels.contains(interaction.channel) {
            return result(.na, [], "does not apply to the \(interaction.channel.rawValue) channel")
        }
        if item.kind == .timing, let timing = item.timing {
            return evaluateTiming(timing, result: result)
        }

        if item.kind == .accuracy || item.scope == .replyAfterTrigger, let trigger = item.trigger {
            return evaluateTriggered(item, trigger: trigger, result: result)
        }

        // Which agent turns are looked at.
        var turnsInScope: [Int]
        var triggerNote = ""
        switch item.scope {
        case .firstAgentTurn: turnsInScope = agentTurns.first.map { [$0] } ?? []
        case .lastAgentTurn: turnsInScope = agentTurns.last.map { [$0] } ?? []
        case .anyAgentTurn, .everyAgentTurn, .replyAfterTrigger: turnsInScope = agentTurns
        }
        let scopeName: String
        switch item.scope {
        case .firstAgentTurn: scopeName = "the first agent turn"
        case .lastAgentTurn: scopeName = "the last agent turn"
        case .anyAgentTurn, .everyAgentTurn: scopeName = "any agent turn"
        case .replyAfterTrigger: scopeName = "the agent's replies"
        }
        if let condition = item.when {
            var kept: [Int] = []
            for turn in turnsInScope {
                switch match(condition, turn: turn) {
                case .error(let error, let ref): return result.error(error, ref, turn)
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
            case .error(let error, let ref): return result.error(error, ref, turn)
            case .notMatched: unmatchedTurns.append(turn)
            case .matched(let found):
                matchedTurns.append(turn)
                evidence += found
            }
        }

        switch item.kind {
        case .forbidden:
            if matchedTurns.isEmpty {
                return result(.pass, [], "not found in \(scopeName)\(triggerNote)")
            }
            return result(.fail, evidence, "found in agent turn \(list(matchedTurns))")
        case .required, .accuracy, .timing:
            if turnsInScope.isEmpty {
                return result(.fail, [], "no agent turn in scope (\(scopeName))")
            }
            let needsEvery = item.scope == .everyAgentTurn || (item.when != nil && item.scope != .anyAgentTurn)
            if needsEvery {
                if unmatchedTurns.isEmpty { return result(.pass, evidence, "found in every agent turn in scope\(triggerNote)") }
                return result(.fail, evidence, "missing in agent turn \(list(unmatchedTurns))\(triggerNote)")
            }
            if !matchedTurns.isEmpty { return result(.pass, evidence, "found in agent turn \(list(matchedTurns))") }
            return result(.fail, [], "not found in \(scopeName)")
        }
    }

    /// Accuracy items and scope `reply_after_trigger`: every triggering customer turn is answered, within
    /// the item's reply window, by a reply that matches (required, accuracy) or by none that matches (forbidden).
    mutating func evaluateTriggered(
        _ item: Item, trigger: MatchSpec, result: ResultBuilder
    ) -> ItemResult {
        let triggered = triggeredWindows(trigger, window: item.replyWindow)
        if let (error, ref) = triggered.error { return result.error(error, ref, nil) }
        if triggered.windows.isEmpty && triggered.unanswered.isEmpty {
            return result(.na, [], "the trigger never occurs in a customer turn")
        }
        let windowText = item.replyWindow > 1 ? "the next \(item.replyWindow) agent replies" : "the agent's next reply"
        var evidence: [Evidence] = []
        var failures: [String] = []
        for (triggerTurn, replies) in triggered.windows {
            var matched: [Int] = []
            for turn in replies {
                switch match(item.match, turn: turn, collectAll: item.kind == .forbidden) {
                case .error(let error, let ref): return result.error(error, ref, turn)
                case .notMatched: continue
                case .matched(let found):
                    matched.append(turn)
                    evidence += found
                }
                if item.kind != .forbidden { break }
            }
            if item.kind == .forbidden {
                if !matched.isEmpty { failures.append("agent turn \(list(matched)) (after the customer's turn \(triggerTurn))") }
            } else if matched.isEmpty {
                failures.append("\(windowText) after the customer's turn \(triggerTurn) (turn \(list(replies)))")
            }
        }
        let triggers = list(triggered.windows.map(\.trigger) + triggered.unanswered)
        if item.kind == .forbidden {
            if failures.isEmpty { return result(.pass, [], "not found in \(windowText) after the customer's turn \(triggers)") }
            return result(.fail, evidence, "found in " + failures.joined(separator: "; "))
        }
        if !triggered.unanswered.isEmpty {
            failures.append("no agent reply follows the customer's turn \(list(triggered.unanswered))")
        }
        if failures.isEmpty { return result(.pass, evidence, "found in \(windowText) after the customer's turn \(triggers)") }
        return result(.fail, evidence, "missing in " + failures.joined(separator: "; "))
    }

    func list(_ turns: [Int]) -> String { turns.map(String.init).joined(separator: ", ") }

    func evaluateTiming(_ timing: TimingRule, result: ResultBuilder) -> ItemResult {
        let turns = interaction.turns
        guard !turns.isEmpty, turns.allSatisfy({ $0.at != nil }) else {
            return result(.na, [], "the turns carry no times")
        }
        if timing.measure == .firstAgentTurn {
            guard let first = agentTurns.first, let at = turns[first].at else { return result(.na, [], "no agent turn") }
            let evidence = makeEvidence(turn: first, range: 0..<turns[first].text.unicodeScalars.count)
            if at <= timing.limitSeconds {
                return result(.pass, [], "answered after \(Self.format(at)) s (limit \(Self.format(timing.limitSeconds)) s)")
            }
            return result(.fail, [evidence], "answered after \(Self.format(at)) s (limit \(Self.format(timing.limitSeconds)) s)")
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
            return result(.pass, [], "\(measured) repl\(measured == 1 ? "y" : "ies") within \(Self.format(timing.limitSeconds)) s")
        }
        return result(.fail, late, notes.joined(separator: "; ") + " (limit \(Self.format(timing.limitSeconds)) s)")
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String((seconds * 10).rounded() / 10)
    }
}

