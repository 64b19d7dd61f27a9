import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `kefu` binary (built next to the test bundle by `swift build --build-tests`).
struct KefuProcess {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent(), root.appendingPathComponent(".build/debug")] {
            let url = candidate.appendingPathComponent("kefu")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return root.appendingPathComponent(".build/debug/kefu")
    }

    /// Where the kefu processes of this test run keep ledger keys: a fresh folder that kefu itself
    /// creates (mode 0700), never the user's `~/.config/kefu/keys`.
    static let keyDirectory = FileManager.default.temporaryDirectory
        .appendingPathComponent("kefu-test-keys-\(UUID().uuidString)/keys").path

    /// The environment of a kefu process in tests.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["KEFU_KEY_DIR"] = keyDirectory
        environment.removeValue(forKey: "KEFU_KEY")
        return environment
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts kefu with piped stdin and one pipe for stdout and stderr together (for tests that drive or kill it).
    static func start(_ arguments: [String]) throws -> (process: Process, input: Pipe, output: Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return (process, input, output)
    }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

@Suite("kefu command line", .serialized)
struct CLITests {
    @Test("kefu lint passes on the shipped content and exits 0")
    func lintShipped() throws {
        let result = try KefuProcess.run(["lint"])
        #expect(result.status == 0)
        #expect(result.stdout.hasSuffix("0 errors, 0 warnings\n"))
    }

