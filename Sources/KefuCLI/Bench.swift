import ArgumentParser

extension Kefu {
    /// `kefu bench …`: benchmarks that print figures and ratios.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmarks (figures and ratios; not timed tests).",
            subcommands: [
                BenchScore.self, BenchLedger.self, BenchQA.self, BenchExam.self, BenchMentor.self, BenchPassword.self,
                BenchWeb.self,
            ])
    }
}
