public import ArgumentParser
import Foundation
import KefuCore

/// The `kefu` command tree.
public struct Kefu: AsyncParsableCommand {
    /// Command configuration.
    public static let configuration = CommandConfiguration(
        commandName: "kefu",
        abstract: "Kefu 客服 — training, QA and simulation for customer-service teams.",
        discussion: """
            Content: --root (default $KEFU_ROOT or the current folder).
            Storage: --db (default $KEFU_DB or ./kefu.sqlite).
            Keys: --key (default $KEFU_KEY, else the ledger's key in $KEFU_KEY_DIR,
            $XDG_CONFIG_HOME/kefu/keys or ~/.config/kefu/keys).
            Acting: the operator (whoever can open the database), --as PERSON,
            or an API token ($KEFU_TOKEN or --token-file FILE).
            Exit status: 0 success, 1 a negative result (failed, not ready, tampered),
            2 an error, 64 a usage error. Set NO_COLOR to turn off colour.
            """,
        version: KefuCore.version,
        groupedSubcommands: [
            CommandGroup(name: "Trainee", subcommands: [ExamCommand.self, Play.self, TranscriptCommand.self]),
            CommandGroup(name: "Web", subcommands: [Serve.self]),
            CommandGroup(name: "Mentor", subcommands: [MentorCommand.self]),
            CommandGroup(name: "QA", subcommands: [QA.self, Score.self, RubricCommand.self]),
            CommandGroup(
                name: "Supervisor", subcommands: [Certify.self, Promote.self, ReviewCommand.self, ReviewCycle.self]),
            CommandGroup(
                name: "Administration",
                subcommands: [
                    People.self, AccountCommand.self, TokenCommand.self, RoleCommand.self, Evidence.self,
                    LedgerCommand.self, AuditCommand.self, PolicyCommand.self, DatabaseCommand.self,
                ]),
            CommandGroup(
                name: "Content", subcommands: [Lint.self, Coverage.self, ScenarioCommand.self, BankCommand.self]),
            CommandGroup(name: "Benchmarks", subcommands: [Bench.self]),
        ]
    )

    /// Creates the command.
    public init() {}
}

/// Options every command shares: where the content is. The edge resolves it once, with the
/// environment, into ``Configuration/root`` (`Edge.environment(global:store:access:)`).
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Folder holding Rubrics/, Scenarios/, QuestionBanks/, Policies/, Tracks/ (default: $KEFU_ROOT or the current folder)."
    )
    var root: String?
}

/// Buffered writes to a file handle.
final class Output {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(_ handle: FileHandle) { self.handle = handle }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func line(_ text: String) { write(text + "\n") }

    func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

extension Duration {
    /// The duration in seconds (benchmark rates).
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension Kefu {
    /// Runs the command tree on Swift concurrency (the process's entry point).
    public static func runAsync() async {
        let command: any AsyncParsableCommand.Type = Kefu.self
        await command.main()
    }
}
