import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu {
    /// `kefu mentor`.
    struct MentorCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mentor",
            abstract:
                "导师带徒: assign mentors to new hires (optimal under Tracks/mentoring.yaml); mentors review their apprentices' transcripts.",
            discussion: """
                Examples:
                  kefu mentor assign --dry-run
                  kefu mentor queue --as M001 --format json
                """,
            subcommands: [Assign.self, List.self, Show.self, Queue.self, Annotate.self, Override.self, SignOff.self])

        /// How a command prints its result.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            /// Lines for a person.
            case text
            /// The service's result as JSON.
            case json
        }

        /// A mentor's verdict on a check.
        enum Verdict: String, ExpressibleByArgument, CaseIterable {
            /// The reply passes the check.
            case pass
            /// The reply fails it.
            case fail
        }

        struct Assign: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Pair every active new hire without a mentor with a mentor.",
                discussion: """
                    Hard constraints: capacity, level and certification, a shared language and channel (and, if configured, never \
                    the line manager); then the weighted preferences. The pairing is optimal for the weights (Hungarian method) \
                    and deterministic. Pairs whose mentor or apprentice has left end first; every other pair is kept. Each pair \
                    is printed with the reasons for its score; those who cannot be matched with the constraint that blocked them.

                    Example: kefu mentor assign --as-of 2026-11-23 --dry-run
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Flag(help: "Show the assignment without storing it.") var dryRun = false
            @Option(
                help:
                    "Assignment date (YYYY-MM-DD; default today): who counts as a new hire, which certifications are valid."
            ) var asOf: String?
            @Option(name: .customLong("as"), help: "The person making the assignment (default: Kefu itself).")
            var actor: String?
            @Option(help: "Output format.") var format: Format = .text

            func validate() throws {
                if let asOf, Timestamp.parse(asOf + "T12:00:00Z") == nil {
                    throw ValidationError("--as-of takes a date YYYY-MM-DD")
                }
            }

            func run() async throws {
                let complete: Bool = try await Edge.run {
                    let environment = try Edge.environment(
                        global: global, store: store, access: dryRun ? .readOnly : .readWrite)
                    let date = asOf.flatMap { Timestamp.parse($0 + "T12:00:00Z") }
                    let result = try await MentorService(environment: environment)
                        .assign(asOf: date, dryRun: dryRun, by: try await Edge.actor(actor, in: environment))
                    if format == .json {
                        print(try OutputJSON.string(result, pretty: true))
                        return result.isComplete
                    }
                    for ending in result.endings {
                        print("ended: \(ending.pair.apprenticeID) ← \(ending.pair.mentorID) (\(ending.reason))")
                    }
                    for pair in result.pairs {
                        print(
                            "\(pair.apprentice) ← \(pair.mentor)  score \(short(pair.score.value))  \(pair.reasons.joined(separator: "; "))"
                        )
                    }
                    for person in result.unmatched { print("unmatched \(person.apprentice): \(person.reason)") }
                    for mentor in result.ineligible { print("not a mentor now: \(mentor.mentor) \(mentor.reason)") }
                    if dryRun {
                        print(
                            "dry run: \(result.pairs.count) new pairs, \(result.endings.count) ended, \(result.kept.count) kept; nothing stored"
                        )
                    } else {
                        print(
                            "stored \(result.stored.count) new pairs; \(result.endings.count) ended; \(result.kept.count) kept"
                        )
                    }
                    return result.isComplete
                }
                if !complete { throw ExitCode(1) }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Active pairs by mentor.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let pairs = try await MentorService(environment: environment).active()
                    if pairs.isEmpty { print("no active mentor pairs; `kefu mentor assign` makes them") }
                    for (mentor, group) in Dictionary(grouping: pairs, by: \.mentorID).sorted(by: { $0.key < $1.key }) {
                        print("\(mentor): \(group.map(\.apprenticeID.rawValue).joined(separator: ", "))")
                    }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "A person's pairings (as apprentice or mentor); with --as MENTOR, a transcript of their apprentice for review."
            )
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id, or with --as a transcript (run) id.") var subject: String
            @Option(
                name: .customLong("as"),
                help: "The reviewing mentor: show transcript SUBJECT with the automatic verdicts, notes and overrides.")
            var mentor: String?

            func validate() throws {
                if let mentor, RunID(subject) == nil {
                    throw ValidationError(
                        "with --as, give a transcript id (`kefu mentor queue --as \(mentor)` lists them)")
                }
            }

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    if let mentor, let run = RunID(subject) {
                        let review = try await MentorReviewService(environment: environment).review(
                            run, by: try await Edge.identity(mentor, in: environment))
                        printMentorTranscript(review)
                        print(
                            review.isSignedOff
                                ? "signed off" : "not signed off yet: `kefu mentor sign-off \(run) --as \(mentor)`")
                        return
                    }
                    let pairs = try await MentorService(environment: environment).history(of: PersonID(subject))
                    if pairs.isEmpty { print("\(subject) has no mentor pairings") }
                    for p in pairs {
                        let role =
                            p.apprenticeID.rawValue == subject
                            ? "apprentice of \(p.mentorID)" : "mentor of \(p.apprenticeID)"
                        let state = p.endedAt.map { "ended \($0) (\(p.endReason ?? ""))" } ?? "active"
                        print("\(role) since \(p.assignedAt) · score \(short(p.score)) · \(state)")
                        print("  \(p.reasons.joined(separator: "; "))")
                    }
                }
            }
        }

        struct Queue: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "What waits for a mentor: apprentices' transcripts to review and essays to mark.",
                discussion: "Example: kefu mentor queue --as M001 --format json")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(name: .customLong("as"), help: "The mentor.") var mentor: String
            @Option(help: "Output format.") var format: Format = .text

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let queue = try await MentorReviewService(environment: environment).queue(
                        mentor: PersonID(mentor), by: try await Edge.identity(mentor, in: environment))
                    if format == .json {
                        print(try OutputJSON.string(queue, pretty: true))
                        return
                    }
                    if queue.items.isEmpty { print("nothing waits for \(mentor)") }
                    for item in queue.items {
                        switch item {
                        case .transcript(let r):
                            print(
                                "transcript \(r.run) · \(r.person) · \(r.scenario).\(r.language) · \(r.mode) · \(r.status)\(r.outcome.map { " (\($0))" } ?? "") · score \(short(r.score.value)) · \(r.startedAt)"
                            )
                        case .essay(let e):
                            print(
                                "essay: attempt #\(e.attempt) question \(e.position + 1) · \(e.person) · \(e.blueprint) · `kefu exam grade \(e.attempt) \(e.position + 1) MARKS --as \(mentor)`"
                            )
                        }
                    }
                }
            }
        }

        struct Annotate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a note to a turn of an apprentice's transcript.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Transcript (run) id.") var transcript: Int64
            @Option(help: "Turn index (as shown by `kefu mentor show RUN --as MENTOR`).") var turn: Int
            @Option(help: "The note.") var note: String
            @Option(name: .customLong("as"), help: "The mentor.") var mentor: String

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let actor = try await Edge.identity(mentor, in: environment)
                    try await MentorReviewService(environment: environment).annotate(
                        RunID(transcript), turn: turn, note: note, by: actor)
                    print("note added to turn \(turn) of transcript \(transcript)")
                }
            }
        }

        struct Override: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Override the automatic verdict of a check on one reply (with a reason; the automatic verdict is kept)."
            )
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Transcript (run) id.") var transcript: Int64
            @Argument(help: "Check id (e.g. apology).") var check: String
            @Option(help: "Turn index of the reply.") var turn: Int
            @Option(help: "The mentor's verdict.") var verdict: Verdict
            @Option(help: "Why.") var reason: String
            @Option(name: .customLong("as"), help: "The mentor.") var mentor: String

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let actor = try await Edge.identity(mentor, in: environment)
                    try await MentorReviewService(environment: environment)
                        .override(
                            RunID(transcript), turn: turn, check: check, verdict: verdict == .pass ? .pass : .fail,
                            reason: reason, by: actor)
                    print(
                        "\(check) at turn \(turn) of transcript \(transcript): \(verdict.rawValue) (by \(mentor); the automatic verdict is kept)"
                    )
                }
            }
        }

        struct SignOff: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "sign-off", abstract: "Sign off an apprentice's transcript: certification evidence.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Transcript (run) id.") var transcript: Int64
            @Option(help: "The certification the sign-off counts for.") var certification: String = "onboarding"
            @Option(help: "A note.") var note: String = ""
            @Option(name: .customLong("as"), help: "The mentor.") var mentor: String

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let actor = try await Edge.identity(mentor, in: environment)
                    let result = try await MentorReviewService(environment: environment)
                        .signOff(
                            RunID(transcript), certification: CertificationID(certification), note: note, by: actor)
                    print("signed off transcript \(transcript) for \(certification): sign-off \(result.signOff)")
                }
            }
        }
    }
}

/// Prints a transcript under review: turns with the automatic verdicts and evidence, the mentor's overrides and notes.
func printMentorTranscript(_ t: MentorTranscript) {
    let r = t.run
    print(
        "transcript \(r.id) · \(r.personID) · \(r.scenario).\(r.language) · \(r.mode.rawValue) attempt \(r.attemptNumber) · seed \(r.seed)"
    )
    print(
        "started \(r.startedAt)\(r.finishedAt.map { " · finished \($0)" } ?? "") · version \(r.contentVersion.prefix(12)) · \(r.status)\(r.outcome.map { " (\($0))" } ?? "")"
    )
    printTranscriptBody(
        t.interaction, report: t.report, isComplete: r.status == .complete, attempt: r.attemptID?.description,
        overrideMark: { turn, check in
            t.overrides.last(where: { $0.turn == turn && $0.checkID == check }).map {
                "→\($0.mentorVerdict == .pass ? "✓" : "✗")(\($0.mentorID): \($0.reason))"
            }
        },
        annotations: { turn in t.annotations.filter { $0.turn == turn }.map { "✎ \($0.mentorID): \($0.note)" } })
}
