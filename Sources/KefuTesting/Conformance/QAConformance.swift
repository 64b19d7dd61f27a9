import Foundation
import KefuCore
public import KefuStorage

extension StorageConformance {
    /// QA store conformance: import all or nothing with duplicates refused, samples over the streamed
    /// population (names never reused), scores pinned to a rubric version, review queues, report reads,
    /// and the not-found and conflict codes. Runs through ``Storage`` only.
    public static func qa(_ make: StorageFactory) async throws {
        let storage = try await make()
        let qa = storage.qa
        try await qaImport(qa)
        try await qaSamples(qa)
        try await qaScores(qa)
        try await qaReviewsAndReports(qa)
    }

    static let qaAt = "2026-11-20T08:00:00.000Z"

    static func qaInteraction(
        _ id: String, agent: String, channel: Channel = .wechat, month: String = "2026-11"
    ) -> (StoredInteraction, String) {
        let turns = [Turn(speaker: .customer, text: "你好 \(id)", at: 0), Turn(speaker: .agent, text: "您好", at: 12)]
        let json = #"[{"speaker":"customer","text":"你好 \#(id)","at":0},{"speaker":"agent","text":"您好","at":12}]"#
        let interaction = Interaction(
            id: id, channel: channel, agent: agent, startedAt: "\(month)-05T10:00:00+08:00", turns: turns)
        return (
            StoredInteraction(
                interaction: interaction, batch: "b1", period: month, contentHash: "hash-\(id)", maskedCount: 1), json
        )
    }

    static func qaImport(_ qa: any QAStore) async throws {
        struct Refused: Error {}
        let outcome = try await qa.importInteractions(batch: "b1", source: "b1.jsonl", importedAt: qaAt) { sink in
            var results: [Bool] = []
            for (id, agent) in [("i1", "E001"), ("i2", "E001"), ("i3", "E003"), ("i1", "E001")] {
                let (stored, json) = qaInteraction(id, agent: agent)
                results.append(try sink.insert(stored, turnsJSON: json))
            }
            return results
        }
        try check(
            outcome.result == [true, true, true, false], "a repeated id is refused by the sink: \(outcome.result)")
        try check(outcome.inserted == 3, "three inserted, got \(outcome.inserted)")
        let read = try await qa.interaction("i2")
        try check(
            read == qaInteraction("i2", agent: "E001").0.interaction,
            "an interaction reads back with its turns: \(String(describing: read))")
        let unknown = try await qa.interaction("nope")
        try check(unknown == nil, "an unknown interaction reads nil")
        do {
            _ = try await qa.importInteractions(batch: "b2", source: "b2.jsonl", importedAt: qaAt) { sink -> Int in
                let (stored, json) = qaInteraction("i9", agent: "E001")
                _ = try sink.insert(stored, turnsJSON: json)
                throw Refused()
            }
            try check(false, "an import whose body throws fails")
        } catch is Refused {}
        let rolledBack = try await qa.interaction("i9")
        try check(rolledBack == nil, "a failed import stores nothing")
        let second = try await qa.importInteractions(batch: "b1", source: "b1.jsonl", importedAt: qaAt) { sink in
            let (stored, json) = qaInteraction("o1", agent: "E001", month: "2026-10")
            return try sink.insert(stored, turnsJSON: json)
        }
        try check(second.result && second.inserted == 1, "a second import into the same batch adds to it")
    }

    static func qaSamples(_ qa: any QAStore) async throws {
        let drawn = try await qa.createSample("s1") { population in
            var units: [QAPopulationUnit] = []
            var sizes: [Int] = []
            try population.forEachInteraction(period: "2026-11") { unit, turns in
                units.append(unit)
                sizes.append(turns.count)
            }
            try check(
                units.map(\.id) == ["i1", "i2", "i3"], "the period's population streams in id order: \(units.map(\.id))"
            )
            try check(
                units.map(\.agent) == ["E001", "E001", "E003"] && units[0].contentHash == "hash-i1"
                    && units[0].channel == "wechat",
                "units carry agent, channel and the recorded hash")
            try check(
                sizes[0] == qaInteraction("i1", agent: "E001").1.utf8.count,
                "the stored turns' bytes are the imported JSON")
            var all = 0
            try population.forEachInteraction(period: nil) { _, _ in all += 1 }
            try check(all == 4, "without a period every interaction streams: \(all)")
            return QASampleRecord(
                name: "s1", parameters: #"{"seed":"1"}"#, populationHash: "ph", populationSize: 3, membersHash: "mh",
                createdAt: qaAt,
                members: [
                    QASampleMember(interaction: "i1", stratum: ""), QASampleMember(interaction: "i3", stratum: ""),
                ])
        }
        try check(drawn.members.count == 2, "the sample is returned")
        let exists = (try await qa.sampleExists("s1"), try await qa.sampleExists("s2"))
        try check(exists == (true, false), "sampleExists")
        let unreviewed = try await qa.reviewedItems(sample: "s1", rubric: "conduct.zh")
        try check(unreviewed.isEmpty, "a sample nobody reviewed has no reviewed items")
        do {
            _ = try await qa.reviewedItems(sample: "s2", rubric: "conduct.zh")
            throw CheckFailure("reviewed items of an unknown sample were read")
        } catch let error as StorageError {
            try check(error.code == .notFound, "reviewed items of an unknown sample: not-found, not \(error.code)")
        }
        do {
            _ = try await qa.createSample("s1") { _ in drawn }
            try check(false, "a sample name is never reused")
        } catch let error as StorageError {
            try check(error.code == .conflict, "a reused sample name is a conflict, got \(error.code)")
        }
        let read = try await qa.withSample("s1") { record, _ in record }
        try check(read == drawn, "a sample reads back with its members and hashes: \(String(describing: read))")
        let missing = try await qa.withSample("s9") { record, _ in record }
        try check(missing == nil, "an unknown sample reads nil")
    }

