import Foundation

/// Input handed to a service: bytes (an HTTP upload), a file, or standard input, with the label
/// diagnostics name (`label:line:col`). The edge chooses the source; import code is the same for all.
public struct InputSource: Sendable {
    enum Origin: Sendable {
        case bytes([UInt8])
        case file(String)
        case standardInput
    }

    /// What diagnostics call this input (a file path, an upload's name, `<stdin>`).
    public let label: String
    let origin: Origin

    /// Bytes already in memory, named `label`.
    public static func bytes(_ bytes: [UInt8], label: String) -> InputSource {
        InputSource(label: label, origin: .bytes(bytes))
    }

    /// A file, labelled by its path.
    public static func file(_ path: String) -> InputSource { InputSource(label: path, origin: .file(path)) }

    /// Standard input, labelled `<stdin>`.
    public static let standardInput = InputSource(label: "<stdin>", origin: .standardInput)

    /// A file path, or `-` for standard input.
    public static func path(_ path: String) -> InputSource { path == "-" ? .standardInput : .file(path) }

    /// The input as lines, read in bounded chunks.
    public func lines() throws -> LineReader {
        switch origin {
        case .bytes(let bytes): return LineReader(bytes: bytes)
        case .standardInput: return LineReader(handle: FileHandle.standardInput)
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else { throw Self.cannotRead(path) }
            return LineReader(handle: handle)
        }
    }

    /// The input as lines, each returned as soon as it has arrived (standard input is read as it comes, not in
    /// chunks); files and bytes as ``lines()``.
    public func arrivingLines() throws -> LineReader {
        if case .standardInput = origin { return LineReader(streaming: FileHandle.standardInput) }
        return try lines()
    }

    /// Whether this is standard input.
    public var isStandardInput: Bool {
        if case .standardInput = origin { return true }
        return false
    }

    /// The whole input.
    public func readAll() throws -> [UInt8] {
        switch origin {
        case .bytes(let bytes): return bytes
        case .standardInput: return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw Self.cannotRead(path) }
            return [UInt8](data)
        }
    }

    static func cannotRead(_ path: String) -> ServiceError {
        FileManager.default.fileExists(atPath: path)
            ? ServiceError(.unavailable, "cannot read \(path): check its permissions")
            : ServiceError(.notFound, "there is no file \(path)")
    }
}
