import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu {
    /// `kefu exam`.
    struct ExamCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exam",
            abstract: "Exams: take, resume, results, review, grading queue, retraining, item statistics.",
            subcommands: [
                List.self, Show.self, Take.self, Resume.self, Results.self, Review.self, Queue.self, Grade.self,
                Clear.self, Stats.self, FixSeed.self,
            ])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the blueprints under QuestionBanks/blueprints/.")
            @OptionGroup var global: GlobalOptions

            func run() throws {
                try Edge.catching {
                    for loaded in ExamService(environment: try Edge.environment(global: global, access: .none))
                        .blueprints()
                    {
                        let b = loaded.blueprint
                        print(
                            "\(b.id)  \(b.title)  · \(b.questionCount) questions · \(b.timeLimit.map { "\($0 / 60) min" } ?? "no time limit") · pass \(short(b.passMark)) · \(b.languages.joined(separator: "/"))"
                        )
                    }
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a blueprint's draw and rules.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Blueprint id.") var blueprint: String

            func run() throws {
                try Edge.catching {
                    let loaded = try ExamService(environment: try Edge.environment(global: global, access: .none))
                        .blueprint(named: BlueprintID(blueprint))
                    let b = loaded.blueprint
                    print("\(b.id) — \(b.title)\n  file \(loaded.path) · sources \(b.sources.joined(separator: ", "))")
                    for (n, s) in b.sections.enumerated() {
                        var filter: [String] = []
                        if !s.categories.isEmpty { filter.append("categories \(s.categories.joined(separator: ", "))") }
                        if !s.tags.isEmpty { filter.append("tags \(s.tags.joined(separator: ", "))") }
                        if !s.types.isEmpty {
                            filter.append("types \(s.types.map(\.rawValue).joined(separator: ", "))")
                        }
                        let mix = s.difficultyMix
                        print(
                            "  section \(n + 1): \(s.count) × \(short(s.mark)) marks from bank \(s.bank)\(filter.isEmpty ? "" : " (\(filter.joined(separator: "; ")))")\(mix.isEmpty ? "" : " — \(mix)")"
                        )
                    }
                    print(
                        "  time limit \(b.timeLimit.map { "\($0 / 60) min" } ?? "none") · pass mark \(short(b.passMark)) · attempts \(b.attemptsAllowed.map(String.init) ?? "unlimited") · delay \(b.delayBetweenAttempts / 60) min · grading \(b.gradingMethod.rawValue)"
                    )
                    print(
                        "  shuffle questions \(b.shuffleQuestions) · shuffle choices \(b.shuffleChoices) · avoid seen questions \(b.avoidSeen) · retrain after \(b.retrainAfterFailures.map { "\($0) failures" } ?? "never")"
                    )
                    print(
                        "  candidates see: score \(b.review.score), right/wrong \(b.review.correctness), feedback \(b.review.feedback), right answers \(b.review.correctAnswers)"
                    )
                }
            }
        }

        struct Take: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Take an exam in the terminal, or from an answers file.",
                discussion: """
                    One question at a time; every answer is saved to the database the moment it is given, so a closed terminal \
                    or a killed process loses nothing: `kefu exam resume` continues with the same questions, answers and \
                    remaining time (the deadline is stored; time keeps running while away). At the deadline the attempt is \
                    submitted automatically. With --answers (JSON Lines keyed by question id; see QuestionBanks/README.md) \
                    the exam runs without a terminal; with --answers - each line read from stdin is saved as it arrives. Exit status: 0 passed, 1 failed or waiting for manual grading, 2 error.

                    Examples:
                      kefu exam take onboarding-theory --as E001
                      kefu exam take onboarding-theory --as E001 --answers answers.jsonl --format json
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Blueprint id (e.g. onboarding-theory).") var blueprint: String
            @Option(name: .customLong("as"), help: "The candidate's person id.") var person: String
            @Option(help: "Language (default: the first the candidate speaks).") var lang: TrainingLanguage?
            @Option(
                help: ArgumentHelp(
                    "Refused: the system draws the paper (an administrator fixes a seed with `kefu exam fix-seed`).",
                    visibility: .hidden)) var seed: UInt64?
            @Option(help: "Answers file (JSON Lines), or - for stdin.") var answers: String?
            @Option(help: "The result's format.") var format: TrainingFormat = .text

            func run() async throws {
                let passed: Bool? = try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let actor = try await Edge.identity(person, in: environment)
                    let service = ExamService(environment: environment)
                    if let answers {
                        let run = try await service.take(
                            BlueprintID(blueprint), language: lang?.rawValue, seed: seed, answers: answers, by: actor)
                        if format == .json {
                            print(try OutputJSON.string(ExamAttemptResult(run), pretty: true))
                        } else {
                            ExamTerminal.printResult(run, full: false)
                        }
                        return run.record.passed
                    }
                    var (run, expired) = try await service.startFresh(
                        BlueprintID(blueprint), language: lang?.rawValue, seed: seed, by: actor)
                    if let expired { print("attempt \(expired) ran out of time while away and was submitted") }
                    return try await ExamTerminal(service: service, actor: actor).take(&run)
                }
                if passed != true { throw ExitCode(1) }
            }
        }

        struct Resume: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Continue an attempt in progress (same questions, answers and deadline).",
                discussion: "With --answers the remaining answers come from a file, as with `kefu exam take`.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(name: .customLong("as"), help: "The candidate's person id.") var person: String
            @Argument(help: "Blueprint id (default: the candidate's latest attempt in progress).") var blueprint:
                String?
            @Option(help: "Answers file (JSON Lines), or - for stdin.") var answers: String?

            func run() async throws {
                let passed: Bool? = try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let actor = try await Edge.identity(person, in: environment)
                    let service = ExamService(environment: environment)
                    guard var run = try await service.resume(blueprint: blueprint.map { BlueprintID($0) }, by: actor)
                    else {
                        throw ServiceError(
                            .notFound, "\(person) has no exam in progress\(blueprint.map { " for \($0)" } ?? "")",
                            hint: .init("exam.take", ["person": person]))
                    }
                    if run.session.submitted != nil {
                        print("time ran out while away: attempt \(run.record.id) was submitted at its deadline")
                        ExamTerminal.printResult(run, full: false)
                        return run.record.passed
                    }
                    if let answers {
                        let done = try await service.take(run.record.blueprint, answers: answers, by: actor)
                        ExamTerminal.printResult(done, full: false)
                        return done.record.passed
                    }
                    return try await ExamTerminal(service: service, actor: actor).take(&run)
                }
                if passed != true { throw ExitCode(1) }
            }
        }

        struct Results: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "A person's exam attempts and results per blueprint.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var person: String
            @Option(help: "Output format.") var format: TrainingFormat = .text
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let results = try await ExamService(environment: environment).results(
                        person: PersonID(person), by: try await Edge.actor(actor, in: environment))
                    if format == .json {
                        print(try OutputJSON.string(results, pretty: true))
                        return
                    }
                    if results.isEmpty { print("\(person) has taken no exams") }
                    for result in results { Self.printResult(result) }
                }
            }

            static func printResult(_ result: ExamResult) {
                let grade =
                    result.grade.map {
                        "\(short($0.value)) (\(result.method.rawValue) of graded attempts; pass mark \(short(result.passMark.value)))"
                    } ?? "not graded yet"
                Swift.print(
                    "\(result.blueprint): \(grade)\(result.flaggedForRetraining ? " · FLAGGED FOR RETRAINING" : "")")
                for a in result.attempts {
                    let outcome =
                        a.status == .graded
                        ? "\(short(a.percent.value)) \(a.passed == true ? "pass" : "fail")" : a.status.rawValue
                    Swift.print(
                        "  attempt \(a.number) (#\(a.id), \(a.language), seed \(a.seed)): \(outcome) · started \(a.startedAt)\(a.submittedAt.map { " · submitted \($0)" } ?? "")\(a.submitReason == .deadline ? " (time ran out)" : "")\(a.evidence != nil ? " · evidence" : "")"
                    )
                }
            }
        }

        struct Review: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a submitted attempt question by question.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Attempt id (#N in `kefu exam results`).") var attempt: Int64
            @Flag(help: "Everything, with the answer key (team leads and above), whatever candidates may see.")
            var full = false
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let run = try await ExamService(environment: environment).review(
                        ExamAttemptID(attempt), full: full, by: try await Edge.actor(actor, in: environment))
                    ExamTerminal.printResult(run, full: full)
                }
            }
        }

        struct Queue: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Answers waiting for a person's mark (essays).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Output format.") var format: TrainingFormat = .text
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let pending = try await ExamService(environment: environment).gradingQueue(
                        by: try await Edge.actor(actor, in: environment))
                    if format == .json {
                        print(try OutputJSON.string(pending, pretty: true))
                        return
                    }
                    if pending.isEmpty { print("nothing waits for a mark") }
                    for p in pending {
                        print(
                            "attempt #\(p.attempt.id) question \(p.position + 1) · \(p.attempt.personID) · \(p.attempt.blueprint) · \(short(p.mark.value)) marks"
                        )
                        print("  Q: \(p.question.text)")
                        print("  A: \(p.response.replacingOccurrences(of: "\n", with: "\n     "))")
                        if let guide = p.question.generalFeedback { print("  guide: \(guide)") }
                    }
                }
            }
        }

        struct Grade: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Mark an answer from the queue; the last mark grades the attempt.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Attempt id.") var attempt: Int64
            @Argument(help: "Question number (1-based, as in the queue).") var question: Int
            @Argument(help: "Marks given.") var marks: Double
            @Option(name: .customLong("as"), help: "The grader's person id.") var grader: String
            @Option(help: "Comment for the candidate.") var comment: String = ""

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let actor = try await Edge.identity(grader, in: environment)
                    let record = try await ExamService(environment: environment)
                        .grade(
                            attempt: ExamAttemptID(attempt), position: question - 1, marks: marks, comment: comment,
                            by: actor)
                    if record.status == .graded {
                        print(
                            "attempt #\(attempt) graded: \(short(record.percent.value)) \(record.passed == true ? "pass" : "fail")"
                        )
                    } else {
                        print("mark saved; attempt #\(attempt) still waits for other marks")
                    }
                }
            }
        }

        struct Clear: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Clear a retraining flag so the person may retake (supervisors and managers).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var person: String
            @Argument(help: "Blueprint id.") var blueprint: String
            @Option(name: .customLong("as"), help: "The supervisor's person id.") var supervisor: String
            @Option(help: "What retraining was done.") var note: String = ""

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let actor = try await Edge.identity(supervisor, in: environment)
                    try await ExamService(environment: environment).clearRetraining(
                        person: PersonID(person), blueprint: BlueprintID(blueprint), note: note, by: actor)
                    print("retraining flag of \(person) for \(blueprint) cleared by \(supervisor)")
                }
            }
        }

        struct Stats: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Item analysis over first attempts (Moodle's quiz statistics).",
                discussion: """
                    Facility index, SD, discrimination index (item–rest correlation), discriminative efficiency per item; for a \
                    blueprint also Cronbach's alpha, error ratio and standard error. Flags: negative discrimination, facility \
                    above 95 or below 5, efficiency below 15.
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Blueprint id or bank id.") var subject: String
            @Option(help: "Output format.") var format: StatsFormat = .text
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            enum StatsFormat: String, ExpressibleByArgument, CaseIterable { case text, json, csv }

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let statistics = try await ExamService(environment: environment).statistics(
                        subject, by: try await Edge.actor(actor, in: environment))
                    let (report, names) = (statistics.report, statistics.names)
                    let isBlueprint = statistics.kind == .blueprint
                    switch format {
                    case .json: print(try OutputJSON.string(statistics, pretty: true))
                    case .csv:
                        print("key,name,attempts,facility,sd,discrimination,efficiency,flags")
                        for i in report.items {
                            let name = (names[i.key] ?? "").replacingOccurrences(of: "\"", with: "\"\"")
                            print(
                                "\(i.key),\"\(name)\",\(i.count),\(f(i.facility)),\(f(i.standardDeviation)),\(f(i.discrimination)),\(f(i.efficiency)),\(i.flags.map(\.rawValue).joined(separator: ";"))"
                            )
                        }
                    case .text:
                        print(
                            "\(isBlueprint ? "blueprint" : "bank") \(subject): \(report.attempts) first attempts · mean \(f(report.mean)) · median \(f(report.median)) · SD \(f(report.standardDeviation))"
                        )
                        if isBlueprint {
                            print(
                                "  internal consistency (Cronbach's α) \(f(report.internalConsistency)) · error ratio \(f(report.errorRatio)) · standard error \(f(report.standardError)) · \(report.slots) slots"
                            )
                        }
                        print(
                            "  \("item".padding(toLength: 34, withPad: " ", startingAt: 0)) \(pad("n", 5)) \(pad("facility", 8)) \(pad("SD", 6)) \(pad("discrim", 8)) \(pad("effic", 8))  flags"
                        )
                        for i in report.items {
                            print(
                                "  \(i.key.padding(toLength: 34, withPad: " ", startingAt: 0)) \(pad(String(i.count), 5)) \(pad(f(i.facility), 8)) \(pad(f(i.standardDeviation), 6)) \(pad(f(i.discrimination), 8)) \(pad(f(i.efficiency), 8))  \(i.flags.map(\.rawValue).joined(separator: ", "))"
                            )
                        }
                    }
                }
            }

            func f(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "–" }
            func pad(_ text: String, _ width: Int) -> String {
                String(repeating: " ", count: max(0, width - text.count)) + text
            }
        }
    }
}

