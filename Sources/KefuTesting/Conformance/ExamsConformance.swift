import Foundation
import KefuCore
public import KefuStorage

extension StorageConformance {
    /// Adds people for the exam and scenario suites through ``PeopleStore``.
    static func seedPeople(_ ids: [String], in storage: any Storage) async throws {
        try await storage.people.add(ids.map { Person(id: $0, name: $0, hireDate: "2026-09-01", languages: ["zh"]) })
    }

    /// A minimal attempt record for `person`.
    static func examRecord(_ person: PersonID, seed: UInt64 = 1) -> ExamAttemptRecord {
        ExamAttemptRecord(
            personID: person, blueprint: "bp", contentVersion: "v1", language: "zh", seed: seed,
            startedAt: "2026-11-22T09:00:00.000Z",
            deadline: "2026-11-22T09:40:00.000Z", paper: "{\"items\":[]}", maximum: 10)
    }

    /// ``ExamStore``: start with history (attempt numbers, cycles, refusals), batched saves with per-save refusals,
    /// positions, results with evidence and retraining flags in one transaction, manual grades, clearing, reads.
    public static func exams(_ make: StorageFactory) async throws {
        let storage = try await make()
        try await seedPeople(["E001", "E002", "M001"], in: storage)
        let (first, other, saves) = try await examStartsAndSaves(storage.exams)
        let second = try await examResultsAndRetraining(storage.exams, first: first, saves: saves)
        try await examGradesAndReads(storage.exams, first: first, second: second, other: other)
    }

    /// Starts (unknown people, refusals, history), batched saves with per-save refusals, positions.
    static func examStartsAndSaves(
        _ store: any ExamStore
    ) async throws -> (ExamAttemptRecord, ExamAttemptRecord, [ResponseSave]) {

        // Unknown people are not found; a refusal from `make` stores nothing.
        do {
            _ = try await store.startAttempt(person: "X999", blueprint: "bp") { _ in examRecord("X999") }
            throw CheckFailure("an attempt for an unknown person was stored")
        } catch let error as StorageError { try check(error.code == .notFound, "unknown person: \(error.code)") }
        struct Refused: Error {}
        do {
            _ = try await store.startAttempt(person: "E001", blueprint: "bp") { _ in throw Refused() }
            throw CheckFailure("a refused start was stored")
        } catch is Refused {}
        try await verify(
            try await store.attempts(person: nil, blueprint: nil, status: nil).isEmpty,
            "a refused start left an attempt")

        let first = try await store.startAttempt(person: "E001", blueprint: "bp") { history in
            try check(history.attempts.isEmpty && history.cycle == 0 && !history.isFlagged, "fresh history: \(history)")
            return examRecord("E001", seed: 7)
        }
        try check(
            first.id.rawValue > 0 && first.attemptNumber == 1 && first.status == .inProgress && first.seed == 7,
            "first attempt: \(first)")
        let other = try await store.startAttempt(person: "E002", blueprint: "bp") { _ in examRecord("E002") }
        let stored = try await store.attempt(first.id)
        try check(stored == first, "the stored attempt reads back unchanged")

        // Batched saves: each save lands or is refused alone.
        let saves = [
            ResponseSave(
                attempt: first.id, position: 0, response: "{\"number\":1}", flagged: false,
                savedAt: "2026-11-22T09:01:00.000Z", current: 1),
            ResponseSave(
                attempt: ExamAttemptID(999_999), position: 0, response: nil, flagged: false,
                savedAt: "2026-11-22T09:01:00.000Z", current: 0),
            ResponseSave(
                attempt: first.id, position: 1, response: nil, flagged: true, savedAt: "2026-11-22T09:02:00.000Z",
                current: 1),
            ResponseSave(
                attempt: first.id, position: 0, response: "{\"number\":2}", flagged: false,
                savedAt: "2026-11-22T09:03:00.000Z", current: 2),
        ]
        let outcomes = try await store.saveResponses(saves)
        try check(
            outcomes.count == 4 && outcomes[0] == nil && outcomes[1]?.code == .notFound && outcomes[2] == nil
                && outcomes[3] == nil,
            "save outcomes: \(outcomes.map { $0?.code.rawValue ?? "ok" })")
        let responses = try await store.responses(attempt: first.id)
        try check(
            responses.map(\.position) == [0, 1] && responses[0].response == "{\"number\":2}" && responses[1].flagged
                && responses[1].response == nil,
            "responses: \(responses)")
        try await verify(try await store.attempt(first.id)?.position == 2, "the last save's position is kept")
        // A save without a flag (nil) keeps the stored one; a new row starts unflagged.
        let keep = try await store.saveResponses([
            ResponseSave(
                attempt: first.id, position: 1, response: "{\"number\":5}", flagged: nil,
                savedAt: "2026-11-22T09:04:00.000Z", current: 1),
            ResponseSave(
                attempt: first.id, position: 2, response: "{\"number\":6}", flagged: nil,
                savedAt: "2026-11-22T09:04:00.000Z", current: 2),
        ])
        let kept = try await store.responses(attempt: first.id)
        try check(
            keep.allSatisfy { $0 == nil } && kept.count == 3 && kept[1].flagged && kept[1].response == "{\"number\":5}"
                && !kept[2].flagged,
            "a save without a flag keeps the stored flag: \(kept)")
        try await store.savePosition(attempt: first.id, position: 0)
        try await verify(try await store.attempt(first.id)?.position == 0, "savePosition")
        return (first, other, saves)
    }

