import Foundation
import GRDB
import Testing
import KefuContent
import KefuCore
import KefuLedger
import KefuScenarios
import KefuServices
import KefuStore

/// The sample team, with mentors certified through ledger entries, and the mentor service.
struct MentorFixture {
    let base: Fixture
    let service: MentorService
    static let asOf = Timestamp.parse("2026-11-23T09:00:00Z")!

    init(certified: [String] = ["M001", "Q001"]) throws {
        let base = try Fixture()
        self.base = base
        _ = try PeopleService(database: base.database).importCSV(at: repositoryRoot.appendingPathComponent("Samples/people.csv").path)
        try base.database.write { db in
            for person in certified {
                _ = try base.database.append(LedgerEntry(sequence: 0, kind: .issued, person: person, subject: "onboarding",
                                                          recordedAt: "2026-01-10T09:00:00Z", validUntil: "2027-01-10", previousHash: ""), db)
            }
        }
        service = MentorService(database: base.database, repository: ContentRepository(root: repositoryRoot), now: { MentorFixture.asOf })
    }
}

@Suite("mentor assignment service")
struct MentorServiceTests {
    @Test("every new hire gets a certified mentor within capacity; a dry run stores nothing; a second run changes nothing")
    func assign() throws {
        let f = try MentorFixture()
        let dry = try f.service.assign(dryRun: true)
        let active = try f.service.active()
        #expect(dry.stored.isEmpty && active.isEmpty)
        #expect(Set(dry.proposal.plan.pairs.map(\.apprentice)) == ["E001", "E002", "E003", "E004"])
        #expect(Set(dry.proposal.plan.pairs.map(\.mentor)).isSubset(of: ["M001", "Q001"]))
        #expect(dry.proposal.plan.pairs.filter { $0.mentor == "Q001" }.count <= 3 && dry.proposal.plan.pairs.filter { $0.mentor == "M001" }.count <= 4)
        #expect(dry.proposal.ineligible.map(\.mentor).sorted() == ["L001", "Q002", "Q003", "S001"])
        let e002 = try #require(dry.proposal.plan.pairs.first { $0.apprentice == "E002" })
        #expect(e002.reasons.first == "shares en and phone", "E002 speaks English and works the phone")
        let stored = try f.service.assign()
        #expect(stored.stored.count == 4)
        #expect(stored.proposal.plan.pairs == dry.proposal.plan.pairs, "deterministic")
        let again = try f.service.assign()
        #expect(again.stored.isEmpty && again.proposal.kept.count == 4 && again.proposal.plan.unmatched.isEmpty)
        let mentor = try f.service.mentor(of: "E001")
        #expect(mentor != nil)
    }

    @Test("when a mentor leaves, only their apprentices are re-matched; every other pair is kept")
    func mentorLeaves() throws {
        let f = try MentorFixture(certified: ["M001", "Q001", "Q003"])
        let first = try f.service.assign()
        let byMentor = Dictionary(grouping: first.stored, by: \.mentorID)
        let leaving = try #require(byMentor.max { $0.value.count < $1.value.count }?.key)
        let others = first.stored.filter { $0.mentorID != leaving }
        try f.base.database.setActive(false, person: leaving)
        let second = try f.service.assign()
        #expect(Set(second.proposal.endings.map(\.pair.apprenticeID)) == Set(byMentor[leaving]!.map(\.apprenticeID)))
        #expect(second.proposal.endings.allSatisfy { $0.reason == "mentor \(leaving) left" })
        #expect(Set(second.proposal.kept.map(\.id)) == Set(others.map(\.id)))
        #expect(Set(second.stored.map(\.apprenticeID)) == Set(byMentor[leaving]!.map(\.apprenticeID)))
        #expect(!second.stored.contains { $0.mentorID == leaving })
        let history = try f.service.history(of: leaving)
        #expect(history.allSatisfy { !$0.isActive && $0.endReason == "mentor \(leaving) left" })
    }

    @Test("revoked or expired certifications make a mentor ineligible; nobody is a new hire a year later")
    func eligibility() throws {
        let f = try MentorFixture(certified: ["M001"])
        try f.base.database.write { db in
            _ = try f.base.database.append(LedgerEntry(sequence: 0, kind: .revoked, person: "M001", subject: "onboarding", recordedAt: "2026-11-01T09:00:00Z",
                                                       refersTo: 1, reason: "违规", previousHash: ""), db)
        }
        let proposal = try f.service.propose()
        #expect(proposal.plan.pairs.isEmpty)
        #expect(proposal.ineligible.first { $0.mentor == "M001" }?.reason.contains("revoked") == true)
        #expect(proposal.plan.unmatched.first { $0.apprentice == "E001" }?.reason.contains("M001: `onboarding` was revoked (违规)") == true)
        let late = try MentorFixture(certified: ["Q001"]).service.propose(asOf: Timestamp.parse("2027-06-01T09:00:00Z")!)
        #expect(late.plan.pairs.isEmpty && late.plan.unmatched.isEmpty, "hires of 2026 are no longer new in June 2027")
        #expect(late.ineligible.first { $0.mentor == "Q001" }?.reason.contains("expired on 2027-01-10") == true)
    }
}

