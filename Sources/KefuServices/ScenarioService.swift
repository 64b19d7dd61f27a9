import Foundation
public import KefuContent
public import KefuCore
import KefuRubrics
public import KefuScenarios
public import KefuStorage

/// A scenario being played by one trainee: the runner plus the stored run it is saved to.
public struct ScenarioPlay<C: Clock>: Sendable where C.Duration == Duration {
    /// The state machine.
    public var runner: ScenarioRunner<C>
    /// The stored run (id, attempt number, start time).
    public var run: ScenarioRunRecord
    /// The scenario file it came from.
    public let path: String
}

/// A scenario definition (persona, checks, steps), as the edges name it.
public typealias ScenarioDefinition = Scenario
/// The report of a run (status, score, per-reply checks, rubric results).
public typealias ScenarioRunReport = RunReport
/// What the scenario runner asks its caller to show (a customer line, a checked reply, the end).
public typealias ScenarioStepAction = ScenarioAction
/// One checked reply of a run.
public typealias ScenarioReplyRecord = ReplyRecord

/// A finished run as `play --format json` prints it.
public struct ScenarioRunResult: Codable, Sendable, Hashable {
    /// The stored run (transcript id).
    public var run: RunID
    /// 1 for the person's first run of the scenario, and so on.
    public var attempt: Int
    /// The report.
    public var report: RunReport

    /// Creates a result.
    public init(run: RunID, attempt: Int, report: RunReport) {
        self.run = run
        self.attempt = attempt
        self.report = report
    }
}

/// A stored run with its decoded transcript and report.
public struct ScenarioTranscript: Codable, Sendable, Hashable {
    /// The run row.
    public var run: ScenarioRunRecord
    /// The conversation in Kefu's interaction format.
    public var interaction: Interaction
    /// The report (for runs in progress: as far as it got).
    public var report: RunReport?

    /// Decodes a stored run (an unreadable transcript reads as an empty conversation).
    public init(_ run: ScenarioRunRecord) {
        let decoder = JSONDecoder()
        self.run = run
        interaction =
            (try? decoder.decode(Interaction.self, from: Data(run.transcript.utf8)))
            ?? Interaction(id: "run-\(run.id)", channel: .chat, agent: run.personID.rawValue, turns: [])
        report = try? decoder.decode(RunReport.self, from: Data(run.report.utf8))
    }
}

/// Use cases of the scenario runner, shared by the CLI and the web layer: start a run, take replies (each saved at
/// once), stop or finish it, and list and show stored transcripts. A complete run becomes an `attempt`
/// (certification evidence) in the same transaction.
public struct ScenarioService: Sendable {
    /// Configuration, storage, content, clock.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// A stored run with its decoded transcript and report.
    public typealias Transcript = ScenarioTranscript

    var store: any ScenarioRunStore { get throws { try environment.storage.scenarios } }

    static func requirePlayer(_ run: ScenarioRunRecord, _ actor: Identity) throws {
        guard run.personID == actor.person else {
            throw ServiceError(
                .forbidden, "scenario run \(run.id) belongs to \(run.personID); only its trainee replies")
        }
    }

    /// Starts a run of `reference` (id, `id.lang` or path inside the content root) for the acting trainee; returns
    /// the play and the first actions. The scenario runner keeps `clock` (a Swift `Clock`) for reply times.
    ///
    /// In exam mode the system draws the seed (which customer wording the trainee meets); a trainee may choose one
    /// only for practice.
    public func start<C: Clock>(
        _ reference: String, language: String? = nil, mode: PlayMode, seed: UInt64? = nil, clock: C, by actor: Identity
    ) async throws -> (ScenarioPlay<C>, [ScenarioAction]) where C.Duration == Duration {
        try AccessPolicy.require(actor, .playScenario, on: .person(actor.person))
        if mode == .exam, seed != nil {
            throw ServiceError(
                .forbidden, "in exam mode the system draws the scenario's seed; choose one only when practising")
        }
        let seed = seed ?? UInt64.random(in: 0...UInt64.max)
        let (loaded, rubrics): (LoadedScenario, [Rubric])
        do { (loaded, rubrics) = try environment.content.playableScenario(reference, language: language) } catch {
            throw ServiceError(.notFound, error.description, hint: .init("scenario.list"))
        }
        var runner = ScenarioRunner(
            scenario: loaded.scenario, rubrics: rubrics, trainee: actor.person.rawValue, seed: seed, clock: clock)
        let record = ScenarioRunRecord(
            personID: actor.person, scenario: ScenarioID(loaded.scenario.id), language: loaded.scenario.language,
            contentVersion: loaded.scenario.contentHash, mode: mode, seed: seed,
            startedAt: LedgerService.timestamp(environment.clock.now()),
            transcript: "{}", report: "{}")
        let store = try self.store
        let stored = try await translatingStorageErrors { try await store.start(record) }
        let actions = try runner.start()
        var play = ScenarioPlay(runner: runner, run: stored, path: loaded.path)
        try await environment.audit(
            actor, "scenario.start", subject: "run \(stored.id)",
            detail: ["scenario": loaded.scenario.id, "mode": mode.rawValue, "seed": String(seed)])
        try await persist(&play, actions: actions, by: actor)
        return (play, actions)
    }

    /// Takes a reply; the transcript is saved before this returns.
    public func reply<C: Clock>(
        _ play: inout ScenarioPlay<C>, _ text: String, by actor: Identity
    ) async throws -> [ScenarioAction] where C.Duration == Duration {
        try Self.requirePlayer(play.run, actor)
        let actions = try play.runner.reply(text)
        try await persist(&play, actions: actions, by: actor)
        return actions
    }