    /// Results with evidence and a retraining flag decided inside the transaction; clearing starts a new cycle.
    static func examResultsAndRetraining(
        _ store: any ExamStore, first: ExamAttemptRecord, saves: [ResponseSave]
    ) async throws -> ExamAttemptRecord {
        // Submitting a failed attempt: evidence plus a retraining flag decided inside the transaction.
        var failed = first
        failed.status = .graded
        failed.submitReason = .deadline
        failed.submittedAt = "2026-11-22T09:40:00.000Z"
        failed.gradedAt = "2026-11-22T09:40:00.000Z"
        failed.total = 2
        failed.percent = 20
        failed.passed = false
        failed.marking = "{}"
        let evidence = Attempt(
            personID: "E001", kind: "exam", reference: "bp", contentVersion: "v1", mode: "exam", score: 20,
            passed: false,
            completedAt: "2026-11-22T09:40:00.000Z")
        let recorded = try await store.recordResult(
            ExamResultWrite(
                record: failed, expectedStatus: .inProgress, evidence: evidence, at: "2026-11-22T09:40:00.000Z"
            ) { history in
                history.attempts.count == 1 && history.attempts[0].status == .graded ? "failed" : nil
            })
        try check(
            recorded.attemptID != nil && recorded.status == .graded && recorded.passed == false, "recorded: \(recorded)"
        )
        let reread = try await store.attempt(first.id)
        try check(
            reread?.percent == 20 && reread?.submitReason == .deadline && reread?.attemptID == recorded.attemptID,
            "graded attempt reads back")
        do {
            _ = try await store.recordResult(
                ExamResultWrite(
                    record: failed, expectedStatus: .inProgress, evidence: nil, at: "2026-11-22T09:41:00.000Z"))
            throw CheckFailure("a second submission was stored")
        } catch let error as StorageError { try check(error.code == .conflict, "second submission: \(error.code)") }
        let late = try await store.saveResponses([saves[0]])
        try check(late.first??.code == .conflict, "a save to a graded attempt is a conflict")
        let flags = try await store.openRetrainingFlags()
        try check(
            flags.map(\.person) == ["E001"] && flags.first?.reason == "failed" && flags.first?.blueprint == "bp",
            "flags: \(flags)")
        let history = try await store.history(person: "E001", blueprint: "bp")
        try check(history.isFlagged && history.attempts.count == 1 && history.cycle == 0, "history while flagged")

        // Clearing starts a new cycle.
        try await verify(
            try await store.clearRetraining(
                person: "E001", blueprint: "bp", by: "M001", at: "2026-11-23T09:00:00.000Z", note: "done"), "clear")
        try await verify(
            try await !store.clearRetraining(
                person: "E001", blueprint: "bp", by: "M001", at: "2026-11-23T09:00:00.000Z", note: ""),
            "nothing left to clear")
        let second = try await store.startAttempt(person: "E001", blueprint: "bp") { history in
            try check(history.cycle == 1 && !history.isFlagged, "after clearing: \(history)")
            return examRecord("E001")
        }
        try check(
            second.attemptNumber == 2 && second.cycle == 1, "second attempt numbered within a new cycle: \(second)")
        return second
    }

    /// Manual grades (a new mark replaces the old; unknown graders are not found) and filtered reads.
    static func examGradesAndReads(
        _ store: any ExamStore, first: ExamAttemptRecord, second: ExamAttemptRecord, other: ExamAttemptRecord
    ) async throws {
        // Manual grades.
        let grade = ManualGrade(
            position: 3, graderID: "M001", fraction: 0.5, comment: "ok", gradedAt: "2026-11-23T10:00:00.000Z")
        var grades = try await store.addManualGrade(attempt: other.id, grade)
        try check(grades == [grade], "grades: \(grades)")
        var regrade = grade
        regrade.fraction = 1
        grades = try await store.addManualGrade(attempt: other.id, regrade)
        try await verify(
            try await store.manualGrades(attempt: other.id) == [regrade] && grades == [regrade],
            "a new mark replaces the old one")
        do {
            _ = try await store.addManualGrade(
                attempt: other.id, ManualGrade(position: 0, graderID: "X999", fraction: 1, comment: "", gradedAt: ""))
            throw CheckFailure("a mark by an unknown grader was stored")
        } catch let error as StorageError { try check(error.code == .notFound, "unknown grader: \(error.code)") }

        // Filters.
        try await verify(
            try await store.attempts(person: "E001", blueprint: nil, status: nil).map(\.id) == [first.id, second.id],
            "by person, oldest first")
        try await verify(
            try await store.attempts(person: nil, blueprint: "bp", status: .graded).map(\.id) == [first.id], "by status"
        )
        try await verify(try await store.attempts(person: nil, blueprint: "other", status: nil).isEmpty, "by blueprint")
        try await verify(try await store.attempt(ExamAttemptID(999_999)) == nil, "unknown attempt reads nil")
    }