@Suite("mentor transcript review")
struct MentorReviewTests {
    struct Setup {
        let fixture: MentorFixture
        let review: MentorReviewService
        let scenarios: ScenarioService
        let mentor: String
        let other: String

        init() throws {
            fixture = try MentorFixture()
            _ = try fixture.service.assign()
            let repository = ContentRepository(root: repositoryRoot)
            review = MentorReviewService(database: fixture.base.database, repository: repository, now: { MentorFixture.asOf })
            scenarios = ScenarioService(database: fixture.base.database, repository: repository, now: { MentorFixture.asOf })
            mentor = try #require(try fixture.service.mentor(of: "E001"))
            other = mentor == "M001" ? "Q001" : "M001"
        }

        func play(_ person: String, _ file: String, replies limit: Int? = nil) throws -> Int64 {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8)
            var replies = try ReplyScript.parseFile(text, file: file).replies
            if let limit { replies = Array(replies.prefix(limit)) }
            return try scenarios.play("p2p-withdrawal-delay", language: "zh", person: person, mode: .exam, seed: 1, replies: replies).0.run.id.rawValue
        }
    }

    @Test("the queue holds only the mentor's apprentices' runs; other mentors cannot open them")
    func queueAndPermissions() throws {
        let s = try Setup()
        let complete = try s.play("E001", "Scenarios/p2p/withdrawal-delay.zh.model.jsonl")
        let partial = try s.play("E001", "Scenarios/p2p/withdrawal-delay.zh.model.jsonl", replies: 1)
        let queue = try s.review.queue(mentor: s.mentor)
        let runs = queue.compactMap { if case .transcript(let r) = $0 { return r.id.rawValue } else { return nil } }
        #expect(runs == [complete, partial])
        let otherRuns = try s.review.queue(mentor: s.other).compactMap { if case .transcript(let r) = $0 { return r.personID } else { return nil } }
        #expect(!otherRuns.contains("E001"))
        #expect { try s.review.review(complete, mentor: s.other) } throws: { "\($0)".contains("is not the mentor of `E001`") }
        #expect { try s.review.signOff(partial, certification: "onboarding", note: "", mentor: s.mentor) } throws: { "\($0)".contains("only complete runs") }
    }

    @Test("notes, overrides with a reason (the automatic verdict kept), and a sign-off that certification counts")
    func reviewAndSignOff() throws {
        let s = try Setup()
        let run = try s.play("E001", "Scenarios/p2p/withdrawal-delay.zh.model.jsonl")
        let before = try s.review.review(run, mentor: s.mentor)
        let reply = try #require(before.transcript.report?.replies.first)
        let check = try #require(reply.checks.first)
        #expect(throws: ServiceError.self) { try s.review.annotate(run, turn: 99, note: "x", mentor: s.mentor) }
        try s.review.annotate(run, turn: reply.turn, note: "开场规范", mentor: s.mentor)
        #expect(throws: ServiceError.self) { try s.review.override(run, turn: reply.turn, check: check.id, verdict: "fail", reason: " ", mentor: s.mentor) }
        #expect(throws: ServiceError.self) { try s.review.override(run, turn: reply.turn, check: "no-such-check", verdict: "fail", reason: "r", mentor: s.mentor) }
        try s.review.override(run, turn: reply.turn, check: check.id, verdict: "fail", reason: "语气生硬", mentor: s.mentor)
        let after = try s.review.review(run, mentor: s.mentor)
        #expect(after.annotations.map(\.note) == ["开场规范"])
        #expect(after.overrides.first?.automatic == check.verdict.rawValue && after.overrides.first?.verdict == "fail")
        #expect(after.transcript.report == before.transcript.report, "the automatic report is unchanged")
        try s.review.signOff(run, certification: "onboarding", note: "可以独立处理", mentor: s.mentor)
        #expect(throws: (any Error).self) { try s.review.signOff(run, certification: "onboarding", note: "", mentor: s.mentor) }
        let signOffs = try s.fixture.base.database.read { try s.fixture.base.database.signOffs(of: "E001", $0) }
        #expect(signOffs.count == 1 && signOffs[0].mentorID == s.mentor && signOffs[0].certification == "onboarding" && signOffs[0].note.contains("transcript \(run)"))
        #expect(try s.review.queue(mentor: s.mentor).allSatisfy { if case .transcript(let r) = $0 { return r.id.rawValue != run } else { return true } })
    }
}
