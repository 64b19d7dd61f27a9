import ArgumentParser
import Foundation
import KefuCore
import KefuServices
import KefuWeb
import Logging

extension Kefu {
    /// `kefu serve`: the web app.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the web app (trainees' exams and scenario chats, public credential checks, the JSON API).",
            discussion: """
                Settings come from the options, else KEFU_HOST, KEFU_PORT, KEFU_WEB, KEFU_SECURE_COOKIES, else \
                --config FILE (YAML: host, port, web, secure_cookies, sign_ins_per_minute), else the defaults \
                (127.0.0.1:8080). Stops gracefully on SIGTERM or SIGINT. For TLS put a reverse proxy in front and \
                pass --secure-cookies.

                Examples:
                  kefu serve --demo                       # seeds the sample team, prints sign-in links
                  kefu serve --host 0.0.0.0 --port 8080 --secure-cookies --db /srv/kefu/kefu.sqlite
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
        @Option(help: "Port (default 8080; 0 picks a free port).") var port: Int?
        @Option(help: "A YAML settings file.") var config: String?
        @Option(help: "Folder with templates/, static/, locales/ (default <root>/Web).") var web: String?
        @Flag(help: "Mark cookies Secure and send HSTS (when reached over HTTPS).") var secureCookies = false
        @Flag(help: "Seed the sample team when the database is empty and print sign-in links.") var demo = false
        @Flag(help: "Reload templates on every request (development).") var reloadTemplates = false

        func run() async throws {
            try await Edge.run {
                let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                var settings = WebConfiguration(root: environment.configuration.root)
                if let config { settings = try settings.applying(file: config) }
                settings = try settings.applying(environment: ProcessInfo.processInfo.environment)
                if let host { settings.host = host }
                if let port { settings.port = port }
                if let web { settings.webDirectory = web }
                if secureCookies { settings.secureCookies = true }
                if reloadTemplates { settings.reloadTemplates = true }
                var logger = Logger(label: "kefu.web")
                logger.logLevel = Logger.Level(rawValue: environment.configuration.logLevel) ?? .info
                if logger.logLevel > .info { logger.logLevel = .info }
                let links = demo ? try await DemoSeed.seed(environment) : []
                let scheme = settings.secureCookies ? "https" : "http"
                try await WebApp.serve(environment: environment, configuration: settings, logger: logger) { address in
                    let base = "\(scheme)://\(address)"
                    var text =
                        "kefu serve: listening on \(base) (database \((try? environment.storage.location) ?? "?"))\n"
                    for link in links { text += "  \(link.person) (\(link.role)): \(base)\(link.path)\n" }
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            }
        }
    }
}

/// The sample team for `kefu serve --demo`: people from Samples/people.csv (once), QA grants, and a one-time
/// invitation link for a trainee, a mentor, a QA reviewer, a team lead and a supervisor.
enum DemoSeed {
    struct Link {
        let person: String
        let role: String
        let path: String
    }

    static func seed(_ environment: KefuEnvironment) async throws -> [Link] {
        let people = PeopleService(environment: environment)
        let operatorIdentity = Identity(person: "admin", roles: [.admin], channel: .operator(osUser: Edge.osUser))
        if try await people.list().isEmpty {
            let file = (environment.configuration.root as NSString).appendingPathComponent("Samples/people.csv")
            _ = try await people.importCSV(InputSource.file(file), by: operatorIdentity)
            let accounts = AccountService(environment: environment)
            for reviewer in ["Q001", "Q002", "Q003"] {
                _ = try? await accounts.grant(.qaReviewer, to: PersonID(reviewer), by: operatorIdentity)
            }
        }
        let accounts = AccountService(environment: environment)
        let active = try await people.list().filter(\.isActive)
        let reviewers = Set(try await accounts.grants(of: nil).filter { $0.role == .qaReviewer }.map(\.person.rawValue))
        var links: [Link] = []
        var picked = Set<String>()
        // One active person per role, each a different person: the first specialist (trainee), the first
        // mentor-level person, the first QA reviewer (a grant), the first team lead, the first supervisor or manager.
        let picks: [(String, (Person) -> Bool)] = [
            ("trainee", { $0.level == .specialist }),
            ("mentor", { $0.level == .seniorSpecialist || $0.level == .expert }),
            ("qa-reviewer", { reviewers.contains($0.id) }),
            ("team lead", { $0.level == .teamLead }),
            ("supervisor", { $0.level == .supervisor || $0.level == .manager }),
        ]
        for (role, matches) in picks {
            // Mentors who are not QA reviewers first, so both roles get a person when there are enough.
            let candidates = active.filter(matches).sorted {
                (reviewers.contains($0.id) ? 1 : 0, $0.id) < (reviewers.contains($1.id) ? 1 : 0, $1.id)
            }
            for person in candidates where !picked.contains(person.id) {
                picked.insert(person.id)
                guard let link = try? await accounts.invite(PersonID(person.id), by: operatorIdentity) else { continue }
                links.append(Link(person: person.id, role: role, path: "/account/setup?token=" + link.token))
                break
            }
        }
        return links
    }
}
