public import Foundation
public import KefuContent
public import KefuCore
public import KefuExams
public import KefuStorage

/// An attempt being taken: the stored row, the session state machine and what grades it.
public struct ExamRun: Sendable {
    /// The stored attempt.
    public var record: ExamAttemptRecord
    /// Navigation, answers, flags, deadline.
    public var session: ExamSession
    /// The blueprint (rules, review options).
    public let blueprint: Blueprint
    /// Grades the paper.
    public let grader: Grader
    /// Set once the attempt is submitted: the marking.
    public var marking: Marking?
}

/// One attempt as results list it (`--format json`, the web API).
public struct ExamAttemptSummary: Codable, Sendable, Hashable {
    /// The attempt's id.
    public var id: ExamAttemptID
    /// 1 for the person's first attempt of the blueprint, and so on.
    public var number: Int
    /// Candidate.
    public var personID: PersonID
    /// Blueprint.
    public var blueprint: BlueprintID
    /// Language of the paper.
    public var language: String
    /// Seed of the draw.
    public var seed: UInt64
    /// In progress, submitted or graded.
    public var status: ExamAttemptStatus
    /// Why it was submitted.
    public var submitReason: ExamSubmitReason?
    /// Marks awarded.
    public var total: Figure
    /// Marks available.
    public var maximum: Figure
    /// Percent.
    public var percent: Figure
    /// Pass or fail once graded.
    public var passed: Bool?
    /// When it started.
    public var startedAt: String
    /// When it was submitted.
    public var submittedAt: String?
    /// The evidence row, once graded.
    public var evidence: AttemptID?

    /// The summary of a stored attempt.
    public init(_ r: ExamAttemptRecord) {
        id = r.id
        number = r.attemptNumber
        personID = r.personID
        blueprint = r.blueprint
        language = r.language
        seed = r.seed
        status = r.status
        submitReason = r.submitReason
        total = Figure(r.total)
        maximum = Figure(r.maximum)
        percent = Figure(r.percent)
        passed = r.passed
        startedAt = r.startedAt
        submittedAt = r.submittedAt
        evidence = r.attemptID
    }
}

/// The result of one attempt with its marking (what `exam take --format json` prints).
public struct ExamAttemptResult: Codable, Sendable, Hashable {
    /// The attempt's id.
    public var attempt: ExamAttemptID
    /// Blueprint.
    public var blueprint: BlueprintID
    /// Candidate.
    public var person: PersonID
    /// In progress, submitted or graded.
    public var status: ExamAttemptStatus
    /// Why it was submitted.
    public var submitReason: ExamSubmitReason?
    /// Marks awarded.
    public var total: Figure
    /// Marks available.
    public var maximum: Figure
    /// Percent.
    public var percent: Figure
    /// Pass or fail once graded.
    public var passed: Bool?
    /// Seed of the draw.
    public var seed: UInt64
    /// Per question.
    public var items: [Marking.Item]

    /// The result of a run.
    public init(_ run: ExamRun) {
        attempt = run.record.id
        blueprint = run.record.blueprint
        person = run.record.personID
        status = run.record.status
        submitReason = run.record.submitReason
        total = Figure(run.record.total)
        maximum = Figure(run.record.maximum)
        percent = Figure(run.record.percent)
        passed = run.record.passed
        seed = run.record.seed
        items = run.marking?.items ?? []
    }
}

/// A person's results for one blueprint.
public struct ExamResult: Codable, Sendable, Hashable {
    /// Blueprint id.
    public var blueprint: BlueprintID
    /// The result by the blueprint's grading method (over graded attempts), when there is one.
    public var grade: Figure?
    /// Grading method used.
    public var method: GradingMethod
    /// Pass mark.
    public var passMark: Figure
    /// Open retraining flag.
    public var flaggedForRetraining: Bool
    /// The person's attempts, oldest first.
    public var attempts: [ExamAttemptSummary]
}

/// An answer waiting for a person's mark.
public struct PendingGrade: Codable, Sendable, Hashable {
    /// The attempt.
    public var attempt: ExamAttemptSummary
    /// Position in the paper (0-based).
    public var position: Int
    /// The question.
    public var question: Question
    /// What the candidate wrote.
    public var response: String
    /// Marks available.
    public var mark: Figure

    /// The answers of `attempt` (a submitted attempt) that wait for a mark: needing grading and not yet marked.
    public static func pending(
        in attempt: ExamAttemptRecord, responses: [StoredResponse], manual: [ManualGrade]
    ) -> [PendingGrade] {
        let decoder = JSONDecoder()
        guard let paper = try? decoder.decode(Paper.self, from: Data(attempt.paper.utf8)),
            let marking = attempt.marking.flatMap({ try? decoder.decode(Marking.self, from: Data($0.utf8)) })
        else { return [] }
        let marked = Set(manual.map(\.position))
        let answers = Dictionary(responses.map { ($0.position, $0.response) }, uniquingKeysWith: { _, last in last })
        var pending: [PendingGrade] = []
        for item in marking.items
        where item.grade.state == .needsGrading && !marked.contains(item.position) && item.position < paper.items.count
        {
            var text = ""
            if let json = answers[item.position] ?? nil,
                case .text(let value)? = try? decoder.decode(Response.self, from: Data(json.utf8))
            {
                text = value
            }
            pending.append(
                PendingGrade(
                    attempt: ExamAttemptSummary(attempt), position: item.position,
                    question: paper.items[item.position].question,
                    response: text, mark: Figure(item.mark)))
        }
        return pending
    }
}

