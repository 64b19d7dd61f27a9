import ArgumentParser
import Foundation
import KefuCore
import KefuServices

/// The CLI's edge: builds the one environment per process, maps service errors to exit statuses and
/// renders hints as commands.
///
/// Exit statuses: 0 success, 1 a negative result (failed, not ready, tampered), 2 an error, 64 usage.
enum Edge {
    /// The exit status of a service error: every code is an error (2); usage errors (64) come from
    /// argument parsing before any service runs.
    static func exitStatus(_ code: ServiceError.Code) -> Int32 { 2 }

    /// The command line a hint stands for, or nil for an action the CLI has no command for.
    static func command(for hint: ServiceError.Hint) -> String? {
        let a = hint.arguments
        func arg(_ name: String, _ placeholder: String) -> String { a[name] ?? placeholder }
        switch hint.action {
        case "people.import": return "kefu people import FILE.csv"
        case "people.add": return "kefu people add"
        case "qa.import": return "kefu qa import FILE --batch NAME"
        case "qa.import.skip-invalid": return "kefu qa import \(arg("file", "FILE")) --skip-invalid"
        case "qa.review.calibration":
            return
                "kefu qa review \(arg("sample", "SAMPLE")) --rubric \(arg("rubric", "RUBRIC")) --calibration \(arg("session", "SESSION")) --as REVIEWER"
        case "qa.sample": return "kefu qa sample --name NAME …"
        case "qa.sample.verify": return "kefu qa sample --verify \(arg("sample", "SAMPLE"))"
        case "qa.score": return "kefu qa score --rubric \(arg("rubric", "RUBRIC")) --sample \(arg("sample", "SAMPLE"))"
        case "qa.calibration.create": return "kefu qa calibration create …"
        case "bank.list": return "kefu bank list"
        case "exam.clear":
            return "kefu exam clear \(arg("person", "PERSON")) \(arg("blueprint", "BLUEPRINT")) --as SUPERVISOR"
        case "exam.fix-seed":
            return
                "kefu exam fix-seed \(arg("person", "PERSON")) \(arg("blueprint", "BLUEPRINT")) SEED (as an administrator)"
        case "exam.list": return "kefu exam list"
        case "exam.queue": return "kefu exam queue"
        case "exam.results": return "kefu exam results \(arg("person", "PERSON"))"
        case "exam.resume": return "kefu exam resume --as \(arg("person", "PERSON"))"
        case "bank.import": return "kefu bank import FILE"
        case "exam.take": return "kefu exam take BLUEPRINT --as \(arg("person", "PERSON"))"
        case "lint": return "kefu lint \(a["path"] ?? "")".trimmingCharacters(in: .whitespaces)
        case "ledger.checkpoint": return "kefu ledger checkpoint"
        case "ledger.verify": return "kefu ledger verify"
        case "ledger.verify.public-key":
            return "kefu ledger verify --jwks ISSUER.jwks (from kefu ledger public-key --jwks where the keys are)"
        case "ledger.verify-credential.public-key": return "kefu ledger verify-credential FILE --jwks ISSUER.jwks"
        case "review-cycle.run": return "kefu review-cycle run --period \(arg("period", "PERIOD")) --replace"
        case "mentor.assign": return "kefu mentor assign"
        case "scenario.list": return "kefu scenario list"
        case "transcript.list": return "kefu transcript list"
        case "mentor.queue": return "kefu mentor queue --as \(arg("mentor", "MENTOR"))"
        case "promote.check": return "kefu promote check \(arg("person", "PERSON"))"
        case "review-cycle.compute": return "kefu review-cycle run --period PERIOD"
        case "account.invite": return "kefu account invite \(arg("person", "PERSON"))"
        case "account.reset": return "kefu account reset \(arg("person", "PERSON"))"
        case "account.unlock": return "kefu account unlock \(arg("person", "PERSON"))"
        case "token.create": return "kefu token create \(arg("person", "PERSON")) --name NAME"
        case "role.grant": return "kefu role grant \(arg("person", "PERSON")) \(arg("role", "ROLE"))"
        default: return nil
        }
    }

