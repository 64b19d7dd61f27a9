public import Foundation
import KefuContent
public import KefuCore
import KefuExams
public import KefuStorage

/// What a trainee sees on their home page (the web app's `/` and `GET /api/me/home`): their exams with the retake
/// rules applied, their scenarios and runs, their certifications and their mentor.
public struct TraineeHome: Codable, Sendable, Hashable {
    /// One blueprint as the trainee sees it.
    public struct Exam: Codable, Sendable, Hashable {
        /// Blueprint id.
        public var blueprint: BlueprintID
        /// Title.
        public var title: String
        /// Questions on a paper.
        public var questions: Int
        /// Time limit in seconds, if any.
        public var timeLimit: Int?
        /// Pass mark (percent).
        public var passMark: Figure
        /// Attempts allowed (nil: unlimited).
        public var attemptsAllowed: Int?
        /// Seconds to wait between attempts.
        public var delayBetweenAttempts: Int
        /// The attempt in progress, to resume.
        public var inProgress: ExamAttemptID?
        /// Its deadline.
        public var deadline: String?
        /// True when a new attempt may start now.
        public var canStart: Bool
        /// Why not, when it may not.
        public var refusal: String?
        /// When waiting is enough: when the next attempt opens.
        public var opensAt: String?
        /// An open retraining flag (a supervisor must clear it).
        public var flaggedForRetraining: Bool
        /// The result by the blueprint's grading method.
        public var grade: Figure?
        /// Passed by that result.
        public var passed: Bool?
        /// Attempts so far, oldest first.
        public var attempts: [ExamAttemptSummary]
    }

    /// One scenario (one language version) with the trainee's runs of it.
    public struct Scenario: Codable, Sendable, Hashable {
        /// Scenario id.
        public var id: ScenarioID
        /// Language of this version.
        public var language: String
        /// `id.lang`, what starting a run names.
        public var reference: String
        /// Title.
        public var title: String
        /// Channel (phone, chat, WeChat…).
        public var channel: String
        /// Pass mark.
        public var passMark: Figure
        /// The trainee's runs, newest first (at most ten).
        public var runs: [ScenarioRunSummary]
    }

    /// One run as listed.
    public struct ScenarioRunSummary: Codable, Sendable, Hashable {
        /// Run id (transcript).
        public var run: RunID
        /// Practice or exam.
        public var mode: String
        /// Status (in progress, passed, failed, incomplete…).
        public var status: String
        /// Score, once finished.
        public var score: Figure?
        /// Passed, once finished.
        public var passed: Bool?
        /// Start time.
        public var startedAt: String
    }

    /// One certification entry of the ledger.
    public struct Certification: Codable, Sendable, Hashable {
        /// Ledger entry (the credential is issued for it).
        public var entry: EntryID
        /// Certification id.
        public var certification: String
        /// Issued or renewed.
        public var kind: String
        /// When.
        public var recordedAt: String
        /// Valid until.
        public var validUntil: String?
        /// Revoked (no credential any more).
        public var revoked: Bool
    }

    /// The trainee.
    public var person: PersonID
    /// Their name.
    public var name: String
    /// Their current mentor, if any.
    public var mentor: PersonID?
    /// The mentor's name.
    public var mentorName: String?
    /// Exams in the languages the trainee speaks.
    public var exams: [Exam]
    /// Scenarios in the languages the trainee speaks.
    public var scenarios: [Scenario]
    /// Certifications.
    public var certifications: [Certification]
}

/// Builds the trainee's home page from the exam, scenario, mentoring and ledger stores. Only the acting person's own
/// records are read.
public struct TraineeHomeService: Sendable {
    /// Configuration, storage, content, clock.
    public let environment: KefuEnvironment
    /// The exam service (content cache shared with the caller).
    public let exams: ExamService
    private let listings = Listings()

    /// Blueprints and scenarios as parsed once (content is read at the first request; ``reloadContent()`` forgets it).
    final class Listings: @unchecked Sendable {
        private let lock = NSLock()
        private var value: (blueprints: [LoadedBlueprint], scenarios: [LoadedScenario])?

        func get(
            _ load: () -> (blueprints: [LoadedBlueprint], scenarios: [LoadedScenario])
        ) -> (
            blueprints: [LoadedBlueprint], scenarios: [LoadedScenario]
        ) {
            lock.lock()
            defer { lock.unlock() }
            if let value { return value }
            let loaded = load()
            value = loaded
            return loaded
        }

        func clear() { lock.withLock { value = nil } }
    }

    /// Forgets the parsed blueprints and scenarios (after content changes), and the exam service's content.
    public func reloadContent() {
        listings.clear()
        exams.reloadContent()
    }