/// Item statistics of a blueprint or a bank.
public struct ExamStatistics: Codable, Sendable, Hashable {
    /// What the subject id named.
    public enum Subject: String, Codable, Sendable, CaseIterable {
        /// A blueprint: every item of its first attempts, with the test-level figures.
        case blueprint
        /// A bank: its items over every blueprint drawing on it, without test-level figures.
        case bank
    }

    /// Blueprint or bank.
    public var kind: Subject
    /// The id.
    public var subject: String
    /// The analysis.
    public var report: ItemAnalysis.Report
    /// Question names by item key.
    public var names: [String: String]
}

/// Use cases of exam delivery, shared by the CLI and the web layer: start (retake rules, seeded draw), answer (each
/// answer saved at once, group-committed), navigate, flag, submit (automatically at the deadline), resume after a
/// crash, results, the manual grading queue, retraining clearance and item statistics.
public struct ExamService: Sendable {
    /// Configuration, storage, content, clock.
    public let environment: KefuEnvironment
    private let cache = ContentCache()
    private let batcher = SaveBatcher()
    /// Drawn papers by attempt (immutable once drawn), for the answer-save fast path.
    let papers = PaperCache()

    /// Creates the service. Blueprints and banks are loaded once per service and kept (a long-running server calls
    /// ``reloadContent()`` after content changes); attempts always keep the paper they drew.
    public init(environment: KefuEnvironment) { self.environment = environment }

    var repository: ContentRepository { environment.content }
    var store: any ExamStore { get throws { try environment.storage.exams } }
    func now() -> Date { environment.clock.now() }

    /// Forgets the loaded content; the next use reads QuestionBanks/ again.
    public func reloadContent() { cache.clear() }

    /// Loaded blueprints and banks, shared by the service's callers (tasks, requests).
    final class ContentCache: @unchecked Sendable {
        private let lock = NSLock()
        private var blueprints: [String: LoadedBlueprint] = [:]
        private var content: [String: (LoadedBlueprint, [String: Bank], Grader)] = [:]

        // Loads happen under the lock (short, CPU-only): when many requests arrive at once, one loads and the others wait.
        func blueprint(_ id: String, _ load: () throws -> LoadedBlueprint) throws -> LoadedBlueprint {
            lock.lock()
            defer { lock.unlock() }
            if let found = blueprints[id] { return found }
            let loaded = try load()
            blueprints[id] = loaded
            return loaded
        }

        func exam(
            _ key: String, _ load: () throws -> (LoadedBlueprint, [String: Bank], Grader)
        ) throws -> (LoadedBlueprint, [String: Bank], Grader) {
            lock.lock()
            defer { lock.unlock() }
            if let found = content[key] { return found }
            let loaded = try load()
            content[key] = loaded
            return loaded
        }

        func clear() {
            lock.withLock {
                blueprints = [:]
                content = [:]
            }
        }
    }

    /// A blueprint, from the cache.
    func blueprint(_ id: BlueprintID) throws -> LoadedBlueprint {
        do { return try cache.blueprint(id.rawValue) { try repository.blueprint(id.rawValue) } } catch let error
            as ContentError
        {
            throw ServiceError(.notFound, error.description, hint: .init("exam.list"))
        }
    }

    /// The usable blueprints under `QuestionBanks/blueprints/`, by id.
    public func blueprints() -> [LoadedBlueprint] {
        repository.blueprints().0.sorted { $0.blueprint.id < $1.blueprint.id }
    }

    /// One blueprint by id (content only, read fresh).
    public func blueprint(named id: BlueprintID) throws -> LoadedBlueprint {
        do { return try repository.blueprint(id.rawValue) } catch {
            throw ServiceError(.notFound, error.description, hint: .init("exam.list"))
        }
    }

    static func date(_ text: String?) -> Date? { text.flatMap(Timestamp.parse) }

    /// Millisecond timestamps: answers saved within one second keep their order.
    static func stamp(_ date: Date) -> String { Timestamp.format(date) }

    /// Throws unless `actor` is the candidate of `record`.
    static func requireCandidate(_ record: ExamAttemptRecord, _ actor: Identity) throws {
        guard record.personID == actor.person else {
            throw ServiceError(
                .forbidden, "exam attempt \(record.id) belongs to \(record.personID); only the candidate takes it")
        }
    }

    // MARK: Starting and resuming

