import ArgumentParser
import Foundation
import KefuContent
import KefuExams
import KefuServices
import KefuStore

/// `kefu bench exam`: concurrent candidates through the service layer with autosave on.
struct BenchExam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exam",
        abstract: "Benchmark exam delivery: N candidates answer concurrently, every answer saved (prints answers/s and save latency).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Simultaneous candidates (one thread each).") var candidates = 500
    @Option(help: "Blueprint taken.") var blueprint = "channel-wechat"
    @Option(help: "Language.") var lang = "zh"
    @Option(help: "Answers key (JSON Lines by question id; default: a key built from the bank's right answers).") var answers: String?
    @Option(help: "Folder for the temporary database (default: the temporary folder).") var workDir: String?
    @Option(help: "Mean thinking time in seconds before each answer in the paced run (0 skips the paced run).") var think = 1.0

    func run() throws {
        try reporting {
            let repository = global.repository
            let folder = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory()).appendingPathComponent("kefu-bench-exam-\(ProcessInfo.processInfo.processIdentifier)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = try KefuDatabase(path: folder.appendingPathComponent("bench.sqlite").path)
            let script: AnswerScript
            if let answers {
                script = try readAnswers(answers)
            } else {
                script = try Self.key(for: blueprint, language: lang, repository: repository)
            }
            print("\(candidates) candidates × \(blueprint) (\(lang)), one thread each, through ExamService; every answer is durable (WAL, synchronous=FULL) before the call returns")
            let ms = { (value: Double) in String(format: "%.2f ms", value * 1000) }
            let p = ExamBenchmark.Result.percentile
            for (label, thinking, prefix) in [("saturated (no thinking time)", 0.0, "C"), ("paced (mean \(String(format: "%.1f", think)) s thinking before each answer)", think, "P")] {
                if prefix == "P", think <= 0 { continue }
                let result = try ExamBenchmark.run(database: database, repository: repository, blueprint: blueprint, language: lang, candidates: candidates,
                                                   answers: script, think: thinking, prefix: prefix)
                print("\n\(label)")
                print("  answers saved: \(result.answers) in \(String(format: "%.2f", result.seconds)) s = \(Int(result.answersPerSecond)) answers/s")
                print("  one save: p50 \(ms(p(result.saveLatencies, 50))) · p95 \(ms(p(result.saveLatencies, 95))) · p99 \(ms(p(result.saveLatencies, 99))) · max \(ms(result.saveLatencies.last ?? 0))")
                print("  start (draw + insert): p50 \(ms(p(result.startLatencies, 50))) · p99 \(ms(p(result.startLatencies, 99)))")
                print("  submit (grade + evidence): p50 \(ms(p(result.submitLatencies, 50))) · p99 \(ms(p(result.submitLatencies, 99)))")
                print("  attempts submitted: \(result.graded)/\(result.candidates)")
            }
        }
    }

    /// Right answers to every question of the blueprint's banks (choices by text), as an answers script.
    static func key(for blueprint: String, language: String, repository: ContentRepository) throws -> AnswerScript {
        let (_, banks) = try repository.examContent(blueprint, language: language)
        var lines: [String] = []
        for question in banks.values.flatMap(\.questions) {
            let answer: Any?
            switch question.type {
            case .single: answer = question.answers.max { $0.fraction < $1.fraction }?.text
            case .multiple: answer = question.answers.filter { $0.fraction > 0 }.compactMap(\.text)
            case .truefalse: answer = question.correct
            case .numerical: answer = question.answers.first { $0.fraction >= 100 }.flatMap { $0.value ?? $0.min }
            case .short: answer = question.answers.first { $0.fraction >= 100 && $0.text != nil }?.text
            case .matching: answer = Dictionary(question.matchingItems.map { ($0.question, $0.answer) }, uniquingKeysWith: { a, _ in a })
            case .essay: answer = "essay"
            case .description: answer = nil
            }
            guard let answer, let data = try? JSONSerialization.data(withJSONObject: ["id": question.id, "answer": answer]) else { continue }
            lines.append(String(decoding: data, as: UTF8.self))
        }
        return try AnswerScript.parse(lines.joined(separator: "\n"), file: "key")
    }
}