/// `--format` for commands that print text or JSON.
enum TrainingFormat: String, ExpressibleByArgument, CaseIterable {
    /// For people.
    case text
    /// `OutputJSON` of the service's result.
    case json
}

/// `--lang` for content in one language.
enum TrainingLanguage: String, ExpressibleByArgument, CaseIterable {
    /// Chinese.
    case zh
    /// English.
    case en
}

/// The terminal exam: one question at a time, commands start with `/`.
struct ExamTerminal {
    let service: ExamService
    let actor: Identity

    static let help = """
        answer: a letter (A), letters (AC) for several, t/f, a number, text; matching: one letter per item (BAC).
        commands: Enter or /n next · /p previous · /g N go to N · /f flag · /l list · /c clear answer · /s submit · /q leave (resume later)
        """

    /// What one typed line asked for.
    enum Step {
        /// Actions the session took.
        case acted([ExamAction])
        /// Nothing to persist (help, list, a message printed).
        case shown
        /// Leave; every answer is saved.
        case leave
    }

    /// Runs the attempt in the terminal; returns pass/fail once submitted, nil when left to resume later.
    func take(_ run: inout ExamRun) async throws -> Bool? {
        let paper = run.session.paper
        print("══ \(run.blueprint.title.isEmpty ? run.record.blueprint.rawValue : run.blueprint.title)")
        print(
            "   attempt \(run.record.attemptNumber) (#\(run.record.id)) · \(paper.items.count) questions · \(run.record.language) · seed \(run.record.seed)\(run.session.deadline.map { " · ends \(LedgerService.timestamp($0))" } ?? "")"
        )
        print(Self.help)
        let input = InterruptibleLines()
        var shown = -1
        while run.session.submitted == nil {
            let position = run.session.position
            if position != shown {
                show(run, position)
                shown = position
            }
            let remaining =
                run.session.remaining(at: service.environment.clock.now()).map { " · \(Self.clock($0)) left" } ?? ""
            print(
                "[\(position + 1)/\(paper.items.count)\(run.session.flagged.contains(position) ? " ⚑" : "")\(remaining)] > ",
                terminator: "")
            fflush(nil)
            guard let line = input.next(deadline: run.session.deadline) else {
                if input.timedOut {
                    // Time ran out at the prompt: the session submits the attempt.
                    _ = try await service.go(&run, to: run.session.position, by: actor)
                    print()
                    continue
                }
                print(
                    "\nleft: every answer is saved. Continue with `kefu exam resume --as \(run.record.personID)`\(remaining.isEmpty ? "" : " (the clock keeps running)")."
                )
                return nil
            }
            switch try await step(&run, line.trimmingCharacters(in: .whitespaces), input: input) {
            case .acted(let actions):
                for case .refuse(let reason) in actions { print("  \(reason)") }
            case .shown:
                continue
            case .leave:
                print("left: every answer is saved. Continue with `kefu exam resume --as \(run.record.personID)`.")
                return nil
            }
        }
        if run.record.submitReason == .deadline { print("\ntime is up: the attempt was submitted automatically") }
        Self.printResult(run, full: false)
        return run.record.passed
    }

