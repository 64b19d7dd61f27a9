import ArgumentParser
import Foundation
import KefuCore
import KefuServices
import KefuWeb
import Logging

/// `kefu bench web`: simulated candidates answering through HTTP on loopback.
struct BenchWeb: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Benchmark the web app: N candidates saving answers over HTTP (paced and saturated), page renders.",
        discussion: """
            Starts `kefu serve` in this process on a loopback port over a scratch SQLite database, gives every \
            candidate an API token and an attempt in progress, then runs scripts/web-load.py (Python standard \
            library; keep-alive HTTP/1.1): paced (every candidate saves one answer per second), saturated (as many \
            as the server takes), and the attempt page rendered. Every answer is durable (WAL, synchronous=FULL) \
            before its response. Targets (issue 15): save p99 < 25 ms paced; ≥ 2,000 saves/s saturated; page p50 < 10 ms.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Simulated candidates.") var candidates = 500
    @Option(help: "Seconds of the paced run.") var seconds = 20.0
    @Option(help: "Seconds of the saturated and render runs.") var burst = 10.0
    @Option(help: "Connections of the saturated run.") var connections = 64
    @Option(help: "Blueprint taken.") var blueprint = "onboarding-theory"
    @Option(help: "Folder for the temporary database (default: the temporary folder).") var workDir: String?
    @Option(help: "Python interpreter for the load script.") var python = "python3"
    @Option(help: "Run on this PostgreSQL server (postgres://…; a scratch schema, dropped after) instead of SQLite.")
    var db: String?
    @Option(
        help:
            "Only prepare: add the candidates to --db itself (an empty database, kept) and write them to this JSON file, for load from outside (scripts/two-servers.py)."
    )
    var prepareOnly: String?

    func run() async throws {
        try await Edge.run {
            let base = try Edge.configuration(global: global)
            let folder = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory()).appendingPathComponent(
                "kefu-bench-web-\(ProcessInfo.processInfo.processIdentifier)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var configuration = base
            configuration.database =
                prepareOnly != nil && db != nil
                ? (db ?? "") : DatabaseService.scratch(server: db, folder: folder, name: "bench.sqlite")
            if prepareOnly == nil { configuration.keyDirectory = folder.appendingPathComponent("keys").path }
            configuration.keyPath = nil
            let environment = try KefuEnvironment.open(configuration, access: .readWrite)
            let started = ContinuousClock.now
            let list = try await WebBenchmark.prepare(environment: environment, count: candidates, blueprint: blueprint)
            print(
                "\(candidates) candidates with API tokens and \(blueprint) attempts in \(String(format: "%.1f", (ContinuousClock.now - started).seconds)) s"
            )
            if let prepareOnly {
                try JSONEncoder().encode(list).write(to: URL(fileURLWithPath: prepareOnly))
                print("wrote \(prepareOnly)")
                return
            }
            let file = folder.appendingPathComponent("candidates.json")
            try JSONEncoder().encode(list).write(to: file)
            var settings = WebConfiguration(root: base.root)
            settings.port = 0
            var logger = Logger(label: "kefu.bench.web")
            logger.logLevel = .warning
            let script = (base.root as NSString).appendingPathComponent("scripts/web-load.py")
            let runs: [(String, [String])] = [
                (
                    "paced: \(candidates) candidates × 1 answer/s for \(Int(seconds)) s",
                    ["--mode", "paced", "--seconds", "\(seconds)"]
                ),
                (
                    "saturated: \(connections) connections back to back for \(Int(burst)) s",
                    ["--mode", "saturated", "--seconds", "\(burst)", "--connections", "\(connections)"]
                ),
                (
                    "attempt page render, one browser at a time for \(Int(burst / 2)) s (target: p50 < 10 ms)",
                    ["--mode", "render", "--seconds", "\(burst / 2)", "--connections", "1"]
                ),
                (
                    "attempt page render, 8 browsers at once for \(Int(burst / 2)) s (throughput; queueing included)",
                    ["--mode", "render", "--seconds", "\(burst / 2)", "--connections", "8", "--label", "render-8"]
                ),
            ]
            let python = self.python
            let results = try await WebApp.withRunningServer(
                environment: environment, configuration: settings, logger: logger
            ) { address in
                var out: [(String, [String: Any])] = []
                for (label, arguments) in runs {
                    let json = try Self.load(
                        python, script, ["--base", "http://\(address)", "--candidates", file.path] + arguments)
                    out.append((label, json))
                }
                return try out.map {
                    ($0.0, String(decoding: try JSONSerialization.data(withJSONObject: $0.1), as: UTF8.self))
                }
            }
            Self.report(results)
            await DatabaseService.dropScratch(configuration.database)
        }
    }

    /// Runs the load script and returns its JSON line.
    static func load(_ python: String, _ script: String, _ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw ServiceError(
                .unavailable,
                "the load script failed (exit \(process.terminationStatus)): \(String(decoding: data, as: UTF8.self))")
        }
        return json
    }

    /// Prints every run with its figures and the ratio to the issue's target.
    static func report(_ results: [(String, String)]) {
        for (label, text) in results {
            let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            let number = { (key: String) in (json[key] as? NSNumber)?.doubleValue ?? 0 }
            print("\n\(label)")
            print(
                "  \(Int(number("requests"))) ok, \(Int(number("errors"))) errors in \(number("seconds")) s = \(Int(number("rate")))/s"
            )
            print(
                "  latency: p50 \(number("p50")) ms · p95 \(number("p95")) ms · p99 \(number("p99")) ms · max \(number("max")) ms"
            )
            if json["warmupRequests"] != nil {
                print(
                    "  the first \(Int(number("warmupSeconds"))) s (all \(Int(number("warmupRequests"))) saves while every candidate opens the page and starts): p99 \(number("warmupP99")) ms · max \(number("warmupMax")) ms; the latencies above are after it"
                )
            }
            switch json["mode"] as? String {
            case "paced":
                print(
                    String(
                        format: "  target save p99 < 25 ms: %.2f ms → %@", number("p99"),
                        number("p99") < 25 ? "met" : "NOT met"))
            case "saturated":
                print(
                    String(
                        format: "  target ≥ 2,000 saves/s: %.0f/s = %.2f× → %@", number("rate"), number("rate") / 2000,
                        number("rate") >= 2000 ? "met" : "NOT met"))
            case "render" where json["label"] == nil:
                print(
                    String(
                        format: "  target page p50 < 10 ms: %.2f ms → %@", number("p50"),
                        number("p50") < 10 ? "met" : "NOT met"))
            default: break
            }
            if let errors = json["firstErrors"] as? [String], !errors.isEmpty {
                print("  first errors: \(errors.joined(separator: ", "))")
            }
        }
    }
}
