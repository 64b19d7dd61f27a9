import Foundation
import KefuCore
import KefuServices
import Testing

/// The access policy, cell by cell: every action × every role × own record, somebody else's, and somebody else's
/// whose current mentor the actor is — against a table written here by hand, not derived from the rules.
@Suite("access policy matrix")
struct PolicyTests {
    /// action: roles allowed on anybody's record; `owner` when the owner may act on their own (besides those
    /// roles); `their-mentor` when the owner's current mentor may; `own-only` for things one does only for oneself;
    /// `judgement` for actions never allowed on one's own work.
    static let expected = """
        people.manage            admin
        accounts.manage          admin
        roles.grant              admin
        account.own              own-only
        content.manage           admin
        audit.view               supervisor manager admin
        exam.take                own-only
        exam.fix-seed            admin judgement
        exam.view-result         team-lead supervisor manager admin owner their-mentor
        exam.view-key            team-lead supervisor manager admin
        exam.grade               team-lead supervisor manager their-mentor judgement
        exam.clear-retraining    supervisor manager judgement
        exam.statistics          mentor team-lead supervisor manager admin
        scenario.play            own-only
        scenario.view            team-lead supervisor manager admin owner their-mentor
        mentor.review            supervisor manager their-mentor judgement
        mentor.sign-off          supervisor manager their-mentor judgement
        mentor.assign            supervisor manager admin
        qa.import                qa-reviewer team-lead supervisor manager admin
        qa.score                 qa-reviewer team-lead supervisor manager admin
        qa.view                  qa-reviewer team-lead supervisor manager admin owner
        qa.review                qa-reviewer team-lead supervisor manager judgement
        qa.dispute.open          own-only
        qa.dispute.decide        team-lead supervisor manager judgement
        qa.calibrate             qa-reviewer team-lead supervisor manager
        review.run               supervisor manager admin
        review.view              team-lead supervisor manager admin owner their-mentor
        promotion.apply          supervisor manager judgement
        certification.issue      supervisor manager admin judgement
        certification.revoke     supervisor manager admin judgement
        certification.expire     supervisor manager admin
        evidence.manual          admin judgement
        ledger.checkpoint        supervisor manager admin
        ledger.keys              admin
        """

    struct Row {
        var roles: Set<Role> = []
        var owner = false
        var mentor = false
        var ownOnly = false
        var judgement = false
    }

    static func table() -> [String: Row] {
        var rows: [String: Row] = [:]
        for line in expected.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            var row = Row()
            for word in words.dropFirst() {
                switch word {
                case "own-only": row.ownOnly = true
                case "owner": row.owner = true
                case "judgement": row.judgement = true
                case "their-mentor": row.mentor = true
                default: row.roles.insert(Role(rawValue: word)!)
                }
            }
            rows[words[0]] = row
        }
        return rows
    }

    @Test("every action × every role × own, another's, another's as their mentor matches the table")
    func matrix() throws {
        let table = Self.table()
        #expect(Set(table.keys) == Set(Action.allCases.map(\.rawValue)), "the table names every action exactly once")
        var cells = 0
        for action in Action.allCases {
            let row = try #require(table[action.rawValue])
            for role in Role.allCases {
                let actor = Identity(person: "A", roles: [role], channel: .session)
                let own = AccessPolicy.decide(actor, action, on: .person("A")).allowed
                let other = AccessPolicy.decide(actor, action, on: .person("B")).allowed
                let asMentor = AccessPolicy.decide(actor, action, on: .person("B", mentor: "A")).allowed
                let holds = row.roles.contains(role)
                let wantOwn = row.ownOnly ? true : row.judgement ? false : holds || row.owner
                let wantOther = row.ownOnly ? false : holds
                let wantMentor = row.ownOnly ? false : holds || row.mentor
                #expect(own == wantOwn, "\(action.rawValue) as \(role.rawValue) on own record")
                #expect(other == wantOther, "\(action.rawValue) as \(role.rawValue) on another's record")
                #expect(asMentor == wantMentor, "\(action.rawValue) as \(role.rawValue), mentor of the owner")
                cells += 3
            }
        }
        #expect(cells == Action.allCases.count * Role.allCases.count * 3)
    }

    @Test("the rules of issue 14, as people meet them")
    func namedRules() {
        let e004 = Identity(person: "E004", roles: [.trainee], channel: .operator(osUser: "root"))
        let m001 = Identity(person: "M001", roles: [.trainee, .mentor], channel: .session)
        let l001 = Identity(person: "L001", roles: Role.implied(by: .teamLead), channel: .session)
        let s001 = Identity(person: "S001", roles: Role.implied(by: .supervisor), channel: .session)
        let admin = Identity(person: "root", roles: [.admin], channel: .operator(osUser: "root"))
        // Nobody signs off, grades, reviews or decides about their own work — whatever their roles.
        #expect(!AccessPolicy.decide(s001, .signOff, on: .person("S001")).allowed)
        #expect(!AccessPolicy.decide(l001, .decideDispute, on: .person("L001")).allowed)
        #expect(!AccessPolicy.decide(l001, .gradeEssay, on: .person("L001")).allowed)
        #expect(AccessPolicy.decide(l001, .decideDispute, on: .person("E001")).allowed)
        // Sign-off: the apprentice's current mentor or a supervisor; another mentor may not.
        #expect(AccessPolicy.decide(m001, .signOff, on: .person("E001", mentor: "M001")).allowed)
        #expect(!AccessPolicy.decide(m001, .signOff, on: .person("E001", mentor: "Q001")).allowed)
        #expect(AccessPolicy.decide(s001, .signOff, on: .person("E001", mentor: "Q001")).allowed)
        // Hand-entered evidence: administrators only, never about themselves; an agent cannot certify themselves.
        #expect(!AccessPolicy.decide(e004, .enterManualEvidence, on: .person("E004")).allowed)
        #expect(!AccessPolicy.decide(e004, .certify, on: .person("E004")).allowed)
        #expect(AccessPolicy.decide(admin, .enterManualEvidence, on: .person("E004")).allowed)
        // A dispute is opened only by the interaction's agent.
        #expect(!AccessPolicy.decide(l001, .openDispute, on: .person("E001")).allowed)
        #expect(AccessPolicy.decide(e004, .openDispute, on: .person("E004")).allowed)
        // The refusal says why and who may.
        let refusal = AccessPolicy.decide(e004, .revokeCertification, on: .person("E001")).reason
        #expect(refusal.contains("E004 (trainee)") && refusal.contains("supervisor"), "\(refusal)")
        let own = AccessPolicy.decide(s001, .signOff, on: .person("S001")).reason
        #expect(own.contains("their own work"), "\(own)")
    }

    @Test("the README documents the policy exactly as the code decides it")
    func readmeMatrix() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(AccessPolicy.markdownMatrix()), "update README from `kefu policy`")
    }
}
