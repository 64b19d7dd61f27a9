import Foundation
import KefuCore
import Testing

@testable import KefuContent

let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let repositoryRoot = testsFolder.deletingLastPathComponent().deletingLastPathComponent()

@Suite("kefu lint")
struct LintTests {
    @Test("diagnostics on broken content match the golden file (path:line:col, message, source line, caret)")
    func golden() throws {
        let root = testsFolder.appendingPathComponent("Fixtures/broken")
        let diagnostics = Linter(repository: ContentRepository(root: root)).lint()
        let errors = diagnostics.filter { $0.severity == .error }.count
        let rendered =
            diagnostics.map(\.description).joined(separator: "\n")
            + "\n\(errors) errors, \(diagnostics.count - errors) warnings\n"
        let golden = try String(
            contentsOf: testsFolder.appendingPathComponent("Fixtures/broken.lint.golden"), encoding: .utf8)
        #expect(rendered == golden)
    }

    @Test("every shipped rubric, rule example and citation is valid")
    func shippedContentIsClean() throws {
        let diagnostics = Linter(repository: ContentRepository(root: repositoryRoot)).lint()
        #expect(diagnostics.filter { $0.severity == .error }.map(\.description) == [])
        let (rubrics, _) = ContentRepository(root: repositoryRoot).rubrics(clauses: nil)
        #expect(rubrics.count >= 12)
    }

    @Test("every shipped rubric covers zh and en, and conduct rubrics cover the whole fixed category vocabulary")
    func shippedRubricShape() throws {
        let repository = ContentRepository(root: repositoryRoot)
        let (catalog, _) = repository.clauseCatalog()
        let (rubrics, _) = repository.rubrics(clauses: catalog)
        let ids = Set(rubrics.map(\.rubric.id))
        for family in ["conduct", "phone", "wechat", "complaint", "callback", "p2p"] {
            #expect(ids.contains("\(family).zh") && ids.contains("\(family).en"), "\(family)")
        }
        for id in ["conduct.zh", "conduct.en"] {
            let rubric = try #require(rubrics.first { $0.rubric.id == id })
            let categories = Set(rubric.rubric.items.map(\.category))
            for category in [
                "greeting", "identity", "offer-help", "apology", "confirm-understanding", "reply-time-promise",
                "closing",
                "forbidden.rude", "forbidden.impatient", "forbidden.buck-passing", "forbidden.guarantee",
                "forbidden.vague",
                "forbidden.blame", "forbidden.disclosure",
            ] {
                #expect(categories.contains(category), "\(id) lacks \(category)")
            }
        }
    }

    @Test("Policies/clauses.yaml lists exactly the clause ids of the policy digest")
    func clausesMatchDigest() throws {
        let digest = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/docs/policy-digest.md")
        guard let text = try? String(contentsOf: digest, encoding: .utf8) else {
            print("skipped: \(digest.path) is not present")
            return
        }
        var ids = Set<String>()
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "[") {
            rest = rest[rest.index(after: open)...]
            guard let close = rest.firstIndex(of: "]") else { break }
            let candidate = rest[..<close]
            if !candidate.isEmpty, candidate.count >= 4,
                candidate.allSatisfy({ ($0.isASCII && $0.isUppercase) || $0.isNumber || $0 == "-" })
            {
                ids.insert(String(candidate))
            }
        }
        let (catalog, diagnostics) = ContentRepository(root: repositoryRoot).clauseCatalog()
        #expect(!diagnostics.hasErrors)
        let listed = Set(try #require(catalog).clauses.map(\.id))
        #expect(listed.subtracting(ids) == [])
        #expect(ids.subtracting(listed) == [])
    }

    @Test("a compile error inside a double-quoted YAML string points at the right column")
    func columnsInQuotedScalars() throws {
        let yaml = """
            id: q
            version: "1"
            title: q
            language: en
            channels: [chat]
            pass_mark: 50
            sections:
              - id: s
                title: s
                weight: 1
                items:
                  - id: i
                    title: i
                    kind: required
                    category: greeting
                    source: CH-PHONE
                    match: ["\\\\bhi(\\\\s"]
                    examples: {match: ['hi'], no_match: ['x']}
            """
        let (_, diagnostics) = RubricLoader.load(path: "q.yaml", text: yaml, clauses: nil)
        let error = try #require(diagnostics.first { $0.message.contains("does not compile") })
        #expect(error.location.line == 17)
        // The pattern `\\bhi(\\s` starts at column 18, after the quote. PCRE2 reports the end (offset 7): seven
        // pattern scalars are nine source columns (each backslash is written twice), so the caret is at column 27.
        #expect(error.location.column == 27)
    }
}