    @Test("kefu lint on broken content exits 1 with path:line:col diagnostics")
    func lintBroken() throws {
        let result = try KefuProcess.run(["lint", "--root", "Tests/KefuContentTests/Fixtures/broken"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Rubrics/bad-regex.yaml:17:23: error: regex does not compile"))
    }

    @Test("kefu score --format jsonl: one result per interaction, in input order, with the documented fields")
    func scoreJSONL() throws {
        let result = try KefuProcess.run([
            "score", "--rubric", "conduct.zh", "--input", "Samples/conduct.zh.jsonl", "--format", "jsonl",
        ])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        #expect(
            objects.map { $0["interaction"] as? String } == [
                "zh-good-express-late", "zh-good-traditional", "zh-bad-rude", "zh-bad-guarantee",
            ])
        #expect(objects.map { $0["passed"] as? Bool } == [true, true, false, false])
        let first = objects[0]
        for key in ["interaction", "rubric", "rubric_version", "score", "passed", "critical_failed", "items"] {
            #expect(first[key] != nil, "missing \(key)")
        }
        #expect((first["rubric_version"] as? String)?.count == 64)
        let items = try #require(first["items"] as? [[String: Any]])
        for key in ["id", "category", "kind", "verdict", "points", "max_points", "evidence", "message"] {
            #expect(items[0][key] != nil, "missing item \(key)")
        }
        let evidence = try #require((items[0]["evidence"] as? [[String: Any]])?.first)
        #expect(evidence["turn"] as? Int == 0)
        #expect(evidence["start"] as? Int == 0)
        #expect(evidence["end"] as? Int == 2)
        #expect(evidence["text"] as? String == "您好")
        let rude = objects[2]
        #expect(rude["critical_failed"] as? Bool == true)
        #expect(rude["score"] as? Double == 0)
    }

    @Test("kefu score reads stdin, reports a malformed line by number, scores the rest and exits 1")
    func malformedInput() throws {
        let good = #"{"id":"ok","channel":"chat","agent":"a","turns":[{"speaker":"agent","text":"您好，我是客服小王"}]}"#
        let input = [
            good, #"{"id":"bad","channel":"chat""#, #"{"id":"x","channel":"fax","agent":"a","turns":[]}"#, "", good,
        ].joined(separator: "\n")
        let result = try KefuProcess.run(["score", "--rubric", "conduct.zh", "--format", "jsonl"], stdin: input)
        #expect(result.status == 1)
        #expect(result.stdout.split(separator: "\n").count == 2)
        #expect(result.stderr.contains("<stdin>:2:"))
        #expect(result.stderr.contains("not valid JSON"))
        #expect(result.stderr.contains("<stdin>:3:1: error: field `channel` must be one of phone, chat, wechat, email"))
    }

    @Test("kefu score refuses hostile times and empty ids by line and column, without trapping, and caps the errors")
    func hostileInput() throws {
        func line(_ id: String, at: String) -> String {
            #"{"id":"\#(id)","channel":"chat","agent":"a","turns":[{"speaker":"customer","text":"在吗","at":0},{"speaker":"agent","text":"您好","at":\#(at)}]}"#
        }
        let hostile = [line("a", at: "1e20"), line("b", at: "1e999"), line("c", at: "Infinity"), line("d", at: "NaN")]
        let result = try KefuProcess.run(
            ["score", "--rubric", "conduct.zh", "--format", "jsonl"],
            stdin: (hostile + [line("", at: "3"), line("ok", at: "5")]).joined(separator: "\n"))
        #expect(result.status == 1)
        #expect(result.stdout.split(separator: "\n").count == 1)
        let column = line("a", at: "1e20").unicodeScalars.count - #"1e20}]}"#.count + 1
        for number in 1...4 {
            #expect(result.stderr.contains("<stdin>:\(number):\(column): error: field `turns[1].at`"))
        }
        #expect(result.stderr.contains("<stdin>:5:7: error: field `id` is empty"))
        #expect(!result.stderr.contains("more errors"))

        let many = Array(repeating: line("x", at: "-1"), count: 2000).joined(separator: "\n")
        let capped = try KefuProcess.run(["score", "--rubric", "conduct.zh", "--format", "jsonl"], stdin: many)
        #expect(capped.status == 1)
        let errorLines = capped.stderr.split(separator: "\n").filter { $0.hasPrefix("<stdin>:") }
        #expect(errorLines.count == 20)
        #expect(capped.stderr.contains("… and 1980 more errors"))
    }

    @Test("customer text never appears in input error messages")
    func errorsLeakNoData() throws {
        let line =
            #"{"id":"p","channel":"chat","agent":"a","turns":[{"speaker":"robot","text":"身份证110105199001011234"}]}"#
        let result = try KefuProcess.run(["score", "--rubric", "conduct.zh"], stdin: line)
        #expect(result.status == 1)
        #expect(!result.stderr.contains("110105199001011234"))
        #expect(result.stderr.contains("speaker"))
    }

    @Test("an unknown rubric id is refused with the known ids and exit status 2")
    func unknownRubric() throws {
        let result = try KefuProcess.run(["score", "--rubric", "nope.zh", "--input", "Samples/conduct.zh.jsonl"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("no rubric with id `nope.zh`"))
        #expect(result.stderr.contains("conduct.zh"))
    }

    @Test("the text report highlights evidence and ends with a summary")
    func textReport() throws {
        let result = try KefuProcess.run(["score", "--rubric", "conduct.zh", "--input", "Samples/conduct.zh.jsonl"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("«不归我管»"))
        #expect(result.stdout.contains("4 interactions scored · 2 passed · 2 failed"))
    }

    @Test("kefu coverage lists cited and uncited clauses, as text and JSON")
    func coverage() throws {
        let text = try KefuProcess.run(["coverage"])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("Policy coverage: "))
        let json = try KefuProcess.run(["coverage", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let clauses = try #require(object["clauses"] as? [[String: Any]])
        #expect(clauses.count == 37)
        let wechat = try #require(clauses.first { $0["clause"] as? String == "CH-WECHAT-60S" })
        #expect((wechat["rubric_rules"] as? [String])?.contains("wechat.zh/reply-within-60s") == true)
        #expect((wechat["questions"] as? [String])?.contains("channel-wechat/wx-reply-limit") == true)
        #expect((wechat["scenarios"] as? [String])?.contains("wechat-first-response") == true)
        let ladder = try #require(clauses.first { $0["clause"] as? String == "ORG-LADDER" })
        #expect(
            (ladder["rubric_rules"] as? [String])?.isEmpty == true && (ladder["questions"] as? [String])?.count == 4,
            "cited by questions only")
    }
}

@Suite("ledger crash safety", .serialized)
struct CrashTests {
    @Test("a writer killed mid-transaction leaves a database whose ledger still verifies, with none of its entries")
    func killedWriter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("kefu.sqlite").path
        // Some committed history first.
        #expect(
            try KefuProcess.run(["ledger", "stress-append", "--db", db, "--count", "5", "--person", "before"]).status
                == 0)

        let process = Process()
        process.executableURL = KefuProcess.binary
        process.arguments = ["ledger", "stress-append", "--db", db, "--count", "20000", "--person", "killed"]
        process.environment = KefuProcess.environment
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // Wait until it is halfway through its single transaction, then kill it hard.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("halfway") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let verify = try KefuProcess.run(["ledger", "verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("ok: 5 entries"))
        let list = try KefuProcess.run(["ledger", "list", "--db", db])
        #expect(!list.stdout.contains("killed"))
    }
}

@Suite("people and ledger commands")
struct PeopleLedgerCLITests {
    func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("read-only commands on a mistyped database fail with exit 2 and create nothing")
    func readOnlyNeverCreates() throws {
        let folder = try folder()
        let typo = folder.appendingPathComponent("typo.sqlite").path
        for arguments in [
            ["ledger", "verify"], ["ledger", "list"], ["ledger", "prove", "1"], ["people", "list"],
            ["people", "show", "E001"],
            ["ledger", "public-key"],
        ] {
            let result = try KefuProcess.run(arguments + ["--db", typo])
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("no database"), "\(arguments): \(result.stderr)")
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty,
            "no database, WAL or key file was created")
    }