    /// Starts an attempt of `blueprint` for the acting candidate at `time` (default: now). The language defaults to the
    /// first of the blueprint's languages the candidate speaks; the seed to one derived from the time and person
    /// (recorded either way).
    public func start(
        _ blueprint: BlueprintID, language: String? = nil, seed: UInt64? = nil, at time: Date? = nil, by actor: Identity
    ) async throws -> ExamRun {
        let time = time ?? now()
        let person = actor.person
        try AccessPolicy.require(actor, .takeExam, on: .person(person))
        if seed != nil {
            throw ServiceError(
                .forbidden,
                "candidates do not choose their paper: the system draws the seed, and an administrator may fix one for a person's next attempt",
                hint: .init("exam.fix-seed", ["person": person.rawValue, "blueprint": blueprint.rawValue]))
        }
        try await expireOverdue(person: person, blueprint: blueprint, at: time, by: actor)
        let rules = try self.blueprint(blueprint).blueprint
        guard let speaker = try await translatingStorageErrors({ try await environment.storage.people.person(person) })
        else {
            throw ServiceError(.notFound, "no person `\(person)`", hint: .init("people.import"))
        }
        let chosen =
            language ?? rules.languages.first { speaker.languages.contains($0) } ?? rules.languages.first ?? "zh"
        let (loaded, banks, grader): (LoadedBlueprint, [String: Bank], Grader)
        do {
            (loaded, banks, grader) = try cache.exam("\(rules.id)/\(chosen)") {
                let (loaded, banks) = try repository.examContent(blueprint.rawValue, language: chosen)
                return (loaded, banks, try Grader(questions: banks.values.flatMap(\.questions)))
            }
        } catch let error as ContentError {
            throw ServiceError(.invalidInput, error.description)
        }
        let drawn = UInt64.random(in: 0...UInt64.max)
        let contentHash = loaded.contentHash
        let fixed = FixedBox()
        let record = try await translatingStorageErrors {
            try await store.startAttempt(person: person, blueprint: BlueprintID(rules.id)) { history in
                fixed.value = history.fixedSeed
                return try Self.draw(
                    rules, language: chosen, banks: banks, seed: history.fixedSeed?.seed ?? drawn, history: history,
                    person: person, contentVersion: contentHash, at: time)
            }
        }
        try await environment.audit(
            actor, "exam.start", subject: "attempt \(record.id)",
            detail: [
                "blueprint": blueprint.rawValue, "seed": String(record.seed),
                "seed_source": fixed.value.map { "fixed by \($0.fixedBy) at \($0.at)" } ?? "drawn by the system",
            ])
        let paper = try Self.decodePaper(record)
        let session = ExamSession(paper: paper, deadline: Self.date(record.deadline))
        return ExamRun(record: record, session: session, blueprint: rules, grader: grader)
    }

    /// Fixes the seed of `person`'s next attempt of `blueprint` (administrators only; recorded with who fixed it and
    /// used up by that attempt).
    public func fixSeed(
        person: PersonID, blueprint: BlueprintID, seed: UInt64, by actor: Identity
    ) async throws {
        try AccessPolicy.require(actor, .fixSeed, on: .person(person))
        _ = try self.blueprint(blueprint)
        let fixed = FixedSeed(
            person: person, blueprint: blueprint, seed: seed, fixedBy: actor.auditName, at: Self.stamp(now()))
        let store = try self.store
        try await translatingStorageErrors { try await store.fixSeed(fixed) }
        try await environment.audit(
            actor, "exam.fix-seed", subject: "person \(person)",
            detail: ["blueprint": blueprint.rawValue, "seed": String(seed)])
    }

    /// Applies the retake rules to `history` and draws the paper (avoiding questions seen before); the record to insert.
    static func draw(
        _ rules: Blueprint, language: String, banks: [String: Bank], seed: UInt64, history: ExamHistory,
        person: PersonID, contentVersion: String, at time: Date
    ) throws -> ExamAttemptRecord {
        let cycle = history.attempts.filter { $0.cycle == history.cycle }.map(Self.history)
        switch RetakePolicy.eligibility(
            rules, history: cycle, allAttempts: history.attempts.count, flagged: history.isFlagged, now: time)
        {
        case .refused(let reason, let until):
            let opens = until.map { "; the next attempt opens at \(LedgerService.timestamp($0))" } ?? ""
            let hint: ServiceError.Hint? =
                history.isFlagged ? .init("exam.clear", ["person": person.rawValue, "blueprint": rules.id]) : nil
            throw ServiceError(.precondition, reason + opens, hint: hint)
        case .allowed:
            break
        }
        var seen = Set<String>()
        for earlier in history.attempts {
            if let earlierPaper = try? JSONDecoder().decode(Paper.self, from: Data(earlier.paper.utf8)) {
                seen.formUnion(earlierPaper.items.map(\.key))
            }
        }
        let drawn: Paper
        do { drawn = try Draw.paper(rules, language: language, banks: banks, seed: seed, seen: seen) } catch {
            throw ServiceError(.precondition, "the paper cannot be drawn: \(error)")
        }
        return ExamAttemptRecord(
            personID: person, blueprint: BlueprintID(rules.id), contentVersion: contentVersion, language: language,
            seed: seed, startedAt: stamp(time),
            deadline: rules.timeLimit.map { stamp(time.addingTimeInterval(TimeInterval($0))) },
            paper: try canonicalJSON(drawn), maximum: drawn.maximum)
    }

