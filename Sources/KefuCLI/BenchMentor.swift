import ArgumentParser
import Foundation
import KefuCore
import KefuServices

/// `kefu bench mentor`: mentor assignment at contact-centre scale, against a greedy baseline.
struct BenchMentor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mentor",
        abstract:
            "Benchmark mentor assignment: time for N new hires and M mentors, and the optimum against a greedy assignment."
    )

    @Option(help: "New hires.") var apprentices = 300
    @Option(help: "Mentors.") var mentors = 120
    @Option(help: "Seed of the generated centre.") var seed: UInt64 = 2026

    func run() async throws {
        let r = MentorBenchmark(apprentices: apprentices, mentors: mentors, seed: seed).run()
        print("\(r.apprentices) new hires × \(r.mentors) mentors (\(r.places) free places), seed \(r.seed)")
        print(
            "optimal (Hungarian): \(r.optimalMatched) matched, objective \(String(format: "%.1f", r.optimalObjective.value)), \(String(format: "%.3f", r.seconds)) s"
        )
        print(
            "greedy baseline:     \(r.greedyMatched) matched, objective \(String(format: "%.1f", r.greedyObjective.value))"
        )
        print(
            "optimal / greedy: matched ×\(String(format: "%.3f", Double(r.optimalMatched) / Double(max(1, r.greedyMatched)))), objective +\(String(format: "%.1f", r.optimalObjective.value - r.greedyObjective.value))"
        )
    }
}
