public import Foundation

/// Reads a file or stdin as lines of bytes, in chunks, so memory stays bounded however large the input is.
///
/// A line longer than `maximumLineLength` bytes is returned cut to `maximumLineLength + 1` bytes (so callers see it
/// is too long and can name its line) and the rest of it is skipped without being kept in memory.
public final class LineReader {
    /// The longest line imports and `kefu score` accept: 1 MiB.
    public static let defaultMaximumLineLength = 1 << 20

    private let handle: FileHandle?
    private var buffer: [UInt8] = []
    private var start = 0
    private var isAtEnd = false
    private let chunkSize: Int
    private let readsAvailable: Bool
    /// The longest line returned whole; longer lines come back cut to one byte more.
    public let maximumLineLength: Int
    /// Number of the last line returned (1-based).
    public private(set) var lineNumber = 0
    /// Whether the last line returned was longer than `maximumLineLength` and was cut.
    public private(set) var lastLineWasCut = false

    /// Creates a reader over `handle`.
    public init(handle: FileHandle, chunkSize: Int = 1 << 20, maximumLineLength: Int = defaultMaximumLineLength) {
        self.handle = handle
        self.chunkSize = chunkSize
        self.maximumLineLength = maximumLineLength
        self.readsAvailable = false
    }

    /// Creates a reader over a pipe or terminal that returns each line as soon as it has arrived, instead of waiting
    /// for a full chunk (answers typed or piped one at a time).
    public init(streaming handle: FileHandle, maximumLineLength: Int = defaultMaximumLineLength) {
        self.handle = handle
        self.chunkSize = 0
        self.maximumLineLength = maximumLineLength
        self.readsAvailable = true
    }

    /// Creates a reader over bytes already in memory (an upload).
    public init(bytes: [UInt8], maximumLineLength: Int = defaultMaximumLineLength) {
        self.handle = nil
        self.buffer = bytes
        self.isAtEnd = true
        self.chunkSize = 0
        self.maximumLineLength = maximumLineLength
        self.readsAvailable = false
    }

    /// The next line without its terminator (`\n` or `\r\n`), or nil at the end.
    public func next() -> ArraySlice<UInt8>? {
        lastLineWasCut = false
        var searched = start
        while true {
            if let newline = buffer[searched...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                lineNumber += 1
                if end - start > maximumLineLength {
                    lastLineWasCut = true
                    end = start + maximumLineLength + 1
                }
                let line = buffer[start..<end]
                start = newline + 1
                return line
            }
            searched = buffer.count
            if buffer.count - start > maximumLineLength { return cutLine() }
            if isAtEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                lineNumber += 1
                return line
            }
            if start > 0 {
                buffer.removeSubrange(0..<start)
                searched -= start
                start = 0
            }
            readChunk()
        }
    }

    private func readChunk() {
        let data = (readsAvailable ? handle?.availableData : handle?.readData(ofLength: chunkSize)) ?? Data()
        if data.isEmpty {
            isAtEnd = true
        } else {
            buffer.append(contentsOf: data)
        }
    }

    /// Returns the first `maximumLineLength + 1` bytes of the current (over-long) line and skips the rest of it,
    /// reading on without keeping what it skips.
    private func cutLine() -> ArraySlice<UInt8> {
        let line = Array(buffer[start..<(start + maximumLineLength + 1)])
        lineNumber += 1
        lastLineWasCut = true
        buffer.removeAll(keepingCapacity: true)
        start = 0
        while !isAtEnd {
            readChunk()
            if let newline = buffer.firstIndex(of: 0x0A) {
                start = newline + 1
                return line[...]
            }
            buffer.removeAll(keepingCapacity: true)
        }
        return line[...]
    }
}
