import Foundation
import KefuContent
import KefuCore
import KefuScenarios
import KefuStorage
import KefuStore

// A temporary, synchronous bridge for `MentorReviewService` (the mentoring slice), which still reads exams and
// scenario runs through `KefuDatabase` directly. The mentoring slice replaces these reads with its own store:
// delete this file when it merges.

extension ExamService {
    /// Bridge: the service over an open database (mentor review only; see the file comment).
    public init(database: KefuDatabase, repository: ContentRepository, now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(environment: KefuEnvironment(
            configuration: Configuration(root: repository.root.path, database: database.path), storage: SQLiteStorage(database: database),
            clock: WallClock(now: now)))
    }

    /// Bridge: the grading queue, read synchronously (mentor review only).
    public func gradingQueue() throws -> [PendingGrade] {
        guard let database = (try environment.storage as? SQLiteStorage)?.database else { return [] }
        var pending: [PendingGrade] = []
        for record in try database.examAttempts(status: .submitted) {
            pending += PendingGrade.pending(in: record, responses: try database.examResponses(attempt: record.id),
                                            manual: try database.manualGrades(attempt: record.id))
        }
        return pending
    }
}

extension ScenarioService {
    /// Bridge: the service over an open database (mentor review only; see the file comment).
    public init(database: KefuDatabase, repository: ContentRepository, now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(environment: KefuEnvironment(
            configuration: Configuration(root: repository.root.path, database: database.path), storage: SQLiteStorage(database: database),
            clock: WallClock(now: now)))
    }

    var bridgeDatabase: KefuDatabase {
        get throws {
            guard let database = (try environment.storage as? SQLiteStorage)?.database else {
                throw ServiceError(.unavailable, "this bridge needs SQLite storage")
            }
            return database
        }
    }

    /// Bridge: one stored run, decoded, read synchronously (mentor review only).
    public func transcript(_ id: Int64) throws -> Transcript {
        guard let run = try translatingStorageErrors({ try bridgeDatabase.scenarioRun(RunID(id)) }) else {
            throw ServiceError(.notFound, "no transcript \(id)", hint: .init("transcript.list"))
        }
        return ScenarioTranscript(run)
    }

    /// Bridge: plays `reference` with scripted replies synchronously (the mentor review tests only).
    public func play(
        _ reference: String, language: String? = nil, person: String, mode: PlayMode, seed: UInt64, replies: [ScriptedReply]
    ) throws -> (ScenarioPlay<ManualClock>, [ScenarioAction]) {
        let database = try bridgeDatabase
        let clock = ManualClock()
        let (loaded, rubrics) = try environment.content.playableScenario(reference, language: language)
        var runner = ScenarioRunner(scenario: loaded.scenario, rubrics: rubrics, trainee: person, seed: seed, clock: clock)
        let record = ScenarioRunRecord(
            personID: PersonID(person), scenario: ScenarioID(loaded.scenario.id), language: loaded.scenario.language,
            contentVersion: loaded.scenario.contentHash, mode: mode, seed: seed, startedAt: LedgerService.timestamp(environment.clock.now()),
            transcript: "{}", report: "{}")
        var play = ScenarioPlay(runner: runner, run: try database.startScenarioRun(record), path: loaded.path)
        var actions = try runner.start()
        play.runner = runner
        func persist(_ new: [ScenarioAction]) throws {
            let transcript = try canonicalJSON(play.runner.transcript(id: "run-\(play.run.id)", startedAt: play.run.startedAt))
            for case .finished(let report) in new {
                play.run = try database.finishScenarioRun(ScenarioRunEnd(
                    run: play.run.id, status: ScenarioRunStatus(rawValue: report.status.rawValue) ?? .incomplete, outcome: report.outcome,
                    finishedAt: LedgerService.timestamp(environment.clock.now()), score: report.score, passed: report.passed, transcript: transcript,
                    report: try canonicalJSON(report)))
                return
            }
            try database.saveScenarioProgress(run: play.run.id, transcript: transcript, report: try canonicalJSON(play.runner.partialReport()))
        }
        try persist(actions)
        var next = 0
        while play.runner.isAwaitingReply {
            guard next < replies.count else {
                let report = play.runner.stop(reason: "end-of-input")
                try persist([.finished(report)])
                actions.append(.finished(report))
                break
            }
            clock.advance(by: .milliseconds(Int64((replies[next].delay * 1000).rounded())))
            let new = try play.runner.reply(replies[next].text)
            try persist(new)
            actions += new
            next += 1
        }
        return (play, actions)
    }
}
