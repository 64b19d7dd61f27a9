public import Foundation
public import KefuCore

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
        var run = try await load(id)
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
