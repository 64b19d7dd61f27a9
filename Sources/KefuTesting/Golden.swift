public import Foundation

/// Golden files: a test's output compared with a checked-in text file, `<directory>/<name>.txt`.
///
/// Run the tests with `KEFU_RECORD_GOLDEN=1` to (re)write the files from the current output, then
/// review the diff before committing it. Without it, a missing file or any difference fails the check
/// with the first differing line.
public enum Golden {
    /// The environment variable that switches to recording.
    public static let recordVariable = "KEFU_RECORD_GOLDEN"

    /// True when `KEFU_RECORD_GOLDEN=1` is set.
    public static var isRecording: Bool { ProcessInfo.processInfo.environment[recordVariable] == "1" }

    /// Compares `text` with `<directory>/<name>.txt`, or writes it there when `record` is true.
    public static func check(
        _ text: String, named name: String, directory: URL, record: Bool = Golden.isRecording,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let url = directory.appendingPathComponent(name + ".txt")
        if record {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
            return
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CheckFailure(
                "no golden file \(url.path); run the tests with \(recordVariable)=1 to record it", file: file,
                line: line)
        }
        let expected = String(decoding: data, as: UTF8.self)
        guard expected != text else { return }
        throw CheckFailure(
            "\(name): output differs from \(url.lastPathComponent): \(firstDifference(expected: expected, actual: text)); "
                + "if the change is intended, re-record with \(recordVariable)=1", file: file, line: line)
    }

    /// Where two texts first differ, by line: `line N: expected «…», got «…»`.
    public static func firstDifference(expected: String, actual: String) -> String {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(a.count, b.count) {
            let left = index < a.count ? String(a[index]) : nil
            let right = index < b.count ? String(b[index]) : nil
            if left != right {
                return "line \(index + 1): expected «\(left ?? "<end of file>")», got «\(right ?? "<end of file>")»"
            }
        }
        return "same lines, different bytes"
    }
}