    /// ``ScenarioRunStore``: start (attempt numbers), progress, finishing (evidence only when complete, in the same
    /// transaction), conflicts, reads.
    public static func scenarios(_ make: StorageFactory) async throws {
        let storage = try await make()
        let store = storage.scenarios
        try await seedPeople(["E001", "E002"], in: storage)
        func record(_ person: PersonID, _ scenario: ScenarioID = "sc") -> ScenarioRunRecord {
            ScenarioRunRecord(
                personID: person, scenario: scenario, language: "zh", contentVersion: "v1", mode: .exam, seed: 3,
                startedAt: "2026-11-22T09:00:00.000Z", transcript: "{}", report: "{}")
        }
        do {
            _ = try await store.start(record("X999"))
            throw CheckFailure("a run for an unknown person was stored")
        } catch let error as StorageError { try check(error.code == .notFound, "unknown person: \(error.code)") }
        let one = try await store.start(record("E001"))
        let two = try await store.start(record("E001"))
        let elsewhere = try await store.start(record("E001", "other"))
        let theirs = try await store.start(record("E002"))
        try check(
            one.attemptNumber == 1 && two.attemptNumber == 2 && elsewhere.attemptNumber == 1
                && theirs.attemptNumber == 1, "attempt numbers")
        try check(one.status == .inProgress && one.id.rawValue > 0 && one.mode == .exam, "started: \(one)")

        try await store.saveProgress(run: one.id, transcript: "{\"turns\":[]}", report: "{\"partial\":true}")
        try await verify(try await store.run(one.id)?.transcript == "{\"turns\":[]}", "progress saved")

        let complete = try await store.finish(
            ScenarioRunEnd(
                run: one.id, status: .complete, outcome: "resolved", finishedAt: "2026-11-22T09:05:00.000Z",
                score: 88.5,
                passed: true, transcript: "{\"t\":1}", report: "{\"r\":1}"))
        try check(
            complete.status == .complete && complete.attemptID != nil && complete.score == 88.5 && complete.passed,
            "complete: \(complete)")
        try await verify(try await store.run(one.id) == complete, "the finished run reads back as returned")
        let stopped = try await store.finish(
            ScenarioRunEnd(
                run: two.id, status: .incomplete, outcome: "end-of-input", finishedAt: "2026-11-22T09:06:00.000Z",
                score: 10, passed: false, transcript: "{}", report: "{}"))
        try check(stopped.attemptID == nil && stopped.status == .incomplete, "an incomplete run is not evidence")
        do {
            _ = try await store.finish(
                ScenarioRunEnd(
                    run: one.id, status: .complete, outcome: nil, finishedAt: "", score: 0, passed: false,
                    transcript: "", report: ""))
            throw CheckFailure("a finished run was finished again")
        } catch let error as StorageError { try check(error.code == .conflict, "finishing twice: \(error.code)") }
        do {
            _ = try await store.finish(
                ScenarioRunEnd(
                    run: RunID(999_999), status: .complete, outcome: nil, finishedAt: "", score: 0, passed: false,
                    transcript: "", report: ""))
            throw CheckFailure("an unknown run was finished")
        } catch let error as StorageError { try check(error.code == .notFound, "unknown run: \(error.code)") }
        try await store.saveProgress(run: one.id, transcript: "{\"late\":1}", report: "{}")
        try await verify(try await store.run(one.id)?.transcript == "{\"t\":1}", "progress after the end is ignored")

        try await verify(
            try await store.runs(person: "E001", scenario: nil, limit: 10).map(\.id) == [elsewhere.id, two.id, one.id],
            "newest first")
        try await verify(
            try await store.runs(person: "E001", scenario: "sc", limit: 1).map(\.id) == [two.id], "filtered and limited"
        )
        try await verify(try await store.runs(person: nil, scenario: nil, limit: 100).count == 4, "all runs")
        try await verify(try await store.run(RunID(999_999)) == nil, "unknown run reads nil")
    }
}

/// ``check(_:_:file:line:)`` for conditions that await.
private func verify(
    _ condition: @autoclosure () async throws -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #filePath, line: UInt = #line
) async throws {
    if try await !condition() { throw CheckFailure(message(), file: file, line: line) }
}
