import Foundation
import KefuContent
import KefuCore
import KefuRubrics
import KefuScenarios
import KefuStore

/// A scenario being played by one trainee: the runner plus the stored run it is saved to.
public struct ScenarioPlay<C: Clock>: Sendable where C.Duration == Duration {
    /// The state machine.
    public var runner: ScenarioRunner<C>
    /// The stored run (id, attempt number, start time).
    public var run: ScenarioRunRecord
    /// The scenario file it came from.
    public let path: String
}

/// Use cases of the scenario runner, shared by the CLI (`kefu play`, `kefu scenario`, `kefu transcript`)
/// and the web layer: start a run, take replies (each saved at once), stop or finish it, and list and
/// show stored transcripts. A complete run becomes an `attempt` (certification evidence).
public struct ScenarioService: Sendable {
    /// The database.
    public let database: KefuDatabase
    /// The content.
    public let repository: ContentRepository
    /// Wall-clock time for stored timestamps (injected so tests control it).
    public let now: @Sendable () -> Date

    /// Creates the service.
    public init(database: KefuDatabase, repository: ContentRepository, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.repository = repository
        self.now = now
    }

    /// Starts a run of `reference` (id, `id.lang` or path) for `person`; returns the play and the first actions.
    public func start<C: Clock>(
        _ reference: String, language: String? = nil, person: String, mode: String, seed: UInt64, clock: C
    ) throws -> (ScenarioPlay<C>, [ScenarioAction]) where C.Duration == Duration {
        guard ["exam", "practice"].contains(mode) else { throw ServiceError("mode must be `exam` or `practice`, not `\(mode)`") }
        let (loaded, rubrics) = try repository.playableScenario(reference, language: language)
        var runner = ScenarioRunner(scenario: loaded.scenario, rubrics: rubrics, trainee: person, seed: seed, clock: clock)
        let startedAt = LedgerService.timestamp(now())
        let record = ScenarioRunRecord(
            personID: person, scenario: loaded.scenario.id, language: loaded.scenario.language, contentVersion: loaded.scenario.contentHash,
            mode: mode, attemptNumber: 0, seed: seed, status: RunStatus.inProgress.rawValue, startedAt: startedAt,
            transcript: "{}", report: "{}")
        let stored = try database.startScenarioRun(record)
        let actions = try runner.start()
        var play = ScenarioPlay(runner: runner, run: stored, path: loaded.path)
        try persist(&play, actions: actions)
        return (play, actions)
    }

    /// Takes a reply; the transcript is saved before this returns.
    public func reply<C: Clock>(_ play: inout ScenarioPlay<C>, _ text: String) throws -> [ScenarioAction] where C.Duration == Duration {
        let actions = try play.runner.reply(text)
        try persist(&play, actions: actions)
        return actions
    }

    /// Ends a run early (end of input, interrupt): stored as incomplete, not evidence.
    @discardableResult
    public func stop<C: Clock>(_ play: inout ScenarioPlay<C>, reason: String) throws -> RunReport where C.Duration == Duration {
        let wasFinished = play.runner.report != nil
        let report = play.runner.stop(reason: reason)
        if !wasFinished { try persist(&play, actions: [.finished(report)]) }
        return report
    }

    /// Plays `reference` with scripted replies (deterministic for a seed, reply times from the delays).
    public func play(
        _ reference: String, language: String? = nil, person: String, mode: String, seed: UInt64, replies: [ScriptedReply]
    ) throws -> (ScenarioPlay<ManualClock>, [ScenarioAction]) {
        let clock = ManualClock()
        var (play, actions) = try start(reference, language: language, person: person, mode: mode, seed: seed, clock: clock)
        var next = 0
        while play.runner.isAwaitingReply {
            guard next < replies.count else {
                let report = try stop(&play, reason: "end-of-input")
                actions.append(.finished(report))
                break
            }
            clock.advance(by: .milliseconds(Int64((replies[next].delay * 1000).rounded())))
            actions += try reply(&play, replies[next].text)
            next += 1
        }
        return (play, actions)
    }

    func persist<C: Clock>(_ play: inout ScenarioPlay<C>, actions: [ScenarioAction]) throws where C.Duration == Duration {
        let transcript = try canonicalJSON(play.runner.transcript(id: "run-\(play.run.id)", startedAt: play.run.startedAt))
        for case .finished(let report) in actions {
            play.run = try database.finishScenarioRun(
                id: play.run.id, status: report.status.rawValue, outcome: report.outcome, finishedAt: LedgerService.timestamp(now()),
                score: report.score, passed: report.passed, transcript: transcript, report: try canonicalJSON(report))
            return
        }
        try database.saveScenarioProgress(id: play.run.id, transcript: transcript, report: try canonicalJSON(play.runner.partialReport()))
    }

    // MARK: Transcripts

    /// A stored run with its decoded transcript and report.
    public struct Transcript: Sendable {
        /// The run row.
        public var run: ScenarioRunRecord
        /// The conversation in Kefu's interaction format.
        public var interaction: Interaction
        /// The report (for runs in progress: as far as it got).
        public var report: RunReport?
    }

    /// Stored runs, newest first.
    public func transcripts(person: String? = nil, scenario: String? = nil, limit: Int = 100) throws -> [ScenarioRunRecord] {
        try database.scenarioRuns(person: person, scenario: scenario, limit: limit)
    }

    /// One stored run, decoded.
    public func transcript(_ id: Int64) throws -> Transcript {
        guard let run = try database.scenarioRun(id) else {
            throw ServiceError("no transcript \(id); `kefu transcript list` shows the stored runs")
        }
        let decoder = JSONDecoder()
        let interaction = (try? decoder.decode(Interaction.self, from: Data(run.transcript.utf8)))
            ?? Interaction(id: "run-\(run.id)", channel: .chat, agent: run.personID, turns: [])
        let report = try? decoder.decode(RunReport.self, from: Data(run.report.utf8))
        return Transcript(run: run, interaction: interaction, report: report)
    }
}