    /// Carries out one typed line: a command or an answer.
    func step(_ run: inout ExamRun, _ text: String, input: InterruptibleLines) async throws -> Step {
        let paper = run.session.paper
        let position = run.session.position
        switch text {
        case "", "/n":
            if position + 1 < paper.items.count {
                return .acted(try await service.go(&run, to: position + 1, by: actor))
            }
            return .acted([.refuse("this is the last question: /s submits")])
        case "/p": return .acted(try await service.go(&run, to: max(0, position - 1), by: actor))
        case "/f": return .acted(try await service.toggleFlag(&run, by: actor))
        case "/c": return .acted(try await service.answer(&run, nil, by: actor))
        case "/l":
            list(run)
            return .shown
        case "/?", "/h":
            print(Self.help)
            return .shown
        case "/q": return .leave
        case "/s":
            let open = run.session.unanswered
            if !open.isEmpty {
                print(
                    "\(open.count) unanswered (\(open.prefix(10).map { String($0 + 1) }.joined(separator: ", "))). Submit anyway? [y/N] ",
                    terminator: "")
                fflush(nil)
                guard let answer = input.next(), ["y", "yes", "是"].contains(answer.lowercased()) else { return .shown }
            }
            return .acted(try await service.submit(&run, by: actor))
        default:
            break
        }
        if text.hasPrefix("/g") {
            guard let number = Int(text.dropFirst(2).trimmingCharacters(in: .whitespaces)), number >= 1,
                number <= paper.items.count
            else {
                print("  /g takes a question number from 1 to \(paper.items.count)")
                return .shown
            }
            return .acted(try await service.go(&run, to: number - 1, by: actor))
        }
        if text.hasPrefix("/") {
            print("  unknown command; /h shows the commands")
            return .shown
        }
        guard let response = paper.items[position].response(typed: text) else {
            print(
                "  not an answer to this \(paper.items[position].question.type.rawValue) question; /h shows how to answer"
            )
            return .shown
        }
        var given = try await service.answer(&run, response, by: actor)
        if given == [.save(position: position)], position + 1 < paper.items.count {
            print("  saved")
            given += try await service.go(&run, to: position + 1, by: actor)
        } else if given == [.save(position: position)] {
            print("  saved · that was the last question: /s submits, /l lists")
        }
        return .acted(given)
    }

