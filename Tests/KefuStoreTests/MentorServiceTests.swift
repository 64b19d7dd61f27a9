import Foundation
import GRDB
import KefuContent
import KefuCore
import KefuLedger
import KefuScenarios
import KefuServices
import KefuStorage
import KefuStore
import Testing

/// An environment over a test database, with a fixed clock and content root.
func mentoringEnvironment(_ database: KefuDatabase, root: URL = repositoryRoot, at date: Date) -> KefuEnvironment {
    KefuEnvironment(
        configuration: Configuration(
            root: root.path, database: database.path,
            keyPath: URL(fileURLWithPath: database.path).deletingLastPathComponent().appendingPathComponent("kefu.key")
                .path),
        storage: SQLiteStorage(database: database), clock: .fixed(date))
}

/// `person` acting through the command line.
func acting(_ person: String) -> Identity {
    Identity(person: PersonID(person), roles: [.trainee, .mentor], channel: .operator(osUser: "test"))
}

/// The sample team, with mentors certified through ledger entries, and the mentor service.
struct MentorFixture {
    let base: Fixture
    let service: MentorService
    let environment: KefuEnvironment
    static let asOf = Timestamp.parse("2026-11-23T09:00:00Z")!

    init(certified: [String] = ["M001", "Q001"]) throws {
        let base = try Fixture()
        self.base = base
        _ = try seedPeople(base.database, csv: repositoryRoot.appendingPathComponent("Samples/people.csv").path)
        try base.database.write { db in
            for person in certified {
                _ = try base.database.append(
                    LedgerEntry(
                        sequence: 0, kind: .issued, person: person, subject: "onboarding",
                        recordedAt: "2026-01-10T09:00:00Z", validUntil: "2027-01-10", previousHash: ""),
                    signer: try LedgerSigner(rawKey: [UInt8](repeating: 1, count: 32)), db)
            }
        }
        environment = mentoringEnvironment(base.database, at: MentorFixture.asOf)
        service = MentorService(environment: environment)
    }
}