    @Test(
        "people import, list and show as JSON; certify and verify as JSON with exit statuses; a wrong format value is a usage error"
    )
    func jsonOutputs() throws {
        let folder = try folder()
        let db = folder.appendingPathComponent("kefu.sqlite").path
        let imported = try KefuProcess.run(["people", "import", "Samples/people.csv", "--db", db])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported") && imported.stdout.contains("Samples/people.csv"))

        let list = try KefuProcess.run(["people", "list", "--db", db, "--format", "json"])
        #expect(list.status == 0, "\(list.stderr)")
        let people = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(
            people.contains {
                $0["id"] as? String == "E001" && $0["hire_date"] != nil && $0["is_active"] as? Bool == true
            })

        let attempt = try KefuProcess.run([
            "evidence", "attempt", "--db", db, "--person", "E001", "--kind", "exam", "--reference", "onboarding-theory",
            "--score", "62.5", "--result", "fail", "--reason", "paper exam before Kefu",
        ])
        #expect(attempt.status == 0 && attempt.stdout.contains("recorded attempt 1"), "\(attempt.stderr)")
        let badKind = try KefuProcess.run([
            "evidence", "attempt", "--db", db, "--person", "E001", "--kind", "quiz", "--reference", "x", "--score", "1",
            "--result", "fail",
        ])
        #expect(badKind.status == 64, "\(badKind.stderr)")

        let show = try KefuProcess.run(["people", "show", "E001", "--db", db, "--format", "json"])
        let record = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect((record["attempts"] as? [[String: Any]])?.first?["score"] as? Double == 62.5)
        #expect(record["sign_offs"] != nil && (record["person"] as? [String: Any])?["id"] as? String == "E001")

        let certify = try KefuProcess.run(["certify", "E001", "onboarding", "--db", db, "--format", "json"])
        #expect(certify.status == 1, "unmet requirements: \(certify.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(certify.stdout.utf8)) as? [String: Any])
        #expect(
            outcome["certification"] as? String == "onboarding"
                && (outcome["checks"] as? [[String: Any]])?.first?["met"] as? Bool == false)

