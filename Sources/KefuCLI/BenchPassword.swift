import ArgumentParser
import KefuServices

extension Kefu {
    /// `kefu bench password`: how long one bcrypt hash takes at each cost.
    struct BenchPassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "password",
            abstract: "Time one bcrypt password hash per cost (Kefu uses the cost that takes at least 50 ms).")
        @Option(help: "Lowest cost to time.") var from: UInt8 = 10
        @Option(help: "Highest cost to time.") var to: UInt8 = 12
        @Option(help: "Hashes per cost (the fastest counts).") var rounds = 3

        func run() throws {
            let standard = AccountSettings.standard.bcryptCost
            for cost in min(from, to)...max(from, to) {
                let elapsed = AccountService.measureHashing(cost: cost, rounds: rounds)
                let mark = cost == standard ? "  ← Kefu's cost" : ""
                print("bcrypt cost \(cost): \(Int((elapsed.seconds * 1000).rounded())) ms per hash\(mark)")
            }
        }
    }
}
