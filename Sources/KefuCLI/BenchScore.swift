import ArgumentParser
import Foundation
import KefuContent
import KefuCore
import KefuRegex
import KefuRubrics
import KefuServices

/// `kefu bench score`: throughput of the scoring engine against a plain PCRE2-JIT loop and Python's `re`.
struct BenchScore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Benchmark kefu score's engine: turns/s and MB/s, against a plain PCRE2-JIT loop and Python's re.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Agent turns in the corpus (60 % Chinese, 40 % English, ~60 characters each).")
    var turns: Int = 200_000

    @Option(help: "Agent turns given to Python's re (it is slow; the rate is per turn either way). 0 skips it.")
    var pythonTurns: Int = 20_000

    @Option(help: "Size in MB of the JSON Lines file streamed through `kefu score`'s reader to check bounded memory. 0 skips it.")
    var streamMB: Int = 200

    @Option(help: "Corpus: `real` resamples the public dialogue corpora (CrossWOZ zh, MultiWOZ en) found in --corpora; `synthetic` builds turns from service phrases (dense in rule hits); `both`.")
    var corpus: String = "both"

    @Option(help: "Folder with crosswoz_valtest.jsonl and multiwoz_valtest_detok.jsonl (default: ../shared/corpora).")
    var corpora: String?

    @Flag(help: "Run only the Kefu engine on one core (for profiling); prints no ratios.")
    var engineOnly = false

    @Flag(help: "With --engine-only: score without the literal prefilter.")
    var withoutPrefilter = false

    @Option(help: "Where to write the corpus files (default: a temporary folder).")
    var workDir: String?

    func run() throws {
        let out = Output(.standardOutput)
        let repository = global.repository
        let (catalog, _) = repository.clauseCatalog()
        let (loaded, _) = repository.rubrics(clauses: catalog)
        let rubric = try ScoringBenchmark.rubric(from: loaded.filter { $0.errors.isEmpty }.map(\.rubric))
        let prefilter = LiteralPrefilter(patterns: rubric.patterns)
        let filterable = prefilter.literals.filter { $0 != nil }.count
        let folder = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory()).appendingPathComponent("kefu-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cores = ProcessInfo.processInfo.activeProcessorCount

        // 1. Streaming: memory stays bounded however large the input is (runs first so the peak is its own).
        if streamMB > 0 {
            let file = folder.appendingPathComponent("stream.jsonl")
            let bytes = try writeStream(to: file, megabytes: streamMB)
            let scorer = Scorer(rubric: try repository.rubric("conduct.zh").rubric)
            guard let handle = FileHandle(forReadingAtPath: file.path) else { throw ExitCode(2) }
            let start = ContinuousClock.now
            let summary = ScoreService.score(lines: LineReader(handle: handle), scorer: scorer, workers: cores) { _, _ in }
            let seconds = (ContinuousClock.now - start).seconds
            out.line("stream: \(summary.scored) interactions, \(mb(bytes)) MB of JSON Lines scored with conduct.zh through kefu score's reader on \(cores) cores: "
                + "\(fmt(Double(bytes) / 1e6 / seconds)) MB/s, peak memory \(fmt(ScoringBenchmark.peakMemoryMiB() ?? 0)) MiB")
            try? FileManager.default.removeItem(at: file)
        }

        // 2. The in-memory corpora.
        var sets: [(String, [Interaction])] = []
        if corpus == "synthetic" || corpus == "both" {
            sets.append(("synthetic (service phrases, dense in rule hits)", ScoringBenchmark.corpus(interactions: max(1, turns / 5))))
        }
        if corpus == "real" || corpus == "both" {
            let folder = URL(fileURLWithPath: corpora ?? repository.root.deletingLastPathComponent().appendingPathComponent("shared/corpora").path)
            let zh = ScoringBenchmark.agentTexts(of: folder.appendingPathComponent("crosswoz_valtest.jsonl"))
            let en = ScoringBenchmark.agentTexts(of: folder.appendingPathComponent("multiwoz_valtest_detok.jsonl"))
            if zh.isEmpty || en.isEmpty {
                out.line("real corpus: not found in \(folder.path); skipped")
            } else {
                sets.append(("real (CrossWOZ zh + MultiWOZ en agent turns, resampled)", ScoringBenchmark.resampled(chinese: zh, english: en, turns: turns)))
            }
        }
        out.line("rubric: \(rubric.patterns.count) patterns (every shipped rubric's plus service phrases), "
            + "\(filterable) with necessary literals for the prefilter")
        for (name, interactions) in sets {
            try measure(name: name, interactions: interactions, rubric: rubric, folder: folder, cores: cores, out: out)
        }
    }

    /// Times the engine, the plain loop and Python's re on one corpus and prints figures and ratios.
    func measure(name: String, interactions: [Interaction], rubric: Rubric, folder: URL, cores: Int, out: Output) throws {
        let agentTexts = interactions.flatMap { $0.turns.filter { $0.speaker == .agent }.map(\.text) }
        let agentBytes = agentTexts.reduce(0) { $0 + $1.utf8.count }
        let chinese = interactions.filter { $0.turns[1].text.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF } }.count * 5
        out.line("corpus \(name): \(agentTexts.count) agent turns (\(chinese) zh, \(agentTexts.count - chinese) en), "
            + "\(mb(agentBytes)) MB of agent text, mean \(agentTexts.reduce(0) { $0 + $1.count } / max(1, agentTexts.count)) characters a turn")
        out.flush()

        func rate(_ label: String, repeatBest: Int = 3, _ body: () -> Void) -> Double {
            var best = Double.infinity
            for _ in 0..<repeatBest {
                let start = ContinuousClock.now
                body()
                best = min(best, (ContinuousClock.now - start).seconds)
            }
            let turnsPerSecond = Double(agentTexts.count) / best
            out.line("  \(label.padding(toLength: 44, withPad: " ", startingAt: 0)) \(fmt(turnsPerSecond).leftPadded(12)) turns/s  "
                + "\(fmt(Double(agentBytes) / 1e6 / best).leftPadded(7)) MB/s")
            out.flush()
            return turnsPerSecond
        }

        let withFilter = Scorer(rubric: rubric, usePrefilter: true)
        let without = Scorer(rubric: rubric, usePrefilter: false)
        var sink = 0
        let one = rate("kefu engine, 1 core (prefilter + PCRE2-JIT)") {
            sink &+= ScoringBenchmark.score(interactions, scorer: engineOnly && withoutPrefilter ? without : withFilter, workers: 1)
        }
        if engineOnly {
            out.line("(checksum \(sink))")
            out.flush()
            return
        }
        let oneNoFilter = rate("kefu engine, 1 core, no prefilter") { sink &+= ScoringBenchmark.score(interactions, scorer: without, workers: 1) }
        let two = rate("kefu engine, \(cores) cores") { sink &+= ScoringBenchmark.score(interactions, scorer: withFilter, workers: cores) }
        let raw = agentTexts.map { Array($0.utf8) }
        let scratch = MatchScratch()
        let plain = rate("plain PCRE2-JIT per-pattern loop, 1 core") { sink &+= ScoringBenchmark.plainLoop(raw, patterns: rubric.patterns, scratch: scratch) }

        var python: Double?
        if pythonTurns > 0 {
            python = try runPython(folder: folder, texts: Array(agentTexts.prefix(pythonTurns)), rubric: rubric, out: out)
        }
        out.line("ratios:")
        out.line("  kefu 1 core / plain PCRE2 loop         ×\(fmt(one / plain))   (target ≥ 1.0)")
        out.line("  kefu 1 core without prefilter / plain  ×\(fmt(oneNoFilter / plain))   (the Swift layer and normalization)")
        out.line("  kefu \(cores) cores / kefu 1 core             ×\(fmt(two / one))   (target ≥ 1.8 on 2 cores)")
        if let python { out.line("  kefu 1 core / Python re                ×\(fmt(one / python))   (target ≥ 20)") }
        out.line("(checksum \(sink))")
        out.flush()
    }

    /// Writes interactions as JSON Lines until the file reaches `megabytes`; returns its size.
    func writeStream(to url: URL, megabytes: Int) throws -> Int {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: url.path) else { throw ExitCode(2) }
        defer { try? handle.close() }
        let encoder = JSONEncoder()
        let sample = ScoringBenchmark.corpus(interactions: 2_000, seed: 7)
        var block = Data()
        for interaction in sample {
            block.append(try encoder.encode(interaction))
            block.append(0x0A)
        }
        var written = 0
        while written < megabytes * 1_000_000 {
            handle.write(block)
            written += block.count
        }
        return written
    }

    /// Times Python's `re` on the same patterns (as written) over `texts`; returns turns/s.
    func runPython(folder: URL, texts: [String], rubric: Rubric, out: Output) throws -> Double? {
        let script = global.repository.root.appendingPathComponent("scripts/bench_python_re.py")
        let corpus = folder.appendingPathComponent("turns.txt")
        let patterns = folder.appendingPathComponent("patterns.txt")
        try Data(texts.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n").utf8).write(to: corpus)
        try Data(rubric.patterns.map(\.source).joined(separator: "\n").utf8).write(to: patterns)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, patterns.path, corpus.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            out.line("  python re: python3 is not available; skipped")
            return nil
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0, let rateLine = text.split(separator: "\n").first(where: { $0.hasPrefix("turns_per_second ") }),
            let rate = Double(rateLine.split(separator: " ")[1])
        else {
            out.line("  python re: the script failed; skipped")
            return nil
        }
        let skipped = text.split(separator: "\n").first { $0.hasPrefix("skipped ") }.map { " (\($0.split(separator: " ")[1]) patterns Python cannot compile left out)" } ?? ""
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        let mbps = Double(bytes) / 1e6 / (Double(texts.count) / rate)
        out.line("  \("Python re, 1 core (\(texts.count) turns)".padding(toLength: 44, withPad: " ", startingAt: 0)) \(fmt(rate).leftPadded(12)) turns/s  \(fmt(mbps).leftPadded(7)) MB/s\(skipped)")
        out.flush()
        return rate
    }

    func fmt(_ value: Double) -> String {
        value >= 1000 ? String(Int(value.rounded())) : String(format: value >= 10 ? "%.1f" : "%.2f", value)
    }

    func mb(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1e6) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
