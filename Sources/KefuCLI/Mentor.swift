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
            abstract: "导师带徒: assign mentors to new hires (optimal under Tracks/mentoring.yaml), list and show pairs.",
            subcommands: [Assign.self, List.self, Show.self])

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
            static let configuration = CommandConfiguration(abstract: "A person's pairings (as apprentice or mentor), with history.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var person: String

            func run() throws {
                try reporting {
                    let pairs = try MentorService(database: try store.open(), repository: global.repository).history(of: person)
                    if pairs.isEmpty { print("\(person) has no mentor pairings") }
                    for p in pairs {
                        let role = p.apprenticeID == person ? "apprentice of \(p.mentorID)" : "mentor of \(p.apprenticeID)"
                        let state = p.endedAt.map { "ended \($0) (\(p.endReason ?? ""))" } ?? "active"
                        print("\(role) since \(p.assignedAt) · score \(short(p.score)) · \(state)")
                        print("  \(p.reasons.joined(separator: "; "))")
                    }
                }
            }
        }
    }
}
