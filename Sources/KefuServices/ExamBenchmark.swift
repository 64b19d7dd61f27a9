import Foundation
import KefuContent
import KefuCore
import KefuExams
import KefuStore

/// The exam load benchmark behind `kefu bench exam`: many candidates take an exam at the same time through
/// ``ExamService``, each on its own thread, with every answer saved to SQLite as it is given (autosave on).
public enum ExamBenchmark {
    /// What one run measured.
    public struct Result: Sendable {
        /// Candidates.
        public var candidates: Int
        /// Answers saved.
        public var answers: Int
        /// Wall-clock seconds from the first start to the last submission.
        public var seconds: Double
        /// Latency of each answer save, in seconds, sorted.
        public var saveLatencies: [Double]
        /// Latency of each start (draw + insert), sorted.
        public var startLatencies: [Double]
        /// Latency of each submission (grading + evidence), sorted.
        public var submitLatencies: [Double]
        /// Attempts graded at the end (must equal `candidates`).
        public var graded: Int

        /// Answers per second.
        public var answersPerSecond: Double { Double(answers) / seconds }

        /// The `p`-th percentile (0…100) of sorted values.
        public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
            return sorted[min(max(rank, 0), sorted.count - 1)]
        }
    }

    /// Runs `candidates` candidates through `blueprint` in `language` on `database` (which gets the candidates as people).
    /// Each answers every drawn question from `answers` (a key by question id) and submits.
    public static func run(
        database: KefuDatabase, repository: ContentRepository, blueprint: String, language: String, candidates: Int, answers: AnswerScript,
        think: Double = 0, prefix: String = "C"
    ) throws -> Result {
        let people = (1...candidates).map { Person(id: String(format: "\(prefix)%04d", $0), name: "Candidate \($0)", hireDate: "2026-11-01", languages: [language]) }
        try database.addPeople(people)
        let service = ExamService(database: database, repository: repository)
        var key: [String: AnswerScript.Entry] = [:]
        for entry in answers.entries where key[entry.id] == nil { key[entry.id] = entry }
        let byID = key
        let collected = Collector()
        let ready = DispatchGroup()
        let done = DispatchGroup()
        let gate = DispatchSemaphore(value: 0)
        let clock = ContinuousClock()
        for (n, person) in people.enumerated() {
            ready.enter()
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                ready.leave()
                gate.wait()
                var mySaves: [Double] = []
                // Thinking time before each answer: exponential with mean `think`, seeded per candidate.
                var random = SplitMix64(seed: UInt64(n + 1))
                func pause() {
                    guard think > 0 else { return }
                    let u = Double(random.next() >> 11) / Double(1 << 53)
                    Thread.sleep(forTimeInterval: -think * log(1 - u))
                }
                do {
                    pause()  // paced runs: candidates arrive spread over the first seconds, not at one instant
                    var t = clock.now
                    var run = try service.start(blueprint, person: person.id, language: language, seed: UInt64(n + 1))
                    let startSeconds = (clock.now - t).seconds
                    for (position, item) in run.session.paper.items.enumerated() {
                        guard let entry = byID[item.question.id], let value = entry.answer else { continue }
                        let response = try AnswerScript.response(value, to: item.question, at: entry.location)
                        pause()
                        t = clock.now
                        try service.answer(&run, response, position: position)
                        mySaves.append((clock.now - t).seconds)
                    }
                    t = clock.now
                    try service.submit(&run)
                    let submitSeconds = (clock.now - t).seconds
                    collected.add(saves: mySaves, start: startSeconds, submit: submitSeconds)
                } catch {
                    collected.fail("\(person.id): \(error)")
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        ready.wait()
        let began = clock.now
        for _ in people { gate.signal() }
        done.wait()
        let seconds = (clock.now - began).seconds
        let (saves, starts, submits, failures) = collected.values
        if let first = failures.first { throw ServiceError("\(failures.count) candidates failed; first: \(first)") }
        let graded = try database.examAttempts(blueprint: blueprint).filter { $0.personID.hasPrefix(prefix) && $0.status != "in-progress" }.count
        return Result(candidates: candidates, answers: saves.count, seconds: seconds, saveLatencies: saves.sorted(),
                      startLatencies: starts.sorted(), submitLatencies: submits.sorted(), graded: graded)
    }

    /// Figures gathered from the candidate threads.
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var saves: [Double] = []
        private var starts: [Double] = []
        private var submits: [Double] = []
        private var failures: [String] = []

        func add(saves more: [Double], start: Double, submit: Double) {
            lock.withLock {
                saves += more
                starts.append(start)
                submits.append(submit)
            }
        }

        func fail(_ message: String) { lock.withLock { failures.append(message) } }

        var values: ([Double], [Double], [Double], [String]) { lock.withLock { (saves, starts, submits, failures) } }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
