import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu {
    /// `kefu account …`: invitations, passwords, lockout, sessions.
    struct AccountCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "account",
            abstract: "Sign-in accounts: invite, reset, set a password, show, lock, unlock, sessions.",
            discussion: """
                Passwords never go on the command line: set-password and login read them from standard input
                (--password-stdin) or prompt without echo on a terminal.

                Examples:
                  kefu account invite E001
                  kefu account set-password --token TOKEN --password-stdin < password.txt
                  kefu account show E001
                """,
            subcommands: [
                Invite.self, Reset.self, SetPassword.self, Show.self, Lock.self, Unlock.self, Sessions.self,
                RevokeSessions.self, Login.self,
            ])

        struct Invite: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Invite a person: prints a one-time link (valid 7 days) that sets their first password.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var id: String
            @Option(
                help: "The web app's address the link starts with (default: $KEFU_BASE_URL or http://127.0.0.1:8080).")
            var baseURL: String?
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?
            @Option(help: "Output format.") var format: People.Format = .text

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let link = try await AccountService(environment: environment).invite(
                        PersonID(id), baseURL: baseURL, by: try await Edge.actor(actor, in: environment))
                    try AccountCommand.show(link, format: format)
                }
            }
        }

        struct Reset: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Reset a person's password: prints a one-time link (valid 24 hours) that sets a new one.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var id: String
            @Option(
                help: "The web app's address the link starts with (default: $KEFU_BASE_URL or http://127.0.0.1:8080).")
            var baseURL: String?
            @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?
            @Option(help: "Output format.") var format: People.Format = .text

            func run() async throws {
                try await Edge.run {
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let link = try await AccountService(environment: environment).resetPassword(
                        PersonID(id), baseURL: baseURL, by: try await Edge.actor(actor, in: environment))
                    try AccountCommand.show(link, format: format)
                }
            }
        }

        /// Prints a new invitation or reset: the one place its token is shown.
        static func show(_ link: AccountLink, format: People.Format) throws {
            if format == .json { return try printJSON(link) }
            let what = link.purpose == .invitation ? "invitation" : "password reset"
            print("\(what) for \(link.person), valid until \(link.expiresAt) (shown once; send it to them):")
            print(link.link)
            print("  or on this machine: kefu account set-password --token TOKEN --password-stdin")
        }

        struct SetPassword: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set-password",
                abstract: "Set a password with a one-time invitation or reset token (the password from standard input)."
            )
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Option(help: "The token from the invitation or reset link (or the whole link).") var token: String
            @Flag(help: "Read the password from standard input (one line); without it a terminal prompts twice.")
            var passwordStdin = false

            func validate() throws { try PasswordInput.validate(fromStandardInput: passwordStdin) }

            func run() async throws {
                try await Edge.run {
                    let password = try PasswordInput.read(fromStandardInput: passwordStdin, confirm: true)
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let person = try await AccountService(environment: environment).setPassword(
                        token: PasswordInput.token(fromLinkOrToken: token), password: password,
                        channel: .operator(osUser: Edge.osUser))
                    print("password set for \(person)")
                }
            }
        }

        struct Login: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Sign in (scripts and tests): prints a new session's secret once.",
                discussion: "The web app signs people in; this checks a password and lockout from the command line.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var store: StoreOptions
            @Argument(help: "Person id.") var id: String
            @Flag(help: "Read the password from standard input (one line); without it a terminal prompts.")
            var passwordStdin = false

            func validate() throws { try PasswordInput.validate(fromStandardInput: passwordStdin) }

            func run() async throws {
                try await Edge.run {
                    let password = try PasswordInput.read(fromStandardInput: passwordStdin, confirm: false)
                    let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                    let signIn = try await AccountService(environment: environment).login(
                        person: PersonID(id), password: password, userAgent: "kefu-cli")
                    print(
                        "session \(signIn.session.id) for \(id) until \(signIn.session.expiresAt) (roles: \(signIn.identity.roles.sorted().map(\.rawValue).joined(separator: ", ")))"
                    )
                    print("secret (shown once): \(signIn.secret)")
                }
            }
        }
    }
}