@Suite("mentor assignment service")
struct MentorServiceTests {
    @Test(
        "every new hire gets a certified mentor within capacity; a dry run stores nothing; a second run changes nothing"
    )
    func assign() async throws {
        let f = try MentorFixture()
        let dry = try await f.service.assign(dryRun: true, by: .system)
        let active = try await f.service.active()
        #expect(dry.stored.isEmpty && dry.dryRun && active.isEmpty && dry.isComplete)
        #expect(Set(dry.pairs.map(\.apprentice)) == ["E001", "E002", "E003", "E004"])
        #expect(Set(dry.pairs.map(\.mentor)).isSubset(of: ["M001", "Q001"]))
        #expect(
            dry.pairs.filter { $0.mentor == "Q001" }.count <= 3 && dry.pairs.filter { $0.mentor == "M001" }.count <= 4)
        #expect(dry.ineligible.map(\.mentor).sorted() == ["L001", "Q002", "Q003", "S001"])
        let e002 = try #require(dry.pairs.first { $0.apprentice == "E002" })
        #expect(e002.reasons.first == "shares en and phone", "E002 speaks English and works the phone")
        let stored = try await f.service.assign(by: .system)
        #expect(stored.stored.count == 4 && !stored.dryRun && stored.stored.allSatisfy { $0.id.rawValue > 0 })
        #expect(stored.pairs == dry.pairs, "deterministic")
        let again = try await f.service.assign(by: .system)
        #expect(again.stored.isEmpty && again.kept.count == 4 && again.isComplete)
        let mentor = try await f.service.mentor(of: "E001")
        #expect(mentor != nil)
    }

    @Test("the assignment's JSON has snake_case keys and rounded scores")
    func json() async throws {
        let f = try MentorFixture()
        let dry = try await f.service.assign(dryRun: true, by: .system)
        let text = try OutputJSON.string(dry)
        #expect(text.contains("\"dry_run\":true") && text.contains("\"ineligible\"") && !text.contains("dryRun"))
        let score = try #require(dry.pairs.first?.score)
        #expect(text.contains("\"score\":\(score.description)"))
    }

    @Test("when a mentor leaves, only their apprentices are re-matched; every other pair is kept")
    func mentorLeaves() async throws {
        let f = try MentorFixture(certified: ["M001", "Q001", "Q003"])
        let first = try await f.service.assign(by: .system)
        let byMentor = Dictionary(grouping: first.stored, by: \.mentorID)
        let leaving = try #require(byMentor.max { $0.value.count < $1.value.count }?.key)
        let others = first.stored.filter { $0.mentorID != leaving }
        try f.base.database.setActive(false, person: leaving.rawValue)
        let second = try await f.service.assign(by: .system)
        #expect(Set(second.endings.map(\.pair.apprenticeID)) == Set(byMentor[leaving]!.map(\.apprenticeID)))
        #expect(second.endings.allSatisfy { $0.reason == "mentor \(leaving) left" })
        #expect(Set(second.kept.map(\.id)) == Set(others.map(\.id)))
        #expect(Set(second.stored.map(\.apprenticeID)) == Set(byMentor[leaving]!.map(\.apprenticeID)))
        #expect(!second.stored.contains { $0.mentorID == leaving })
        let history = try await f.service.history(of: leaving)
        #expect(history.allSatisfy { !$0.isActive && $0.endReason == "mentor \(leaving) left" })
        await #expect { try await f.service.history(of: "nobody") } throws: { ($0 as? ServiceError)?.code == .notFound }
    }

    @Test("revoked or expired certifications make a mentor ineligible; nobody is a new hire a year later")
    func eligibility() async throws {
        let f = try MentorFixture(certified: ["M001"])
        try f.base.database.write { db in
            _ = try f.base.database.append(
                LedgerEntry(
                    sequence: 0, kind: .revoked, person: "M001", subject: "onboarding",
                    recordedAt: "2026-11-01T09:00:00Z",
                    refersTo: 1, reason: "违规", previousHash: ""),
                signer: try LedgerSigner(rawKey: [UInt8](repeating: 1, count: 32)), db)
        }
        let proposal = try await f.service.propose()
        #expect(proposal.pairs.isEmpty)
        #expect(proposal.ineligible.first { $0.mentor == "M001" }?.reason.contains("revoked") == true)
        #expect(
            proposal.unmatched.first { $0.apprentice == "E001" }?.reason.contains("M001: `onboarding` was revoked (违规)")
                == true)
        let late = try await MentorFixture(certified: ["Q001"]).service.propose(
            asOf: Timestamp.parse("2027-06-01T09:00:00Z")!)
        #expect(late.pairs.isEmpty && late.unmatched.isEmpty, "hires of 2026 are no longer new in June 2027")
        #expect(late.ineligible.first { $0.mentor == "Q001" }?.reason.contains("expired on 2027-01-10") == true)
    }
}

@Suite("mentor transcript review")
struct MentorReviewTests {
    struct Setup {
        let fixture: MentorFixture
        let review: MentorReviewService
        let scenarios: ScenarioService
        let mentor: PersonID
        let other: PersonID

        init() async throws {
            fixture = try MentorFixture()
            _ = try await fixture.service.assign(by: .system)
            review = MentorReviewService(environment: fixture.environment)
            scenarios = ScenarioService(environment: fixture.environment)
            mentor = try #require(try await fixture.service.mentor(of: "E001"))
            other = mentor == "M001" ? "Q001" : "M001"
        }

