import ArgumentParser
import Foundation
import KefuServices

/// Options of commands that use the database.
struct StoreOptions: ParsableArguments {
    @Option(help: "SQLite database (default: $KEFU_DB or ./kefu.sqlite; created and migrated on first use).")
    var db: String?

    @Option(help: "Ledger signing key (default: $KEFU_KEY or <database>.key; created with mode 0600 on first use).")
    var key: String?
}

/// Prints an error for the person at the terminal and returns exit status 2.
func failure(_ error: any Error) -> ExitCode {
    // Diagnostics already read `file:line:col: error: …`; other errors get the prefix.
    let text = "\(error)"
    let isDiagnostic =
        text.split(separator: "\n").first.map { $0.contains(": error: ") || $0.contains(": warning: ") } ?? false
    FileHandle.standardError.write(Data(((isDiagnostic ? "" : "error: ") + text + "\n").utf8))
    return ExitCode(2)
}

/// Runs `body`, turning thrown errors into a message and exit status 2 (exit codes pass through).
func reporting<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let code as ExitCode { throw code } catch { throw failure(error) }
}
