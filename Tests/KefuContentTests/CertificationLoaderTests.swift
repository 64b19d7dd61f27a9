import KefuCore
import Testing

@testable import KefuContent

@Suite("Tracks/certifications.yaml")
struct CertificationLoaderTests {
    @Test("the shipped rules load: onboarding needs theory, two scenarios and a sign-off; channels need onboarding")
    func shipped() throws {
        let rules = try ContentRepository(root: repositoryRoot).certificationRules()
        let onboarding = try #require(rules.first { $0.id == "onboarding" })
        #expect(onboarding.exams.map(\.blueprint) == ["onboarding-theory"])
        #expect(onboarding.scenarios.count == 2)
        #expect(onboarding.requiresMentorSignOff)
        #expect(onboarding.validityMonths == 12)
        for id in ["channel-wechat", "channel-phone", "senior"] {
            #expect(rules.first { $0.id == id }?.prerequisites.contains("onboarding") == true, "\(id)")
        }
    }

    @Test("errors name file, line and column: unknown prerequisite, unknown clause, unknown key, nothing required")
    func errors() {
        let yaml = """
            certifications:
              - id: a
                title: A
                source: [NO-SUCH]
                validity_months: 12
                requires:
                  certifications: [missing]
              - id: b
                title: B
                source: [TRAIN-CERT]
                validity_months: 0
                colour: red
                requires: {}
            """
        let catalog = ClauseCatalog(clauses: [.init(id: "TRAIN-CERT", section: "9", sources: [], summary: "")])
        let (_, diagnostics) = CertificationLoader.load(
            file: "Tracks/certifications.yaml", text: yaml, clauses: catalog)
        let rendered = diagnostics.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(rendered.contains { $0.hasPrefix("4:14 unknown policy clause `NO-SUCH`") })
        #expect(rendered.contains { $0.hasPrefix("7:24 unknown prerequisite certification `missing`") })
        #expect(rendered.contains { $0.hasPrefix("11:22 validity_months") })
        #expect(rendered.contains { $0.hasPrefix("12:5 unknown key `colour`") })
        #expect(rendered.contains { $0.hasPrefix("13:15 certification `b` requires nothing") })
    }
}
