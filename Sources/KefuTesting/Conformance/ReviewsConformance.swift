import Foundation
import KefuCore
import KefuLedger
public import KefuStorage

extension StorageConformance {
    /// ``ReviewStore``: all-or-nothing feedback import, period reads, cycles with `replace`, scorecard
    /// filters, promotion evidence and the promotion write (entry + level in one transaction; a refusing
    /// decision writes nothing).
    public static func reviews(_ make: StorageFactory, seed: any ConformanceSeed) async throws {
        let storage = try await make()
        try await seed.addPeople(team, to: storage)
        let store = storage.reviews

        // Feedback: an unknown person imports nothing.
        do {
            try await store.addFeedback(
                [
                    FeedbackRow(date: "2026-11-01", personID: "A1", kind: .satisfaction, value: 5),
                    FeedbackRow(date: "2026-11-01", personID: "X9", kind: .satisfaction, value: 5),
                ], source: "bad.csv")
            throw CheckFailure("feedback about an unknown person was imported")
        } catch let error as StorageError {
            try check(error.code == .notFound, "an unknown person is not-found, not \(error.code)")
        }
        let c1 = try await store.feedback(from: "2026-01-01", to: "2026-12-31").isEmpty
        try check(c1, "a refused import stores nothing")
        let rows = [
            FeedbackRow(date: "2026-10-31", personID: "A1", kind: .complaint, value: 1),
            FeedbackRow(date: "2026-11-01", personID: "A1", kind: .satisfaction, value: 4),
            FeedbackRow(date: "2026-11-30", personID: "A2", kind: .resolvedOnTime, value: 0),
            FeedbackRow(date: "2026-12-01", personID: "A1", kind: .teamworkPeer, value: 5),
        ]
        try await store.addFeedback(rows, source: "feedback.csv")
        let november = try await store.feedback(from: "2026-11-01", to: "2026-11-30")
        try check(november == Array(rows[1...2]), "a period's feedback, inclusive, in import order: \(november)")
        let inputs = try await store.reviewInputs(from: "2026-11-01", to: "2026-11-30")
        try check(inputs.feedback == november, "review inputs carry the period's feedback")
        try check(
            inputs.activePeople == Set(team.map { PersonID($0.id) }),
            "every seeded person is active: \(inputs.activePeople)")
        try check(
            inputs.interactions.isEmpty && inputs.qaScores.isEmpty && inputs.examScores.isEmpty,
            "no QA or exam data yet")

        try await reviewCycles(store)
        try await promotions(storage)
    }

    /// Cycles with `replace` (a second store without it is a conflict), scorecards by person, team and period.
    static func reviewCycles(_ store: any ReviewStore) async throws {
        let cycle = ReviewCycleRecord(
            period: "2026-11", kind: "month", start: "2026-11-01", end: "2026-11-30", runAt: "2026-12-01T09:00:00.000Z",
            definition: "h1")
        func card(
            _ period: String, _ start: String, _ end: String, _ person: PersonID, _ total: Double, _ rating: String
        ) -> StoredScorecard {
            StoredScorecard(
                period: period, start: start, end: end, personID: person, total: total, rating: rating, kpis: "[]")
        }
        try await store.storeCycle(
            cycle,
            scorecards: [
                card("2026-11", "2026-11-01", "2026-11-30", "A1", 81.5, "B"),
                card("2026-11", "2026-11-01", "2026-11-30", "A3", 60, "D"),
            ], replace: false)
        do {
            try await store.storeCycle(cycle, scorecards: [], replace: false)
            throw CheckFailure("a stored cycle was overwritten without replace")
        } catch let error as StorageError {
            try check(error.code == .conflict, "storing a cycle twice is a conflict, not \(error.code)")
        }
        let c2 = try await store.scorecards(person: nil, team: nil, period: "2026-11").count == 2
        try check(c2, "the refused second store kept the first")
        try await store.storeCycle(
            cycle, scorecards: [card("2026-11", "2026-11-01", "2026-11-30", "A1", 91, "A")], replace: true)
        let october = ReviewCycleRecord(
            period: "2026-10", kind: "month", start: "2026-10-01", end: "2026-10-31", runAt: "2026-11-01T09:00:00.000Z",
            definition: "h1")
        try await store.storeCycle(
            october,
            scorecards: [
                card("2026-10", "2026-10-01", "2026-10-31", "A1", 70, "C"),
                card("2026-10", "2026-10-01", "2026-10-31", "A3", 50, "D"),
            ], replace: false)
        let a1 = try await store.scorecards(person: "A1", team: nil, period: nil)
        try check(
            a1.map(\.period) == ["2026-10", "2026-11"] && a1.map(\.rating) == ["C", "A"] && a1[1].total == 91,
            "a person's scorecards by period start, the replaced cycle recomputed: \(a1)")
        let teamB = try await store.scorecards(person: nil, team: "B", period: nil)
        try check(
            teamB.map(\.personID) == ["A3"] && teamB.map(\.period) == ["2026-10"],
            "team B's scorecards (A3's November card was replaced away): \(teamB)")

    }