    /// True when output may be coloured: standard output is a terminal, `NO_COLOR` is unset
    /// (https://no-color.org) and the terminal is not `dumb`.
    static var useColor: Bool { colourAllowed(on: STDOUT_FILENO) }

    /// True when standard error may be coloured (same rules as ``useColor``).
    static var useColorOnStandardError: Bool { colourAllowed(on: STDERR_FILENO) }

    static func colourAllowed(on descriptor: Int32) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        return isatty(descriptor) == 1 && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
    }

    /// Prints `error` for the person at the terminal (stderr) and returns the exit status to use.
    static func report(_ error: any Error) -> ExitCode {
        if let code = error as? ExitCode { return code }
        if let error = error as? ServiceError {
            // Diagnostics already read `file:line:col: error: …`; other messages get the prefix.
            let prefix =
                isDiagnostic(error.message) ? "" : useColorOnStandardError ? "\u{1B}[1;31merror:\u{1B}[0m " : "error: "
            var text = prefix + error.message
            if let hint = error.hint, let command = command(for: hint) { text += "\n  next: \(command)" }
            FileHandle.standardError.write(Data((text + "\n").utf8))
            return ExitCode(exitStatus(error.code))
        }
        return failure(error)
    }

    /// True when `text` starts as a `file:line:col: error|warning: …` diagnostic.
    static func isDiagnostic(_ text: String) -> Bool {
        text.split(separator: "\n").first.map { $0.contains(": error: ") || $0.contains(": warning: ") } ?? false
    }

    /// Runs a synchronous command body; errors become a message and their exit status.
    static func catching<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw report(error) }
    }

    /// Runs a command body; service errors become a message and their exit status.
    static func run<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw report(error) }
    }

    /// The process's configuration from the shared options and the environment (`--token-file` is read here).
    static func configuration(global: GlobalOptions, store: StoreOptions? = nil) throws -> Configuration {
        var token: String?
        if let file = store?.tokenFile {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
            else { throw ServiceError(.unavailable, "cannot read the API token file \(file); check the path") }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return Configuration.resolve(
            root: global.root, database: store?.db, key: store?.key, token: token,
            environment: ProcessInfo.processInfo.environment,
            currentDirectory: FileManager.default.currentDirectoryPath,
            processors: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Opens the environment: read-only commands never create a database or a key.
    static func environment(
        global: GlobalOptions, store: StoreOptions? = nil, access: StorageAccess
    ) throws -> KefuEnvironment {
        do { return try KefuEnvironment.open(try configuration(global: global, store: store), access: access) } catch {
            throw report(error)
        }
    }

    /// The OS user running this process (the operator the audit log names).
    /// Taken from the process's real user id (not from `USER`, which anyone can set), so the audit log names the
    /// account that actually ran the command.
    static var osUser: String {
        let uid = getuid()
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(uid)"
    }

    /// The identity a command acts as: the API token's person when `KEFU_TOKEN` or `--token-file` gives a token
    /// (with the token's roles; `--as` may only name that same person), else `--as PERSON` when given (the
    /// operator acting as that person), else the operator — whoever can open the database — acting as an
    /// administrator under their OS user name.
    static func actor(_ person: String?, in environment: KefuEnvironment) async throws -> Identity {
        if let token = environment.configuration.apiToken {
            do {
                let identity = try await AccountService(environment: environment).authenticate(token: token.value)
                if let person, person != identity.person.rawValue {
                    throw ServiceError(
                        .forbidden,
                        "the API token acts as \(identity.person), not \(person); drop --as or unset KEFU_TOKEN")
                }
                return identity
            } catch { throw report(error) }
        }
        if let person { return try await identity(person, in: environment) }
        return Identity(person: PersonID(osUser), roles: [.admin], channel: .operator(osUser: osUser))
    }

    /// The identity `--as PERSON` names: the operator acting as that person.
    static func identity(_ person: String, in environment: KefuEnvironment) async throws -> Identity {
        do { return try await environment.operatorIdentity(as: PersonID(person), osUser: osUser) } catch {
            throw report(error)
        }
    }
}