    static func clock(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded(.down))
        return String(format: "%d:%02d", s / 60, s % 60)
    }

    static func letter(_ n: Int) -> String { String(UnicodeScalar(UInt8(65 + n % 26))) }

    func show(_ run: ExamRun, _ position: Int) {
        let item = run.session.paper.items[position]
        let q = item.question
        print("\n── \(position + 1). \(q.text)  (\(short(item.mark)) mark\(item.mark == 1 ? "" : "s"))")
        switch q.type {
        case .single, .multiple:
            for (n, index) in item.choiceOrder.enumerated() {
                print("   \(Self.letter(n)). \(q.answers[index].text ?? "")")
            }
            if q.type == .multiple { print("   (choose all that apply)") }
        case .truefalse: print("   t = true 对 · f = false 错")
        case .matching:
            let choices = q.matchingChoices
            for (n, pair) in q.matchingItems.enumerated() { print("   \(n + 1). \(pair.question)") }
            for (n, index) in item.choiceOrder.enumerated() { print("      \(Self.letter(n)). \(choices[index])") }
            print(
                "   (one letter per item, in order, e.g. \(String(q.matchingItems.indices.map { Self.letter($0) }.joined())))"
            )
        case .numerical: print("   (a number)")
        case .short: print("   (type your answer)")
        case .essay: print("   (type your answer; graded by a person)")
        case .description: print("   (nothing to answer)")
        }
        if let current = run.session.responses[position] { print("   your answer: \(item.describe(current))") }
    }

    func list(_ run: ExamRun) {
        for (n, item) in run.session.paper.items.enumerated() {
            let answered = run.session.responses[n] != nil ? "answered" : "–"
            print("  \(n + 1). \(run.session.flagged.contains(n) ? "⚑" : " ") \(answered)  \(item.question.name)")
        }
    }

    /// Prints an attempt's result as the blueprint lets the candidate see it (everything with `full`).
    static func printResult(_ run: ExamRun, full: Bool) {
        let review = run.reviewOptions(full: full)
        let r = run.record
        print(
            "\n══ attempt #\(r.id) of \(r.blueprint) by \(r.personID): \(r.status.rawValue)\(r.submitReason == .deadline ? " (at the deadline)" : "")"
        )
        guard let marking = run.marking else { return }
        if review.score {
            if r.status == .graded {
                print(
                    "   score \(short(r.total))/\(short(r.maximum)) = \(short(r.percent)) · \(r.passed == true ? "PASS" : "FAIL") (pass mark \(short(run.blueprint.passMark)))"
                )
            } else {
                print(
                    "   \(marking.pending) answer\(marking.pending == 1 ? "" : "s") wait for a grader; marks so far \(short(r.total))/\(short(r.maximum))"
                )
            }
        } else {
            print("   submitted; results are released by your supervisor")
        }
        guard review.correctness || review.feedback || review.correctAnswers else { return }
        for index in marking.items.indices { printItem(index, of: run, full: full) }
    }

    /// One marked question of a result, as much as `review` shows.
    static func printItem(_ index: Int, of run: ExamRun, full: Bool) {
        guard let item = run.marking?.items[index] else { return }
        let review = run.reviewOptions(full: full)
        let paperItem = run.session.paper.items[item.position]
        let q = paperItem.question
        let mark: String
        switch item.grade.state {
        case .correct: mark = "✓"
        case .partial: mark = "◐"
        case .wrong: mark = "✗"
        case .unanswered: mark = "–"
        case .needsGrading: mark = "…"
        case .ungraded: mark = " "
        }
        print(
            "\(review.correctness ? mark : "•") \(item.position + 1). \(q.name)\(review.correctness ? "  \(item.awarded.map(short) ?? "?")/\(short(item.mark))" : "")"
        )
        if let response = run.session.responses[item.position] {
            print("     your answer: \(paperItem.describe(response))")
        }
        if review.correctAnswers, q.type != .essay, q.type != .description {
            print("     right answer: \(q.rightAnswer)")
        }
        if review.feedback {
            for line in item.grade.feedback { print("     » \(line)") }
            if let general = q.generalFeedback { print("     » \(general)") }
        }
    }
}