    static func history(_ record: ExamAttemptRecord) -> AttemptHistory {
        AttemptHistory(
            number: record.attemptNumber, submittedAt: date(record.submittedAt),
            percent: record.status == .graded ? record.percent : nil,
            passed: record.status == .graded ? record.passed : nil)
    }

    static func decodePaper(_ record: ExamAttemptRecord) throws -> Paper {
        do { return try JSONDecoder().decode(Paper.self, from: Data(record.paper.utf8)) } catch {
            throw ServiceError(
                .unavailable, "exam attempt \(record.id) has an unreadable paper; the database may be damaged")
        }
    }

    /// Rebuilds a stored attempt (answers, flags, position, deadline).
    public func load(_ attemptID: ExamAttemptID) async throws -> ExamRun {
        let store = try self.store
        guard let record = try await translatingStorageErrors({ try await store.attempt(attemptID) }) else {
            throw ServiceError(.notFound, "no exam attempt \(attemptID)", hint: .init("exam.results"))
        }
        let stored = try await translatingStorageErrors { try await store.responses(attempt: attemptID) }
        return try rebuild(record, responses: stored)
    }

    func rebuild(_ record: ExamAttemptRecord, responses stored: [StoredResponse]) throws -> ExamRun {
        let paper = try papers.paper(record.id) { try Self.decodePaper(record) }
        var responses = [Response?](repeating: nil, count: paper.items.count)
        var flagged = Set<Int>()
        for stored in stored where stored.position < paper.items.count {
            responses[stored.position] = stored.response.flatMap {
                try? JSONDecoder().decode(Response.self, from: Data($0.utf8))
            }
            if stored.flagged { flagged.insert(stored.position) }
        }
        let rules =
            (try? self.blueprint(record.blueprint).blueprint) ?? Blueprint(id: record.blueprint.rawValue, sections: [])
        let grader = try papers.grader(record.id) { try Grader(questions: paper.items.map(\.question)) }
        let session = ExamSession(
            paper: paper, deadline: Self.date(record.deadline), responses: responses, flagged: flagged,
            position: record.position)
        let marking = record.marking.flatMap { try? JSONDecoder().decode(Marking.self, from: Data($0.utf8)) }
        return ExamRun(record: record, session: session, blueprint: rules, grader: grader, marking: marking)
    }

    /// The acting candidate's attempt in progress (of `blueprint`, or any), rebuilt; nil when there is none. An attempt
    /// whose deadline passed while the candidate was away is submitted first and returned submitted.
    public func resume(blueprint: BlueprintID? = nil, at time: Date? = nil, by actor: Identity) async throws -> ExamRun?
    {
        let time = time ?? now()
        let store = try self.store
        guard
            let record = try await translatingStorageErrors({
                try await store.attempts(person: actor.person, blueprint: blueprint, status: .inProgress).last
            })
        else { return nil }
        var run = try await load(record.id)
        try await perform(&run, run.session.tick(now: time), at: time, by: actor)
        return run
    }

    /// Submits the person's attempts whose deadline has passed.
    func expireOverdue(person: PersonID, blueprint: BlueprintID, at time: Date, by actor: Identity) async throws {
        let store = try self.store
        for record in try await translatingStorageErrors({
            try await store.attempts(person: person, blueprint: blueprint, status: .inProgress)
        }) {
            guard let deadline = Self.date(record.deadline), time >= deadline else { continue }
            var run = try await load(record.id)
            try await perform(&run, run.session.tick(now: time), at: time, by: actor)
        }
    }

    // MARK: Taking

    /// Answers the question at `position` (current by default). The answer is durable before this returns.
    @discardableResult
    public func answer(
        _ run: inout ExamRun, _ response: Response?, position: Int? = nil, at time: Date? = nil, by actor: Identity
    ) async throws -> [ExamSession.Action] {
        try await drive(&run, at: time, by: actor) { session, now in session.answer(response, at: position, now: now) }
    }

    /// Moves to a question (`position` is 0-based).
    @discardableResult
    public func go(
        _ run: inout ExamRun, to position: Int, at time: Date? = nil, by actor: Identity
    ) async throws -> [ExamSession.Action] {
        try await drive(&run, at: time, by: actor) { session, now in session.go(to: position, now: now) }
    }

    /// Flags or unflags the current question.
    @discardableResult
    public func toggleFlag(
        _ run: inout ExamRun, at time: Date? = nil, by actor: Identity
    ) async throws -> [ExamSession.Action] {
        try await drive(&run, at: time, by: actor) { session, now in session.toggleFlag(now: now) }
    }

