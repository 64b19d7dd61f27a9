import Foundation
import KefuTesting
import Testing

/// The content commands' output, byte for byte, against `Tests/Golden/*.txt`.
/// Re-record after an intended change with `KEFU_RECORD_GOLDEN=1 swift test --filter GoldenTests`.
@Suite("golden output of the content commands", .serialized)
struct GoldenTests {
    static let directory = KefuProcess.root.appendingPathComponent("Tests/Golden")
    static let broken = "Tests/KefuContentTests/Fixtures/broken"

    @Test("kefu lint on a fixture with errors: diagnostics with source lines and carets, exit 1")
    func lintBroken() throws {
        let result = try KefuProcess.run(["lint", "--root", Self.broken])
        #expect(result.status == 1)
        try Golden.check(result.stdout, named: "lint-broken", directory: Self.directory)
    }

    @Test("kefu lint --format json: the report with snake_case keys, exit 1")
    func lintBrokenJSON() throws {
        let result = try KefuProcess.run(["lint", "--root", Self.broken, "--format", "json"])
        #expect(result.status == 1)
        #expect(result.stdout.contains(#""source_line""#))
        try Golden.check(result.stdout, named: "lint-broken-json", directory: Self.directory)
    }

    @Test("kefu score --format text on the Chinese samples")
    func scoreText() throws {
        let result = try KefuProcess.run([
            "score", "--rubric", "conduct.zh", "--input", "Samples/conduct.zh.jsonl", "--format", "text",
        ])
        #expect(result.status == 0)
        try Golden.check(result.stdout, named: "score-conduct.zh-text", directory: Self.directory)
    }

    @Test("kefu score --format jsonl on the Chinese samples (the documented result format)")
    func scoreJSONL() throws {
        let result = try KefuProcess.run([
            "score", "--rubric", "conduct.zh", "--input", "Samples/conduct.zh.jsonl", "--format", "jsonl",
        ])
        #expect(result.status == 0)
        try Golden.check(result.stdout, named: "score-conduct.zh-jsonl", directory: Self.directory)
    }

    @Test("kefu score --format summary on the English samples")
    func scoreSummary() throws {
        let result = try KefuProcess.run([
            "score", "--rubric", "conduct.en", "--input", "Samples/conduct.en.jsonl", "--format", "summary",
        ])
        #expect(result.status == 0 || result.status == 1)
        try Golden.check(result.stdout, named: "score-conduct.en-summary", directory: Self.directory)
    }

    @Test("kefu coverage as text")
    func coverage() throws {
        let result = try KefuProcess.run(["coverage"])
        #expect(result.status == 0)
        try Golden.check(result.stdout, named: "coverage", directory: Self.directory)
    }
}

@Suite("golden files")
struct GoldenHelperTests {
    @Test("a difference fails with the first differing line; recording writes the file; a missing file fails")
    func helper() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-golden-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: CheckFailure.self) { try Golden.check("a\n", named: "x", directory: folder, record: false) }
        try Golden.check("a\nb\n", named: "x", directory: folder, record: true)
        try Golden.check("a\nb\n", named: "x", directory: folder, record: false)
        do {
            try Golden.check("a\nc\n", named: "x", directory: folder, record: false)
            Issue.record("a different text passed")
        } catch let failure as CheckFailure {
            #expect(failure.description.contains("line 2: expected «b», got «c»"))
        }
    }
}

@Suite("content commands: inputs and formats", .serialized)
struct ContentCommandTests {
    @Test("a rubric path leading outside the content root is refused (exit 2); an absolute path is read by the edge")
    func rubricPaths() throws {
        let outside = try KefuProcess.run([
            "score", "--rubric", "../etc/passwd.yaml", "--input", "Samples/conduct.zh.jsonl",
        ])
        #expect(outside.status == 2)
        #expect(outside.stderr.contains("inside the content folder"))
        let absolute = KefuProcess.root.appendingPathComponent("Rubrics/conduct.zh.yaml").path
        let byPath = try KefuProcess.run([
            "score", "--rubric", absolute, "--input", "Samples/conduct.zh.jsonl", "--format", "jsonl",
        ])
        let byID = try KefuProcess.run([
            "score", "--rubric", "conduct.zh", "--input", "Samples/conduct.zh.jsonl", "--format", "jsonl",
        ])
        #expect(byPath.status == 0)
        #expect(byPath.stdout == byID.stdout)
        let missing = try KefuProcess.run([
            "score", "--rubric", "/nonexistent/rubric.yaml", "--input", "Samples/conduct.zh.jsonl",
        ])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("there is no file /nonexistent/rubric.yaml"))
    }

    @Test("kefu lint refuses a path outside the content root (exit 2)")
    func lintOutside() throws {
        let result = try KefuProcess.run(["lint", "/etc"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("outside the content folder"))
    }

    @Test("a wrong --format is a usage error (exit 64) and --help lists the values")
    func formats() throws {
        #expect(try KefuProcess.run(["score", "--rubric", "conduct.zh", "--format", "xml"]).status == 64)
        #expect(try KefuProcess.run(["lint", "--format", "xml"]).status == 64)
        #expect(try KefuProcess.run(["coverage", "--format", "xml"]).status == 64)
        #expect(try KefuProcess.run(["score", "--help"]).stdout.contains("values: text, jsonl, summary"))
    }

    @Test("kefu coverage --format json: snake_case keys")
    func coverageJSON() throws {
        let result = try KefuProcess.run(["coverage", "--format", "json"])
        #expect(result.status == 0)
        #expect(result.stdout.contains(#""unknown_citations""#))
        #expect(result.stdout.contains(#""rubric_rules""#))
    }
}
