import Foundation
import KefuContent
import KefuCore
import KefuQA
import KefuServices
import KefuStorage
import KefuStore
import KefuTracks
import Testing

@Suite("performance reviews")
struct ReviewTests {
    @Test("periods: months, quarters, years; KPI scores against targets in both directions")
    func engine() throws {
        let q4 = try #require(ReviewPeriod("2026-Q4"))
        #expect(
            q4.start == "2026-10-01" && q4.end == "2026-12-31" && q4.kind == .quarter
                && q4.contains("2026-11-23T10:00:00Z"))
        #expect(ReviewPeriod("2024-02")?.end == "2024-02-29" && ReviewPeriod("2026")?.end == "2026-12-31")
        #expect(ReviewPeriod("2026-13") == nil && ReviewPeriod("2026-Q5") == nil && ReviewPeriod("Nov") == nil)
        #expect(ReviewEngine.score(75, target: 90, better: .higher) == 75.0 / 90 * 100)
        #expect(ReviewEngine.score(95, target: 90, better: .higher) == 100)
        #expect(ReviewEngine.score(90, target: 60, better: .lower) == 50)
        #expect(ReviewEngine.score(150, target: 60, better: .lower) == 0)
        let kpis = [
            KPIDefinition(id: "satisfaction", weight: 30, target: 90),
            KPIDefinition(id: "first-response", weight: 10, target: 60, better: .lower),
            KPIDefinition(id: "teamwork", weight: 60, target: 4),
        ]
        let ratings = [
            RatingLevel(level: "A", minimum: 90), RatingLevel(level: "B", minimum: 75),
            RatingLevel(level: "D", minimum: 0),
        ]
        let card = ReviewEngine.scorecard(
            person: "E1", period: "2026-11", kpis: kpis, ratings: ratings,
            measures: ["satisfaction": KPIMeasure(75, basis: "3 of 4"), "first-response": KPIMeasure(90, basis: "2")])
        // Teamwork has no data: (83.33·30 + 50·10) / 40 = 75.
        #expect(
            abs(card.total - 75) < 1e-9 && card.rating == "B" && card.kpis[2].score == nil
                && card.kpis[2].basis == "no data")
    }

    /// A fresh database with the team and timed interactions: E001 answers after 30 s and 90 s; E003 after 20 s.
    func fixture() throws -> (Fixture, ReviewService, URL) {
        let f = try Fixture()
        _ = try seedPeople(f.database, csv: repositoryRoot.appendingPathComponent("Samples/people.csv").path)
        let jsonl = f.folder.appendingPathComponent("timed.jsonl")
        let lines = [
            #"{"id":"t1","channel":"wechat","agent":"E001","started_at":"2026-11-05T09:00:00Z","turns":[{"speaker":"customer","text":"在吗","at":0},{"speaker":"agent","text":"您好","at":30},{"speaker":"agent","text":"再见","at":300}]}"#,
            #"{"id":"t2","channel":"wechat","agent":"E001","started_at":"2026-11-06T09:00:00Z","turns":[{"speaker":"customer","text":"在吗","at":10},{"speaker":"agent","text":"您好","at":100},{"speaker":"agent","text":"再见","at":310}]}"#,
            #"{"id":"t3","channel":"wechat","agent":"E003","started_at":"2026-11-07T09:00:00Z","turns":[{"speaker":"customer","text":"在吗","at":0},{"speaker":"agent","text":"您好","at":20}]}"#,
            #"{"id":"t4","channel":"wechat","agent":"E001","started_at":"2026-10-07T09:00:00Z","turns":[{"speaker":"customer","text":"在吗","at":0},{"speaker":"agent","text":"您好","at":20}]}"#,
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: jsonl)
        _ = try QAImportService(database: f.database, masker: try Masker()).importFile(
            path: jsonl.path, format: .jsonl, batch: "t", skipInvalid: false, now: Fixture.date())
        let service = ReviewService(environment: mentoringEnvironment(f.database, at: Fixture.date()))
        return (f, service, f.folder)
    }

    @Test("feedback import is all or nothing with file:line:col; unknown people import nothing")
    func importFeedback() async throws {
        let (f, service, folder) = try fixture()
        let bad = folder.appendingPathComponent("bad.csv")
        try Data(
            "date,person,kind,value\n2026-11-01,E001,satisfaction,5\n2026-11-02,E001,satisfaction,9\n2026-11-31,E001,complaint,1\n2026-11-03,E001,smile,1\n"
                .utf8
        ).write(to: bad)
        await #expect { try await service.importFeedback(.file(bad.path), by: .system) } throws: { error in
            let text = "\(error)"
            return (error as? ServiceError)?.code == .invalidInput && text.contains("bad.csv:3:30")
                && text.contains("bad.csv:4:1") && text.contains("bad.csv:5:17")
                && text.contains("unknown kind `smile`")
        }
        let stranger = folder.appendingPathComponent("stranger.csv")
        try Data("date,person,kind,value\n2026-11-01,E001,satisfaction,5\n2026-11-01,X9,satisfaction,5\n".utf8).write(
            to: stranger)
        await #expect { try await service.importFeedback(.file(stranger.path), by: .system) } throws: {
            ($0 as? ServiceError)?.code == .notFound
        }
        #expect(
            try await SQLiteStorage(database: f.database).reviews.feedback(from: "2026-01-01", to: "2026-12-31").isEmpty
        )
        let bytes = try await service.importFeedback(
            .bytes(Array("date,person,kind,value\n2026-11-01,E001,satisfaction,5\n".utf8), label: "upload.csv"),
            by: .system)
        #expect(bytes.rows == 1 && bytes.source == "upload.csv")
        // CRLF line endings (Excel on Windows) read like LF.
        let crlf = try await service.importFeedback(
            .bytes(
                Array(
                    "date,person,kind,value\r\n2026-11-02,E001,satisfaction,5\r\n2026-11-03,E001,complaint,1\r\n".utf8),
                label: "crlf.csv"),
            by: .system)
        #expect(crlf.rows == 2)
        await #expect {
            try await service.importFeedback(.bytes(Array("date,who\n".utf8), label: "upload.csv"), by: .system)
        } throws: {
            "\($0)".contains("upload.csv: the first line must be the header")
        }
    }

    @Test(
        "a cycle computes each KPI from its inputs, stores the scorecards, refuses a second run without --replace; promotion reads the ratings"
    )
    func cycle() async throws {
        let (f, service, folder) = try fixture()
        let csv = folder.appendingPathComponent("feedback.csv")
        try Data(
            """
            date,person,kind,value
            2026-11-01,E001,satisfaction,5
            2026-11-02,E001,satisfaction,4
            2026-11-03,E001,satisfaction,4
            2026-11-04,E001,satisfaction,2
            2026-11-05,E001,resolved,1
            2026-11-06,E001,resolved,0
            2026-11-05,E001,resolved_on_time,1
            2026-11-06,E001,resolved_on_time,0
            2026-11-07,E001,complaint,1
            2026-11-28,E001,teamwork_supervisor,4
            2026-11-28,E001,teamwork_peer,5
            2026-10-28,E001,teamwork_supervisor,2

            """.utf8
        ).write(to: csv)
        #expect(try await service.importFeedback(.file(csv.path), by: .system).rows == 12)
        let cards = try await service.runCycle("2026-11", by: .system).scorecards
        let e001 = try #require(cards.first { $0.person == "E001" })
        func kpi(_ id: String) -> KPIResult? { e001.kpis.first { $0.id == id } }
        #expect(kpi("satisfaction")?.actual == 75 && kpi("satisfaction")?.basis == "3 of 4 surveys rated 4–5")
        #expect(kpi("resolution")?.actual == 50 && kpi("on-time-resolution")?.actual == 50)
        #expect(kpi("complaint-rate")?.actual == 50, "1 complaint in 2 November interactions")
        #expect(kpi("first-response")?.actual == 60 && kpi("first-response")?.score == 100, "(30 + 90) / 2")
        #expect(kpi("handling-time")?.actual == 300)
        #expect(kpi("teamwork")?.actual == 4.5 && kpi("exam-score")?.actual == nil && kpi("qa-score")?.actual == nil)
        // Weighted over the KPIs with data (weights 20, 15, 10, 10, 10, 5, 10 of reviews.yaml).
        let scores: [(Double, Double)] = [
            (75.0 / 90 * 100, 20), (50.0 / 90 * 100, 15), (50.0 / 90 * 100, 10), (0, 10), (100, 10), (100, 5),
            (100, 10),
        ]
        let expected = scores.map { $0.0 * $0.1 }.reduce(0, +) / scores.map(\.1).reduce(0, +)
        #expect(abs(e001.total - expected) < 1e-6 && e001.rating == "C")
        #expect(cards.first { $0.person == "E003" }?.kpis.first { $0.id == "first-response" }?.actual == 20)
        await #expect { try await service.runCycle("2026-11", by: .system) } throws: { error in
            let e = error as? ServiceError
            return e?.code == .conflict && e?.hint?.action == "review-cycle.run" && !"\(error)".contains("--")
        }
        await #expect { try await service.runCycle("Nov", by: .system) } throws: {
            ($0 as? ServiceError)?.code == .invalidInput
        }
        #expect(try await service.runCycle("2026-11", replace: true, by: .system).scorecards == cards)
        _ = try await service.runCycle("2026-10", by: .system)
        let report = try await service.report(person: "E001", by: .system)
        #expect(report.map(\.period) == ["2026-10", "2026-11"])
        let team = try await service.report(team: "微信一组", period: "2026-11", by: .system)
        #expect(Set(team.map(\.person)) == ["E001", "E003"])
        let svg = try await service.chart(person: "E001", by: .system)
        #expect(svg.hasPrefix("<svg") && svg.contains("2026-10") && svg.contains("<polyline") && svg.contains("A ≥ 90"))
        // Promotion rules read the ratings of finished cycles, most recent first.
        await #expect { try await service.chart(person: "E004", by: .system) } throws: {
            ($0 as? ServiceError)?.code == .precondition
        }
        let promotion = PromotionService(
            environment: mentoringEnvironment(f.database, at: Timestamp.parse("2026-12-05T09:00:00Z")!))
        let rating = try await promotion.check("E001", by: .system).steps.first { $0.track == "specialist" }?.checks
            .first {
                $0.requirement.hasPrefix("rating")
            }
        #expect(rating?.actual == "2026-11 C, 2026-10 \(report[0].rating)" && rating?.isMet == false)
    }
}
