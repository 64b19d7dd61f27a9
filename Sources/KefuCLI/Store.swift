import ArgumentParser
import Foundation
import KefuServices

/// Options of commands that use the database.
struct StoreOptions: ParsableArguments {
    @Option(
        help:
            "Database: a SQLite file, or postgres://USER@HOST[:PORT]/DATABASE for PostgreSQL (default: $KEFU_DB or ./kefu.sqlite; created and migrated on first use)."
    )
    var db: String?

    @Option(
        help:
            "Ledger signing key file (default: $KEFU_KEY, else the ledger's key in $KEFU_KEY_DIR or ~/.config/kefu/keys; created with mode 0600 on first use)."
    )
    var key: String?

    @Option(help: "Act through the API token in this file (like $KEFU_TOKEN) instead of as the operator.")
    var tokenFile: String?
}

/// Prints an error for the person at the terminal and returns exit status 2.
func failure(_ error: any Error) -> ExitCode {
    let text = "\(error)"
    FileHandle.standardError.write(Data(((Edge.isDiagnostic(text) ? "" : "error: ") + text + "\n").utf8))
    return ExitCode(2)
}
