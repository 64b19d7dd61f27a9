import Foundation
import KefuContent
public import KefuCore
public import KefuExams
import KefuStorage
import KefuStore

/// The exam load benchmark behind `kefu bench exam`: many candidates take an exam at the same time through
/// ``ExamService``, each in its own task, with every answer saved to SQLite as it is given (autosave on).
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

    /// Runs `candidates` candidates (one task each) through `blueprint` in `language` on the environment's storage
    /// (which gets the candidates as people, through `addPeople`). Each answers every drawn question from `answers`
    /// (a key by question id) and submits.
    public static func run(
        environment: KefuEnvironment, addPeople: ([Person]) throws -> Void, blueprint: BlueprintID, language: String,
        candidates: Int,
        answers: AnswerScript, think: Double = 0, prefix: String = "C"
    ) async throws -> Result {
        let people = (1...candidates).map {
            Person(
                id: String(format: "\(prefix)%04d", $0), name: "Candidate \($0)", hireDate: "2026-11-01",
                languages: [language])
        }
        try addPeople(people)
        let service = ExamService(environment: environment)
        var key: [String: AnswerScript.Entry] = [:]
        for entry in answers.entries where key[entry.id] == nil { key[entry.id] = entry }
        let byID = key
        let collected = Collector()
        let clock = ContinuousClock()
        let began = clock.now
        await withTaskGroup(of: Void.self) { group in
            for (n, person) in people.enumerated() {
                group.addTask {
                    await candidate(
                        n, person, service: service, blueprint: blueprint, language: language, byID: byID, think: think,
                        into: collected)
                }
            }
        }
        let seconds = (clock.now - began).seconds
        let (saves, starts, submits, failures) = collected.values
        if let first = failures.first {
            throw ServiceError(.unavailable, "\(failures.count) candidates failed; first: \(first)")
        }
        let graded = try await environment.storage.exams.attempts(person: nil, blueprint: blueprint, status: nil)
            .filter { $0.personID.rawValue.hasPrefix(prefix) && $0.status != .inProgress }.count
        return Result(
            candidates: candidates, answers: saves.count, seconds: seconds, saveLatencies: saves.sorted(),
            startLatencies: starts.sorted(), submitLatencies: submits.sorted(), graded: graded)
    }

    /// Runs the benchmark on a new SQLite database at `databasePath` (the benchmark measures SQLite; the file is the
    /// caller's to delete), with content from `root`: a saturated run (prefix `C`) and, when `think` > 0, a paced one
    /// (prefix `P`). `report` receives each run's label and result as it finishes.
    public static func runOnScratchDatabase(
        _ databasePath: String, root: String, blueprint: BlueprintID, language: String, candidates: Int,
        answers: AnswerScript, think: Double,
        report: (String, Result) -> Void
    ) async throws {
        let storage = try SQLiteStorage(path: databasePath)
        let environment = KefuEnvironment(
            configuration: Configuration(root: root, database: databasePath), storage: storage)
        let runs: [(String, Double, String)] = [
            ("saturated (no thinking time)", 0, "C"),
            ("paced (mean \(String(format: "%.1f", think)) s thinking before each answer)", think, "P"),
        ]
        for (label, thinking, prefix) in runs where prefix == "C" || think > 0 {
            let result = try await run(
                environment: environment, addPeople: { try storage.database.addPeople($0) }, blueprint: blueprint,
                language: language,
                candidates: candidates, answers: answers, think: thinking, prefix: prefix)
            report(label, result)
        }
    }

    /// One candidate: start, answer every question (thinking first when paced), submit.
    static func candidate(
        _ n: Int, _ person: Person, service: ExamService, blueprint: BlueprintID, language: String,
        byID: [String: AnswerScript.Entry], think: Double,
        into collected: Collector
    ) async {
        let clock = ContinuousClock()
        let actor = Identity(person: PersonID(person.id), roles: [.trainee], channel: .system)
        var mySaves: [Double] = []
        // Thinking time before each answer: exponential with mean `think`, seeded per candidate.
        var random = SplitMix64(seed: UInt64(n + 1))
        func pause() async {
            guard think > 0 else { return }
            let u = Double(random.next() >> 11) / Double(1 << 53)
            try? await Task.sleep(for: .seconds(-think * log(1 - u)))
        }
        do {
            await pause()  // paced runs: candidates arrive spread over the first seconds, not at one instant
            var t = clock.now
            var run = try await service.start(blueprint, language: language, by: actor)
            let startSeconds = (clock.now - t).seconds
            for (position, item) in run.session.paper.items.enumerated() {
                guard let entry = byID[item.question.id], let value = entry.answer else { continue }
                let response = try AnswerScript.response(value, to: item.question, at: entry.location)
                await pause()
                t = clock.now
                try await service.answer(&run, response, position: position, by: actor)
                mySaves.append((clock.now - t).seconds)
            }
            t = clock.now
            try await service.submit(&run, by: actor)
            let submitSeconds = (clock.now - t).seconds
            collected.add(saves: mySaves, start: startSeconds, submit: submitSeconds)
        } catch {
            collected.fail("\(person.id): \(error)")
        }
    }

    /// Right answers to every question of the blueprint's banks (choices by text), as an answers script.
    public static func answerKey(
        for blueprint: BlueprintID, language: String, content: KefuEnvironment
    ) throws -> AnswerScript {
        let (_, banks): (LoadedBlueprint, [String: Bank])
        do { (_, banks) = try content.content.examContent(blueprint.rawValue, language: language) } catch {
            throw ServiceError(.notFound, "\(error)", hint: .init("exam.list"))
        }
        var lines: [String] = []
        for question in banks.values.flatMap(\.questions) {
            let answer: Any?
            switch question.type {
            case .single: answer = question.answers.max { $0.fraction < $1.fraction }?.text
            case .multiple: answer = question.answers.filter { $0.fraction > 0 }.compactMap(\.text)
            case .truefalse: answer = question.correct
            case .numerical: answer = question.answers.first { $0.fraction >= 100 }.flatMap { $0.value ?? $0.min }
            case .short: answer = question.answers.first { $0.fraction >= 100 && $0.text != nil }?.text
            case .matching:
                answer = Dictionary(
                    question.matchingItems.map { ($0.question, $0.answer) }, uniquingKeysWith: { a, _ in a })
            case .essay: answer = "essay"
            case .description: answer = nil
            }
            guard let answer,
                let data = try? JSONSerialization.data(withJSONObject: ["id": question.id, "answer": answer])
            else { continue }
            lines.append(String(decoding: data, as: UTF8.self))
        }
        return try AnswerScript.parse(lines.joined(separator: "\n"), file: "key")
    }

    /// Figures gathered from the candidate tasks.
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
