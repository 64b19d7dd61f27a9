import Foundation
public import KefuCore
import KefuLedger
public import KefuStorage

/// Writes the rows the mentoring and review suites need but whose stores have no writer yet (people,
/// scenario runs). Each backend's test supplies one; it goes away once ``PeopleStore`` and
/// ``ScenarioRunStore`` can add these themselves.
public protocol ConformanceSeed: Sendable {
    /// Adds people.
    func addPeople(_ people: [Person], to storage: any Storage) async throws
    /// Adds a scenario run of `person` in `status` (`complete`, `in-progress`, …) and returns its id.
    func addRun(person: PersonID, status: String, startedAt: String, to storage: any Storage) async throws -> RunID
}

extension StorageConformance {
    /// The people both suites use: two mentors, three apprentices, one supervisor.
    static let team: [Person] = [
        Person(
            id: "M1", name: "导师一", team: "A", site: "上海", level: .seniorSpecialist, hireDate: "2020-01-01",
            languages: ["zh"], channels: [.phone]),
        Person(
            id: "M2", name: "导师二", team: "B", site: "上海", level: .expert, hireDate: "2019-01-01", languages: ["zh"],
            channels: [.phone]),
        Person(
            id: "A1", name: "学员一", team: "A", site: "上海", hireDate: "2026-09-01", languages: ["zh"], channels: [.phone]),
        Person(
            id: "A2", name: "学员二", team: "A", site: "上海", hireDate: "2026-09-01", languages: ["zh"], channels: [.phone]),
        Person(
            id: "A3", name: "学员三", team: "B", site: "上海", hireDate: "2026-09-01", languages: ["zh"], channels: [.phone]),
        Person(
            id: "S1", name: "主管", team: "A", site: "上海", level: .supervisor, hireDate: "2015-01-01", languages: ["zh"],
            channels: [.phone]),
    ]

    /// ``MentoringStore``: assignment in one transaction (endings, new pairs, conflicts write nothing),
    /// history and active reads, transcript notes, overrides, sign-offs and the mentor's queue.
    public static func mentoring(_ make: StorageFactory, seed: any ConformanceSeed) async throws {
        let storage = try await make()
        try await seed.addPeople(team, to: storage)
        try await mentorshipAssignments(storage.mentoring)
        try await transcriptReviews(storage, seed: seed)
    }

    /// Assignment in one transaction: endings, new pairs, a conflict writes nothing; history, active reads, snapshot.
    static func mentorshipAssignments(_ store: any MentoringStore) async throws {
        let c1 = try await store.mentorships(of: nil, activeOnly: false).isEmpty
        try check(c1, "a fresh store has no mentorships")

        // Assign two pairs.
        let t0 = "2026-11-01T09:00:00.000Z"
        let pairs = [
            MentorshipRecord(
                apprenticeID: "A1", mentorID: "M1", assignedAt: t0, score: 3.5,
                reasons: ["shares zh and phone", "same team"]),
            MentorshipRecord(
                apprenticeID: "A2", mentorID: "M1", assignedAt: t0, score: 2, reasons: ["shares zh and phone"]),
        ]
        let stored = try await store.recordAssignment(ending: [], adding: pairs, at: t0)
        try check(
            stored.count == 2 && stored[0].id != stored[1].id && stored.allSatisfy { $0.id.rawValue > 0 },
            "stored pairs get distinct ids: \(stored)")
        try check(
            stored.map(\.apprenticeID) == ["A1", "A2"] && stored[0].reasons == ["shares zh and phone", "same team"]
                && stored[0].score == 3.5,
            "stored pairs keep their values: \(stored)")
        let active = try await store.mentorships(of: nil, activeOnly: true)
        try check(active == stored, "active pairs read back as stored: \(active)")

        // An apprentice who already has an active mentor: conflict, and nothing of the batch is stored.
        do {
            _ = try await store.recordAssignment(
                ending: [MentorshipEnding(id: stored[1].id, reason: "x")],
                adding: [
                    MentorshipRecord(apprenticeID: "A3", mentorID: "M2", assignedAt: t0, score: 1, reasons: []),
                    MentorshipRecord(apprenticeID: "A1", mentorID: "M2", assignedAt: t0, score: 1, reasons: []),
                ], at: t0)
            throw CheckFailure("a second active mentor for A1 was stored")
        } catch let error as StorageError {
            try check(error.code == .conflict, "a second active mentor is a conflict, not \(error.code)")
        }
        let c2 = try await store.mentorships(of: nil, activeOnly: true) == stored
        try check(c2, "a refused assignment writes nothing (not even its endings)")

        // End one pair and add its replacement in one transaction.
        let t1 = "2026-11-10T09:00:00.000Z"
        let replaced = try await store.recordAssignment(
            ending: [MentorshipEnding(id: stored[0].id, reason: "mentor M1 left")],
            adding: [
                MentorshipRecord(
                    apprenticeID: "A1", mentorID: "M2", assignedAt: t1, score: 1.25, reasons: ["shares zh"])
            ], at: t1)
        try check(replaced.count == 1 && replaced[0].mentorID == "M2", "the replacement is stored")
        let history = try await store.mentorships(of: "A1", activeOnly: false)
        try check(history.map(\.mentorID) == ["M1", "M2"], "history is oldest first: \(history)")
        try check(
            history[0].endedAt == t1 && history[0].endReason == "mentor M1 left" && !history[0].isActive,
            "the ended pair records when and why")
        try check(history[1].isActive && history[1].endedAt == nil, "the new pair is active")
        let m1 = try await store.mentorships(of: "M1", activeOnly: true)
        try check(m1.map(\.apprenticeID) == ["A2"], "a mentor's active pairs: \(m1)")

        // The snapshot an assignment reads.
        let snapshot = try await store.assignmentSnapshot()
        try check(snapshot.people.map(\.id).sorted() == team.map(\.id).sorted(), "the snapshot holds everyone")
        try check(
            Set(snapshot.active.map(\.apprenticeID)) == ["A1", "A2"] && snapshot.ledger.isEmpty,
            "the snapshot's active pairs and ledger")
    }