    /// Ends a run early (end of input, interrupt): stored as incomplete, not evidence.
    @discardableResult
    public func stop<C: Clock>(
        _ play: inout ScenarioPlay<C>, reason: String, by actor: Identity
    ) async throws -> RunReport where C.Duration == Duration {
        try Self.requirePlayer(play.run, actor)
        let wasFinished = play.runner.report != nil
        let report = play.runner.stop(reason: reason)
        if !wasFinished { try await persist(&play, actions: [.finished(report)], by: actor) }
        return report
    }

    /// Plays `reference` with scripted replies (deterministic for a seed, reply times from the delays).
    public func play(
        _ reference: String, language: String? = nil, mode: PlayMode, seed: UInt64? = nil, replies: [ScriptedReply],
        by actor: Identity
    ) async throws -> (ScenarioPlay<ManualClock>, [ScenarioAction]) {
        let clock = ManualClock()
        var (play, actions) = try await start(
            reference, language: language, mode: mode, seed: seed, clock: clock, by: actor)
        var next = 0
        while play.runner.isAwaitingReply {
            guard next < replies.count else {
                let report = try await stop(&play, reason: "end-of-input", by: actor)
                actions.append(.finished(report))
                break
            }
            clock.advance(by: .milliseconds(Int64((replies[next].delay * 1000).rounded())))
            actions += try await reply(&play, replies[next].text, by: actor)
            next += 1
        }
        return (play, actions)
    }

    func persist<C: Clock>(_ play: inout ScenarioPlay<C>, actions: [ScenarioAction], by actor: Identity) async throws
    where C.Duration == Duration {
        let transcript = try canonicalJSON(
            play.runner.transcript(id: "run-\(play.run.id)", startedAt: play.run.startedAt))
        let store = try self.store
        let id = play.run.id
        for case .finished(let report) in actions {
            let end = ScenarioRunEnd(
                run: id, status: ScenarioRunStatus(rawValue: report.status.rawValue) ?? .incomplete,
                outcome: report.outcome,
                finishedAt: LedgerService.timestamp(environment.clock.now()), score: report.score,
                passed: report.passed, transcript: transcript,
                report: try canonicalJSON(report))
            play.run = try await translatingStorageErrors { try await store.finish(end) }
            let detail = [
                "status": end.status.rawValue, "outcome": report.outcome ?? "-", "passed": report.passed ? "yes" : "no",
            ]
            try await environment.audit(actor, "scenario.finish", subject: "run \(id)", detail: detail)
            return
        }
        let partial = try canonicalJSON(play.runner.partialReport())
        try await translatingStorageErrors {
            try await store.saveProgress(run: id, transcript: transcript, report: partial)
        }
    }

    /// A reply file (one reply per line, or JSON Lines `{"text": …, "delay": seconds}`) read from `source`; errors name
    /// the source, line and column.
    public static func replies(from source: InputSource) throws -> ReplyFile {
        let text = String(decoding: try source.readAll(), as: UTF8.self)
        do {
            return try ReplyScript.parseFile(
                text, file: source.label == InputSource.standardInput.label ? "stdin" : source.label)
        } catch {
            throw ServiceError(.invalidInput, "\(error)")
        }
    }

    // MARK: Content

    /// Every scenario file under `Scenarios/` (each language version), and how many errors the files have.
    public func scenarios() -> (scenarios: [LoadedScenario], errors: Int) {
        let (all, diagnostics) = environment.content.scenarios()
        return (all, diagnostics.filter { $0.severity == .error }.count)
    }

    /// One scenario by id, `id.lang` or path inside the content root.
    public func scenario(_ reference: String, language: String? = nil) throws -> LoadedScenario {
        do { return try environment.content.scenario(reference, language: language) } catch {
            throw ServiceError(.notFound, error.description, hint: .init("scenario.list"))
        }
    }

    /// A scenario's branch graph as Graphviz DOT (`mermaid` false) or Mermaid text.
    public func graph(_ reference: String, language: String? = nil, mermaid: Bool) throws -> String {
        let loaded = try scenario(reference, language: language)
        return mermaid ? ScenarioGraph.mermaid(loaded.scenario) : ScenarioGraph.dot(loaded.scenario)
    }

    /// A branch condition as people read it.
    public static func label(_ branch: Branch) -> String { ScenarioGraph.label(branch.condition) }

    // MARK: Transcripts

    /// Stored runs, newest first.
    /// Only runs the actor may read are listed (their own, their apprentices', everyone's for leads).
    public func transcripts(
        person: PersonID? = nil, scenario: ScenarioID? = nil, limit: Int = 100, by actor: Identity
    ) async throws -> [ScenarioRunRecord] {
        let store = try self.store
        let runs = try await translatingStorageErrors {
            try await store.runs(person: person, scenario: scenario, limit: limit)
        }
        var visible: [ScenarioRunRecord] = []
        var subjects: [PersonID: Subject] = [:]
        for run in runs {
            if subjects[run.personID] == nil { subjects[run.personID] = try await environment.subject(run.personID) }
            if AccessPolicy.decide(actor, .viewTranscript, on: subjects[run.personID] ?? .none).allowed {
                visible.append(run)
            }
        }
        return visible
    }

    /// One stored run, decoded; a run the actor may not read is reported as not found.
    public func transcript(_ id: RunID, by actor: Identity) async throws -> Transcript {
        let store = try self.store
        let missing = ServiceError(.notFound, "no transcript \(id)", hint: .init("transcript.list"))
        guard let run = try await translatingStorageErrors({ try await store.run(id) }) else { throw missing }
        guard AccessPolicy.decide(actor, .viewTranscript, on: try await environment.subject(run.personID)).allowed
        else { throw missing }
        return ScenarioTranscript(run)
    }
}