    /// Submits the attempt.
    @discardableResult
    public func submit(
        _ run: inout ExamRun, at time: Date? = nil, by actor: Identity
    ) async throws -> [ExamSession.Action] {
        try await drive(&run, at: time, by: actor) { session, now in session.submit(now: now) }
    }

    /// Runs one step of the session at `time` (default: now) and persists what it asks for.
    func drive(
        _ run: inout ExamRun, at time: Date?, by actor: Identity,
        _ step: (inout ExamSession, Date) -> [ExamSession.Action]
    ) async throws -> [ExamSession.Action] {
        try Self.requireCandidate(run.record, actor)
        let time = time ?? now()
        let actions = step(&run.session, time)
        try await perform(&run, actions, at: time, by: actor)
        return actions
    }

    /// Saves through the group commit (durable when it returns).
    func saveThroughBatcher(_ save: ResponseSave) async throws {
        let store = try self.store
        try await translatingStorageErrors { try await batcher.save(save, to: store) }
    }

    /// Persists what the session asked for.
    func perform(_ run: inout ExamRun, _ actions: [ExamSession.Action], at time: Date, by actor: Identity) async throws
    {
        let store = try self.store
        for action in actions {
            switch action {
            case .save(let position):
                let response = try run.session.responses[position].map { try canonicalJSON($0) }
                let save = ResponseSave(
                    attempt: run.record.id, position: position, response: response,
                    flagged: run.session.flagged.contains(position),
                    savedAt: Self.stamp(time), current: run.session.position)
                try await translatingStorageErrors { try await batcher.save(save, to: store) }
            case .show(let position):
                let id = run.record.id
                try await translatingStorageErrors { try await store.savePosition(attempt: id, position: position) }
            case .submit(let reason):
                // A deadline submission is stamped at the deadline, whenever it is noticed.
                let submittedAt = reason == .deadline ? (run.session.deadline ?? time) : time
                try await finish(&run, reason: reason, at: submittedAt, by: actor)
            case .refuse:
                break
            }
        }
    }

    func finish(_ run: inout ExamRun, reason: ExamSession.SubmitReason, at time: Date, by actor: Identity) async throws
    {
        let marking = Marking.grade(run.session.paper, responses: run.session.responses, grader: run.grader)
        var record = run.record
        record.submitReason = ExamSubmitReason(rawValue: reason.rawValue)
        record.submittedAt = Self.stamp(time)
        run.record = try await storeMarking(record, marking: marking, expected: .inProgress, at: time)
        run.marking = marking
        var detail = ["reason": reason.rawValue, "status": run.record.status.rawValue]
        if run.record.status == .graded {
            detail["percent"] = Question.displayNumber(run.record.percent)
            detail["passed"] = run.record.passed == true ? "yes" : "no"
        }
        try await environment.audit(actor, "exam.submit", subject: "attempt \(run.record.id)", detail: detail)
    }

    /// Stores a marking: graded (evidence, retraining flag) when nothing waits for a grader, else submitted.
    func storeMarking(
        _ base: ExamAttemptRecord, marking: Marking, expected: ExamAttemptStatus, at time: Date
    ) async throws -> ExamAttemptRecord {
        var record = base
        let rules = try? self.blueprint(record.blueprint).blueprint
        let passMark = rules?.passMark ?? 100
        record.total = marking.total
        record.maximum = marking.maximum
        record.percent = marking.percent
        record.marking = try canonicalJSON(marking)
        var evidence: Attempt?
        var flag: @Sendable (ExamHistory) throws -> String? = { _ in nil }
        if marking.pending == 0 {
            record.status = .graded
            record.gradedAt = Self.stamp(time)
            let passed = marking.percent + 1e-9 >= passMark
            record.passed = passed
            evidence = Attempt(
                personID: record.personID.rawValue, kind: "exam", reference: record.blueprint.rawValue,
                contentVersion: record.contentVersion,
                mode: "exam", score: (marking.percent * 100).rounded() / 100, passed: passed,
                completedAt: record.submittedAt ?? Self.stamp(time))
            if let rules, !passed {
                let failed = record
                flag = { history in
                    let cycle =
                        history.attempts.filter { $0.cycle == history.cycle && $0.id != failed.id }.map(Self.history)
                        + [
                            AttemptHistory(
                                number: failed.attemptNumber, submittedAt: Self.date(failed.submittedAt),
                                percent: failed.percent, passed: false)
                        ]
                    guard !history.isFlagged, RetakePolicy.needsRetraining(rules, history: cycle) else { return nil }
                    return "failed \(rules.retrainAfterFailures ?? 0) attempts in a row"
                }
            }
        } else {
            record.status = .submitted
            record.passed = nil
        }
        let write = ExamResultWrite(
            record: record, expectedStatus: expected, evidence: evidence, at: Self.stamp(time), flagRetraining: flag)
        let store = try self.store
        return try await translatingStorageErrors { try await store.recordResult(write) }
    }