    /// Promotion evidence, and the promotion write: a refusing decision writes nothing; an accepting one appends the
    /// ledger entry and changes the level in one transaction.
    static func promotions(_ storage: any Storage) async throws {
        let store = storage.reviews
        let c3 = try await store.promotionEvidence(for: "nobody", approver: nil, qaSince: [], asOf: "2026-12-05") == nil
        try check(c3, "no evidence for an unknown person")
        let evidence = try await store.promotionEvidence(
            for: "A1", approver: "S1", qaSince: ["2026-06-05"], asOf: "2026-12-05")
        try check(
            evidence?.person.id == "A1" && evidence?.approver?.level == .supervisor,
            "evidence names the person and the approver")
        try check(evidence?.scorecards.map(\.period) == ["2026-10", "2026-11"], "evidence carries the ratings")
        try check(
            evidence?.qaAverages.isEmpty == true && evidence?.bestExams.isEmpty == true
                && evidence?.ledger.isEmpty == true, "no QA, exams or ledger")
        let mentorEvidence = try await store.promotionEvidence(
            for: "M1", approver: nil, qaSince: [], asOf: "2026-12-05")
        try check(mentorEvidence?.apprenticesMentored == 0, "nobody mentored yet")

        // A refusing decision writes nothing; an accepting one appends and changes the level.
        struct Refused: Error {}
        do {
            _ = try await store.promote("A1", approver: "S1", qaSince: [], asOf: "2026-12-05", signer: try testSigner())
            { _ in throw Refused() }
            throw CheckFailure("a refused promotion returned")
        } catch is Refused {}
        let c4 = try await storage.people.person("A1")?.level == .specialist
        try check(c4, "a refused promotion leaves the level")
        let entry = try await store.promote(
            "A1", approver: "S1", qaSince: [], asOf: "2026-12-05", signer: try testSigner()
        ) { evidence in
            PromotionWrite(
                entry: LedgerEntry(
                    sequence: 0, kind: .promotion, person: evidence.person.id, subject: Level.seniorSpecialist.rawValue,
                    recordedAt: "2026-12-05T09:00:00.000Z",
                    evidence: .object(["approved_by": .string(evidence.approver?.id ?? "")]),
                    previousHash: ""), level: .seniorSpecialist)
        }
        try check(
            entry.sequence == 1 && entry.previousHash == LedgerEntry.genesisHash && entry.kind == .promotion,
            "the entry follows the genesis: \(entry)")
        let c5 = try await storage.people.person("A1")?.level == .seniorSpecialist
        try check(c5, "the level changed with the entry")
        let after = try await store.promotionEvidence(for: "A1", approver: nil, qaSince: [], asOf: "2026-12-05")
        try check(after?.ledger.map(\.chainHash) == [entry.chainHash], "the entry is in the ledger evidence reads")
        do {
            _ = try await store.promote(
                "nobody", approver: "S1", qaSince: [], asOf: "2026-12-05", signer: try testSigner()
            ) { _ in
                throw Refused()
            }
            throw CheckFailure("an unknown person was promoted")
        } catch let error as StorageError {
            try check(error.code == .notFound, "promoting an unknown person is not-found, not \(error.code)")
        }
    }
}
