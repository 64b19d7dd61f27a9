import ArgumentParser
import Foundation
import KefuCore
import KefuServices
import KefuStore

extension Kefu {
    /// `kefu people …`.
    struct People: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "People: add, import a CSV (all or nothing), list, show.",
            subcommands: [Add.self, Import.self, List.self, Show.self, Leave.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add one person.")
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

            func run() throws {
                try reporting {
                    guard let level = Level(rawValue: level) else { throw ServiceError("unknown level `\(level)`; use \(Level.allCases.map(\.rawValue).joined(separator: ", "))") }
                    let channelList = try channels.split(separator: ",").map { name -> Channel in
                        guard let c = Channel(rawValue: String(name)) else { throw ServiceError("unknown channel `\(name)`") }
                        return c
                    }
                    let person = Person(
                        id: id, name: name, team: team, site: site, level: level, hireDate: hireDate,
                        languages: languages.split(separator: ",").map(String.init), channels: channelList, managerID: manager)
                    if let problem = PeopleService.validate(person) { throw ServiceError(problem) }
                    try store.open().addPerson(person)
                    print("added \(person.id) \(person.name) (\(person.level.rawValue))")
                }
            }
        }

        struct Import: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import people from CSV: all rows or none.",
                discussion: "Header row with columns \(PeopleService.columns.joined(separator: ",")); id, name and hire_date are required; languages and channels are separated by `;`.")
            @OptionGroup var store: StoreOptions
            @Argument(help: "CSV file.") var file: String

            func run() throws {
                try reporting {
                    let count = try PeopleService(database: try store.open()).importCSV(at: file)
                    print("imported \(count) people from \(file)")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List people.")
            @OptionGroup var store: StoreOptions

            func run() throws {
                try reporting {
                    for p in try store.open().people() {
                        print("\(p.id.padding(toLength: 10, withPad: " ", startingAt: 0)) \(p.name)  \(p.level.rawValue) (\(p.level.chineseTitle))  team \(p.team)  site \(p.site)  hired \(p.hireDate)  \(p.isActive ? "active" : "left")")
                    }
                }
            }
        }

        struct Leave: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Mark a person as having left (history is kept); `kefu mentor assign` then re-matches their apprentices.")
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var id: String

            func run() throws {
                try reporting {
                    try store.open().setActive(false, person: id)
                    print("\(id) marked as left")
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one person, their evidence and certifications.")
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var id: String

            func run() throws {
                try reporting {
                    let database = try store.open()
                    guard let p = try database.person(id) else { throw ServiceError("no person with id `\(id)`") }
                    print("\(p.id) \(p.name) — \(p.level.rawValue) (\(p.level.chineseTitle)), team \(p.team), site \(p.site), hired \(p.hireDate), \(p.isActive ? "active" : "left")")
                    print("languages: \(p.languages.joined(separator: ", "))  channels: \(p.channels.map(\.rawValue).joined(separator: ", "))")
                    try database.read { db in
                        for a in try database.attempts(of: id, db) {
                            print("  attempt \(a.id): \(a.kind) \(a.reference) \(a.mode) score \(a.score) \(a.passed ? "passed" : "failed") at \(a.completedAt)")
                        }
                        for s in try database.signOffs(of: id, db) {
                            print("  sign-off \(s.id): \(s.certification) by \(s.mentorID) on \(s.signedAt)")
                        }
                        for e in try database.entries(db, person: id) {
                            print("  ledger \(e.sequence): \(e.kind.rawValue) \(e.subject)\(e.validUntil.map { " valid until \($0)" } ?? "")")
                        }
                    }
                }
            }
        }
    }

    /// `kefu evidence …`: records attempts and sign-offs (exams and scenarios will write these themselves).
    struct Evidence: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record certification evidence: exam or scenario attempts, mentor sign-offs.",
            subcommands: [AddAttempt.self, SignOffCommand.self])

        struct AddAttempt: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "attempt", abstract: "Record an exam or scenario attempt.")
            @OptionGroup var store: StoreOptions
            @Option(help: "Person id.") var person: String
            @Option(help: "exam or scenario.") var kind: String
            @Option(help: "Blueprint or scenario id.") var reference: String
            @Option(help: "Score 0–100.") var score: Double
            @Option(help: "pass or fail.") var result: String
            @Option(help: "Content version (hash) of the exam or scenario.") var contentVersion = "unversioned"
            @Option(help: "exam or practice.") var mode = "exam"
            @Option(help: "When it was completed (ISO-8601; default now).") var at: String?

            func run() throws {
                try reporting {
                    guard ["exam", "scenario"].contains(kind) else { throw ServiceError("--kind must be exam or scenario") }
                    guard ["pass", "fail"].contains(result) else { throw ServiceError("--result must be pass or fail") }
                    guard (0...100).contains(score) else { throw ServiceError("--score must be between 0 and 100") }
                    let id = try store.open().addAttempt(Attempt(
                        personID: person, kind: kind, reference: reference, contentVersion: contentVersion, mode: mode, score: score,
                        passed: result == "pass", completedAt: at ?? LedgerService.timestamp(Date())))
                    print("recorded attempt \(id)")
                }
            }
        }

        struct SignOffCommand: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "signoff", abstract: "Record a mentor's sign-off for a certification.")
            @OptionGroup var store: StoreOptions
            @Option(help: "Apprentice id.") var person: String
            @Option(help: "Mentor id.") var mentor: String
            @Option(help: "Certification id.") var certification: String
            @Option(help: "Comment.") var note = ""

            func run() throws {
                try reporting {
                    let id = try store.open().addSignOff(SignOff(
                        personID: person, mentorID: mentor, certification: certification, signedAt: LedgerService.timestamp(Date()), note: note))
                    print("recorded sign-off \(id)")
                }
            }
        }
    }
}
