import Foundation
import KefuCore
import KefuScenarios
import Testing

@testable import KefuContent

/// A valid scenario with `replace` applied, loaded against the shipped rubrics.
func scenarioDiagnostics(_ replacements: [(String, String)] = [], channel: String = "wechat") -> [Diagnostic] {
    var yaml = """
        id: lint-test
        language: zh
        title: t
        business: express
        channel: \(channel)
        persona: {name: C}
        source: [COMPLAINT-APOLOGY]
        rubrics: [conduct.zh]
        pass_mark: 80
        reply_limit_seconds: 60
        replies: {model: m.jsonl, poor: p.jsonl}
        checks:
          - {id: greeting, use: 'conduct.zh#greeting'}
          - {id: apology, title: t, kind: required, category: apology, source: [COMPLAINT-APOLOGY], match: ['抱歉'], examples: {match: [很抱歉], no_match: [您好]}}
        steps:
          - id: open
            customer: 我的快递呢？
            checks: [greeting, apology]
            branches:
              - {if: {passed: [apology]}, next: calm}
              - next: angry
          - id: angry
            customer: 道歉都没有？
            end: {outcome: escalated, fails: true}
          - id: calm
            customer: 好的。
            end: resolved
        """
    for (from, to) in replacements {
        precondition(yaml.contains(from), "fixture does not contain \(from)")
        yaml = yaml.replacingOccurrences(of: from, with: to)
    }
    let repository = ContentRepository(root: repositoryRoot)
    let (clauses, _) = repository.clauseCatalog()
    return ScenarioLoader.load(
        path: "Scenarios/t.yaml", text: yaml, clauses: clauses, rubrics: repository.usableRubrics(clauses: clauses)
    ).1
}

func errors(_ diagnostics: [Diagnostic]) -> [String] {
    diagnostics.filter { $0.severity == .error }.map { "\($0.location.line):\($0.location.column) \($0.message)" }
}

@Suite("scenario lint")
struct ScenarioLintTests {
    @Test("the fixture itself is clean")
    func clean() {
        #expect(scenarioDiagnostics().isEmpty)
    }

    @Test("an unreachable step and a missing end are reported at the step")
    func graph() {
        let unreachable = errors(scenarioDiagnostics([("      - next: angry\n", "      - next: calm\n")]))
        #expect(unreachable == ["22:5 step `angry` is unreachable: no branch leads to it"])
        let noEnd = errors(
            scenarioDiagnostics([
                ("    end: resolved", "    branches:\n      - next: open"),
                ("    end: {outcome: escalated, fails: true}", "    branches:\n      - next: open"),
            ]))
        #expect(
            noEnd == [
                "16:5 no end step can be reached: mark the last step(s) with `end: resolved` (or another outcome)"
            ])
    }

    @Test("branches on unknown checks, unknown next steps and a missing default branch")
    func branches() {
        let unknownCheck = errors(
            scenarioDiagnostics([("{if: {passed: [apology]}, next: calm}", "{if: {passed: [closing]}, next: calm}")]))
        #expect(
            unknownCheck == [
                "20:14 the branch depends on check `closing`, which step `open` does not apply; add it to the step's `checks`"
            ])
        let unknownStep = errors(scenarioDiagnostics([("next: calm}", "next: clam}")]))
        #expect(
            unknownStep == [
                "20:41 unknown step `clam` (steps: open, angry, calm)",
                "25:5 step `calm` is unreachable: no branch leads to it",
            ])
        let noDefault = errors(
            scenarioDiagnostics([("      - next: angry\n", "      - {if: {failed: [apology]}, next: angry}\n")]))
        #expect(
            noDefault == [
                "20:7 step `open` needs a default branch (one without `if`): a reply that meets no condition must go somewhere"
            ])
    }

    @Test("timed channels need a reply limit; e-mail does not")
    func limits() {
        let untimed = errors(scenarioDiagnostics([("reply_limit_seconds: 60\n", "")]))
        #expect(untimed == ["15:5 wechat replies are timed: give `reply_limit_seconds` on the step or the scenario"])
        #expect(errors(scenarioDiagnostics([("reply_limit_seconds: 60\n", "")], channel: "email")).isEmpty)
    }

    @Test("unknown rubrics, rubric items, checks and clauses are named with what exists")
    func references() {
        let rubric = errors(scenarioDiagnostics([("rubrics: [conduct.zh]", "rubrics: [conduct.fr]")]))
        #expect(
            rubric.count == 1
                && rubric[0].hasPrefix("8:11 no rubric with id `conduct.fr` under Rubrics/; known ids: callback.en"))
        let item = errors(scenarioDiagnostics([("conduct.zh#greeting", "conduct.zh#greting")]))
        #expect(
            item.first?.hasPrefix("13:25 rubric `conduct.zh` has no item `greting`; its items: greeting, identity")
                == true, "\(item)")
        let check = errors(
            scenarioDiagnostics([("checks: [greeting, apology]", "checks: [greeting, apology, closing]")]))
        #expect(check == ["18:33 unknown check `closing`; define it under `checks:` (known: apology, greeting)"])
        let clause = errors(
            scenarioDiagnostics([("source: [COMPLAINT-APOLOGY]\nrubrics", "source: [COMPLAINT-SORRY]\nrubrics")]))
        #expect(clause == ["7:10 unknown policy clause `COMPLAINT-SORRY`; cite an id listed in Policies/clauses.yaml"])
    }

    @Test("a timing item cannot be a reply check, and duplicate ids are refused")
    func structure() {
        let timing = errors(scenarioDiagnostics([("conduct.zh#greeting", "phone.zh#three-rings")]))
        #expect(timing.first == "13:25 a timing item cannot be a reply check; set `reply_limit_seconds` on the step")
        let duplicate = errors(
            scenarioDiagnostics([("  - id: calm\n    customer: 好的。", "  - id: angry\n    customer: 好的。")]))
        #expect(duplicate.first == "25:9 duplicate step id `angry`")
    }

    @Test("every shipped scenario exists in Chinese and English and cites its sources")
    func shippedScenarios() throws {
        let (all, diagnostics) = ContentRepository(root: repositoryRoot).scenarios()
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty)
        let byID = Dictionary(grouping: all, by: \.scenario.id)
        #expect(byID.count >= 12)
        for (id, versions) in byID {
            #expect(Set(versions.map(\.scenario.language)) == ["zh", "en"], "\(id)")
            for v in versions {
                #expect(
                    !v.scenario.sources.isEmpty && v.replySets.contains { $0.kind == "model" }
                        && v.replySets.contains { $0.kind == "poor" }, "\(v.path)")
            }
        }
        let rules = try ContentRepository(root: repositoryRoot).certificationRules()
        for rule in rules {
            for required in rule.scenarios {
                #expect(byID[required.scenario] != nil, "\(rule.id) needs \(required.scenario)")
            }
        }
    }
}
