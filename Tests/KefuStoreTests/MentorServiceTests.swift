import Foundation
import GRDB
import Testing
import KefuContent
import KefuCore
import KefuLedger
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
