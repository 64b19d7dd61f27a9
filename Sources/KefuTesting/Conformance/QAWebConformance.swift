import Foundation
import KefuCore
public import KefuStorage

extension StorageConformance {
    /// The QA store's web listings (``QAWebStore``): home counts, import batches with masked spans, samples with
    /// their members' scores and ordinary reviews, the rubrics scored most, an agent's own reviews, a review's agent
    /// and disputes, and calibration sessions with their progress and closing. Runs through ``Storage`` only.
    public static func qaWeb(_ make: StorageFactory) async throws {
        let storage = try await make()
        guard let web = storage.qa as? any QAWebStore else {
            throw CheckFailure("the QA store does not implement QAWebStore")
        }
        try await storage.people.add(
            ["E001", "E002", "Q001", "Q002", "L001"].map { Person(id: $0, name: $0, hireDate: "2026-01-01") })
        let empty = try await web.overview()
        try check(
            empty
                == QAOverview(
                    interactions: 0, batches: 0, samples: 0, scored: 0, reviews: 0, openDisputes: 0, openCalibrations: 0
                ),
            "an empty store counts nothing: \(empty)")
        try await qaWebBatches(storage.qa, web)
        try await qaWebSamples(storage.qa, web)
        let reviews = try await qaWebReviews(storage.qa, web)
        try await qaWebDisputes(storage.qa, web, reviews: reviews)
        try await qaWebCalibration(storage.qa, web)
        try await qaWebErasure(storage.qa, web)
    }

    static let qaWebEarly = "2026-11-20T08:00:00.000Z"
    static let qaWebLate = "2026-11-21T08:00:00.000Z"

    /// Imports `ids` (agent, masked spans) into `batch` at `at`.
    static func qaWebImport(
        _ qa: any QAStore, batch: BatchID, at: String, _ rows: [(String, String, Int)]
    ) async throws {
        let outcome = try await qa.importInteractions(batch: batch, source: "\(batch).jsonl", importedAt: at) { sink in
            for (id, agent, masked) in rows {
                let (original, json) = qaInteraction(id, agent: agent, channel: agent == "E002" ? .phone : .wechat)
                var stored = original
                stored.batch = batch
                stored.maskedCount = masked
                stored.identifierDigests = ["digest-\(id)"]
                _ = try sink.insert(stored, turnsJSON: json)
            }
            return 0
        }
        try check(outcome.inserted == rows.count, "\(rows.count) imported into \(batch), got \(outcome.inserted)")
    }

    static func qaWebBatches(_ qa: any QAStore, _ web: any QAWebStore) async throws {
        try await qaWebImport(
            qa, batch: "w1", at: qaWebEarly, [("i1", "E001", 2), ("i2", "E001", 0), ("i3", "E002", 3)])
        try await qaWebImport(qa, batch: "w2", at: qaWebLate, [("i4", "E002", 1)])
        let batches = try await web.batches(limit: 10)
        try check(
            batches == [
                QABatchSummary(name: "w2", source: "w2.jsonl", importedAt: qaWebLate, count: 1, masked: 1),
                QABatchSummary(name: "w1", source: "w1.jsonl", importedAt: qaWebEarly, count: 3, masked: 5),
            ], "batches newest first with their counts and masked spans: \(batches)")
        let limited = try await web.batches(limit: 1)
        try check(limited.map(\.name) == ["w2"], "the limit keeps the newest: \(limited.map(\.name))")
        let counts = try await web.overview()
        try check(counts.interactions == 4 && counts.batches == 2, "interactions and batches counted: \(counts)")
    }

