import ArgumentParser

struct BenchScore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "score", abstract: "Benchmark the scoring engine.")
    func run() throws {}
}
