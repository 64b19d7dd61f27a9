public import Foundation
public import KefuCore
public import KefuExams
public import KefuStorage

extension ExamService {
    /// The acting candidate's own attempt, rebuilt; an attempt of someone else, or none, is "not found" (the same
    /// answer either way, so ids cannot be probed). A deadline that passed while the candidate was away submits the
    /// attempt first.
    public func ownAttempt(_ id: ExamAttemptID, at time: Date? = nil, by actor: Identity) async throws -> ExamRun {
        let store = try self.store
        let missing = ServiceError(.notFound, "no exam attempt \(id)", hint: .init("exam.results"))
        guard let record = try await translatingStorageErrors({ try await store.attempt(id) }),
            record.personID == actor.person
        else { throw missing }
        let stored = try await translatingStorageErrors { try await store.responses(attempt: id) }
        var run = try rebuild(record, responses: stored)
        // The page is usually opened before the first answer: its unchanging facts are then ready for autosave.
        _ = try await papers.facts(id) {
            AttemptFacts(person: record.personID, deadline: Self.date(record.deadline), paper: run.session.paper)
        }
        if run.record.status == .inProgress {
            let time = time ?? now()
            try await perform(&run, run.session.tick(now: time), at: time, by: actor)
        }
        return run
    }

    /// Answers several questions of one attempt at once (a page with every question); each answer is durable before
    /// this returns. Returns the refusals by position (an answer that does not fit its question, time up).
    public func answer(
        _ run: inout ExamRun, _ answers: [(position: Int, response: ExamAnswer?)], at time: Date? = nil,
        by actor: Identity
    ) async throws -> [Int: String] {
        var refusals: [Int: String] = [:]
        for (position, response) in answers {
            let unchanged =
                run.session.responses.indices.contains(position) && run.session.responses[position] == response
            if unchanged { continue }
            for case .refuse(let reason) in try await answer(&run, response, position: position, at: time, by: actor) {
                refusals[position] = reason
            }
        }
        return refusals
    }

    /// Flags or unflags the question at `position`.
    @discardableResult
    public func toggleFlag(
        _ run: inout ExamRun, at position: Int, time: Date? = nil, by actor: Identity
    ) async throws -> [ExamAction] {
        var actions = try await go(&run, to: position, at: time, by: actor)
        if run.record.status == .inProgress { actions += try await toggleFlag(&run, at: time, by: actor) }
        return actions
    }
}

/// What never changes about an attempt once it is drawn: whose it is, its deadline and its paper.
struct AttemptFacts: Sendable {
    var person: PersonID
    var deadline: Date?
    var paper: Paper
}

/// Drawn papers by attempt id: a paper never changes once drawn, so answer saves need not decode it again.
final class PaperCache: @unchecked Sendable {
    private let lock = NSLock()
    private var papers: [ExamAttemptID: Paper] = [:]
    private var facts: [ExamAttemptID: AttemptFacts] = [:]

    /// The attempt's unchanging facts, from memory after the first read.
    func facts(_ id: ExamAttemptID, _ read: () async throws -> AttemptFacts?) async throws -> AttemptFacts? {
        if let found = lock.withLock({ facts[id] }) { return found }
        guard let loaded = try await read() else { return nil }
        lock.withLock {
            if facts.count >= capacity { facts.removeAll(keepingCapacity: true) }
            facts[id] = loaded
        }
        return loaded
    }
    private var graders: [ExamAttemptID: Grader] = [:]
    private let capacity = 20_000

    func grader(_ id: ExamAttemptID, _ make: () throws -> Grader) throws -> Grader {
        if let found = lock.withLock({ graders[id] }) { return found }
        let grader = try make()
        lock.withLock {
            if graders.count >= capacity { graders.removeAll(keepingCapacity: true) }
            graders[id] = grader
        }
        return grader
    }

    func paper(_ id: ExamAttemptID, _ decode: () throws -> Paper) throws -> Paper {
        if let found = lock.withLock({ papers[id] }) { return found }
        let paper = try decode()
        lock.withLock {
            if papers.count >= capacity { papers.removeAll(keepingCapacity: true) }
            papers[id] = paper
        }
        return paper
    }
}

extension ExamService {
    /// The drawn paper of the acting candidate's attempt (from memory after the first read); "not found" for someone
    /// else's attempt or none.
    public func ownPaper(_ id: ExamAttemptID, by actor: Identity) async throws -> Paper {
        try await ownFacts(id, by: actor).paper
    }

    /// Whose the attempt is, its deadline and its paper — read once, then from memory (they never change).
    func ownFacts(_ id: ExamAttemptID, by actor: Identity) async throws -> AttemptFacts {
        let store = try self.store
        let facts = try await papers.facts(id) {
            guard let record = try await translatingStorageErrors({ try await store.attempt(id) }) else { return nil }
            return AttemptFacts(
                person: record.personID, deadline: Self.date(record.deadline),
                paper: try papers.paper(id) { try Self.decodePaper(record) })
        }
        guard let facts, facts.person == actor.person else {
            throw ServiceError(.notFound, "no exam attempt \(id)", hint: .init("exam.results"))
        }
        return facts
    }

    /// Saves answers of the acting candidate's attempt in progress — the autosave path: one read of the attempt, the
    /// drawn paper from memory, each answer checked against its question, then the group commit (durable before this
    /// returns). Stored flags are kept. Returns the refusals by position (an answer that does not fit its question).
    /// A submitted attempt is refused (also inside the write transaction, so a save racing a submission cannot land);
    /// past the deadline the attempt is submitted and the answers refused.
    public func saveAnswers(
        _ answers: [(position: Int, response: ExamAnswer?)], attempt id: ExamAttemptID, at time: Date? = nil,
        by actor: Identity
    ) async throws -> [Int: String] {
        let time = time ?? now()
        let store = try self.store
        // The attempt's status is checked inside the write transaction (a submitted attempt refuses the save).
        let facts = try await ownFacts(id, by: actor)
        let paper = facts.paper
        if let deadline = facts.deadline, time >= deadline {
            _ = try await ownAttempt(id, at: time, by: actor)
            throw ServiceError(.precondition, "time is up: the answer was not accepted")
        }
        var refusals: [Int: String] = [:]
        for (position, response) in answers {
            guard paper.items.indices.contains(position) else {
                refusals[position] = "there is no question \(position + 1)"
                continue
            }
            if let response, let problem = ExamSession.problem(response, paper.items[position].question) {
                refusals[position] = problem
                continue
            }
            let save = ResponseSave(
                attempt: id, position: position, response: try response.map { try canonicalJSON($0) }, flagged: nil,
                savedAt: Self.stamp(time), current: position)
            do { try await saveThroughBatcher(save) } catch let error as ServiceError where error.code == .conflict {
                throw ServiceError(.precondition, "the attempt is already submitted; answers can no longer change")
            }
        }
        if !refusals.isEmpty, let record = try await translatingStorageErrors({ try await store.attempt(id) }),
            record.status != .inProgress
        {
            // A refused answer to a submitted attempt: say it is submitted (the rarer path reads the status).
            throw ServiceError(.precondition, "the attempt is already submitted; answers can no longer change")
        }
        return refusals
    }
}
