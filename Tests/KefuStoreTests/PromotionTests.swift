import Foundation
import GRDB
import KefuContent
import KefuCore
import KefuLedger
import KefuServices
import KefuStorage
import KefuStore
import KefuTracks
import Testing

@Suite("promotion rules")
struct PromotionTests {
    let step = PromotionStep(
        track: "specialist", from: .specialist, to: .seniorSpecialist,
        requirements: [
            .certifications(["onboarding", "senior"]), .tenure(months: 12), .ratings(last: 2, minimum: "B"),
            .qaAverage(minimum: 85, months: 6),
            .exam(blueprint: "onboarding-theory", minScore: 85), .mentoring(apprentices: 1),
        ])

    @Test("every rule met, and each one unmet on its own with the actual value")
    func evaluator() throws {
        let good = PromotionFacts(
            level: .specialist, levelSince: "2025-11-01",
            certifications: [
                "onboarding": .valid(entry: 1, until: "2027-01-01"), "senior": .valid(entry: 2, until: "2027-06-01"),
            ],
            ratings: [("2026-Q3", "A"), ("2026-Q2", "B"), ("2026-Q1", "D")], qaAverage: (88.5, 40),
            exams: ["onboarding-theory": 92],
            apprentices: 1)
        let checks = PromotionEvaluator.check(step, facts: good, asOf: "2026-11-23")
        #expect(checks.count == 7 && checks.allSatisfy(\.isMet), "\(checks)")
        func unmet(_ change: (inout PromotionFacts) -> Void, asOf: String = "2026-11-23") -> [String] {
            var facts = good
            change(&facts)
            return PromotionEvaluator.check(step, facts: facts, asOf: asOf).filter { !$0.isMet }.map {
                "\($0.requirement): \($0.actual)"
            }
        }
        #expect(
            unmet { $0.certifications["senior"] = .expired(entry: 2, on: "2026-10-01") } == [
                "valid certification `senior`: expired on 2026-10-01"
            ])
        #expect(
            unmet { $0.certifications["onboarding"] = .revoked(entry: 1, reason: "舞弊") } == [
                "valid certification `onboarding`: revoked: 舞弊"
            ])
        #expect(unmet { $0.levelSince = "2025-11-24" }.first?.contains("reaches 12 months on 2026-11-24") == true)
        #expect(unmet({ $0.levelSince = "2025-11-23" }).isEmpty, "twelve months to the day")
        #expect(
            unmet { $0.ratings = [("2026-Q3", "A"), ("2026-Q2", "C")] } == [
                "rating B or better in each of the last 2 review cycles: 2026-Q3 A, 2026-Q2 C"
            ])
        #expect(unmet { $0.ratings = [("2026-Q3", "A")] }.first?.contains("only 1 cycles") == true)
        #expect(
            unmet { $0.qaAverage = (84.99, 12) } == [
                "QA average ≥ 85 over the last 6 months: 84.99 over 12 scored interactions"
            ])
        #expect(unmet { $0.exams = [:] } == ["exam `onboarding-theory` ≥ 85: not taken"])
        #expect(unmet { $0.apprentices = 0 } == ["has mentored at least 1 apprentice: 0 apprentices"])
        #expect(unmet { $0.level = .expert }.first == "currently specialist: currently expert")
    }

    /// A content root with the clause catalog, the certification rules and `promotion`.
    func content(_ promotion: String) throws -> ContentRepository {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-promotion-\(UUID().uuidString)")
        for path in ["Policies/clauses.yaml", "Tracks/certifications.yaml"] {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(path).deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: repositoryRoot.appendingPathComponent(path), to: root.appendingPathComponent(path))
        }
        try Data(promotion.utf8).write(to: root.appendingPathComponent("Tracks/promotion.yaml"))
        return ContentRepository(root: root)
    }

    @Test(
        "check and apply: unmet rules refuse, only supervisors approve, a promotion is a ledger event and changes the level"
    )
    func service() async throws {
        let repository = try content(
            """
            tracks:
              - track: specialist
                steps:
                  - {from: specialist, to: senior-specialist, requires: {certifications: [onboarding], tenure_months: 2}}
                  - {from: senior-specialist, to: expert, requires: {tenure_months: 24}}
            """)
        defer { try? FileManager.default.removeItem(at: repository.root) }
        let f = try MentorFixture(certified: [])
        let service = PromotionService(
            environment: mentoringEnvironment(f.base.database, root: repository.root, at: MentorFixture.asOf))
        let before = try await service.check("E001", by: .system)
        #expect(
            before.steps.count == 1 && !before.steps[0].isReady && !before.isReady
                && before.steps[0].checks.first?.actual == "never issued")
        await #expect {
            try await service.apply("E001", to: .seniorSpecialist, by: lead("S001", .supervisor))
        } throws: { error in
            let e = error as? ServiceError
            return e?.code == .precondition && e?.hint == .init("promote.check", ["person": "E001"])
                && "\(error)".contains("not all rules are met")
        }
        try f.base.database.write { db in
            _ = try f.base.database.append(
                LedgerEntry(
                    sequence: 0, kind: .issued, person: "E001", subject: "onboarding",
                    recordedAt: "2026-11-01T09:00:00Z",
                    validUntil: "2027-11-01", previousHash: ""),
                signer: try KeyStore(path: f.base.keyPath).signer(), db)
        }
        #expect(try await service.check("E001", by: .system).steps[0].isReady)
        await #expect { try await service.apply("E001", to: .seniorSpecialist, by: lead("L001", .teamLead)) } throws: {
            ($0 as? ServiceError)?.code == .forbidden && "\($0)".contains("supervisor, manager")
        }
        await #expect { try await service.apply("E001", to: .expert, by: lead("S001", .supervisor)) } throws: {
            "\($0)".contains("no step from specialist to expert")
        }
        await #expect { try await service.apply("nobody", to: .expert, by: lead("S001", .supervisor)) } throws: {
            ($0 as? ServiceError)?.code == .notFound
        }
        #expect(try f.base.database.person("E001")?.level == .specialist, "refusals write nothing")
        let record = try await service.apply("E001", to: .seniorSpecialist, by: lead("S001", .supervisor))
        #expect(
            record.to == .seniorSpecialist && record.from == .specialist && record.approvedBy == "S001"
                && record.track == "specialist")
        let entry = try #require(try f.base.database.read { try f.base.database.entries($0) }.last)
        #expect(
            entry.kind == .promotion && entry.subject == "senior-specialist"
                && entry.evidence["approved_by"]?.stringValue == "S001")
        #expect(Int64(entry.sequence) == record.entry.rawValue && entry.chainHash == record.hash)
        #expect(try f.base.database.person("E001")?.level == .seniorSpecialist)
        let after = try await service.check("E001", by: .system)
        #expect(after.steps.map(\.to) == [.expert])
        #expect(
            after.steps[0].checks.first?.actual.contains("senior-specialist since 2026-11-23") == true,
            "tenure restarts at the promotion")
        #expect(try await f.base.ledger().verify().isValid)
        let json = try OutputJSON.string(after)
        #expect(json.contains("\"is_ready\":false") && json.contains("\"steps\"") && json.contains("\"is_met\""))
    }

    @Test("the shipped tracks load and lint: both tracks, every step from a level to the next")
    func shipped() throws {
        let steps = try ContentRepository(root: repositoryRoot).promotionSteps()
        #expect(
            steps.filter { $0.track == "specialist" }.map { "\($0.from.rawValue)→\($0.to.rawValue)" } == [
                "specialist→senior-specialist", "senior-specialist→expert",
            ])
        #expect(
            steps.filter { $0.track == "management" }.map { "\($0.from.rawValue)→\($0.to.rawValue)" } == [
                "specialist→team-lead", "team-lead→supervisor", "supervisor→manager",
            ])
        #expect(steps.contains { $0.to == .supervisor && $0.requirements.contains(.mentoring(apprentices: 3)) })
    }
}

/// `person` at `level` acting through the command line, with the roles of their level.
private func lead(_ person: String, _ level: Level) -> Identity {
    Identity(person: PersonID(person), roles: Role.implied(by: level), channel: .operator(osUser: "test"))
}