    static func qaWebSamples(_ qa: any QAStore, _ web: any QAWebStore) async throws {
        for (name, at, members) in [
            ("s1", qaWebEarly, [("i1", "a"), ("i3", "b")]), ("s2", qaWebLate, [("i2", ""), ("i3", ""), ("i4", "")]),
        ] {
            _ = try await qa.createSample(SampleID(name)) { _ in
                QASampleRecord(
                    name: SampleID(name), parameters: #"{"size":2,"seed":"\#(name)"}"#, populationHash: "ph",
                    populationSize: 4, membersHash: "mh", createdAt: at,
                    members: members.map { QASampleMember(interaction: InteractionID($0.0), stratum: $0.1) })
            }
        }
        let samples = try await web.samples()
        try check(
            samples == [
                QASampleSummary(
                    name: "s2", parameters: #"{"size":2,"seed":"s2"}"#, populationSize: 4, members: 3,
                    createdAt: qaWebLate),
                QASampleSummary(
                    name: "s1", parameters: #"{"size":2,"seed":"s1"}"#, populationSize: 4, members: 2,
                    createdAt: qaWebEarly),
            ], "samples newest first, parameters verbatim: \(samples)")
        @Sendable func score(_ rubric: RubricID) -> @Sendable (Interaction) -> QAScoreRecord {
            { interaction in
                QAScoreRecord(
                    interaction: InteractionID(interaction.id), rubric: rubric, rubricVersion: "",
                    score: interaction.agent == "E001" ? 90 : 40, passed: interaction.agent == "E001",
                    criticalFailed: false, itemsJSON: #"[{"id":"greeting"}]"#, scoredAt: qaWebEarly)
            }
        }
        _ = try await qa.scoreInteractions(sample: nil, rubricVersion: "v1", score("conduct.zh"))
        _ = try await qa.scoreInteractions(sample: "s1", rubricVersion: "o1", score("other"))
        let rubrics = try await web.scoredRubrics()
        try check(rubrics == ["conduct.zh", "other"], "rubrics by use, most used first: \(rubrics)")
        let members = try await web.sampleMembers("s1", rubricVersion: "v1")
        try check(
            members == [
                QASampleMemberRow(
                    interaction: "i1", agent: "E001", channel: "wechat", startedAt: "2026-11-05T10:00:00+08:00",
                    stratum: "a", score: 90, passed: true, reviews: []),
                QASampleMemberRow(
                    interaction: "i3", agent: "E002", channel: "phone", startedAt: "2026-11-05T10:00:00+08:00",
                    stratum: "b", score: 40, passed: false, reviews: []),
            ], "a sample's members with their scores pinned to the version: \(String(describing: members))")
        let unpinned = try await web.sampleMembers("s1", rubricVersion: nil)
        try check(
            unpinned?.count == 2 && unpinned?.allSatisfy({ $0.score == nil && $0.passed == nil }) == true,
            "without a rubric version no score is shown")
        let missing = try await web.sampleMembers("nope", rubricVersion: "v1")
        try check(missing == nil, "an unknown sample has no members: nil")
        let counts = try await web.overview()
        try check(counts.samples == 2 && counts.scored == 4, "samples and scored interactions counted: \(counts)")
    }

    /// A review of `interaction` by `reviewer` (items deliberately not in alphabetical order).
    static func qaWebReview(
        _ interaction: InteractionID, by reviewer: PersonID, calibration: CalibrationID? = nil, at: String = qaWebEarly
    ) -> NewQAReview {
        NewQAReview(
            interaction: interaction, reviewer: reviewer, rubric: "conduct.zh", rubricVersion: "v1",
            calibration: calibration, automaticScore: 90, finalScore: 80, finalPassed: true, comment: "ok",
            submittedAt: at,
            items: [
                QAReviewItemRecord(item: "greeting", automatic: "pass", verdict: "fail", comment: "no name"),
                QAReviewItemRecord(item: "empathy", automatic: "pass", verdict: "pass", comment: ""),
            ])
    }

    static func qaWebReviews(_ qa: any QAStore, _ web: any QAWebStore) async throws -> [ReviewID] {
        let first = try await qa.submitReview(qaWebReview("i1", by: "Q001")) { _ in [] }
        let second = try await qa.submitReview(qaWebReview("i1", by: "Q002", at: qaWebLate)) { _ in [] }
        let third = try await qa.submitReview(qaWebReview("i3", by: "Q001")) { _ in [] }
        let read = try await qa.review(first)
        try check(
            read == QAReviewRecord(id: first, review: qaWebReview("i1", by: "Q001")),
            "a review reads back with its items in submitted order: \(String(describing: read))")
        let own = try await web.reviews(ofAgent: "E001")
        try check(
            own.map(\.id) == [second, first] && own.last == read,
            "an agent's reviews, newest first: \(own.map(\.id))")
        let other = try await web.reviews(ofAgent: "E002")
        try check(other.map(\.id) == [third], "only the agent's own interactions: \(other.map(\.id))")
        let nobody = try await web.reviews(ofAgent: "Q001")
        try check(nobody.isEmpty, "a reviewer who handled nothing has no reviews as an agent")
        let agents = (
            try await web.reviewAgent(first), try await web.reviewAgent(third), try await web.reviewAgent(999)
        )
        try check(agents == ("E001", "E002", nil), "a review's agent, nil for an unknown review: \(agents)")
        let members = try await web.sampleMembers("s1", rubricVersion: "v1")
        try check(
            members?.first?.reviews == [
                QAReviewRef(review: first, reviewer: "Q001"), QAReviewRef(review: second, reviewer: "Q002"),
            ] && members?.last?.reviews == [QAReviewRef(review: third, reviewer: "Q001")],
            "a member's ordinary reviews in order: \(String(describing: members?.map(\.reviews)))")
        let otherVersion = try await web.sampleMembers("s1", rubricVersion: "o1")
        try check(
            otherVersion?.allSatisfy({ $0.reviews.isEmpty }) == true, "reviews are pinned to the rubric version too")
        let counts = try await web.overview()
        try check(counts.reviews == 3, "ordinary reviews counted: \(counts)")
        return [first, second, third]
    }

    static func qaWebDisputes(_ qa: any QAStore, _ web: any QAWebStore, reviews: [ReviewID]) async throws {
        func open(_ item: String) async throws -> DisputeID {
            try await qa.openDispute(review: reviews[0], item: item) { context in
                NewQADispute(agent: context.agent, reason: "disagree", openedAt: qaWebLate) { id in
                    NewQAAuditEntry(
                        at: qaWebLate, actor: context.agent, action: "dispute.open", subject: "dispute \(id)",
                        before: nil, after: nil)
                }
            }
        }
        let greeting = try await open("greeting")
        let empathy = try await open("empathy")
        let listed = try await web.disputes(review: reviews[0])
        try check(
            listed.map(\.id) == [empathy, greeting] && listed.allSatisfy { $0.agent == "E001" && $0.status == "open" },
            "a review's disputes, newest first: \(listed.map(\.id))")
        let none = try await web.disputes(review: reviews[2])
        try check(none.isEmpty, "another review has no disputes")
        let opened = try await web.overview()
        try check(opened.openDisputes == 2, "open disputes counted: \(opened)")
        let decided = try await qa.resolveDispute(greeting) { context in
            QADisputeDecision(
                status: "rejected", resolver: "L001", comment: "stands", at: qaWebLate,
                audit: NewQAAuditEntry(
                    at: qaWebLate, actor: "L001", action: "dispute.reject", subject: "dispute \(context.dispute.id)",
                    before: nil, after: nil))
        }
        try check(decided.status == "rejected" && decided.resolver == "L001", "the dispute is decided")
        let locked = try await qa.review(reviews[0])
        try check(
            locked?.review.items.map(\.item) == ["greeting", "empathy"] && locked?.review.items.first?.locked == true,
            "a rejected dispute locks its item, which keeps its place: \(String(describing: locked?.review.items))")
        let after = try await web.overview()
        try check(after.openDisputes == 1, "a decided dispute is no longer open: \(after)")
    }

    static func qaWebCalibration(_ qa: any QAStore, _ web: any QAWebStore) async throws {
        let session = QACalibrationRecord(
            name: "c1", sample: "s1", rubric: "conduct.zh", rubricVersion: "v1", reviewers: ["Q001", "Q002"],
            createdBy: "L001", createdAt: qaWebLate)
        let audit = NewQAAuditEntry(
            at: qaWebLate, actor: "L001", action: "calibration.create", subject: "calibration c1", before: nil,
            after: nil)
        try await qa.createCalibration(session, audit: audit)
        _ = try await qa.submitReview(qaWebReview("i1", by: "Q002", calibration: "c1")) { _ in [] }
        _ = try await qa.submitReview(qaWebReview("i3", by: "Q002", calibration: "c1")) { _ in [] }
        let listed = try await web.calibrations()
        try check(
            listed == [QACalibrationSummary(session: session, closedAt: nil)], "an open session is listed: \(listed)")
        let progress = try await web.calibrationProgress("c1")
        try check(progress == ["Q002": 2], "progress per reviewer: \(progress)")
        let counts = try await web.overview()
        try check(
            counts.openCalibrations == 1 && counts.reviews == 3, "calibration reviews are not ordinary ones: \(counts)")
        let open = try await web.calibrationClosed("c1")
        try check(open == nil, "an open session has no closing")
        let closing = NewQAAuditEntry(
            at: qaWebLate, actor: "L001", action: "calibration.close", subject: "calibration c1", before: nil,
            after: nil)
        try await web.closeCalibration("c1", at: qaWebLate, by: "L001", audit: closing)
        let closed = try await web.calibrationClosed("c1")
        try check(closed?.at == qaWebLate && closed?.by == "L001", "the closing reads back")
        let after = try await web.calibrations()
        try check(after.first?.closedAt == qaWebLate, "the listing says when it was closed")
        let none = try await web.overview()
        try check(none.openCalibrations == 0, "a closed session is not open: \(none)")
        try await expect(.conflict, "closing a session twice") {
            try await web.closeCalibration("c1", at: qaWebLate, by: "L001", audit: closing)
        }
        try await expect(.notFound, "closing an unknown session") {
            try await web.closeCalibration("c9", at: qaWebLate, by: "L001", audit: closing)
        }
        let log = try await qa.auditLog(subjectContaining: "calibration c1")
        try check(
            log.map(\.entry.action) == ["calibration.create", "calibration.close"],
            "the closing is audited once: \(log.map(\.entry.action))")
    }

    /// Duplicates across imports, then retention and erasure: what hangs off a deleted interaction goes with it.
    static func qaWebErasure(_ qa: any QAStore, _ web: any QAWebStore) async throws {
        let at = "2026-11-22T08:00:00.000Z"
        let outcome = try await qa.importInteractions(batch: "w3", source: "w3.jsonl", importedAt: at) { sink in
            try ["i1", "i9", "i9"].map { id in
                let (original, json) = qaInteraction(id, agent: "E001")
                var stored = original
                stored.batch = "w3"
                stored.identifierDigests = ["digest-\(id)"]
                return try sink.insert(stored, turnsJSON: json)
            }
        }
        try check(
            outcome.result == [false, true, false] && outcome.inserted == 1,
            "an id stored by an earlier import, and one repeated, are refused: \(outcome.result)")
        let w3 = try await web.batches(limit: 1)
        try check(w3.map(\.count) == [1] && w3.map(\.name) == ["w3"], "the batch counts what it stored: \(w3)")
        let erased = try await qa.deleteInteractions(.identifiedBy(["digest-i9", "digest-unknown"]))
        let gone = try await qa.interaction("i9")
        try check(erased == 1 && gone == nil, "erasure by an identifier's digest: \(erased)")
        let after = try await web.batches(limit: 1)
        try check(after.map(\.count) == [0], "the batch's count follows: \(after)")
        let none = try await qa.deleteInteractions(.identifiedBy([]))
        try check(none == 0, "no digest erases nothing")
        let containing = try await qa.deleteInteractions(.containing("你好 i4"))
        let s2 = try await web.sampleMembers("s2", rubricVersion: "v1")
        try check(
            containing == 1 && s2?.map(\.interaction) == ["i2", "i3"],
            "erasure by text leaves the sample's other members: \(String(describing: s2?.map(\.interaction)))")
        let early = try await qa.deleteInteractions(.startedBefore("2026-11-05"))
        try check(early == 0, "retention keeps what started on or after the date: \(early)")
        let retained = try await qa.deleteInteractions(.startedBefore("2026-11-06"))
        let counts = try await web.overview()
        try check(
            retained == 3
                && counts
                    == QAOverview(
                        interactions: 0, batches: 3, samples: 2, scored: 0, reviews: 0, openDisputes: 0,
                        openCalibrations: 0
                    ),
            "retention takes scores, reviews and disputes along: \(retained), \(counts)")
        let reviews = try await web.reviews(ofAgent: "E001")
        let progress = try await web.calibrationProgress("c1")
        try check(reviews.isEmpty && progress.isEmpty, "no review is left")
        let log = try await qa.auditLog(subjectContaining: nil)
        try check(log.count >= 5, "the audit log is kept: \(log.count)")
    }
}
