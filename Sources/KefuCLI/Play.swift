public import ArgumentParser
import Foundation
public import KefuCore
import KefuServices

/// Set by the SIGINT handler while a scenario is played in the terminal.
nonisolated(unsafe) private var interruptRequested: sig_atomic_t = 0

/// Lines from stdin that stop waiting when Ctrl-C is pressed: SIGINT may be delivered to any thread and a
/// blocked read is restarted, so the reader polls stdin and checks the interrupt flag between polls.
final class InterruptibleLines {
    private var buffer: [UInt8] = []
    private var atEnd = false
    /// Set when ``next(deadline:)`` returned nil because the deadline passed.
    private(set) var timedOut = false

    /// The next line without its newline; nil at end of input, after an interrupt, or once `deadline` has passed
    /// (then ``timedOut`` is true).
    func next(deadline: Date? = nil) -> String? {
        timedOut = false
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            if interruptRequested != 0 { return nil }
            if let deadline, Date() >= deadline {
                timedOut = true
                return nil
            }
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 100)
            if interruptRequested != 0 { return nil }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(STDIN_FILENO, &chunk, chunk.count)
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
            } else if count == 0 || errno != EINTR {
                atEnd = true
            }
        }
    }
}

extension Kefu {
    /// `kefu play`.
    struct Play: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Play a scenario against a trainee: in the terminal, or from a reply file.",
            discussion: """
                In the terminal the customer's line is shown and your reply is read (end a line with \\ to continue it on \
                the next line); reply times are measured with the real clock. End of input (Ctrl-D) or Ctrl-C saves the \
                partial transcript as incomplete. With --replies (or when stdin is not a terminal) the replies come from a \
                file: one per line, or JSON Lines {"text": …, "delay": seconds}. Every run is stored; a complete run is \
                certification evidence. Exit status: 0 passed, 1 failed or incomplete, 2 error.

                Examples:
                  kefu play p2p-withdrawal-delay --as E001
                  kefu play p2p-withdrawal-delay --as E001 --mode exam --replies replies.jsonl --format json
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Scenario id (e.g. p2p-withdrawal-delay), id.language, or file.") var scenario: String
        @Option(name: .customLong("as"), help: "The trainee's person id.") var person: String
        @Option(help: "practice (checks shown after each reply) or exam (shown at the end).") var mode: PlayMode =
            .practice
        @Option(help: "Language version (default: zh when it exists).") var lang: TrainingLanguage?
        @Option(help: "Reply file, or - for stdin (non-interactive).") var replies: String?
        @Option(help: "Seed for the customer's line variants, in practice only (default: drawn, printed).")
        var seed: UInt64?
        @Option(help: "The final report's format (json only without a terminal).") var format: TrainingFormat = .text
        @Flag(help: "Read replies interactively even when stdin is not a terminal (real clock).") var interactive =
            false

        func run() async throws {
            let report: ScenarioRunReport = try await Edge.run {
                let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                let actor = try await Edge.identity(person, in: environment)
                let service = ScenarioService(environment: environment)
                let useTerminal = interactive || (replies == nil && isatty(STDIN_FILENO) == 1)
                if useTerminal {
                    return try await playInTerminal(service, seed: seed, by: actor)
                }
                let scripted = try ScenarioService.replies(from: .path(replies ?? "-"))
                // A reply file may carry a seed for practice; in exam mode the system draws it.
                let seed = mode == .exam ? self.seed : (self.seed ?? scripted.seed)
                let (play, actions) = try await service.play(
                    scenario, language: lang?.rawValue, mode: mode, seed: seed, replies: scripted.replies, by: actor)
                guard let report = play.runner.report else {
                    throw ServiceError(.unavailable, "the run did not finish")
                }
                if format == .json {
                    print(
                        try OutputJSON.string(
                            ScenarioRunResult(run: play.run.id, attempt: play.run.attemptNumber, report: report),
                            pretty: true))
                } else {
                    printHeader(play.runner.scenario, seed: play.run.seed)
                    for action in actions {
                        show(action, scenario: play.runner.scenario, practice: mode == .practice, echo: true)
                    }
                    printReport(
                        report, scenario: play.runner.scenario, run: play.run.id, attempt: play.run.attemptNumber)
                }
                return report
            }
            if !report.passed { throw ExitCode(1) }
        }

        func playInTerminal(
            _ service: ScenarioService, seed: UInt64?, by actor: Identity
        ) async throws -> ScenarioRunReport {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in interruptRequested = 1 }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0  // no SA_RESTART: a blocked read returns, and the partial run is saved
            sigaction(SIGINT, &action, nil)
            // A parent may have started us with SIGINT blocked (the mask is inherited): unblock it here.
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, SIGINT)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            defer { signal(SIGINT, SIG_DFL) }

            var (play, actions) = try await service.start(
                scenario, language: lang?.rawValue, mode: mode, seed: seed, clock: ContinuousClock(), by: actor)
            printHeader(play.runner.scenario, seed: play.run.seed)
            print("(end a line with \\ to continue it; Ctrl-D or Ctrl-C stops and saves the run as incomplete)")
            let practice = mode == .practice
            let input = InterruptibleLines()
            while true {
                for a in actions { show(a, scenario: play.runner.scenario, practice: practice) }
                guard play.runner.isAwaitingReply else { break }
                guard let text = readReply(input) else {
                    let reason = interruptRequested != 0 ? "interrupted" : "end-of-input"
                    let report = try await service.stop(&play, reason: reason, by: actor)
                    print("\nstopped (\(reason)): transcript \(play.run.id) saved as incomplete")
                    printReport(
                        report, scenario: play.runner.scenario, run: play.run.id, attempt: play.run.attemptNumber)
                    return report
                }
                actions = try await service.reply(&play, text, by: actor)
            }
            guard let report = play.runner.report else { throw ServiceError(.unavailable, "the run did not finish") }
            printReport(report, scenario: play.runner.scenario, run: play.run.id, attempt: play.run.attemptNumber)
            return report
        }

        /// One reply: lines ending in a backslash continue; blank input asks again. nil at end of input.
        func readReply(_ input: InterruptibleLines) -> String? {
            var lines: [String] = []
            print("你 you > ", terminator: "")
            fflush(nil)
            while let line = input.next() {
                if line.hasSuffix("\\") {
                    lines.append(String(line.dropLast()))
                    print("      … ", terminator: "")
                    fflush(nil)
                    continue
                }
                lines.append(line)
                let reply = lines.joined(separator: "\n")
                if reply.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    lines = []
                    print("你 you > ", terminator: "")
                    fflush(nil)
                    continue
                }
                return reply
            }
            return nil
        }

        func printHeader(_ scenario: ScenarioDefinition, seed: UInt64) {
            print("══ \(scenario.title)")
            print(
                "   \(scenario.key) · \(scenario.business) · \(scenario.channel.rawValue) · customer \(scenario.persona.name) (\(scenario.persona.mood)) · \(mode) mode · seed \(seed)"
            )
            if let limit = scenario.replyLimitSeconds {
                print("   reply within \(short(limit)) s; pass mark \(short(scenario.passMark))")
            }
        }

        func show(_ action: ScenarioStepAction, scenario: ScenarioDefinition, practice: Bool, echo: Bool = false) {
            switch action {
            case .customerSays(let line):
                let limit = line.limitSeconds.map { "  (reply within \(short($0)) s)" } ?? ""
                print("\n客户 \(scenario.persona.name): \(line.text)\(line.expectsReply ? limit : "")")
            case .replyChecked(let record):
                if echo { print("你 you > \(record.reply.replacingOccurrences(of: "\n", with: "\n        "))") }
                if practice { printChecks(record) }
            case .finished:
                break
            }
        }

        func printChecks(_ record: ScenarioReplyRecord) {
            let time = "\(short(record.seconds)) s" + (record.limitSeconds.map { " / \(short($0)) s" } ?? "")
            print("   ⏱ \(time)\(record.isLate ? "  LATE" : "")")
            for check in record.checks {
                let mark = check.verdict == .pass ? "✓" : check.verdict == .fail ? "✗" : "–"
                let evidence = check.evidence.first.map { " “\($0.text)”" } ?? ""
                print("   \(mark) \(check.id)\(evidence)\(check.verdict == .fail ? " — \(check.message)" : "")")
            }
        }

        func printReport(_ report: ScenarioRunReport, scenario: ScenarioDefinition, run: RunID, attempt: Int) {
            print(
                "\n══ result: \(report.passed ? "PASS" : "FAIL") · score \(short(report.score)) (pass mark \(short(scenario.passMark))) · \(report.status.rawValue)\(report.outcome.map { " · \($0)" } ?? "")"
            )
            if report.criticalFailed { print("   a critical item failed: the score is 0") }
            if mode == .exam || report.status != .complete {
                for record in report.replies {
                    print("\n• step \(record.step): \(record.reply.replacingOccurrences(of: "\n", with: " ⏎ "))")
                    printChecks(record)
                }
            }
            if let checks = report.checksScore { print("\nchecks and reply times: \(short(checks))") }
            for rubric in report.rubrics {
                let failed = rubric.items.filter { $0.verdict == .fail }
                print("rubric \(rubric.rubric): \(short(rubric.score))\(rubric.passed ? "" : " (below its pass mark)")")
                for item in failed { print("   ✗ \(item.id) — \(item.message)") }
            }
            let times = report.replies.map { short($0.seconds) + "s" }.joined(separator: ", ")
            if !times.isEmpty { print("reply times: \(times)") }
            print("saved as transcript \(run) (attempt \(attempt)); `kefu transcript show \(run)`")
        }
    }
}

/// A number without trailing zeros: 60, 82.5, 0.25.
func short(_ value: Double) -> String {
    let text = String(format: "%.2f", value)
    guard text.contains(".") else { return text }
    var trimmed = Substring(text)
    while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
    if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
    return String(trimmed)
}

extension PlayMode: ExpressibleByArgument {}