        func play(_ person: String, _ file: String, replies limit: Int? = nil) async throws -> RunID {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8)
            var replies = try ReplyScript.parseFile(text, file: file).replies
            if let limit { replies = Array(replies.prefix(limit)) }
            let trainee = Identity(person: PersonID(person), roles: [.trainee], channel: .system)
            return try await scenarios.play(
                "p2p-withdrawal-delay", language: "zh", mode: .exam, replies: replies, by: trainee
            ).0.run.id
        }
    }

    @Test("the queue holds only the mentor's apprentices' runs; other mentors cannot open them")
    func queueAndPermissions() async throws {
        let s = try await Setup()
        let complete = try await s.play("E001", "Scenarios/p2p/withdrawal-delay.zh.model.jsonl")
        let partial = try await s.play("E001", "Scenarios/p2p/withdrawal-delay.zh.model.jsonl", replies: 1)
        let queue = try await s.review.queue(mentor: s.mentor, by: acting(s.mentor.rawValue))
        let runs = queue.items.compactMap { if case .transcript(let r) = $0 { return r.run } else { return nil } }
        #expect(runs == [complete, partial])
        let otherRuns = try await s.review.queue(mentor: s.other, by: acting(s.other.rawValue)).items.compactMap {
            if case .transcript(let r) = $0 { return r.person } else { return nil }
        }
        #expect(!otherRuns.contains("E001"))
        await #expect { try await s.review.review(complete, by: acting(s.other.rawValue)) } throws: {
            ($0 as? ServiceError)?.code == .notFound && "\($0)".contains("no scenario run")
        }
        await #expect {
            try await s.review.signOff(partial, certification: "onboarding", note: "", by: acting(s.mentor.rawValue))
        } throws: {
            ($0 as? ServiceError)?.code == .precondition && "\($0)".contains("only complete runs")
        }
        await #expect { try await s.review.queue(mentor: "nobody", by: .system) } throws: {
            ($0 as? ServiceError)?.code == .notFound
        }
        let json = try OutputJSON.string(queue)
        #expect(json.contains("\"started_at\"") && json.contains("\"transcript\""))
    }

    @Test("notes, overrides with a reason (the automatic verdict kept), and a sign-off that certification counts")
    func reviewAndSignOff() async throws {
        let s = try await Setup()
        let me = acting(s.mentor.rawValue)
        let run = try await s.play("E001", "Scenarios/p2p/withdrawal-delay.zh.model.jsonl")
        let before = try await s.review.review(run, by: acting(s.mentor.rawValue))
        let reply = try #require(before.report?.replies.first)
        let check = try #require(reply.checks.first)
        await #expect { try await s.review.annotate(run, turn: 99, note: "x", by: me) } throws: {
            ($0 as? ServiceError)?.code == .invalidInput
        }
        try await s.review.annotate(run, turn: reply.turn, note: "开场规范", by: me)
        await #expect {
            try await s.review.override(run, turn: reply.turn, check: check.id, verdict: .fail, reason: " ", by: me)
        } throws: {
            ($0 as? ServiceError)?.code == .invalidInput
        }
        await #expect {
            try await s.review.override(
                run, turn: reply.turn, check: "no-such-check", verdict: .fail, reason: "r", by: me)
        } throws: {
            ($0 as? ServiceError)?.code == .invalidInput
        }
        try await s.review.override(run, turn: reply.turn, check: check.id, verdict: .fail, reason: "语气生硬", by: me)
        let after = try await s.review.review(run, by: acting(s.mentor.rawValue))
        #expect(after.annotations.map(\.note) == ["开场规范"] && after.annotations.first?.mentorID == s.mentor)
        #expect(
            after.overrides.first?.automatic == check.verdict.rawValue && after.overrides.first?.mentorVerdict == .fail)
        #expect(after.report == before.report, "the automatic report is unchanged")
        let signed = try await s.review.signOff(run, certification: "onboarding", note: "可以独立处理", by: me)
        #expect(signed.run == run && signed.signOff > 0)
        await #expect { try await s.review.signOff(run, certification: "onboarding", note: "", by: me) } throws: {
            ($0 as? ServiceError)?.code == .conflict
        }
        let signOffs = try s.fixture.base.database.read { try s.fixture.base.database.signOffs(of: "E001", $0) }
        #expect(
            signOffs.count == 1 && signOffs[0].mentorID == s.mentor.rawValue
                && signOffs[0].certification == "onboarding"
                && signOffs[0].note.contains("transcript \(run)"))
        #expect(
            try await s.review.queue(mentor: s.mentor, by: acting(s.mentor.rawValue)).items.allSatisfy {
                if case .transcript(let r) = $0 { return r.run != run } else { return true }
            })
        #expect(try await s.review.review(run, by: acting(s.mentor.rawValue)).isSignedOff)
    }
}
