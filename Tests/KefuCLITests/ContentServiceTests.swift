import Foundation
import KefuCore
import KefuServices
import Testing

/// The content services driven directly (no process), over the repository's own content.
@Suite("content services")
struct ContentServiceTests {
    static let environment = KefuEnvironment(
        configuration: Configuration(
            root: KefuProcess.root.path, database: "/nonexistent/never-opened.sqlite", workers: 2), storage: nil)

    static func code(_ body: () async throws -> Void) async -> ServiceError.Code? {
        do { try await body() } catch let error as ServiceError { return error.code } catch { return nil }
        return nil
    }

    @Test("rubric references resolve only inside the content root")
    func containment() async throws {
        let service = ScoreService(environment: Self.environment)
        for reference in ["/etc/passwd", "../outside.yaml", "Rubrics/../../outside.yaml", "~/x.yaml"] {
            let code = await Self.code { _ = try service.scorer(.content(reference)) }
            #expect(code == .invalidInput, "\(reference)")
        }
        #expect(await Self.code { _ = try service.scorer(.content("nope.zh")) } == .notFound)
        _ = try service.scorer(.content("conduct.zh"))
        _ = try service.scorer(.content("Rubrics/conduct.zh.yaml"))
        #expect(Self.environment.content.contained("Rubrics/conduct.zh.yaml") != nil)
        #expect(Self.environment.content.contained("Rubrics/../Rubrics/conduct.zh.yaml") != nil)
        #expect(Self.environment.content.contained("../x") == nil)
    }

    @Test("a rubric handed over as bytes is scored like the same rubric by id; its diagnostics use the label")
    func rubricBytes() async throws {
        let service = ScoreService(environment: Self.environment)
        let text = try String(
            contentsOf: KefuProcess.root.appendingPathComponent("Rubrics/conduct.zh.yaml"), encoding: .utf8)
        let samples = [UInt8](try Data(contentsOf: KefuProcess.root.appendingPathComponent("Samples/conduct.zh.jsonl")))
        func run(_ source: ScoreService.RubricSource) throws -> (String, ScoreService.Summary) {
            var out = ""
            let summary = try service.score(
                .bytes(samples, label: "samples"), rubric: source, format: .jsonl, write: { out += $0 },
                invalid: { _ in })
            return (out, summary)
        }
        let (byID, summary) = try run(.content("conduct.zh"))
        let (byBytes, _) = try run(.input(.bytes(Array(text.utf8), label: "upload.yaml")))
        #expect(byID == byBytes)
        #expect(summary.scored == 4 && summary.passed == 2 && summary.isClean)
        let broken = text.replacingOccurrences(of: "pass_mark:", with: "pass_mark_typo:")
        do {
            _ = try service.scorer(.input(.bytes(Array(broken.utf8), label: "upload.yaml")))
            Issue.record("a broken rubric loaded")
        } catch let error as ServiceError {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("upload.yaml:"))
            #expect(error.hint == nil, "a file outside the content is not linted")
        }
    }

    @Test("invalid lines are reported with the input's label, line and column, never their content")
    func invalidLines() async throws {
        let service = ScoreService(environment: Self.environment)
        var invalid: [ScoreService.InvalidLine] = []
        let input = "{\"id\":\"secret-13800138000\"\n\n"
        let summary = try service.score(
            .bytes(Array(input.utf8), label: "upload.jsonl"), rubric: .content("conduct.zh"), format: .summary,
            write: { _ in },
            invalid: { invalid.append($0) })
        #expect(summary.invalid == 1 && !summary.isClean)
        #expect(invalid.first?.description.hasPrefix("upload.jsonl:1:") == true)
        #expect(invalid.first?.description.contains("13800138000") == false)
    }

    @Test("lint: the shipped content is clean; a path outside the root is invalid input")
    func lint() async throws {
        let service = LintService(environment: Self.environment)
        let report = try await service.lint(paths: ["Rubrics/conduct.zh.yaml"])
        #expect(report.passed && report.diagnostics.isEmpty && report.summary == "0 errors, 0 warnings")
        #expect(await Self.code { _ = try await service.lint(paths: ["/etc"]) } == .invalidInput)
        #expect(await Self.code { _ = try await service.lint(paths: ["../"]) } == .invalidInput)
        let inside = try await service.lint(paths: [
            KefuProcess.root.appendingPathComponent("Rubrics/conduct.zh.yaml").path
        ])
        #expect(inside.passed)
        let missing = try await service.lint(paths: ["Rubrics/none.yaml"])
        #expect(missing.errors == 1 && missing.summary == "1 error, 0 warnings")
    }

    @Test("coverage through the environment: every clause listed, JSON in snake_case")
    func coverage() async throws {
        let report = try await CoverageService(environment: Self.environment).report()
        #expect(report.clauses.count == 37)
        let json = try OutputJSON.string(report)
        #expect(json.contains(#""rubric_rules":"#) && json.contains(#""unknown_citations":"#))
        #expect(!json.contains("rubricRules"))
    }
}