    static func qaScores(_ qa: any QAStore) async throws {
        @Sendable func score(_ interaction: Interaction) -> QAScoreRecord {
            let passed = interaction.agent != "E003"
            return QAScoreRecord(
                interaction: InteractionID(interaction.id), rubric: "conduct.zh", rubricVersion: "v1",
                score: passed ? 90 : 40,
                passed: passed, criticalFailed: false, itemsJSON: "[]", scoredAt: qaAt)
        }
        let sampled = try await qa.scoreInteractions(sample: "s1", rubricVersion: "v1") { score($0) }
        try check(sampled == QAScoringCount(scored: 2, unchanged: 0), "a sample's members are scored: \(sampled)")
        let all = try await qa.scoreInteractions(sample: nil, rubricVersion: "v1") { score($0) }
        try check(all == QAScoringCount(scored: 2, unchanged: 2), "already scored ones are kept: \(all)")
        let read = try await qa.score("i3", rubricVersion: "v1")
        try check(
            read?.score == 40 && read?.passed == false && read?.rubric == "conduct.zh",
            "a score reads back: \(String(describing: read))")
        let otherVersion = try await qa.score("i3", rubricVersion: "v2")
        try check(otherVersion == nil, "a score is pinned to its version")
        do {
            _ = try await qa.scoreInteractions(sample: "nope", rubricVersion: "v1") { score($0) }
            try check(false, "scoring an unknown sample fails")
        } catch let error as StorageError {
            try check(error.code == .notFound, "an unknown sample is not found, got \(error.code)")
        }
        let checked = try await qa.withSample("s1") { _, population in
            (
                try population.failedInteractions(rubricVersion: "v1"), try population.hasScores(rubricVersion: "v1"),
                try population.hasScores(rubricVersion: "v2")
            )
        }
        try check(
            checked?.0 == ["i3"] && checked?.1 == true && checked?.2 == false,
            "failed interactions and score presence by version")
    }

    static func qaReviewsAndReports(_ qa: any QAStore) async throws {
        let queue = try await qa.reviewQueue(sample: "s1", reviewer: "Q001", rubricVersion: "v1", calibration: nil)
        try check(queue == ["i1", "i3"], "the review queue lists unreviewed members: \(queue)")
        do {
            _ = try await qa.reviewQueue(sample: "nope", reviewer: "Q001", rubricVersion: "v1", calibration: nil)
            try check(false, "a queue of an unknown sample fails")
        } catch let error as StorageError {
            try check(error.code == .notFound, "an unknown sample is not found, got \(error.code)")
        }
        let review = NewQAReview(
            interaction: "i1", reviewer: "NOBODY", rubric: "conduct.zh", rubricVersion: "v1", calibration: nil,
            automaticScore: 90, finalScore: 80,
            finalPassed: true, comment: "", submittedAt: qaAt,
            items: [QAReviewItemRecord(item: "greeting", automatic: "pass", verdict: "fail", comment: "x")])
        do {
            _ = try await qa.submitReview(review) { _ in [] }
            try check(false, "a review by an unknown person fails")
        } catch let error as StorageError {
            try check(error.code == .notFound, "an unknown reviewer is not found, got \(error.code)")
        }
        let session = QACalibrationRecord(
            name: "c1", sample: "nope", rubric: "conduct.zh", rubricVersion: "v1", reviewers: ["Q001", "Q002"],
            createdBy: "L001", createdAt: qaAt)
        let audit = NewQAAuditEntry(
            at: qaAt, actor: "L001", action: "calibration.create", subject: "calibration c1", before: nil,
            after: "Q001,Q002")
        do {
            try await qa.createCalibration(session, audit: audit)
            try check(false, "a session on an unknown sample fails")
        } catch let error as StorageError {
            try check(error.code == .notFound, "an unknown sample is not found, got \(error.code)")
        }
        let calibration = try await qa.calibration("c1")
        try check(calibration == nil, "nothing was stored")
        let log = try await qa.auditLog(subjectContaining: nil)
        try check(log.isEmpty, "failed writes leave no audit entry")
        let disputes = try await qa.disputes(status: nil)
        let dispute = try await qa.dispute(1)
        let review1 = try await qa.review(1)
        try check(disputes.isEmpty && dispute == nil && review1 == nil, "no disputes and no reviews")
        let data = try await qa.reportData(rubric: "conduct.zh", periods: ["2026-10", "2026-11"], period: "2026-11")
        try check(
            data.scores.map(\.interaction) == ["i1", "i2", "i3", "o1"],
            "report scores cover the periods in id order: \(data.scores.map(\.interaction))")
        try check(data.scores.allSatisfy { $0.reviewID == nil }, "no reviews yet")
        try check(
            data.coverage == [
                QACoverageRecord(agent: "E001", population: 2, sampled: 1, reviewed: 0),
                QACoverageRecord(agent: "E003", population: 1, sampled: 1, reviewed: 0),
            ],
            "coverage per agent: \(data.coverage)")
    }
}