    /// Takes an exam from an answers file for the acting candidate: starts (or resumes) the attempt, gives each drawn
    /// question its answer at its `at` time, and submits at the end (or at the deadline). Returns the submitted run.
    public func take(
        _ blueprint: BlueprintID, language: String? = nil, seed: UInt64? = nil, answers: AnswerScript,
        by actor: Identity
    ) async throws -> ExamRun {
        let opened = now()
        var run: ExamRun
        if let resumed = try await resume(blueprint: blueprint, at: opened, by: actor) {
            run = resumed
        } else {
            run = try await start(blueprint, language: language, seed: seed, at: opened, by: actor)
        }
        let began = Self.date(run.record.startedAt) ?? opened
        var byID: [String: [AnswerScript.Entry]] = [:]
        for entry in answers.entries { byID[entry.id, default: []].append(entry) }
        var clock = opened
        for (position, item) in run.session.paper.items.enumerated() where run.session.submitted == nil {
            for entry in byID[item.question.id] ?? [] where run.session.submitted == nil {
                if let at = entry.at { clock = max(clock, began.addingTimeInterval(at)) }
                try await give(entry, to: position, &run, at: clock, by: actor)
            }
        }
        if run.session.submitted == nil { try await submit(&run, at: clock, by: actor) }
        return run
    }

    /// Takes an exam from answers that arrive one line at a time (`--answers -` from a pipe): each line is parsed and
    /// saved as it arrives, so a killed pipe or process loses only the lines not yet read. Lines are given in the
    /// order they arrive, at their `at` time or else when they arrive; the attempt is submitted when the input ends.
    /// A bad line stops there: the answers before it stay saved and the attempt stays open for `kefu exam resume`.
    public func take(
        _ blueprint: BlueprintID, language: String? = nil, seed: UInt64? = nil, streaming lines: LineReader,
        file: String, by actor: Identity
    ) async throws -> ExamRun {
        let opened = now()
        var run: ExamRun
        if let resumed = try await resume(blueprint: blueprint, at: opened, by: actor) {
            run = resumed
        } else {
            run = try await start(blueprint, language: language, seed: seed, at: opened, by: actor)
        }
        let began = Self.date(run.record.startedAt) ?? opened
        let positions = Dictionary(
            run.session.paper.items.enumerated().map { ($0.element.question.id, $0.offset) },
            uniquingKeysWith: { first, _ in first })
        var clock = opened
        while run.session.submitted == nil, let bytes = lines.next() {
            let entry: AnswerScript.Entry?
            do {
                entry = try AnswerScript.entry(
                    Substring(String(decoding: bytes, as: UTF8.self)), number: lines.lineNumber, file: file)
            } catch {
                throw ServiceError(.invalidInput, "\(error)")
            }
            guard let entry, let position = positions[entry.id] else { continue }
            clock = max(clock, entry.at.map { began.addingTimeInterval($0) } ?? now())
            try await give(entry, to: position, &run, at: clock, by: actor)
        }
        if run.session.submitted == nil { try await submit(&run, at: max(clock, now()), by: actor) }
        return run
    }

    /// Gives one answers-file entry (answer and flag) to the question at `position`, saving it.
    func give(
        _ entry: AnswerScript.Entry, to position: Int, _ run: inout ExamRun, at clock: Date, by actor: Identity
    ) async throws {
        let item = run.session.paper.items[position]
        try await go(&run, to: position, at: clock, by: actor)
        if let value = entry.answer {
            let response: Response
            do { response = try AnswerScript.response(value, to: item.question, at: entry.location) } catch {
                throw ServiceError(.invalidInput, "\(error)")
            }
            let actions = try await answer(&run, response, at: clock, by: actor)
            for case .refuse(let reason) in actions where run.session.submitted == nil {
                throw ServiceError(.invalidInput, "\(entry.location): question `\(item.question.id)`: \(reason)")
            }
        }
        if entry.flag, run.session.submitted == nil, !run.session.flagged.contains(position) {
            try await toggleFlag(&run, at: clock, by: actor)
        }
    }

    /// Starts a new attempt in the terminal: refused while one of `blueprint` is open (resume it instead); an attempt
    /// whose time ran out while away is submitted first and returned as `expired`.
    public func startFresh(
        _ blueprint: BlueprintID, language: String? = nil, seed: UInt64? = nil, by actor: Identity
    ) async throws -> (run: ExamRun, expired: ExamAttemptID?) {
        var expired: ExamAttemptID?
        if let running = try await resume(blueprint: blueprint, by: actor) {
            guard running.session.submitted != nil else {
                throw ServiceError(
                    .conflict,
                    "\(actor.person) has attempt \(running.record.id) of \(blueprint) in progress; continue it instead",
                    hint: .init("exam.resume", ["person": actor.person.rawValue]))
            }
            expired = running.record.id
        }
        return (try await start(blueprint, language: language, seed: seed, by: actor), expired)
    }

