import Foundation
import KefuContent
import KefuCore
import KefuExams
import KefuStore

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

/// A person's results for one blueprint.
public struct ExamResult: Sendable {
    /// Blueprint id.
    public var blueprint: String
    /// The person's attempts, oldest first.
    public var attempts: [ExamAttemptRecord]
    /// The result by the blueprint's grading method (over graded attempts), when there is one.
    public var grade: Double?
    /// Grading method used.
    public var method: GradingMethod
    /// Pass mark.
    public var passMark: Double
    /// Open retraining flag.
    public var isFlagged: Bool
}

/// An answer waiting for a person's mark.
public struct PendingGrade: Sendable {
    /// The attempt.
    public var attempt: ExamAttemptRecord
    /// Position in the paper.
    public var position: Int
    /// The question.
    public var question: Question
    /// What the candidate wrote.
    public var response: String
    /// Marks available.
    public var mark: Double
}

/// Use cases of exam delivery, shared by the CLI (`kefu exam …`) and the web layer: start (retake rules,
/// seeded draw), answer (each answer saved at once), navigate, flag, submit (automatically at the deadline),
/// resume after a crash, results, the manual grading queue, retraining clearance and item statistics.
public struct ExamService: Sendable {
    /// The database.
    public let database: KefuDatabase
    /// The content.
    public let repository: ContentRepository
    /// Wall-clock time (injected so tests control it).
    public let now: @Sendable () -> Date
    private let cache = ContentCache()
    private let batcher = SaveBatcher()

    /// Creates the service. Blueprints and banks are loaded once per service and kept (a long-running server calls
    /// ``reloadContent()`` after content changes); attempts always keep the paper they drew.
    public init(database: KefuDatabase, repository: ContentRepository, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.repository = repository
        self.now = now
    }

    /// Forgets the loaded content; the next use reads QuestionBanks/ again.
    public func reloadContent() { cache.clear() }

    /// Loaded blueprints and banks, shared by the service's callers (threads, requests).
    final class ContentCache: @unchecked Sendable {
        private let lock = NSLock()
        private var blueprints: [String: LoadedBlueprint] = [:]
        private var content: [String: (LoadedBlueprint, [String: Bank], Grader)] = [:]

        // Loads happen under the lock: when many requests arrive at once, one loads and the others wait for it.
        func blueprint(_ id: String, _ load: () throws -> LoadedBlueprint) throws -> LoadedBlueprint {
            lock.lock()
            defer { lock.unlock() }
            if let found = blueprints[id] { return found }
            let loaded = try load()
            blueprints[id] = loaded
            return loaded
        }

