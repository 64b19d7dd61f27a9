import ArgumentParser
import Foundation
import KefuCore
import KefuServices
import KefuStore

extension Kefu {
    /// `kefu mentor`.
    struct MentorCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mentor",
            abstract: "导师带徒: assign mentors to new hires (optimal under Tracks/mentoring.yaml); mentors review their apprentices' transcripts.",
            subcommands: [Assign.self, List.self, Show.self, Queue.self, Annotate.self, Override.self, SignOff.self])

        struct Assign: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Pair every active new hire without a mentor with a mentor.",
                discussion: """
                    Hard constraints: capacity, level and certification, a shared language and channel (and, if configured, never \
                    the line manager); then the weighted preferences. The pairing is optimal for the weights (Hungarian method) \
                    and deterministic. Pairs whose mentor or apprentice has left end first; every other pair is kept. Each pair \
                    is printed with the reasons for its score; those who cannot be matched with the constraint that blocked them.
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Flag(help: "Show the assignment without storing it.") var dryRun = false
            @Option(help: "Assignment date (YYYY-MM-DD; default today): who counts as a new hire, which certifications are valid.") var asOf: String?

            func run() throws {
                try reporting {
                    let date = try asOf.map { text -> Date in
                        guard let date = Timestamp.parse(text + "T12:00:00Z") else { throw ValidationError("--as-of takes a date YYYY-MM-DD") }
                        return date
                    }
                    let service = MentorService(database: try store.open(), repository: global.repository)
                    let (proposal, stored) = try service.assign(asOf: date, dryRun: dryRun)
                    for ending in proposal.endings {
                        print("ended: \(ending.pair.apprenticeID) ← \(ending.pair.mentorID) (\(ending.reason))")
                    }
                    for pair in proposal.plan.pairs {
                        print("\(pair.apprentice) ← \(pair.mentor)  score \(short(pair.score))  \(pair.reasons.joined(separator: "; "))")
                    }
                    for person in proposal.plan.unmatched {
                        print("unmatched \(person.apprentice): \(person.reason)")
                    }
                    for (mentor, reason) in proposal.ineligible { print("not a mentor now: \(mentor) \(reason)") }
                    let kept = proposal.kept.count
                    if dryRun {
                        print("dry run: \(proposal.plan.pairs.count) new pairs, \(proposal.endings.count) ended, \(kept) kept; nothing stored")
                    } else {
                        print("stored \(stored.count) new pairs; \(proposal.endings.count) ended; \(kept) kept")
                    }
                    if !proposal.plan.unmatched.isEmpty { throw ExitCode(1) }
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Active pairs by mentor.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions

            func run() throws {
                try reporting {
                    let pairs = try MentorService(database: try store.open(), repository: global.repository).active()
                    if pairs.isEmpty { print("no active mentor pairs; `kefu mentor assign` makes them") }
                    for (mentor, group) in Dictionary(grouping: pairs, by: \.mentorID).sorted(by: { $0.key < $1.key }) {
                        print("\(mentor): \(group.map(\.apprenticeID).joined(separator: ", "))")
                    }
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "A person's pairings (as apprentice or mentor); with --as MENTOR, a transcript of their apprentice for review.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id, or with --as a transcript (run) id.") var subject: String
            @Option(name: .customLong("as"), help: "The reviewing mentor: show transcript SUBJECT with the automatic verdicts, notes and overrides.") var mentor: String?

            func run() throws {
                try reporting {
                    let database = try store.open()
                    if let mentor {
                        guard let run = Int64(subject) else { throw ValidationError("with --as, give a transcript id (`kefu mentor queue --as \(mentor)` lists them)") }
                        let review = try MentorReviewService(database: database, repository: global.repository).review(run, mentor: mentor)
                        printTranscript(review.transcript, annotations: review.annotations, overrides: review.overrides)
                        print(review.isSignedOff ? "signed off" : "not signed off yet: `kefu mentor sign-off \(run) --as \(mentor)`")
                        return
                    }
                    let pairs = try MentorService(database: database, repository: global.repository).history(of: subject)
                    if pairs.isEmpty { print("\(subject) has no mentor pairings") }
                    for p in pairs {
                        let role = p.apprenticeID == subject ? "apprentice of \(p.mentorID)" : "mentor of \(p.apprenticeID)"
                        let state = p.endedAt.map { "ended \($0) (\(p.endReason ?? ""))" } ?? "active"
                        print("\(role) since \(p.assignedAt) · score \(short(p.score)) · \(state)")
                        print("  \(p.reasons.joined(separator: "; "))")
                    }
                }
            }
        }

        struct Queue: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "What waits for a mentor: apprentices' transcripts to review and essays to mark.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(name: .customLong("as"), help: "The mentor.") var mentor: String

            func run() throws {
                try reporting {
                    let items = try MentorReviewService(database: try store.open(), repository: global.repository).queue(mentor: mentor)
                    if items.isEmpty { print("nothing waits for \(mentor)") }
                    for item in items {
                        switch item {
                        case .transcript(let r):
                            print("transcript \(r.id) · \(r.personID) · \(r.scenario).\(r.language) · \(r.mode) · \(r.status)\(r.outcome.map { " (\($0))" } ?? "") · score \(short(r.score)) · \(r.startedAt)")
                        case .essay(let p):
                            print("essay: attempt #\(p.attempt.id) question \(p.position + 1) · \(p.attempt.personID) · \(p.attempt.blueprint) · `kefu exam grade \(p.attempt.id) \(p.position + 1) MARKS --as \(mentor)`")
                        }
                    }
                }
            }
        }

        struct Annotate: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a note to a turn of an apprentice's transcript.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Transcript (run) id.") var transcript: Int64
            @Option(help: "Turn index (as shown by `kefu mentor show RUN --as MENTOR`).") var turn: Int
            @Option(help: "The note.") var note: String
            @Option(name: .customLong("as"), help: "The mentor.") var mentor: String

            func run() throws {
                try reporting {
                    try MentorReviewService(database: try store.open(), repository: global.repository).annotate(transcript, turn: turn, note: note, mentor: mentor)
                    print("note added to turn \(turn) of transcript \(transcript)")
                }
            }
        }

        struct Override: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Override the automatic verdict of a check on one reply (with a reason; the automatic verdict is kept).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Transcript (run) id.") var transcript: Int64
            @Argument(help: "Check id (e.g. apology).") var check: String
            @Option(help: "Turn index of the reply.") var turn: Int
            @Option(help: "pass or fail.") var verdict: String
            @Option(help: "Why.") var reason: String
            @Option(name: .customLong("as"), help: "The mentor.") var mentor: String

            func run() throws {
                try reporting {
                    try MentorReviewService(database: try store.open(), repository: global.repository)
                        .override(transcript, turn: turn, check: check, verdict: verdict, reason: reason, mentor: mentor)
                    print("\(check) at turn \(turn) of transcript \(transcript): \(verdict) (by \(mentor); the automatic verdict is kept)")
                }
            }
        }

        struct SignOff: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "sign-off", abstract: "Sign off an apprentice's transcript: certification evidence.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Transcript (run) id.") var transcript: Int64
            @Option(help: "The certification the sign-off counts for.") var certification: String = "onboarding"
            @Option(help: "A note.") var note: String = ""
            @Option(name: .customLong("as"), help: "The mentor.") var mentor: String

            func run() throws {
                try reporting {
                    let id = try MentorReviewService(database: try store.open(), repository: global.repository)
                        .signOff(transcript, certification: certification, note: note, mentor: mentor)
                    print("signed off transcript \(transcript) for \(certification): sign-off \(id)")
                }
            }
        }
    }
}