    func content() -> (blueprints: [LoadedBlueprint], scenarios: [LoadedScenario]) {
        listings.get { (exams.blueprints(), ScenarioService(environment: environment).scenarios().scenarios) }
    }

    /// Creates the service.
    public init(environment: KefuEnvironment, exams: ExamService) {
        self.environment = environment
        self.exams = exams
    }

    /// The acting person's home at `time` (default now).
    public func home(at time: Date? = nil, by actor: Identity) async throws -> TraineeHome {
        let time = time ?? environment.clock.now()
        let storage = try environment.storage
        let me = actor.person
        guard let person = try await translatingStorageErrors({ try await storage.people.person(me) }) else {
            throw ServiceError(.notFound, "no person `\(me)`")
        }
        let mentor = try await MentorService(environment: environment).mentor(of: me)
        let mentorName = try await mentor.asyncMap { id in
            try await translatingStorageErrors { try await storage.people.person(id) }?.name
        }
        return TraineeHome(
            person: me, name: person.name, mentor: mentor, mentorName: mentorName ?? nil,
            exams: try await examEntries(person, at: time, by: actor),
            scenarios: try await scenarioEntries(person, by: actor),
            certifications: try await certifications(me))
    }

    func examEntries(_ person: Person, at time: Date, by actor: Identity) async throws -> [TraineeHome.Exam] {
        let store = try environment.storage.exams
        let results = try await exams.results(person: PersonID(person.id), by: actor)
        var entries: [TraineeHome.Exam] = []
        for loaded in content().blueprints {
            let rules = loaded.blueprint
            guard rules.languages.isEmpty || rules.languages.contains(where: person.languages.contains) else {
                continue
            }
            let id = BlueprintID(rules.id)
            let history = try await translatingStorageErrors {
                try await store.history(person: PersonID(person.id), blueprint: id)
            }
            let cycle = history.attempts.filter { $0.cycle == history.cycle }.map(ExamService.history)
            let open = history.attempts.last { $0.status == .inProgress }
            var canStart = open == nil
            var refusal: String?
            var opensAt: String?
            if open == nil,
                case .refused(let reason, let until) = RetakePolicy.eligibility(
                    rules, history: cycle, allAttempts: history.attempts.count, flagged: history.isFlagged, now: time)
            {
                canStart = false
                refusal = reason
                opensAt = until.map(LedgerService.timestamp)
            }
            let result = results.first { $0.blueprint == id }
            entries.append(
                TraineeHome.Exam(
                    blueprint: id, title: rules.title, questions: rules.questionCount, timeLimit: rules.timeLimit,
                    passMark: Figure(rules.passMark), attemptsAllowed: rules.attemptsAllowed,
                    delayBetweenAttempts: rules.delayBetweenAttempts, inProgress: open?.id, deadline: open?.deadline,
                    canStart: canStart, refusal: refusal, opensAt: opensAt, flaggedForRetraining: history.isFlagged,
                    grade: result?.grade, passed: result?.grade.map { $0.value >= rules.passMark },
                    attempts: result?.attempts ?? []))
        }
        return entries
    }

    func scenarioEntries(_ person: Person, by actor: Identity) async throws -> [TraineeHome.Scenario] {
        let runs = try await ScenarioService(environment: environment).transcripts(
            person: PersonID(person.id), limit: 1000, by: actor)
        return content().scenarios
            .filter { person.languages.contains($0.scenario.language) }
            .sorted { $0.scenario.key < $1.scenario.key }
            .map { loaded in
                let scenario = loaded.scenario
                let mine = runs.filter { $0.scenario.rawValue == scenario.id && $0.language == scenario.language }
                return TraineeHome.Scenario(
                    id: ScenarioID(scenario.id), language: scenario.language, reference: scenario.key,
                    title: scenario.title, channel: scenario.channel.rawValue, passMark: Figure(scenario.passMark),
                    runs: mine.prefix(10).map {
                        TraineeHome.ScenarioRunSummary(
                            run: $0.id, mode: $0.mode.rawValue, status: $0.status.rawValue,
                            score: $0.finishedAt == nil ? nil : Figure($0.score),
                            passed: $0.finishedAt == nil ? nil : $0.passed,
                            startedAt: $0.startedAt)
                    })
            }
    }

    func certifications(_ person: PersonID) async throws -> [TraineeHome.Certification] {
        let entries = try await LedgerService(environment: environment).list(person: person)
        let revoked = Set(entries.filter { $0.kind == .revoked }.compactMap(\.refersTo))
        return entries.filter { $0.kind == .issued || $0.kind == .renewed }.map {
            TraineeHome.Certification(
                entry: $0.sequence, certification: $0.subject, kind: $0.kind.rawValue, recordedAt: $0.recordedAt,
                validUntil: $0.validUntil, revoked: revoked.contains($0.sequence))
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
