import ArgumentParser
import Foundation
import KefuContent

// Transitional: commands not yet moved behind a service still read content directly. Delete this
// file once every command takes its content from `Edge.environment(global:store:access:)`.

extension GlobalOptions {
    /// The content repository at the resolved root (commands that have no service yet).
    var repository: ContentRepository {
        let path = root ?? ProcessInfo.processInfo.environment["KEFU_ROOT"] ?? FileManager.default.currentDirectoryPath
        return ContentRepository(root: URL(fileURLWithPath: path, isDirectory: true))
    }
}

/// Prints diagnostics to stderr and exits with status 2.
func fail(_ error: ContentError) -> ExitCode {
    FileHandle.standardError.write(Data((error.description + "\n").utf8))
    return ExitCode(2)
}
