public import Foundation

/// Reads a file or stdin as lines of bytes, in chunks, so memory stays bounded however large the input is.
public final class LineReader {
    private let handle: FileHandle?
    private var buffer: [UInt8] = []
    private var start = 0
    private var isAtEnd = false
    private let chunkSize: Int
    private let readsAvailable: Bool
    /// Number of the last line returned (1-based).
    public private(set) var lineNumber = 0

    /// Creates a reader over `handle`.
    public init(handle: FileHandle, chunkSize: Int = 1 << 20) {
        self.handle = handle
        self.chunkSize = chunkSize
        self.readsAvailable = false
    }

    /// Creates a reader over a pipe or terminal that returns each line as soon as it has arrived, instead of waiting
    /// for a full chunk (answers typed or piped one at a time).
    public init(streaming handle: FileHandle) {
        self.handle = handle
        self.chunkSize = 0
        self.readsAvailable = true
    }

    /// Creates a reader over bytes already in memory (an upload).
    public init(bytes: [UInt8]) {
        self.handle = nil
        self.buffer = bytes
        self.isAtEnd = true
        self.chunkSize = 0
        self.readsAvailable = false
    }

    /// The next line without its terminator (`\n` or `\r\n`), or nil at the end.
    public func next() -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[start..<end]
                start = newline + 1
                lineNumber += 1
                return line
            }
            if isAtEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                lineNumber += 1
                return line
            }
            let data = (readsAvailable ? handle?.availableData : handle?.readData(ofLength: chunkSize)) ?? Data()
            if start > 0 {
                buffer.removeSubrange(0..<start)
                start = 0
            }
            if data.isEmpty {
                isAtEnd = true
            } else {
                buffer.append(contentsOf: data)
            }
        }
    }
}