    /// An answers file (JSON Lines keyed by question id) read from `source`; errors name the source, line and column.
    public static func answers(from source: InputSource) throws -> AnswerScript {
        let text = String(decoding: try source.readAll(), as: UTF8.self)
        do {
            return try AnswerScript.parse(
                text, file: source.label == InputSource.standardInput.label ? "stdin" : source.label)
        } catch {
            throw ServiceError(.invalidInput, "\(error)")
        }
    }

    // MARK: Results and grading

    /// A person's results per blueprint, with the final grade by each blueprint's grading method.
    public func results(person: PersonID, by actor: Identity) async throws -> [ExamResult] {
        let storage = try environment.storage
        guard try await translatingStorageErrors({ try await storage.people.person(person) }) != nil else {
            throw ServiceError(.notFound, "no person `\(person)`", hint: .init("people.import"))
        }
        try AccessPolicy.requireVisible(
            actor, .viewExamResult, on: try await environment.subject(person),
            notFound: "no exam results of `\(person)` that \(actor.person) may see")
        let attempts = try await translatingStorageErrors {
            try await storage.exams.attempts(person: person, blueprint: nil, status: nil)
        }
        let flags = Set(
            try await translatingStorageErrors { try await storage.exams.openRetrainingFlags() }.filter {
                $0.person == person
            }.map(\.blueprint))
        let grouped: [BlueprintID: [ExamAttemptRecord]] = Dictionary(grouping: attempts, by: \.blueprint)
        var results: [ExamResult] = []
        for blueprint in grouped.keys.sorted() {
            let list = grouped[blueprint] ?? []
            let rules = try? self.blueprint(blueprint).blueprint
            let method = rules?.gradingMethod ?? .highest
            let grade = method.combine(list.filter { $0.status == .graded }.map(\.percent))
            results.append(
                ExamResult(
                    blueprint: blueprint, grade: grade.map { Figure($0) }, method: method,
                    passMark: Figure(rules?.passMark ?? 0),
                    flaggedForRetraining: flags.contains(blueprint), attempts: list.map(ExamAttemptSummary.init)))
        }
        return results
    }

    /// A submitted attempt for review: the candidate sees it as the blueprint allows; their mentor, leads and
    /// administrators see it too; `full` (every answer and the key) only for team leads and above, never on one's
    /// own attempt. An attempt the actor may not see is reported as not found.
    public func review(_ attemptID: ExamAttemptID, full: Bool, by actor: Identity) async throws -> ExamRun {
        let run = try await load(attemptID)
        let owner = run.record.personID
        try AccessPolicy.requireVisible(
            actor, .viewExamResult, on: try await environment.subject(owner), notFound: "no exam attempt \(attemptID)")
        if full {
            guard owner != actor.person else {
                throw ServiceError(
                    .forbidden, "candidates see their own attempt as the blueprint allows, without the full answer key")
            }
            try AccessPolicy.require(actor, .viewAnswerKey, on: .person(owner))
        }
        guard run.record.status != .inProgress else {
            throw ServiceError(.precondition, "attempt \(attemptID) is still in progress")
        }
        return run
    }

    /// Answers waiting for a person's mark (essays, and answers automatic grading could not decide), oldest first.
    /// Only answers the actor may grade are listed (their apprentices', or everyone else's for leads); supervisors,
    /// managers and administrators see the whole queue.
    public func gradingQueue(by actor: Identity) async throws -> [PendingGrade] {
        let store = try self.store
        let oversees = !actor.roles.isDisjoint(with: [.supervisor, .manager, .admin])
        var pending: [PendingGrade] = []
        var subjects: [PersonID: Subject] = [:]
        for record in try await translatingStorageErrors({
            try await store.attempts(person: nil, blueprint: nil, status: .submitted)
        }) {
            if !oversees, subjects[record.personID] == nil {
                subjects[record.personID] = try await environment.subject(record.personID)
            }
            guard oversees || AccessPolicy.decide(actor, .gradeEssay, on: subjects[record.personID] ?? .none).allowed
            else { continue }
            let responses = try await translatingStorageErrors { try await store.responses(attempt: record.id) }
            let manual = try await translatingStorageErrors { try await store.manualGrades(attempt: record.id) }
            pending += PendingGrade.pending(in: record, responses: responses, manual: manual)
        }
        return pending
    }