extension Kefu.AccountCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an account: state, lockout, failed sign-ins, sessions, API tokens, roles.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Person id.") var id: String
        @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?
        @Option(help: "Output format.") var format: Kefu.People.Format = .text

        func run() async throws {
            try await Edge.run {
                let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                let status = try await AccountService(environment: environment).status(
                    of: PersonID(id), by: try await Edge.actor(actor, in: environment))
                if format == .json { return try printJSON(status) }
                print("\(status.person): \(status.state)\(status.lockedUntil.map { " until \($0)" } ?? "")")
                if let pending = status.pendingTokenExpiresAt { print("  link pending until \(pending)") }
                print("  failed sign-ins: \(status.failedAttempts)  lockouts: \(status.lockouts)")
                print("  open sessions: \(status.activeSessions)")
                print("  roles: \(status.roles.map(\.rawValue).joined(separator: ", "))")
                for grant in status.grants {
                    print("  grant: \(grant.role.rawValue) by \(grant.grantedBy) on \(grant.grantedAt)")
                }
                for token in status.tokens { print("  " + Kefu.TokenCommand.line(token)) }
            }
        }
    }

    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lock an account until unlocked: ends its sessions; its API tokens stop working.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Person id.") var id: String
        @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

        func run() async throws {
            try await Edge.run {
                let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                try await AccountService(environment: environment).lock(
                    PersonID(id), by: try await Edge.actor(actor, in: environment))
                print("account of \(id) locked")
            }
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unlock an account: clears a lock and a lockout after failed sign-ins.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Person id.") var id: String
        @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

        func run() async throws {
            try await Edge.run {
                let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                try await AccountService(environment: environment).unlock(
                    PersonID(id), by: try await Edge.actor(actor, in: environment))
                print("account of \(id) unlocked")
            }
        }
    }

    struct Sessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a person's sessions, newest first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Person id.") var id: String
        @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?
        @Option(help: "Output format.") var format: Kefu.People.Format = .text

        func run() async throws {
            try await Edge.run {
                let environment = try Edge.environment(global: global, store: store, access: .readOnly)
                let sessions = try await AccountService(environment: environment).sessions(
                    of: PersonID(id), by: try await Edge.actor(actor, in: environment))
                if format == .json { return try printJSON(sessions) }
                if sessions.isEmpty { print("no sessions for \(id)") }
                for s in sessions {
                    print(
                        "session \(s.id)  \(s.status)  started \(s.createdAt)  last seen \(s.lastSeenAt)  until \(s.expiresAt)\(s.userAgent.map { "  \($0)" } ?? "")"
                    )
                }
            }
        }
    }

    struct RevokeSessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-sessions", abstract: "End a person's open sessions (or one with --session).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Person id.") var id: String
        @Option(help: "End only this session (its number from `kefu account sessions`).") var session: Int64?
        @Option(name: .customLong("as"), help: "Act as this person (default: the operator).") var actor: String?

        func run() async throws {
            try await Edge.run {
                let environment = try Edge.environment(global: global, store: store, access: .readWrite)
                let service = AccountService(environment: environment)
                let actor = try await Edge.actor(actor, in: environment)
                if let session {
                    try await service.revokeSession(SessionID(session), by: actor)
                    return print("session \(session) ended")
                }
                let count = try await service.revokeAllSessions(of: PersonID(id), by: actor)
                print("\(count) session\(count == 1 ? "" : "s") of \(id) ended")
            }
        }
    }
}

/// Reading a password without it ever being a command-line argument.
enum PasswordInput {
    /// The password: one line of standard input with `--password-stdin`, else a prompt without echo on
    /// a terminal (twice with `confirm`).
    static func read(fromStandardInput: Bool, confirm: Bool) throws -> String {
        if fromStandardInput || isatty(STDIN_FILENO) != 1 {
            guard var line = readLine(strippingNewline: true) else {
                throw ServiceError(.invalidInput, "no password on standard input")
            }
            if line.hasSuffix("\r") { line.removeLast() }
            return line
        }
        let first = try prompt("password: ")
        if confirm, try prompt("the same password again: ") != first {
            throw ServiceError(.invalidInput, "the two passwords differ; nothing was changed")
        }
        return first
    }

    /// Refuses to read a password from a pipe or file unless asked to with `--password-stdin`.
    static func validate(fromStandardInput: Bool) throws {
        if !fromStandardInput, isatty(STDIN_FILENO) != 1 {
            throw ValidationError(
                "standard input is not a terminal: pass --password-stdin to read the password from it")
        }
    }

    /// Prompts on standard error and reads one line from the terminal with echo off.
    static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        let canHide = tcgetattr(STDIN_FILENO, &saved) == 0
        if canHide {
            var hidden = saved
            hidden.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &hidden)
        }
        defer {
            if canHide { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else {
            throw ServiceError(.invalidInput, "no password was typed")
        }
        return line
    }

    /// The token itself, whether given bare or as the whole `…/account/setup?token=…` link.
    static func token(fromLinkOrToken text: String) -> String {
        guard let range = text.range(of: "token=") else { return text }
        return String(text[range.upperBound...].prefix { $0 != "&" && $0 != "#" })
    }
}
