import ArgumentParser
import Foundation
import KefuCore
import KefuServices

/// `kefu bench score`: throughput of the scoring engine against a plain PCRE2-JIT loop and Python's `re`.
struct BenchScore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Benchmark kefu score's engine: turns/s and MB/s, against a plain PCRE2-JIT loop and Python's re.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Agent turns in the corpus (60 % Chinese, 40 % English, ~60 characters each).")
    var turns: Int = 200_000

    @Option(help: "Agent turns given to Python's re (it is slow; the rate is per turn either way). 0 skips it.")
    var pythonTurns: Int = 20_000

    @Option(
        help:
            "Size in MB of the JSON Lines file streamed through `kefu score`'s reader to check bounded memory. 0 skips it."
    )
    var streamMB: Int = 200

    /// Corpora.
    enum Corpus: String, ExpressibleByArgument, CaseIterable {
        case real, synthetic, both
    }

    @Option(
        help:
            "Corpus: `real` resamples the public dialogue corpora (CrossWOZ zh, MultiWOZ en) found in --corpora; `synthetic` builds turns from service phrases (dense in rule hits); `both`."
    )
    var corpus: Corpus = .both

    @Option(help: "Folder with crosswoz_valtest.jsonl and multiwoz_valtest_detok.jsonl (default: ../shared/corpora).")
    var corpora: String?

    @Flag(help: "Run only the Kefu engine on one core (for profiling); prints no ratios.")
    var engineOnly = false

    @Flag(help: "With --engine-only: score without the literal prefilter.")
    var withoutPrefilter = false

    @Option(help: "Where to write the corpus files (default: a temporary folder).")
    var workDir: String?

    func run() async throws {
        try await Edge.run {
            let environment = try Edge.environment(global: global, access: .none)
            var options = ScoringBenchmarkRun.Options()
            options.turns = turns
            options.pythonTurns = pythonTurns
            options.streamMB = streamMB
            options.corpus = ScoringBenchmarkRun.Corpus(rawValue: corpus.rawValue) ?? .both
            options.corpora = corpora
            options.engineOnly = engineOnly
            options.withoutPrefilter = withoutPrefilter
            options.workDir = workDir
            let out = Output(.standardOutput)
            try ScoringBenchmarkRun(environment: environment, options: options) { line in
                out.line(line)
                out.flush()
            }.run()
        }
    }
}
