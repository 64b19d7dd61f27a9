import Foundation
import Testing

/// `kefu mentor`, `kefu review`, `kefu promote` through the binary: JSON output, read-only opening, usage errors.
@Suite("kefu mentoring, review and promotion command line", .serialized)
struct MentoringCLITests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "kefu-mentoring-cli-\(UUID().uuidString)")
    var database: String { folder.appendingPathComponent("k.sqlite").path }
    var db: [String] { ["--db", database] }

    @Test("read-only commands never create a database; the JSON of assign, queue and check has snake_case keys")
    func readOnlyAndJSON() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for command in [
            ["mentor", "list"], ["mentor", "queue", "--as", "M001"], ["mentor", "show", "E001"], ["review", "report"],
            ["review", "chart", "E001"], ["promote", "check", "E001"], ["mentor", "assign", "--dry-run"],
        ] {
            let result = try KefuProcess.run(command + db)
            #expect(result.status == 2, "\(command) without a database is an error")
            #expect(!FileManager.default.fileExists(atPath: database), "\(command) created the database")
        }
        #expect(try KefuProcess.run(["people", "import", "Samples/people.csv"] + db).status == 0)
        let assign = try KefuProcess.run(
            ["mentor", "assign", "--as-of", "2026-11-23", "--dry-run", "--format", "json"] + db)
        #expect(assign.status == 1, "nobody is certified: everyone is unmatched")
        #expect(
            assign.stdout.contains("\"dry_run\"") && assign.stdout.contains("\"is_complete\"")
                && assign.stdout.contains("\"unmatched\"") && !assign.stdout.contains("dryRun"))
        let queue = try KefuProcess.run(["mentor", "queue", "--as", "M001", "--format", "json"] + db)
        #expect(queue.status == 0 && queue.stdout.contains("\"items\"") && queue.stdout.contains("\"mentor\""))
        let check = try KefuProcess.run(["promote", "check", "E001", "--format", "json"] + db)
        #expect(
            check.status == 1 && check.stdout.contains("\"is_ready\"") && check.stdout.contains("\"is_met\"")
                && !check.stdout.contains("isReady"))
        let unknown = try KefuProcess.run(["promote", "check", "X999"] + db)
        #expect(unknown.status == 2 && unknown.stderr.contains("no person `X999`"))
        let chart = try KefuProcess.run(["review", "chart", "E001"] + db)
        #expect(
            chart.status == 2 && chart.stderr.contains("no review cycles")
                && chart.stderr.contains("next: kefu review-cycle run --period PERIOD"))
    }

    @Test("a wrong --verdict, --format or level is a usage error (64)")
    func usage() throws {
        #expect(
            try KefuProcess.run(
                [
                    "mentor", "override", "1", "apology", "--turn", "1", "--verdict", "maybe", "--reason", "r", "--as",
                    "M001",
                ] + db
            ).status == 64)
        #expect(try KefuProcess.run(["promote", "check", "E001", "--format", "xml"] + db).status == 64)
        #expect(try KefuProcess.run(["review", "report", "--format", "yaml"] + db).status == 64)
        #expect(try KefuProcess.run(["promote", "apply", "E001", "boss", "--as", "S001"] + db).status == 64)
        #expect(!FileManager.default.fileExists(atPath: database))
    }
}