        let keyFile = db + ".key"
        let verify = try KefuProcess.run(["ledger", "verify", "--db", db, "--key", keyFile, "--format", "json"])
        #expect(verify.status == 0, "\(verify.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any])
        #expect(
            report["status"] as? String == "ok" && report["checked"] as? Int == 0
                && report["checkpoints_checked"] as? Int == 0)
        #expect(!FileManager.default.fileExists(atPath: keyFile), "verify never creates a key")
        let noKey = try KefuProcess.run(["ledger", "public-key", "--db", db, "--key", keyFile])
        #expect(noKey.status == 2 && noKey.stderr.contains("kefu ledger checkpoint"), "\(noKey.stderr)")

        #expect(try KefuProcess.run(["ledger", "list", "--db", db, "--format", "yaml"]).status == 64)
    }
}

@Suite("ledger custody commands")
struct LedgerCustodyCLITests {
    @Test(
        "hand-entered evidence needs --reason; checkpoints go to several witnesses and verify against all; rotate-key keeps old keys in the JWKS"
    )
    func custody() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("kefu.sqlite").path
        let key = folder.appendingPathComponent("keys/issuer.key").path
        func kefu(_ arguments: [String]) throws -> KefuProcess.Result {
            try KefuProcess.run(arguments + ["--db", db, "--key", key])
        }
        #expect(try kefu(["people", "import", "Samples/people.csv"]).status == 0)
        let noReason = try kefu([
            "evidence", "signoff", "--person", "E001", "--mentor", "M001", "--certification", "onboarding",
        ])
        #expect(noReason.status == 64 && noReason.stderr.contains("--reason"), "\(noReason.stderr)")
        let selfSignOff = try kefu([
            "evidence", "signoff", "--person", "E001", "--mentor", "E001", "--certification", "onboarding", "--reason",
            "x",
        ])
        #expect(selfSignOff.status == 2, "\(selfSignOff.stderr)")
        let future = try kefu([
            "evidence", "attempt", "--person", "E001", "--kind", "exam", "--reference", "onboarding-theory", "--score",
            "90", "--result", "pass", "--at", "2999-01-01T00:00:00Z", "--reason", "x",
        ])
        #expect(future.status == 2 && future.stderr.contains("future"), "\(future.stderr)")
        let expire = try kefu(["ledger", "expire", "--as-of", "2999-01-01"])
        #expect(expire.status == 2 && expire.stderr.contains("up to today"), "\(expire.stderr)")

        let witnesses = ["a", "b"].map { folder.appendingPathComponent("witness-\($0).txt").path }
        let checkpoint = try kefu(["ledger", "checkpoint", "--witness", witnesses[0], "--witness", witnesses[1]])
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        let keyMode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        let rotated = try kefu(["ledger", "rotate-key"])
        #expect(rotated.status == 0 && rotated.stdout.contains("retired key"), "\(rotated.stderr)")
        let verify = try kefu(["ledger", "verify", "--checkpoint", witnesses[0], "--checkpoint", witnesses[1]])
        #expect(verify.status == 0 && verify.stdout.contains("(2 keys)"), "\(verify.stdout)\(verify.stderr)")
        let jwks = try kefu(["ledger", "public-key", "--jwks"])
        let set = try #require(try JSONSerialization.jsonObject(with: Data(jwks.stdout.utf8)) as? [String: Any])
        #expect((set["keys"] as? [[String: Any]])?.count == 2)
        // A witness edited by hand no longer verifies.
        let edited = try String(contentsOfFile: witnesses[1], encoding: .utf8).replacingOccurrences(
            of: "\n0\n", with: "\n1\n")
        try Data(edited.utf8).write(to: URL(fileURLWithPath: witnesses[1]))
        #expect(try kefu(["ledger", "verify", "--checkpoint", witnesses[1]]).status == 2)
    }
}
