import Foundation
import KefuCore
public import KefuStorage

extension StorageConformance {
    /// ``ExamStore`` beyond ``exams(_:)``: fixed seeds (unknown people, replacing, used up by the next start),
    /// batches saving one position several times (the last answer and the last flag given win), refusals between
    /// accepted saves, and what submitted attempts ignore or refuse.
    public static func examSeedsAndBatches(_ make: StorageFactory) async throws {
        let storage = try await make()
        try await seedPeople(["E001", "M001"], in: storage)
        let store = storage.exams
        try await examFixedSeeds(store)
        try await examBatchMerges(store)
    }

    /// Fixed seeds: refused for unknown people, replaced by a later one, seen and used up by the next start.
    static func examFixedSeeds(_ store: any ExamStore) async throws {
        do {
            try await store.fixSeed(
                FixedSeed(person: "X999", blueprint: "bp", seed: 1, fixedBy: "admin", at: "2026-11-22T08:00:00.000Z"))
            throw CheckFailure("a seed for an unknown person was fixed")
        } catch let error as StorageError { try check(error.code == .notFound, "unknown person: \(error.code)") }
        try await store.fixSeed(
            FixedSeed(person: "E001", blueprint: "bp", seed: 11, fixedBy: "admin", at: "2026-11-22T08:00:00.000Z"))
        try await store.fixSeed(
            FixedSeed(
                person: "E001", blueprint: "bp", seed: UInt64.max - 1, fixedBy: "admin2",
                at: "2026-11-22T08:01:00.000Z"))
        let before = try await store.history(person: "E001", blueprint: "bp")
        try check(
            before.fixedSeed?.seed == UInt64.max - 1 && before.fixedSeed?.fixedBy == "admin2"
                && before.fixedSeed?.person == "E001",
            "the later fixed seed replaces the unused one: \(String(describing: before.fixedSeed))")
        let other = try await store.history(person: "E001", blueprint: "other")
        try check(other.fixedSeed == nil, "a fixed seed belongs to its blueprint")
        let started = try await store.startAttempt(person: "E001", blueprint: "bp") { history in
            examRecord("E001", seed: history.fixedSeed?.seed ?? 0)
        }
        try check(started.seed == UInt64.max - 1, "the start used the fixed seed (all 64 bits): \(started.seed)")
        let after = try await store.history(person: "E001", blueprint: "bp")
        try check(after.fixedSeed == nil, "the start used the fixed seed up")
    }

    /// One position saved several times in a batch, refusals between accepted saves, submitted attempts.
    static func examBatchMerges(_ store: any ExamStore) async throws {
        let attempt = try await store.startAttempt(person: "E001", blueprint: "merge") { _ in
            var record = examRecord("E001")
            record.blueprint = "merge"
            return record
        }
        try await verifyExam(try await store.saveResponses([]).isEmpty, "an empty batch")
        func save(
            _ position: Int, _ response: String?, _ flagged: Bool?, current: Int, attempt id: ExamAttemptID? = nil
        )
            -> ResponseSave
        {
            ResponseSave(
                attempt: id ?? attempt.id, position: position, response: response, flagged: flagged,
                savedAt: "2026-11-22T09:0\(position):00.000Z", current: current)
        }
        let outcomes = try await store.saveResponses([
            save(0, "{\"a\":1}", true, current: 0), save(0, "{\"a\":2}", nil, current: 3),
            save(4, nil, nil, current: 9, attempt: ExamAttemptID(987_654)), save(0, nil, nil, current: 4),
            save(1, "{\"b\":1}", nil, current: 5),
        ])
        try check(
            outcomes.map { $0?.code } == [nil, nil, .notFound, nil, nil],
            "outcomes: \(outcomes.map { $0?.code.rawValue ?? "ok" })")
        let responses = try await store.responses(attempt: attempt.id)
        try check(
            responses.map(\.position) == [0, 1] && responses[0].response == nil && responses[0].flagged
                && responses[1].response == "{\"b\":1}" && !responses[1].flagged,
            "the last answer and the last flag given win: \(responses)")
        try await verifyExam(
            try await store.attempt(attempt.id)?.position == 5, "the position of the last accepted save")
        var submitted = try await store.attempt(attempt.id) ?? attempt
        submitted.status = .submitted
        submitted.submitReason = .candidate
        submitted.submittedAt = "2026-11-22T09:30:00.000Z"
        _ = try await store.recordResult(
            ExamResultWrite(
                record: submitted, expectedStatus: .inProgress, evidence: nil, at: "2026-11-22T09:30:00.000Z"))
        try await store.savePosition(attempt: attempt.id, position: 1)
        try await verifyExam(
            try await store.attempt(attempt.id)?.position == 5, "a submitted attempt keeps its position")
        let waiting = try await store.attempts(person: nil, blueprint: "merge", status: .submitted)
        let playing = try await store.attempts(person: "E001", blueprint: nil, status: .inProgress)
        try check(waiting.map(\.id) == [attempt.id] && playing.count == 1, "filters by status")
        var unknown = submitted
        unknown.id = ExamAttemptID(987_654)
        do {
            _ = try await store.recordResult(
                ExamResultWrite(
                    record: unknown, expectedStatus: .inProgress, evidence: nil, at: "2026-11-22T09:30:00.000Z")
            )
            throw CheckFailure("a result for an unknown attempt was stored")
        } catch let error as StorageError { try check(error.code == .notFound, "unknown attempt: \(error.code)") }
        do {
            _ = try await store.addManualGrade(
                attempt: ExamAttemptID(987_654),
                ManualGrade(
                    position: 0, graderID: "M001", fraction: 1, comment: "", gradedAt: "2026-11-22T10:00:00.000Z"))
            throw CheckFailure("a mark for an unknown attempt was stored")
        } catch let error as StorageError { try check(error.code == .notFound, "mark, unknown attempt: \(error.code)") }
    }
}

/// ``check(_:_:file:line:)`` for conditions that await.
private func verifyExam(
    _ condition: @autoclosure () async throws -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #filePath, line: UInt = #line
) async throws {
    if try await !condition() { throw CheckFailure(message(), file: file, line: line) }
}
