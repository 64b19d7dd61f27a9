public import Foundation

/// Writing a file named by the user (`--output`, `--report`) without following links.
///
/// The text goes to a new file in the target's folder (created exclusively, never through a link) and is renamed
/// over the target: readers see the old file or the new one, a crash leaves no half-written target, and a
/// symbolic link at the target is refused rather than followed — its destination is never overwritten.
public enum OutputFile {
    /// Mode of files that may hold personal data: readable and writable by their owner only.
    public static let privateMode: mode_t = 0o600
    /// Mode of files that hold content only (banks exported as GIFT or YAML).
    public static let contentMode: mode_t = 0o644

    /// Replaces `path` with `data`, creating it with `mode`; refuses a symbolic link or a folder at `path`.
    public static func write(_ data: Data, to path: String, mode: mode_t = privateMode) throws {
        var status = stat()
        if lstat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFLNK {
                throw ServiceError(
                    .invalidInput,
                    "\(path) is a symbolic link; Kefu does not write through links. Remove the link or choose another file"
                )
            }
            if status.st_mode & S_IFMT != S_IFREG {
                throw ServiceError(.invalidInput, "\(path) exists and is not a regular file; choose another file")
            }
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        let descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw ServiceError(
                .unavailable,
                "cannot write \(path): \(String(cString: strerror(errno))); check that its folder exists and is writable"
            )
        }
        var failure = writeAll(data, to: descriptor)
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        close(descriptor)
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw ServiceError(.unavailable, "cannot write \(path): \(String(cString: strerror(failure)))")
        }
    }
}

/// Writes all of `data` to `descriptor`; returns 0, or the `errno` of the failed write.
private func writeAll(_ data: Data, to descriptor: Int32) -> Int32 {
    data.withUnsafeBytes { buffer in
        guard let base = buffer.baseAddress else { return 0 }
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, base + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return 0
    }
}
