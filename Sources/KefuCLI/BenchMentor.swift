import ArgumentParser
import Foundation
import KefuCore
import KefuMentoring

/// `kefu bench mentor`: mentor assignment at contact-centre scale, against a greedy baseline.
struct BenchMentor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mentor",
        abstract: "Benchmark mentor assignment: time for N new hires and M mentors, and the optimum against a greedy assignment.")

    @Option(help: "New hires.") var apprentices = 300
    @Option(help: "Mentors.") var mentors = 120
    @Option(help: "Seed of the generated centre.") var seed: UInt64 = 2026

    func run() throws {
        var random = SplitMix64(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        let sites = ["上海", "北京", "成都", "London"], teams = (1...12).map { "T\($0)" }
        let languages: [[String]] = [["zh"], ["zh"], ["zh", "en"], ["en"]]
        let channels: [[Channel]] = [[.wechat], [.phone], [.wechat, .phone], [.chat, .wechat], [.phone, .chat]]
        let people = (0..<apprentices).map { i in
            Apprentice(id: String(format: "A%04d", i), languages: pick(languages), channels: pick(channels), site: pick(sites), team: pick(teams),
                       managerID: String(format: "M%03d", Int(random.next() % UInt64(max(1, mentors)))))
        }
        let staff = (0..<mentors).map { i in
            Mentor(id: String(format: "M%03d", i), languages: pick(languages), channels: pick([[.wechat, .phone], [.phone, .chat], [.wechat, .chat, .phone]]),
                   site: pick(sites), team: pick(teams), capacity: Int(2 + random.next() % 3), load: Int(random.next() % 2))
        }
        let matcher = MentorMatcher()
        let clock = ContinuousClock()
        let start = clock.now
        let plan = matcher.assign(apprentices: people, mentors: staff)
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        // Greedy: each apprentice in id order takes the best mentor still free.
        var used = [Int](repeating: 0, count: staff.count)
        var greedyMatched = 0
        var greedyObjective = 0.0
        for apprentice in people.sorted(by: { $0.id < $1.id }) {
            var best: (Int, Double)?
            for (m, mentor) in staff.enumerated() where used[m] < mentor.free && matcher.blocker(apprentice, mentor) == nil {
                let value = matcher.score(apprentice, mentor).0 - matcher.weights.load * Double(mentor.load + used[m])
                if best == nil || value > best!.1 { best = (m, value) }
            }
            if let (m, value) = best {
                used[m] += 1
                greedyMatched += 1
                greedyObjective += value
            }
        }
        let places = staff.map(\.free).reduce(0, +)
        print("\(apprentices) new hires × \(mentors) mentors (\(places) free places), seed \(seed)")
        print("optimal (Hungarian): \(plan.pairs.count) matched, objective \(String(format: "%.1f", plan.objective)), \(String(format: "%.3f", seconds)) s")
        print("greedy baseline:     \(greedyMatched) matched, objective \(String(format: "%.1f", greedyObjective))")
        print("optimal / greedy: matched ×\(String(format: "%.3f", Double(plan.pairs.count) / Double(max(1, greedyMatched)))), objective +\(String(format: "%.1f", plan.objective - greedyObjective))")
    }
}