    /// Records the acting grader's mark (`marks` out of the question's marks) for one answer (`position` 0-based); when
    /// it was the last one missing, the attempt is graded (evidence, retraining flag) in the same step. Mentors and
    /// leads grade; nobody grades their own attempt.
    public func grade(
        attempt attemptID: ExamAttemptID, position: Int, marks: Double, comment: String, at time: Date? = nil,
        by actor: Identity
    ) async throws -> ExamAttemptSummary {
        let time = time ?? now()
        let run = try await load(attemptID)
        try await environment.require(actor, .gradeEssay, on: run.record.personID)
        guard run.record.status == .submitted else {
            throw ServiceError(
                .precondition, "exam attempt \(attemptID) is \(run.record.status.rawValue): nothing waits for a mark")
        }
        guard let item = run.marking?.items.first(where: { $0.position == position }), item.grade.state == .needsGrading
        else {
            throw ServiceError(
                .invalidInput, "question \(position + 1) of attempt \(attemptID) does not wait for a mark",
                hint: .init("exam.queue"))
        }
        guard marks >= 0, marks <= item.mark else {
            throw ServiceError(.invalidInput, "give between 0 and \(Question.displayNumber(item.mark)) marks")
        }
        let grade = ManualGrade(
            position: position, graderID: actor.person, fraction: item.mark > 0 ? marks / item.mark : 0,
            comment: comment,
            gradedAt: Self.stamp(time))
        let store = try self.store
        let all = try await translatingStorageErrors { try await store.addManualGrade(attempt: attemptID, grade) }
        let manual = Dictionary(all.map { ($0.position, $0.fraction) }, uniquingKeysWith: { _, last in last })
        let marking = Marking.grade(
            run.session.paper, responses: run.session.responses, grader: run.grader, manual: manual)
        let summary = ExamAttemptSummary(
            try await storeMarking(run.record, marking: marking, expected: .submitted, at: time))
        try await environment.audit(
            actor, "exam.grade", subject: "attempt \(attemptID)",
            detail: ["question": String(position + 1), "marks": Question.displayNumber(marks), "comment": comment])
        return summary
    }

    /// Clears a retraining flag so the person may retake; only supervisors and managers may.
    public func clearRetraining(
        person: PersonID, blueprint: BlueprintID, note: String, at time: Date? = nil, by actor: Identity
    ) async throws {
        try AccessPolicy.require(actor, .clearRetraining, on: .person(person))
        let store = try self.store
        let stamp = Self.stamp(time ?? now())
        guard
            try await translatingStorageErrors({
                try await store.clearRetraining(
                    person: person, blueprint: blueprint, by: actor.person, at: stamp, note: note)
            })
        else {
            throw ServiceError(.notFound, "\(person) has no open retraining flag for \(blueprint)")
        }
        try await environment.audit(
            actor, "exam.clear-retraining", subject: "person \(person)",
            detail: ["blueprint": blueprint.rawValue, "note": note])
    }

    // MARK: Statistics

    /// Item analysis over first attempts (one per person) of `subject`: a blueprint id, or a bank id (then every
    /// blueprint drawing on the bank counts, only that bank's items are reported, and test-level figures are left out).
    public func statistics(_ subject: String, by actor: Identity) async throws -> ExamStatistics {
        try AccessPolicy.require(actor, .viewExamStatistics)
        let isBlueprint = repository.blueprints().0.contains { $0.blueprint.id == subject }
        let isBank = !isBlueprint && repository.banks().0.contains { $0.bank.id == subject }
        guard isBlueprint || isBank else {
            throw ServiceError(.notFound, "`\(subject)` is neither a blueprint nor a bank id", hint: .init("exam.list"))
        }
        let bank = isBank ? subject : nil
        let store = try self.store
        let graded = try await translatingStorageErrors {
            try await store.attempts(person: nil, blueprint: isBlueprint ? BlueprintID(subject) : nil, status: .graded)
        }
        var firsts: [String: ExamAttemptRecord] = [:]
        for record in graded {
            let key = "\(record.personID)/\(record.blueprint)"
            if firsts[key] == nil { firsts[key] = record }
        }
        var attempts: [ItemAnalysis.Attempt] = []
        var names: [String: String] = [:]
        for record in firsts.values.sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
            guard
                let marking = record.marking.flatMap({ try? JSONDecoder().decode(Marking.self, from: Data($0.utf8)) }),
                let paper = try? JSONDecoder().decode(Paper.self, from: Data(record.paper.utf8))
            else { continue }
            for item in paper.items { names[item.key] = item.question.name }
            let items = marking.items.filter { $0.mark > 0 }.map {
                (key: $0.key, slot: $0.slot, mark: $0.awarded ?? 0, maximum: $0.mark)
            }
            if let bank, !items.contains(where: { $0.key.hasPrefix(bank + "/") }) { continue }
            attempts.append(ItemAnalysis.Attempt(items: items))
        }
        var report = ItemAnalysis.analyse(attempts)
        if let bank {
            report.items = report.items.filter { $0.key.hasPrefix(bank + "/") }
            report.internalConsistency = nil
            report.errorRatio = nil
            report.standardError = nil
        }
        return ExamStatistics(kind: isBlueprint ? .blueprint : .bank, subject: subject, report: report, names: names)
    }
}

/// Carries the fixed seed a storage transaction saw out of its closure.
final class FixedBox: @unchecked Sendable {
    var value: FixedSeed?
}

extension Question {
    /// A number without a trailing `.0` (for messages).
    public static func displayNumber(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(value)
    }
}