extension Kefu.ExamCommand {
    /// `kefu exam fix-seed PERSON BLUEPRINT SEED`.
    struct FixSeed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fix-seed",
            abstract: "Fix the seed of a person's next attempt (administrators; the system draws it otherwise).",
            discussion: """
                The seed is recorded with who fixed it, in the audit log and on the attempt, and is used up by the next attempt.
                Example: kefu exam fix-seed E001 onboarding-theory 7
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "The candidate's person id.") var person: String
        @Argument(help: "Blueprint id.") var blueprint: String
        @Argument(help: "The seed.") var seed: UInt64
        @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

        func run() async throws {
            try await Edge.run {
                let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                try await ExamService(environment: environment).fixSeed(
                    person: PersonID(person), blueprint: BlueprintID(blueprint), seed: seed,
                    by: try await Edge.actor(actor, in: environment))
                print("the next attempt of \(blueprint) by \(person) will use seed \(seed)")
            }
        }
    }
}

extension ExamService {
    /// Takes an exam from the answers file `path`, or from standard input (`-`) one line at a time, each answer saved
    /// as its line arrives.
    func take(
        _ blueprint: BlueprintID, language: String? = nil, seed: UInt64? = nil, answers path: String, by actor: Identity
    ) async throws -> ExamRun {
        let source = InputSource.path(path)
        if source.isStandardInput {
            return try await take(
                blueprint, language: language, seed: seed, streaming: try source.arrivingLines(), file: "stdin",
                by: actor
            )
        }
        let script = try ExamService.answers(from: source)
        return try await take(blueprint, language: language, seed: seed, answers: script, by: actor)
    }
}
