public import ArgumentParser
import Foundation
import KefuCore
public import KefuServices

/// Prints `value` as one JSON document (the `--format json` output).
func printJSON<T: Encodable>(_ value: T) throws {
    print(try OutputJSON.string(value, pretty: true))
}

extension Kefu {
    /// `kefu people …`.
    struct People: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "People: add, import a CSV (all or nothing), list, show.",
            discussion: """
                Examples:
                  kefu people import Samples/people.csv
                  kefu people show E001 --format json
                """,
            subcommands: [Add.self, Import.self, List.self, Show.self, Leave.self])

        /// Output formats.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add one person.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Staff id.") var id: String
            @Option(help: "Name.") var name: String
            @Option(help: "Team.") var team = ""
            @Option(help: "Site.") var site = ""
            @Option(help: "Level: \(Level.allCases.map(\.rawValue).joined(separator: ", ")).") var level = "specialist"
            @Option(help: "Hire date, YYYY-MM-DD.") var hireDate: String
            @Option(help: "Languages, comma-separated (zh,en).") var languages = ""
            @Option(help: "Channels, comma-separated (phone,chat,wechat,email).") var channels = ""
            @Option(help: "Line manager's id.") var manager: String?
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let input = PersonInput(
                        id: PersonID(id), name: name, team: team, site: site, level: level, hireDate: hireDate,
                        languages: languages.split(separator: ",").map(String.init),
                        channels: channels.split(separator: ",").map(String.init),
                        manager: manager.map { PersonID($0) })
                    let person = try await PeopleService(environment: environment).add(
                        input, by: try await Edge.actor(actor, in: environment))
                    print("added \(person.id) \(person.name) (\(person.level.rawValue))")
                }
            }
        }

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import people from CSV: all rows or none.",
                discussion:
                    "Header row with columns \(PeopleService.columns.joined(separator: ",")); id, name and hire_date are required; languages and channels are separated by `;`."
            )
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "CSV file (- for standard input).") var file: String
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let result = try await PeopleService(environment: environment).importCSV(
                        .path(file), by: try await Edge.actor(actor, in: environment))
                    print("imported \(result.imported) people from \(result.source)")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List people.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Output format.") var format: Format = .text

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let people = try await PeopleService(environment: environment).list()
                    if format == .json { return try printJSON(people) }
                    for p in people {
                        print(
                            "\(p.id.padding(toLength: 10, withPad: " ", startingAt: 0)) \(p.name)  \(p.level.rawValue) (\(p.level.chineseTitle))  team \(p.team)  site \(p.site)  hired \(p.hireDate)  \(p.isActive ? "active" : "left")"
                        )
                    }
                }
            }
        }

        struct Leave: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Mark a person as having left (history is kept); `kefu mentor assign` then re-matches their apprentices."
            )
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var id: String
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    try await PeopleService(environment: environment).leave(
                        PersonID(id), by: try await Edge.actor(actor, in: environment))
                    print("\(id) marked as left")
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show one person, their evidence and certifications.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var id: String
            @Option(help: "Output format.") var format: Format = .text

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let record = try await PeopleService(environment: environment).show(PersonID(id))
                    if format == .json { return try printJSON(record) }
                    let p = record.person
                    print(
                        "\(p.id) \(p.name) — \(p.level.rawValue) (\(p.level.chineseTitle)), team \(p.team), site \(p.site), hired \(p.hireDate), \(p.isActive ? "active" : "left")"
                    )
                    print(
                        "languages: \(p.languages.joined(separator: ", "))  channels: \(p.channels.map(\.rawValue).joined(separator: ", "))"
                    )
                    for a in record.attempts {
                        print(
                            "  attempt \(a.id): \(a.kind) \(a.reference) \(a.mode) score \(Figure(a.score)) \(a.passed ? "passed" : "failed") at \(a.completedAt)"
                        )
                    }
                    for s in record.signOffs {
                        print("  sign-off \(s.id): \(s.certification) by \(s.mentorID) on \(s.signedAt)")
                    }
                    for e in record.ledger {
                        print(
                            "  ledger \(e.sequence): \(e.kind.rawValue) \(e.subject)\(e.validUntil.map { " valid until \($0)" } ?? "")"
                        )
                    }
                }
            }
        }
    }

    /// `kefu evidence …`: records attempts and sign-offs by hand (exams and scenarios record their own).
    struct Evidence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Enter certification evidence by hand (administrators, with a reason; marked manual wherever it counts).",
            subcommands: [AddAttempt.self, SignOffCommand.self])

        struct AddAttempt: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "attempt", abstract: "Record an exam or scenario attempt.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Person id.") var person: String
            @Option(help: "What was attempted.") var kind: AttemptKind
            @Option(help: "Blueprint or scenario id.") var reference: String
            @Option(help: "Score 0–100.") var score: Double
            @Option(help: "The result.") var result: AttemptResult
            @Option(help: "Content version (hash) of the exam or scenario.") var contentVersion = "unversioned"
            @Option(help: "The mode it was taken in.") var mode: AttemptMode = .exam
            @Option(help: "When it was completed (ISO-8601, not in the future; default now).") var at: String?
            @Option(help: "Why it is entered by hand (required; kept with it and shown where it counts).")
            var reason: String
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let input = AttemptInput(
                        person: PersonID(person), kind: kind, reference: reference, score: score, result: result,
                        contentVersion: contentVersion,
                        mode: mode, completedAt: at, reason: reason)
                    let id = try await PeopleService(environment: environment).recordAttempt(
                        input, by: try await Edge.actor(actor, in: environment))
                    print("recorded attempt \(id)")
                }
            }
        }

        struct SignOffCommand: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "signoff", abstract: "Record a mentor's sign-off for a certification.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "Apprentice id.") var person: String
            @Option(help: "Mentor id.") var mentor: String
            @Option(help: "Certification id.") var certification: String
            @Option(help: "Comment.") var note = ""
            @Option(help: "Why it is entered by hand (required; kept with it and shown where it counts).")
            var reason: String
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let input = SignOffInput(
                        person: PersonID(person), mentor: PersonID(mentor),
                        certification: CertificationID(certification), note: note, reason: reason)
                    let id = try await PeopleService(environment: environment).recordSignOff(
                        input, by: try await Edge.actor(actor, in: environment))
                    print("recorded sign-off \(id)")
                }
            }
        }
    }
}

extension AttemptKind: ExpressibleByArgument {}
extension AttemptMode: ExpressibleByArgument {}
extension AttemptResult: ExpressibleByArgument {}