    /// Transcripts: unknown runs, notes, overrides that keep the automatic verdict, the queue, sign-off once.
    static func transcriptReviews(_ storage: any Storage, seed: any ConformanceSeed) async throws {
        let store = storage.mentoring
        let t1 = "2026-11-10T09:00:00.000Z"
        // Transcripts: unknown runs, notes, overrides, sign-off.
        let c3 = try await store.run(RunID(987_654)) == nil
        try check(c3, "an unknown run reads nil")
        let done = try await seed.addRun(
            person: "A2", status: "complete", startedAt: "2026-11-11T09:00:00.000Z", to: storage)
        let playing = try await seed.addRun(
            person: "A2", status: "in-progress", startedAt: "2026-11-12T09:00:00.000Z", to: storage)
        let others = try await seed.addRun(
            person: "A3", status: "complete", startedAt: "2026-11-12T10:00:00.000Z", to: storage)
        let run = try await store.run(done)
        try check(
            run?.id == done && run?.personID == "A2" && run?.status == .complete,
            "a stored run reads back: \(String(describing: run))")
        let empty = try await store.review(of: done)
        try check(empty.annotations.isEmpty && empty.overrides.isEmpty && !empty.isSignedOff, "a run without review")

        let note = try await store.addAnnotation(
            TranscriptAnnotation(runID: done, turn: 1, mentorID: "M1", note: "开场规范", at: t1))
        let second = try await store.addAnnotation(
            TranscriptAnnotation(runID: done, turn: 3, mentorID: "M1", note: "语速", at: t1))
        try check(note.id > 0 && second.id > note.id, "notes get increasing ids")
        let override = try await store.addOverride(
            TranscriptOverride(
                runID: done, turn: 1, checkID: "apology", automatic: "pass", verdict: .fail,
                reason: "语气生硬", mentorID: "M1", at: t1))
        let review = try await store.review(of: done)
        try check(review.annotations == [note, second], "notes read back in order: \(review.annotations)")
        try check(
            review.overrides == [override] && review.overrides[0].automatic == "pass"
                && review.overrides[0].mentorVerdict == .fail,
            "the override keeps the automatic verdict beside the mentor's: \(review.overrides)")
        let c4 = try await store.review(of: others).annotations.isEmpty
        try check(c4, "notes belong to their run")

        // The queue: M1's active apprentice A2's finished, unsigned runs only.
        let queue = try await store.queue(mentor: "M1")
        try check(queue.apprentices == ["A2"], "M1's active apprentices: \(queue.apprentices)")
        try check(
            queue.runs.map(\.id) == [done],
            "the queue holds finished runs of the mentor's apprentices only: \(queue.runs.map(\.id)), not \(playing) or \(others)"
        )
        try check(queue.examAttempts.isEmpty, "no submitted exam attempts")
        let c5 = try await store.queue(mentor: "M2").runs.isEmpty
        try check(c5, "A3 is nobody's apprentice: \(others) waits for no one")

        let signOff = TranscriptSignOff(
            run: done, personID: "A2", mentorID: "M1", certification: "onboarding", signedAt: t1,
            note: "transcript \(done)")
        let id = try await store.signOff(signOff)
        try check(id > 0, "a sign-off gets an id")
        let c6 = try await store.review(of: done).isSignedOff
        try check(c6, "the run is signed off")
        let c7 = try await store.queue(mentor: "M1").runs.isEmpty
        try check(c7, "a signed-off run leaves the queue")
        do {
            _ = try await store.signOff(signOff)
            throw CheckFailure("a second sign-off of the same run was stored")
        } catch let error as StorageError {
            try check(error.code == .conflict, "a second sign-off is a conflict, not \(error.code)")
        }
    }
}

/// Seeds through the storage protocols only (people, scenario runs), so any backend can run the suites.
public struct ProtocolSeed: ConformanceSeed {
    /// Creates the seed.
    public init() {}

    /// Adds people through ``PeopleStore``.
    public func addPeople(_ people: [Person], to storage: any Storage) async throws {
        try await storage.people.add(people)
    }

    /// Starts a run through ``ScenarioRunStore`` and, for `complete` or `incomplete`, finishes it.
    public func addRun(
        person: PersonID, status: String, startedAt: String, to storage: any Storage
    ) async throws -> RunID {
        guard let wanted = ScenarioRunStatus(rawValue: status) else {
            throw CheckFailure("unknown run status \(status)")
        }
        let started = try await storage.scenarios.start(
            ScenarioRunRecord(
                personID: person, scenario: "p2p-withdrawal-delay", language: "zh", contentVersion: "v1", mode: .exam,
                attemptNumber: 1,
                seed: 1, startedAt: startedAt, transcript: "{}", report: "{}"))
        if wanted != .inProgress {
            _ = try await storage.scenarios.finish(
                ScenarioRunEnd(
                    run: started.id, status: wanted, outcome: nil, finishedAt: startedAt, score: 100, passed: true,
                    transcript: "{}",
                    report: "{}"))
        }
        return started.id
    }
}