        func exam(_ key: String, _ load: () throws -> (LoadedBlueprint, [String: Bank], Grader)) throws -> (LoadedBlueprint, [String: Bank], Grader) {
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
    func blueprint(_ id: String) throws -> LoadedBlueprint {
        try cache.blueprint(id) { try repository.blueprint(id) }
    }

    static func date(_ text: String?) -> Date? { text.flatMap(Timestamp.parse) }

    /// Millisecond timestamps: answers saved within one second keep their order.
    static func stamp(_ date: Date) -> String { Timestamp.format(date) }

    // MARK: Starting and resuming

    /// Starts an attempt of `blueprint` for `person` at `time` (default: now). The language defaults to the first of
    /// the blueprint's languages the person speaks; the seed to one derived from the time and person (recorded either way).
    public func start(_ blueprint: String, person: String, language: String? = nil, seed: UInt64? = nil, at time: Date? = nil) throws -> ExamRun {
        let time = time ?? now()
        try expireOverdue(person: person, blueprint: blueprint, at: time)
        let loadedBlueprint = try self.blueprint(blueprint)
        let rules = loadedBlueprint.blueprint
        let speaker = try database.person(person)
        guard let speaker else { throw ServiceError("no person with id `\(person)`; import people with `kefu people import`") }
        let chosen = language ?? rules.languages.first { speaker.languages.contains($0) } ?? rules.languages.first ?? "zh"
        let (loaded, banks, grader) = try cache.exam("\(rules.id)/\(chosen)") {
            let (loaded, banks) = try repository.examContent(blueprint, language: chosen)
            return (loaded, banks, try Grader(questions: banks.values.flatMap(\.questions)))
        }
        let seed = seed ?? (UInt64(time.timeIntervalSince1970 * 1000) ^ fnv1a64(person))
        var paper: Paper?
        let record = try database.startExamAttempt(person: person, blueprint: rules.id) { history in
            let cycle = history.attempts.filter { $0.cycle == history.cycle }.map(Self.history)
            switch RetakePolicy.eligibility(rules, history: cycle, allAttempts: history.attempts.count, flagged: history.isFlagged, now: time) {
            case .refused(let reason, let until):
                throw ServiceError(reason + (until.map { "; the next attempt opens at \(LedgerService.timestamp($0))" } ?? ""))
            case .allowed:
                break
            }
            var seen = Set<String>()
            for earlier in history.attempts {
                if let earlierPaper = try? JSONDecoder().decode(Paper.self, from: Data(earlier.paper.utf8)) { seen.formUnion(earlierPaper.items.map(\.key)) }
            }
            let drawn = try Draw.paper(rules, language: chosen, banks: banks, seed: seed, seen: seen)
            paper = drawn
            return ExamAttemptRecord(
                personID: person, blueprint: rules.id, contentVersion: loaded.contentHash, language: chosen, seed: seed, startedAt: Self.stamp(time),
                deadline: rules.timeLimit.map { Self.stamp(time.addingTimeInterval(TimeInterval($0))) }, paper: try canonicalJSON(drawn),
                maximum: drawn.maximum)
        }
        guard let paper else { throw ServiceError("the paper was not drawn") }
        let session = ExamSession(paper: paper, deadline: Self.date(record.deadline))
        return ExamRun(record: record, session: session, blueprint: rules, grader: grader)
    }

    static func history(_ record: ExamAttemptRecord) -> AttemptHistory {
        AttemptHistory(number: record.attemptNumber, submittedAt: date(record.submittedAt), percent: record.status == "graded" ? record.percent : nil,
                       passed: record.status == "graded" ? record.passed : nil)
    }

    /// Rebuilds a stored attempt (answers, flags, position, deadline) from the database.
    public func load(_ attemptID: Int64) throws -> ExamRun {
        guard let record = try database.examAttempt(attemptID) else { throw ServiceError("no exam attempt \(attemptID); `kefu exam results PERSON` lists attempts") }
        let paper: Paper
        do {
            paper = try JSONDecoder().decode(Paper.self, from: Data(record.paper.utf8))
        } catch {
            throw ServiceError("exam attempt \(attemptID) has an unreadable paper; the database may be damaged")
        }
        var responses = [Response?](repeating: nil, count: paper.items.count)
        var flagged = Set<Int>()
        for stored in try database.examResponses(attempt: attemptID) where stored.position < paper.items.count {
            responses[stored.position] = stored.response.flatMap { try? JSONDecoder().decode(Response.self, from: Data($0.utf8)) }
            if stored.flagged { flagged.insert(stored.position) }
        }
        let rules = (try? self.blueprint(record.blueprint).blueprint) ?? Blueprint(id: record.blueprint, sections: [])
        let grader = try Grader(questions: paper.items.map(\.question))
        let session = ExamSession(paper: paper, deadline: Self.date(record.deadline), responses: responses, flagged: flagged, position: record.position)
        let marking = record.marking.flatMap { try? JSONDecoder().decode(Marking.self, from: Data($0.utf8)) }
        return ExamRun(record: record, session: session, blueprint: rules, grader: grader, marking: marking)
    }

    /// The person's attempt in progress (of `blueprint`, or any), rebuilt; nil when there is none. An attempt whose
    /// deadline passed while the candidate was away is submitted first and returned submitted.
    public func resume(person: String, blueprint: String? = nil, at time: Date? = nil) throws -> ExamRun? {
        let time = time ?? now()
        guard let record = try database.examAttempts(person: person, blueprint: blueprint, status: "in-progress").last else { return nil }
        var run = try load(record.id)
        try perform(&run, run.session.tick(now: time), at: time)
        return run
    }

    /// Submits the person's attempts whose deadline has passed.
    func expireOverdue(person: String, blueprint: String, at time: Date) throws {
        for record in try database.examAttempts(person: person, blueprint: blueprint, status: "in-progress") {
            guard let deadline = Self.date(record.deadline), time >= deadline else { continue }
            var run = try load(record.id)
            try perform(&run, run.session.tick(now: time), at: time)
        }
    }

    // MARK: Taking

    /// Answers the question at `position` (current by default). The answer is stored before this returns.
    @discardableResult
    public func answer(_ run: inout ExamRun, _ response: Response?, position: Int? = nil, at time: Date? = nil) throws -> [ExamSession.Action] {
        try drive(&run, at: time) { session, now in session.answer(response, at: position, now: now) }
    }

    /// Moves to a question (`position` is 0-based).
    @discardableResult
    public func go(_ run: inout ExamRun, to position: Int, at time: Date? = nil) throws -> [ExamSession.Action] {
        try drive(&run, at: time) { session, now in session.go(to: position, now: now) }
    }

    /// Flags or unflags the current question.
    @discardableResult
    public func toggleFlag(_ run: inout ExamRun, at time: Date? = nil) throws -> [ExamSession.Action] {
        try drive(&run, at: time) { session, now in session.toggleFlag(now: now) }
    }

    /// Submits the attempt.
    @discardableResult
    public func submit(_ run: inout ExamRun, at time: Date? = nil) throws -> [ExamSession.Action] {
        try drive(&run, at: time) { session, now in session.submit(now: now) }
    }

    /// Runs one step of the session at `time` (default: now) and persists what it asks for.
    func drive(_ run: inout ExamRun, at time: Date?, _ step: (inout ExamSession, Date) -> [ExamSession.Action]) throws -> [ExamSession.Action] {
        let time = time ?? now()
        let actions = step(&run.session, time)
        try perform(&run, actions, at: time)
        return actions
    }

    /// Persists what the session asked for.
    func perform(_ run: inout ExamRun, _ actions: [ExamSession.Action], at time: Date) throws {
        for action in actions {
            switch action {
            case .save(let position):
                let response = try run.session.responses[position].map { try canonicalJSON($0) }
                try batcher.save(ResponseSave(attempt: run.record.id, position: position, response: response, flagged: run.session.flagged.contains(position),
                                              savedAt: Self.stamp(time), current: run.session.position), on: database)
            case .show(let position):
                try database.saveExamPosition(attempt: run.record.id, position: position)
            case .submit(let reason):
                // A deadline submission is stamped at the deadline, whenever it is noticed.
                let submittedAt = reason == .deadline ? (run.session.deadline ?? time) : time
                try finish(&run, reason: reason, at: submittedAt)
            case .refuse:
                break
            }
        }
    }

    func finish(_ run: inout ExamRun, reason: ExamSession.SubmitReason, at time: Date) throws {
        let marking = Marking.grade(run.session.paper, responses: run.session.responses, grader: run.grader)
        var record = run.record
        record.submitReason = reason.rawValue
        record.submittedAt = Self.stamp(time)
        run.record = try store(record, marking: marking, expected: "in-progress", at: time)
        run.marking = marking
    }

    /// Stores a marking: graded (evidence, retraining flag) when nothing waits for a grader, else `submitted`.
    func store(_ base: ExamAttemptRecord, marking: Marking, expected: String, at time: Date) throws -> ExamAttemptRecord {
        var record = base
        let rules = try? self.blueprint(record.blueprint).blueprint
        let passMark = rules?.passMark ?? 100
        record.total = marking.total
        record.maximum = marking.maximum
        record.percent = marking.percent
        record.marking = try canonicalJSON(marking)
        var evidence: Attempt?
        var flag: String?
        if marking.pending == 0 {
            record.status = "graded"
            record.gradedAt = Self.stamp(time)
            let passed = marking.percent + 1e-9 >= passMark
            record.passed = passed
            evidence = Attempt(id: 0, personID: record.personID, kind: "exam", reference: record.blueprint, contentVersion: record.contentVersion,
                               mode: "exam", score: (marking.percent * 100).rounded() / 100, passed: passed, completedAt: record.submittedAt ?? Self.stamp(time))
            if let rules, !passed {
                let history = try database.examHistory(person: record.personID, blueprint: record.blueprint)
                let cycle = history.attempts.filter { $0.cycle == history.cycle && $0.id != record.id }.map(Self.history)
                    + [AttemptHistory(number: record.attemptNumber, submittedAt: Self.date(record.submittedAt), percent: marking.percent, passed: false)]
                if !history.isFlagged, RetakePolicy.needsRetraining(rules, history: cycle) {
                    flag = "failed \(rules.retrainAfterFailures ?? 0) attempts in a row"
                }
            }
        } else {
            record.status = "submitted"
            record.passed = nil
        }
        return try database.recordExamResult(record, expectedStatus: expected, evidence: evidence, flagRetraining: flag, at: Self.stamp(time))
    }

    /// Takes an exam from an answers file: starts (or resumes) the attempt, gives each drawn question its answer at
    /// its `at` time, and submits at the end (or at the deadline). Returns the submitted run.
    public func take(_ blueprint: String, person: String, language: String? = nil, seed: UInt64? = nil, answers: AnswerScript) throws -> ExamRun {
        let opened = now()
        var run = try resume(person: person, blueprint: blueprint, at: opened) ?? start(blueprint, person: person, language: language, seed: seed, at: opened)
        let began = Self.date(run.record.startedAt) ?? opened
        var byID: [String: [AnswerScript.Entry]] = [:]
        for entry in answers.entries { byID[entry.id, default: []].append(entry) }
        var clock = opened
        for (position, item) in run.session.paper.items.enumerated() where run.session.submitted == nil {
            for entry in byID[item.question.id] ?? [] where run.session.submitted == nil {
                if let at = entry.at { clock = max(clock, began.addingTimeInterval(at)) }
                try go(&run, to: position, at: clock)
                if let value = entry.answer {
                    let response = try AnswerScript.response(value, to: item.question, at: entry.location)
                    let actions = try answer(&run, response, at: clock)
                    for case .refuse(let reason) in actions where run.session.submitted == nil {
                        throw ServiceError("\(entry.location): question `\(item.question.id)`: \(reason)")
                    }
                }
                if entry.flag, !run.session.flagged.contains(position) { try toggleFlag(&run, at: clock) }
            }
        }
        if run.session.submitted == nil { try submit(&run, at: clock) }
        return run
    }

    // MARK: Results and grading

    /// A person's results per blueprint, with the final grade by each blueprint's grading method.
    public func results(person: String) throws -> [ExamResult] {
        guard try database.person(person) != nil else { throw ServiceError("no person with id `\(person)`") }
        let attempts = try database.examAttempts(person: person)
        let flags = Set(try database.openRetrainingFlags().filter { $0.person == person }.map(\.blueprint))
        return Dictionary(grouping: attempts, by: \.blueprint).sorted { $0.key < $1.key }.map { blueprint, list in
            let rules = try? self.blueprint(blueprint).blueprint
            let method = rules?.gradingMethod ?? .highest
            let grade = method.combine(list.filter { $0.status == "graded" }.map(\.percent))
            return ExamResult(blueprint: blueprint, attempts: list, grade: grade, method: method, passMark: rules?.passMark ?? 0, isFlagged: flags.contains(blueprint))
        }
    }

    /// Answers waiting for a person's mark (essays, and answers automatic grading could not decide), oldest first.
    public func gradingQueue() throws -> [PendingGrade] {
        var pending: [PendingGrade] = []
        for record in try database.examAttempts(status: "submitted") {
            let run = try load(record.id)
            let manual = Set(try database.manualGrades(attempt: record.id).map(\.position))
            for item in run.marking?.items ?? [] where item.grade.state == .needsGrading && !manual.contains(item.position) {
                let response = run.session.responses[item.position]
                var text = ""
                if case .text(let value) = response { text = value }
                pending.append(PendingGrade(attempt: record, position: item.position, question: run.session.paper.items[item.position].question,
                                            response: text, mark: item.mark))
            }
        }
        return pending
    }

    /// Records a grader's mark (`marks` out of the question's marks) for one answer; when it was the last one missing,
    /// the attempt is graded (evidence, retraining flag) in the same step. Graders cannot grade their own attempts.
    public func grade(attempt attemptID: Int64, position: Int, marks: Double, comment: String, grader: String, at time: Date? = nil) throws -> ExamAttemptRecord {
        let time = time ?? now()
        guard let person = try database.person(grader) else { throw ServiceError("no person with id `\(grader)`") }
        guard person.level != .specialist else {
            throw ServiceError("`\(grader)` is a specialist: essays are graded by mentors (senior specialist or above) and leads")
        }
        let run = try load(attemptID)
        guard run.record.personID != grader else { throw ServiceError("`\(grader)` cannot grade their own attempt") }
        guard run.record.status == "submitted" else { throw ServiceError("exam attempt \(attemptID) is \(run.record.status): nothing waits for a mark") }
        guard let item = run.marking?.items.first(where: { $0.position == position }), item.grade.state == .needsGrading else {
            throw ServiceError("question \(position + 1) of attempt \(attemptID) does not wait for a mark; `kefu exam queue` lists those that do")
        }
        guard marks >= 0, marks <= item.mark else { throw ServiceError("give between 0 and \(Question.displayNumber(item.mark)) marks") }
        try database.addManualGrade(attempt: attemptID, ManualGrade(position: position, graderID: grader, fraction: item.mark > 0 ? marks / item.mark : 0,
                                                                    comment: comment, gradedAt: Self.stamp(time)))
        let manual = Dictionary(uniqueKeysWithValues: try database.manualGrades(attempt: attemptID).map { ($0.position, $0.fraction) })
        let marking = Marking.grade(run.session.paper, responses: run.session.responses, grader: run.grader, manual: manual)
        return try store(run.record, marking: marking, expected: "submitted", at: time)
    }

    /// Clears a retraining flag; only supervisors and managers may.
    public func clearRetraining(person: String, blueprint: String, supervisor: String, note: String, at time: Date? = nil) throws {
        guard let clearer = try database.person(supervisor) else { throw ServiceError("no person with id `\(supervisor)`") }
        guard [.supervisor, .manager].contains(clearer.level) else {
            throw ServiceError("`\(supervisor)` is \(clearer.level.rawValue): a supervisor or manager clears retraining flags")
        }
        guard try database.clearRetraining(person: person, blueprint: blueprint, by: supervisor, at: Self.stamp(time ?? now()), note: note) else {
            throw ServiceError("`\(person)` has no open retraining flag for `\(blueprint)`")
        }
    }

    // MARK: Statistics

    /// Item analysis over first attempts (one per person) of a blueprint, or of every blueprint drawing on a bank
    /// (then only that bank's items are reported, and the test-level figures are left out).
    public func statistics(blueprint: String? = nil, bank: String? = nil) throws -> (report: ItemAnalysis.Report, names: [String: String]) {
        var firsts: [String: ExamAttemptRecord] = [:]
        for record in try database.examAttempts(blueprint: blueprint, status: "graded") {
            let key = "\(record.personID)/\(record.blueprint)"
            if firsts[key] == nil { firsts[key] = record }
        }
        var attempts: [ItemAnalysis.Attempt] = []
        var names: [String: String] = [:]
        for record in firsts.values.sorted(by: { $0.id < $1.id }) {
            guard let marking = record.marking.flatMap({ try? JSONDecoder().decode(Marking.self, from: Data($0.utf8)) }),
                  let paper = try? JSONDecoder().decode(Paper.self, from: Data(record.paper.utf8)) else { continue }
            for item in paper.items { names[item.key] = item.question.name }
            let items = marking.items.filter { $0.mark > 0 }.map { (key: $0.key, slot: $0.slot, mark: $0.awarded ?? 0, maximum: $0.mark) }
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
        return (report, names)
    }
}

extension Question {
    /// A number without a trailing `.0` (for messages).
    public static func displayNumber(_ value: Double) -> String { value == value.rounded() ? String(Int64(value)) : String(value) }
}
