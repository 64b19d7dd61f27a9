import Foundation
public import KefuCore
import KefuRegex
public import KefuRubrics

/// The customer's line as shown to the trainee.
public struct CustomerLine: Sendable, Hashable, Codable {
    /// Step id.
    public var step: String
    /// What the customer says.
    public var text: String
    /// Index of the line in the transcript.
    public var turn: Int
    /// Seconds the trainee has to reply, when the step is timed.
    public var limitSeconds: Double?
    /// Whether a reply is expected (false for an end step's last words).
    public var expectsReply: Bool

    enum CodingKeys: String, CodingKey {
        case step, text, turn
        case limitSeconds = "limit_seconds"
        case expectsReply = "expects_reply"
    }
}

/// One checked reply.
public struct ReplyRecord: Sendable, Hashable, Codable {
    /// Step id.
    public var step: String
    /// The customer's line the reply answers.
    public var customer: String
    /// The reply.
    public var reply: String
    /// Index of the reply in the transcript.
    public var turn: Int
    /// Seconds from the customer's line to the reply.
    public var seconds: Double
    /// The step's limit, when timed.
    public var limitSeconds: Double?
    /// Whether the reply came after the limit.
    public var isLate: Bool
    /// The step's checks, with evidence pointing at transcript turns.
    public var checks: [ItemResult]
    /// The step chosen next (nil when the run ended).
    public var next: String?

    enum CodingKeys: String, CodingKey {
        case step, customer, reply, turn, seconds, checks, next
        case limitSeconds = "limit_seconds"
        case isLate = "late"
    }
}

/// Where a run stands.
public enum RunStatus: String, Sendable, Hashable, Codable {
    /// Still waiting for replies.
    case inProgress = "in-progress"
    /// Ended at an end step, the turn limit, or a missing branch.
    case complete
    /// Stopped early (end of input, interrupt); never certification evidence.
    case incomplete
}

/// The result of a run: every reply with its checks, the transcript rubrics, the final score.
public struct RunReport: Sendable, Hashable, Codable {
    /// Scenario id.
    public var scenario: String
    /// Language version played.
    public var language: String
    /// The scenario file's hash.
    public var contentVersion: String
    /// Seed that picked the customer's line variants.
    public var seed: UInt64
    /// Status.
    public var status: RunStatus
    /// The end step's outcome (`resolved`, `escalated` …), `max-turns`, `no-branch`, or the reason a run
    /// stopped early (`end-of-input`, `interrupted`).
    public var outcome: String?
    /// Checked replies in order.
    public var replies: [ReplyRecord]
    /// Score of the per-reply checks and reply times (0–100), nil when nothing was applicable.
    public var checksScore: Double?
    /// The transcript rubrics' results.
    public var rubrics: [ScoreResult]
    /// Final score 0–100.
    public var score: Double
    /// Whether a critical check or rubric item failed (score 0).
    public var criticalFailed: Bool
    /// Whether the run passed: complete, not ended at a failing end, no critical failure, score at or above the pass mark.
    public var passed: Bool
    /// Seconds from the first customer line to the last turn.
    public var durationSeconds: Double

    enum CodingKeys: String, CodingKey {
        case scenario, language, seed, status, outcome, replies, rubrics, score, passed
        case contentVersion = "content_version"
        case checksScore = "checks_score"
        case criticalFailed = "critical_failed"
        case durationSeconds = "duration_seconds"
    }
}

/// What the driver (terminal, reply file, web) must do next.
public enum ScenarioAction: Sendable, Hashable {
    /// Show the customer's line; when it expects a reply, wait for one (until the deadline, when timed).
    case customerSays(CustomerLine)
    /// A reply was checked (practice mode shows it at once; exam mode at the end).
    case replyChecked(ReplyRecord)
    /// The run is over.
    case finished(RunReport)
}

/// An error of the scenario engine.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    /// What went wrong and what to do.
    public let description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}

/// Plays one scenario: a pure state machine (no I/O) over an injected clock. The driver calls
/// ``start()``, then ``reply(_:)`` for each trainee reply, and performs the returned actions; ``stop(reason:)``
/// ends a run early. Reply times are read from the clock, so tests drive it with a manual clock and the
/// terminal with the continuous clock.
public struct ScenarioRunner<C: Clock>: Sendable where C.Duration == Duration {
    enum Phase: Sendable {
        case ready
        case awaiting(step: Int, customerTurn: Int, since: C.Instant)
        case finished(RunReport)
    }

    /// The scenario played.
    public let scenario: Scenario
    /// Who plays (the transcript's agent).
    public let trainee: String
    /// The seed of the customer's line variants.
    public let seed: UInt64
    private let clock: C
    private let rubrics: [Scorer]
    private let stepScorers: [String: Scorer]
    private let criticalChecks: Set<String>
    private var rng: SplitMix64
    private var phase: Phase = .ready
    private var startedAt: C.Instant?
    /// The transcript so far (customer and trainee turns, `at` in seconds from the first line).
    public private(set) var turns: [Turn] = []
    /// Checked replies so far.
    public private(set) var replies: [ReplyRecord] = []

