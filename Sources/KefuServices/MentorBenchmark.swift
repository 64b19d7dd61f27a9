import Foundation
public import KefuCore
import KefuMentoring

/// Mentor assignment at contact-centre scale: a generated centre, the optimal assignment timed, and a
/// greedy baseline to compare with.
public struct MentorBenchmark: Sendable {
    /// What one run measured.
    public struct Result: Sendable, Hashable, Codable {
        /// New hires.
        public var apprentices: Int
        /// Mentors.
        public var mentors: Int
        /// Free mentor places.
        public var places: Int
        /// The generator's seed.
        public var seed: UInt64
        /// Pairs of the optimal assignment.
        public var optimalMatched: Int
        /// Its objective.
        public var optimalObjective: Figure
        /// Seconds it took.
        public var seconds: Double
        /// Pairs of the greedy assignment.
        public var greedyMatched: Int
        /// Its objective.
        public var greedyObjective: Figure
    }

    /// New hires.
    public var apprentices: Int
    /// Mentors.
    public var mentors: Int
    /// Seed of the generated centre.
    public var seed: UInt64

    /// Creates a benchmark.
    public init(apprentices: Int, mentors: Int, seed: UInt64) {
        self.apprentices = apprentices
        self.mentors = mentors
        self.seed = seed
    }

    /// Generates the centre, runs both assignments and reports.
    public func run() -> Result {
        var random = SplitMix64(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        let sites = ["上海", "北京", "成都", "London"]
        let teams = (1...12).map { "T\($0)" }
        let languages: [[String]] = [["zh"], ["zh"], ["zh", "en"], ["en"]]
        let channels: [[Channel]] = [[.wechat], [.phone], [.wechat, .phone], [.chat, .wechat], [.phone, .chat]]
        let people = (0..<apprentices).map { i in
            Apprentice(
                id: String(format: "A%04d", i), languages: pick(languages), channels: pick(channels), site: pick(sites),
                team: pick(teams),
                managerID: String(format: "M%03d", Int(random.next() % UInt64(max(1, mentors)))))
        }
        let staff = (0..<mentors).map { i in
            Mentor(
                id: String(format: "M%03d", i), languages: pick(languages),
                channels: pick([[.wechat, .phone], [.phone, .chat], [.wechat, .chat, .phone]]),
                site: pick(sites), team: pick(teams), capacity: Int(2 + random.next() % 3), load: Int(random.next() % 2)
            )
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
            for (m, mentor) in staff.enumerated()
            where used[m] < mentor.free && matcher.blocker(apprentice, mentor) == nil {
                let value = matcher.score(apprentice, mentor).0 - matcher.weights.load * Double(mentor.load + used[m])
                if best == nil || value > best!.1 { best = (m, value) }
            }
            if let (m, value) = best {
                used[m] += 1
                greedyMatched += 1
                greedyObjective += value
            }
        }
        return Result(
            apprentices: apprentices, mentors: mentors, places: staff.map(\.free).reduce(0, +), seed: seed,
            optimalMatched: plan.pairs.count,
            optimalObjective: Figure(plan.objective), seconds: seconds, greedyMatched: greedyMatched,
            greedyObjective: Figure(greedyObjective))
    }
}
