import Foundation
import Testing

/// `kefu qa` end to end through the binary, the terminal review driven through stdin.
@Suite("kefu qa command line")
struct QACLITests {
    @Test("import → score → sample → terminal review with an override → dispute → audit → report; errors exit non-zero")
    func flow() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-qa-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = ["--db", folder.appendingPathComponent("k.sqlite").path]
        func kefu(_ args: [String], stdin: String? = nil) throws -> KefuProcess.Result {
            try KefuProcess.run(args + db, stdin: stdin)
        }

        #expect(try kefu(["people", "import", "Samples/people.csv"]).status == 0)
        let imported = try kefu(["qa", "import", "Samples/qa/interactions.jsonl"])
        #expect(imported.status == 0)
        #expect(imported.stdout.contains("imported 28 interaction(s)") && imported.stdout.contains("masked 13"))
        #expect(
            try kefu(["qa", "import", "Samples/qa/interactions.jsonl"]).stdout.contains("imported 0 interaction(s)"))
        let shown = try kefu(["qa", "show", "qa-2026-11-006"]).stdout
        #expect(shown.contains("**************4610") && !shown.contains("440305198512124610"))
        #expect(try kefu(["qa", "score", "--rubric", "conduct.zh"]).status == 0)
        #expect(
            try kefu(["qa", "sample", "--period", "2026-11", "--per-agent", "2", "--seed", "5", "--name", "s"]).status
                == 0)
        #expect(try kefu(["qa", "sample", "--verify", "s"]).status == 0)
        let ungranted = try kefu(["qa", "review", "s", "--as", "Q001", "--rubric", "conduct.zh"], stdin: "\n")
        #expect(ungranted.status == 2 && ungranted.stderr.contains("qa-reviewer"), "\(ungranted.stderr)")
        for reviewer in ["Q001", "Q002"] {
            #expect(try kefu(["role", "grant", reviewer, "qa-reviewer"]).status == 0)
        }

        // 14 items: confirm 3, pass the 4th (automatic: fail); an empty reason is refused and asked again.
        let answers = "\n\n\np\n\nconfirmed on the recording\n" + String(repeating: "\n", count: 10) + "overall fine\n"
        let review = try kefu(
            ["qa", "review", "s", "--as", "Q001", "--rubric", "conduct.zh", "--limit", "1"], stdin: answers)
        #expect(review.status == 0)
        #expect(review.stdout.contains("an override needs a reason"))
        #expect(review.stdout.contains("review 1:"))
        // End of input stops without submitting.
        let stopped = try kefu(["qa", "review", "s", "--as", "Q001", "--rubric", "conduct.zh"], stdin: "\n")
        #expect(stopped.stdout.contains("0 review(s) submitted"))

        let audit = try kefu(["qa", "audit"]).stdout
        #expect(audit.contains("item.override") && audit.contains("review.submit"))
        let wrongAgent = try kefu(["qa", "dispute", "1", "greeting", "--as", "Q002", "--reason", "x"])
        #expect(wrongAgent.status != 0 && wrongAgent.stderr.contains("only the agent"))
        let report = try kefu(["qa", "report", "--period", "2026-11", "--rubric", "conduct.zh", "--format", "csv"])
        #expect(report.status == 0)
        #expect(report.stdout.hasPrefix("agent,count,quality,pass_rate,reviewed,2026-09,2026-10"))
        #expect(report.stdout.split(separator: "\n").count == 4)
        let badPeriod = try kefu(["qa", "report", "--period", "11-2026", "--rubric", "conduct.zh"])
        #expect(badPeriod.status == 2 && badPeriod.stderr.contains("YYYY-MM"))

        // JSON output: snake_case keys, one encoder.
        let auditJSON = try kefu(["qa", "audit", "--format", "json"])
        #expect(
            auditJSON.status == 0 && auditJSON.stdout.hasPrefix("[")
                && auditJSON.stdout.contains("\"action\":\"review.submit\""))
        let dispute = try kefu(["qa", "dispute", "1", "greeting", "--as", "E001", "--reason", "I greeted"])
        if dispute.status == 0 {
            let disputes = try kefu(["qa", "disputes", "--status", "open", "--format", "json"])
            #expect(disputes.stdout.contains("\"status\":\"open\"") && disputes.stdout.contains("\"review\":1"))
        } else {
            #expect(dispute.stderr.contains("review 1"))
        }
        let drawn = try kefu([
            "qa", "sample", "--period", "2026-11", "--per-agent", "1", "--seed", "6", "--name", "j", "--format", "json",
        ])
        #expect(
            drawn.status == 0 && drawn.stdout.contains("\"population_size\":")
                && drawn.stdout.contains("\"members_hash\":"))
        let verified = try kefu(["qa", "sample", "--verify", "j", "--format", "json"])
        #expect(verified.status == 0 && verified.stdout.contains("\"is_identical\":true"))
        let report2 = try kefu(["qa", "report", "--period", "2026-11", "--rubric", "conduct.zh", "--format", "json"])
        #expect(report2.status == 0 && report2.stdout.contains("\"trend_periods\""))
        // Closed option values: a wrong one is a usage error.
        #expect(
            try kefu(["qa", "report", "--period", "2026-11", "--rubric", "conduct.zh", "--by", "shoe"]).status == 64)
        #expect(try kefu(["qa", "disputes", "--status", "maybe"]).status == 64)
        #expect(try kefu(["qa", "sample", "--period", "2026-11"]).status == 64)
    }

    @Test("read-only QA commands never create a database")
    func readOnly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-qa-ro-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("none.sqlite").path
        for args in [
            ["qa", "show", "x"], ["qa", "audit"], ["qa", "disputes"], ["qa", "sample", "--verify", "s"],
            ["qa", "calibrate", "c"],
            ["qa", "report", "--period", "2026-11", "--rubric", "conduct.zh"],
        ] {
            let r = try KefuProcess.run(args + ["--db", path])
            #expect(r.status == 2, "\(args)")
            #expect(!FileManager.default.fileExists(atPath: path), "\(args) created the database")
        }
    }
}