    /// Creates a runner. `rubrics` are the scenario's transcript rubrics, resolved by the caller in the
    /// order of ``Scenario/rubricIDs``.
    public init(scenario: Scenario, rubrics: [Rubric], trainee: String, seed: UInt64, clock: C) {
        self.scenario = scenario
        self.trainee = trainee
        self.seed = seed
        self.clock = clock
        self.rubrics = rubrics.map { Scorer(rubric: $0) }
        self.rng = SplitMix64(seed: seed ^ fnv1a64(scenario.key))
        var scorers: [String: Scorer] = [:]
        let items = Dictionary(scenario.checks.items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for step in scenario.steps where !step.checks.isEmpty {
            var rubric = scenario.checks
            rubric.sections = [
                Section(id: step.id, title: step.id, weight: 1, items: step.checks.compactMap { items[$0] })
            ]
            scorers[step.id] = Scorer(rubric: rubric)
        }
        self.stepScorers = scorers
        self.criticalChecks = Set(scenario.checks.items.filter(\.isCritical).map(\.id))
    }

    /// The transcript in Kefu's interaction format.
    public func transcript(id: String, startedAt: String? = nil) -> Interaction {
        Interaction(id: id, channel: scenario.channel, agent: trainee, startedAt: startedAt, turns: turns)
    }

    /// When the pending reply becomes late (nil when none is pending or the step is untimed).
    public var deadline: C.Instant? {
        guard case .awaiting(let index, _, let since) = phase,
            let limit = scenario.replyLimit(of: scenario.steps[index])
        else { return nil }
        return since.advanced(by: .milliseconds(Int64((limit * 1000).rounded())))
    }

    /// Whether the run is waiting for a reply.
    public var isAwaitingReply: Bool {
        if case .awaiting = phase { return true }
        return false
    }

    /// The final report, once finished.
    public var report: RunReport? {
        if case .finished(let report) = phase { return report }
        return nil
    }

    /// Starts the run with the first step.
    public mutating func start() throws(ScenarioError) -> [ScenarioAction] {
        guard case .ready = phase else { throw ScenarioError("the run has already started") }
        guard !scenario.steps.isEmpty else { throw ScenarioError("scenario \(scenario.key) has no steps") }
        startedAt = clock.now
        return enter(0)
    }

    /// Takes the trainee's reply to the pending customer line.
    public mutating func reply(_ text: String) throws(ScenarioError) -> [ScenarioAction] {
        guard case .awaiting(let index, let customerTurn, let since) = phase else {
            throw ScenarioError("the run is not waiting for a reply")
        }
        let now = clock.now
        let step = scenario.steps[index]
        let seconds = Self.seconds(since.duration(to: now))
        let limit = scenario.replyLimit(of: step)
        let isLate = limit.map { seconds > $0 } ?? false
        turns.append(Turn(speaker: .agent, text: text, at: offset(now)))
        let replyTurn = turns.count - 1
        var checks: [ItemResult] = []
        if let scorer = stepScorers[step.id] {
            let exchange = Interaction(
                id: "\(scenario.key)#\(step.id)", channel: scenario.channel, agent: trainee,
                turns: [Turn(speaker: .customer, text: turns[customerTurn].text), Turn(speaker: .agent, text: text)])
            checks = scorer.score(exchange, scratch: MatchScratch()).items.map { item in
                var item = item
                item.evidence = item.evidence.map { e in
                    var e = e
                    e.turn = e.turn == 0 ? customerTurn : replyTurn
                    return e
                }
                // Messages name the turns of the two-turn exchange; point them at the transcript.
                item.message = item.message
                    .replacingOccurrences(of: "agent turn 1", with: "agent turn \(replyTurn)")
                    .replacingOccurrences(of: "customer's turn 0", with: "customer's turn \(customerTurn)")
                    .replacingOccurrences(of: "(turn 1)", with: "(turn \(replyTurn))")
                return item
            }
        }
        var verdicts: [String: Verdict] = [:]
        for check in checks { verdicts[check.id] = check.verdict }
        var record = ReplyRecord(
            step: step.id, customer: turns[customerTurn].text, reply: text, turn: replyTurn, seconds: seconds,
            limitSeconds: limit, isLate: isLate, checks: checks, next: nil)

        if let end = step.end {
            replies.append(record)
            return [.replyChecked(record), finish(.complete, outcome: end.outcome, endFails: end.fails)]
        }
        guard let branch = step.branches.first(where: { $0.condition.holds(verdicts: verdicts, late: isLate) }),
            let next = scenario.steps.firstIndex(where: { $0.id == branch.next })
        else {
            replies.append(record)
            return [.replyChecked(record), finish(.complete, outcome: "no-branch", endFails: true)]
        }
        if replies.count + 1 >= scenario.maxTurns {
            replies.append(record)
            return [.replyChecked(record), finish(.complete, outcome: "max-turns", endFails: true)]
        }
        record.next = branch.next
        replies.append(record)
        return [.replyChecked(record)] + enter(next)
    }

    /// Ends the run early (end of input, interrupt): the partial transcript is scored and marked incomplete.
    public mutating func stop(reason: String) -> RunReport {
        if case .finished(let report) = phase { return report }
        guard case .finished(let report) = finish(.incomplete, outcome: reason, endFails: true) else {
            preconditionFailure("finish always returns .finished")
        }
        return report
    }

    /// The report as it stands (for autosaving a run in progress).
    public func partialReport() -> RunReport {
        if case .finished(let report) = phase { return report }
        return makeReport(status: .inProgress, outcome: nil, endFails: true)
    }

    // MARK: - Internals

    private mutating func enter(_ index: Int) -> [ScenarioAction] {
        let step = scenario.steps[index]
        let text =
            step.customer.count > 1
            ? step.customer[Int(rng.next() % UInt64(step.customer.count))] : step.customer.first ?? ""
        let now = clock.now
        turns.append(Turn(speaker: .customer, text: text, at: offset(now)))
        let line = CustomerLine(
            step: step.id, text: text, turn: turns.count - 1,
            limitSeconds: step.expectsReply ? scenario.replyLimit(of: step) : nil,
            expectsReply: step.expectsReply)
        guard step.expectsReply else {
            return [
                .customerSays(line),
                finish(.complete, outcome: step.end?.outcome ?? "resolved", endFails: step.end?.fails ?? false),
            ]
        }
        phase = .awaiting(step: index, customerTurn: turns.count - 1, since: now)
        return [.customerSays(line)]
    }

    private mutating func finish(_ status: RunStatus, outcome: String, endFails: Bool) -> ScenarioAction {
        let report = makeReport(status: status, outcome: outcome, endFails: endFails)
        phase = .finished(report)
        return .finished(report)
    }

    private func makeReport(status: RunStatus, outcome: String?, endFails: Bool) -> RunReport {
        var got = 0.0
        var max = 0.0
        var criticalFailed = false
        var hasError = false
        for reply in replies {
            for check in reply.checks {
                switch check.verdict {
                case .pass, .fail:
                    got += check.points
                    max += check.maxPoints
                    if check.verdict == .fail && criticalChecks.contains(check.id) { criticalFailed = true }
                case .na: break
                case .error: hasError = true
                }
            }
            if reply.limitSeconds != nil && scenario.replyTimePoints > 0 {
                max += scenario.replyTimePoints
                if !reply.isLate { got += scenario.replyTimePoints }
            }
        }
        let checksScore = max > 0 ? 100 * got / max : nil
        let interaction = transcript(id: scenario.key)
        let rubricResults = replies.isEmpty ? [] : rubrics.map { $0.score(interaction, scratch: MatchScratch()) }
        for result in rubricResults {
            if result.criticalFailed { criticalFailed = true }
            if result.items.contains(where: { $0.verdict == .error }) { hasError = true }
        }
        var parts: [(Double, Double)] = []
        if let checksScore, scenario.weights.checks > 0 { parts.append((checksScore, scenario.weights.checks)) }
        if !rubricResults.isEmpty, scenario.weights.rubrics > 0 {
            parts.append(
                (rubricResults.map(\.score).reduce(0, +) / Double(rubricResults.count), scenario.weights.rubrics))
        }
        let totalWeight = parts.reduce(0) { $0 + $1.1 }
        var score = totalWeight > 0 ? parts.reduce(0) { $0 + $1.0 * $1.1 } / totalWeight : 0
        if criticalFailed { score = 0 }
        score = (score * 100).rounded() / 100
        let passed = status == .complete && !endFails && !criticalFailed && !hasError && score >= scenario.passMark
        let duration = turns.last?.at ?? 0
        return RunReport(
            scenario: scenario.id, language: scenario.language, contentVersion: scenario.contentHash, seed: seed,
            status: status,
            outcome: outcome, replies: replies, checksScore: checksScore.map { ($0 * 100).rounded() / 100 },
            rubrics: rubricResults,
            score: score, criticalFailed: criticalFailed, passed: passed, durationSeconds: duration)
    }

    private func offset(_ instant: C.Instant) -> Double {
        guard let startedAt else { return 0 }
        return Self.seconds(startedAt.duration(to: instant))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return ((Double(s) + Double(attoseconds) / 1e18) * 1000).rounded() / 1000
    }
}
