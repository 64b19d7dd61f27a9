import ArgumentParser
import Foundation
import KefuCore
import KefuServices

/// `kefu bench exam`: concurrent candidates through the service layer with autosave on.
struct BenchExam: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exam",
        abstract:
            "Benchmark exam delivery: N candidates answer concurrently, every answer saved (prints answers/s and save latency)."
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Simultaneous candidates (one task each).") var candidates = 500
    @Option(help: "Blueprint taken.") var blueprint = "channel-wechat"
    @Option(help: "Language.") var lang: TrainingLanguage = .zh
    @Option(help: "Answers key (JSON Lines by question id; default: a key built from the bank's right answers).")
    var answers: String?
    @Option(help: "Folder for the temporary database (default: the temporary folder).") var workDir: String?
    @Option(help: "Mean thinking time in seconds before each answer in the paced run (0 skips the paced run).")
    var think = 1.0

    func run() async throws {
        try await Edge.run {
            let configuration = try Edge.configuration(global: global)
            let folder = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory()).appendingPathComponent(
                "kefu-bench-exam-\(ProcessInfo.processInfo.processIdentifier)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let content = KefuEnvironment(configuration: configuration, storage: nil)
            let script =
                try answers.map { try ExamService.answers(from: .path($0)) }
                ?? ExamBenchmark.answerKey(for: BlueprintID(blueprint), language: lang.rawValue, content: content)
            print(
                "\(candidates) candidates × \(blueprint) (\(lang)), one task each, through ExamService; every answer is durable (WAL, synchronous=FULL) before the call returns"
            )
            let ms = { (value: Double) in String(format: "%.2f ms", value * 1000) }
            let p = ExamBenchmark.Result.percentile
            try await ExamBenchmark.runOnScratchDatabase(
                folder.appendingPathComponent("bench.sqlite").path, root: configuration.root,
                blueprint: BlueprintID(blueprint), language: lang.rawValue,
                candidates: candidates, answers: script, think: think
            ) { label, result in
                print("\n\(label)")
                print(
                    "  answers saved: \(result.answers) in \(String(format: "%.2f", result.seconds)) s = \(Int(result.answersPerSecond)) answers/s"
                )
                print(
                    "  one save: p50 \(ms(p(result.saveLatencies, 50))) · p95 \(ms(p(result.saveLatencies, 95))) · p99 \(ms(p(result.saveLatencies, 99))) · max \(ms(result.saveLatencies.last ?? 0))"
                )
                print(
                    "  start (draw + insert): p50 \(ms(p(result.startLatencies, 50))) · p99 \(ms(p(result.startLatencies, 99)))"
                )
                print(
                    "  submit (grade + evidence): p50 \(ms(p(result.submitLatencies, 50))) · p99 \(ms(p(result.submitLatencies, 99)))"
                )
                print("  attempts submitted: \(result.graded)/\(result.candidates)")
            }
        }
    }
}
