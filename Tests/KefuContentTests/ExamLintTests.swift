import Foundation
import KefuCore
import KefuExams
import KefuTracks
import Testing

@testable import KefuContent

let contentRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A scratch content root: the clause catalog plus `files` (path → text).
func scratchContent(_ files: [String: String]) throws -> ContentRepository {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-exam-lint-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
        at: root.appendingPathComponent("Policies"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
        at: contentRoot.appendingPathComponent("Policies/clauses.yaml"),
        to: root.appendingPathComponent("Policies/clauses.yaml"))
    for (path, text) in files {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
    return ContentRepository(root: root)
}

@Suite("question bank and blueprint lint")
struct ExamLintTests {
    @Test(
        "the shipped banks and blueprints lint clean, every question cites a known clause, ≥ 120 questions per language"
    )
    func shipped() throws {
        let repository = ContentRepository(root: contentRoot)
        let diagnostics = Linter(repository: repository).lint(paths: ["QuestionBanks"])
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description))")
        let (banks, _) = repository.banks()
        for language in ["zh", "en"] {
            let questions = banks.filter { $0.bank.language == language }.flatMap(\.bank.questions)
            #expect(questions.count >= 120)
            #expect(Set(questions.map(\.type)) == Set(QuestionType.allCases.filter { $0 != .description }))
            #expect(questions.allSatisfy { !$0.sources.isEmpty })
        }
        let (blueprints, _) = repository.blueprints()
        #expect(Set(blueprints.map(\.blueprint.id)) == ["onboarding-theory", "channel-wechat", "channel-phone"])
    }

    @Test("bank errors name file, line and column: types, patterns, clauses, examples, translations, GIFT syntax")
    func bankErrors() throws {
        let repository = try scratchContent([
            "QuestionBanks/team.zh.yaml": """
            bank: team
            language: zh
            questions:
              - id: a
                type: choice
                text: 一
                source: [CH-PHONE]
              - id: b
                type: short
                text: 二
                source: [NO-SUCH-CLAUSE]
                answers:
                  - {pattern: '(\\w+\\s?)+$', fraction: 100}
              - id: c
                type: short
                text: 三
                source: [CH-PHONE]
                answers:
                  - {pattern: '三声', fraction: 100}
                examples: {right: [五声]}
              - id: d
                type: truefalse
                text: 四
                source: [CH-PHONE]
                correct: true
            """,
            "QuestionBanks/team.en.yaml": """
            bank: team
            language: en
            questions:
              - id: c
                type: short
                text: three
                source: [CH-PHONE]
                answers:
                  - {text: three, fraction: 100}
              - id: e
                type: truefalse
                text: five
                source: [CH-PHONE]
                correct: true
            """,
            "QuestionBanks/other.zh.gift": "// [id:x] [source:CH-PHONE]\nQ? {=a ~b\n",
        ])
        defer { try? FileManager.default.removeItem(at: repository.root) }
        let found = Linter(repository: repository).lint(paths: ["QuestionBanks"]).map {
            "\($0.location.file):\($0.location.line):\($0.location.column): \($0.message)"
        }
        func has(_ prefix: String, _ text: String) -> Bool {
            found.contains { $0.hasPrefix(prefix) && $0.contains(text) }
        }
        #expect(has("QuestionBanks/team.zh.yaml:5:11", "unknown question type `choice`"), "\(found)")
        #expect(has("QuestionBanks/team.zh.yaml:11:14", "unknown policy clause `NO-SUCH-CLAUSE`"))
        #expect(has("QuestionBanks/team.zh.yaml:13:20", "backtrack catastrophically"))
        #expect(has("QuestionBanks/team.zh.yaml:20:24", "the right example \"五声\" earns 0%"), "\(found)")
        #expect(has("QuestionBanks/other.zh.gift:2:4", "not closed"))
        // Language versions are compared once both load cleanly.
        let clean = try scratchContent([
            "QuestionBanks/pair.zh.yaml":
                "bank: pair\nlanguage: zh\nquestions:\n  - {id: c, type: truefalse, text: 三, source: [CH-PHONE], correct: true}\n  - {id: d, type: truefalse, text: 四, source: [CH-PHONE], correct: true}\n",
            "QuestionBanks/pair.en.yaml":
                "bank: pair\nlanguage: en\nquestions:\n  - {id: c, type: essay, text: three, source: [CH-PHONE]}\n  - {id: e, type: truefalse, text: five, source: [CH-PHONE], correct: true}\n",
        ])
        defer { try? FileManager.default.removeItem(at: clean.root) }
        let pairs = Linter(repository: clean).lint(paths: ["QuestionBanks"]).map {
            "\($0.location.file):\($0.location.line):\($0.location.column): \($0.message)"
        }
        #expect(
            pairs.contains {
                $0.hasPrefix("QuestionBanks/pair.en.yaml:5:5")
                    && $0.contains("question `e` is not in QuestionBanks/pair.zh.yaml")
            }, "\(pairs)")
        #expect(
            pairs.contains {
                $0.hasPrefix("QuestionBanks/pair.en.yaml:4:5")
                    && $0.contains("question `c` is essay here but truefalse")
            })
        #expect(
            pairs.contains {
                $0.hasPrefix("QuestionBanks/pair.zh.yaml:5:5") && $0.contains("question `d` has no translation")
            })
    }

    @Test("blueprints: unknown banks, draws the bank cannot supply, certification rules naming missing blueprints")
    func blueprintErrors() throws {
        let bank = (0..<3).map {
            "  - {id: q\($0), type: truefalse, text: 'Q\($0)', source: [CH-PHONE], correct: true, difficulty: easy}"
        }.joined(separator: "\n")
        let repository = try scratchContent([
            "QuestionBanks/small.en.yaml": "bank: small\nlanguage: en\nquestions:\n\(bank)\n",
            "QuestionBanks/blueprints/big.yaml": """
            blueprint: big
            title: Big
            source: [TRAIN-ASSESS]
            languages: [en, zh]
            pass_mark: 80
            sections:
              - {bank: small, count: 5}
            """,
            "QuestionBanks/blueprints/mix.yaml": """
            blueprint: mix
            title: Mix
            source: [TRAIN-ASSESS]
            languages: [en]
            pass_mark: 80
            sections:
              - {bank: small, count: 2, difficulty: {hard: 1}}
            """,
        ])
        defer { try? FileManager.default.removeItem(at: repository.root) }
        let found = Linter(repository: repository).lint(paths: ["QuestionBanks"]).map {
            "\($0.location.file):\($0.location.line): \($0.message)"
        }
        #expect(
            found.contains {
                $0.hasPrefix("QuestionBanks/blueprints/big.yaml:1")
                    && $0.contains("needs 5 questions from bank `small` (en) but only 3 qualify")
            }, "\(found)")
        #expect(
            found.contains { $0.hasPrefix("QuestionBanks/blueprints/big.yaml:7") && $0.contains("has no `zh` version") }
        )
        #expect(
            found.contains {
                $0.hasPrefix("QuestionBanks/blueprints/mix.yaml:1") && $0.contains("needs 1 hard questions")
            })
        let rules = try #require(CertificationRuleFixture.rules)
        let refs = Linter(repository: repository).checkReferences(
            rules, file: "Tracks/certifications.yaml", text: "      - {blueprint: onboarding-theory, min_score: 80}\n",
            scenarios: ["p2p-withdrawal-delay", "express-damaged-parcel"], blueprints: ["big"])
        #expect(
            refs.count == 1 && refs[0].message.contains("requires exam `onboarding-theory`")
                && refs[0].location.line == 1, "\(refs)")
    }
}

enum CertificationRuleFixture {
    /// The shipped certification rules.
    static var rules: [CertificationRule]? {
        try? ContentRepository(root: contentRoot).certificationRules().filter { !$0.exams.isEmpty }.prefix(1).map { $0 }
    }
}
