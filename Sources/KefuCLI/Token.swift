import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu {
    /// `kefu token …`: API tokens for scripts.
    struct TokenCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token",
            abstract: "API tokens for scripts: create (shown once), list, revoke.",
            discussion: """
                A token acts as its person with their roles, limited to its scopes. The CLI acts through one
                when KEFU_TOKEN is set or --token-file names a file holding it.

                Examples:
                  kefu token create Q001 --name nightly-qa --scope qa-reviewer --expires-days 90
                  KEFU_TOKEN=kefu_… kefu qa score --rubric conduct.zh
                """,
            subcommands: [Create.self, List.self, Revoke.self])

        /// One token as a line of text (never its secret).
        static func line(_ t: APITokenInfo) -> String {
            let scopes = t.scopes.isEmpty ? "all roles" : t.scopes.map(\.rawValue).joined(separator: ",")
            return
                "token \(t.id)  \(t.person)  \(t.name)  \(t.status)  scopes: \(scopes)  created \(t.createdAt)\(t.expiresAt.map { "  expires \($0)" } ?? "")\(t.lastUsedAt.map { "  last used \($0)" } ?? "")"
        }

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create an API token for a person; the token is printed once.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var id: String
            @Option(help: "What the token is for.") var name: String
            @Option(
                help: "A role the token may use (repeat for more; default: all of the person's roles at each use).")
            var scope: [String] = []
            @Option(help: "Days until the token stops working (default: never).") var expiresDays: Int?
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?
            @Option(help: "Output format.") var format: People.Format = .text

            func run() async throws {
                try await Edge.run {
                    let scopes = try scope.map(AccountService.role(named:))
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let created = try await AccountService(environment: environment).createToken(
                        for: PersonID(id), name: name, scopes: scopes, expiresInDays: expiresDays,
                        by: try await Edge.actor(actor, in: environment))
                    if format == .json { return try printJSON(created) }
                    print(TokenCommand.line(created.info))
                    print("token (shown once; keep it secret): \(created.token)")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List API tokens: a person's, or everyone's (never their secrets).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id (default: everyone).") var id: String?
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?
            @Option(help: "Output format.") var format: People.Format = .text

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let tokens = try await AccountService(environment: environment).tokens(
                        of: id.map { PersonID($0) }, by: try await Edge.actor(actor, in: environment))
                    if format == .json { return try printJSON(tokens) }
                    if tokens.isEmpty { print("no API tokens") }
                    for token in tokens { print(TokenCommand.line(token)) }
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke an API token by its id.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Token id (the <id> in kefu_<id>_<secret>, as `kefu token list` shows).") var tokenID:
                String
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    try await AccountService(environment: environment).revokeToken(
                        APITokenID(tokenID), by: try await Edge.actor(actor, in: environment))
                    print("API token \(tokenID) revoked")
                }
            }
        }
    }

    /// `kefu role …`: roles beyond a person's level.
    struct RoleCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "role",
            abstract: "Role grants: grant, withdraw, list (roles come from the level and from grants).",
            discussion: """
                Roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).

                Examples:
                  kefu role grant Q001 qa-reviewer
                  kefu role list Q001
                """,
            subcommands: [Grant.self, Withdraw.self, List.self])

        struct Grant: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Grant a role to a person.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var id: String
            @Argument(help: "Role.") var role: String
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let role = try AccountService.role(named: role)
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    try await AccountService(environment: environment).grant(
                        role, to: PersonID(id), by: try await Edge.actor(actor, in: environment))
                    print("\(id) now holds \(role.rawValue)")
                }
            }
        }

        struct Withdraw: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Withdraw a granted role from a person.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var id: String
            @Argument(help: "Role.") var role: String
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

            func run() async throws {
                try await Edge.run {
                    let role = try AccountService.role(named: role)
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    try await AccountService(environment: environment).withdraw(
                        role, from: PersonID(id), by: try await Edge.actor(actor, in: environment))
                    print("\(role.rawValue) withdrawn from \(id)")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "A person's roles (level and grants), or every active grant.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id (default: every active grant).") var id: String?
            @Flag(help: "Include withdrawn grants.") var all = false
            @Option(help: "Output format.") var format: People.Format = .text

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                    let listing = try await AccountService(environment: environment).roleListing(
                        of: id.map { PersonID($0) }, includingWithdrawn: all)
                    if format == .json { return try printJSON(listing) }
                    if let person = listing.person, let roles = listing.roles {
                        print("\(person): \(roles.map(\.rawValue).joined(separator: ", "))")
                    }
                    if listing.grants.isEmpty, listing.person == nil { print("no role grants") }
                    for g in listing.grants {
                        print(
                            "grant \(g.id)  \(g.person)  \(g.role.rawValue)  by \(g.grantedBy) on \(g.grantedAt)\(g.withdrawnAt.map { "  withdrawn \($0) by \(g.withdrawnBy?.rawValue ?? "?")" } ?? "")"
                        )
                    }
                }
            }
        }
    }
}
