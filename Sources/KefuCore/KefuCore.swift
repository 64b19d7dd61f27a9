/// Shared vocabulary of Kefu's modules: diagnostics with `path:line:col` locations and text helpers.
///
/// Engines (rubrics, scenarios, exams, QA, ledger) depend on this module only for plain value types;
/// it performs no I/O.
public enum KefuCore {
    /// Kefu's version, shown by `kefu --version`.
    public static let version = "0.1.0"
}

extension String {
    /// The 1-based line `number` of the string (without its newline), or nil when out of range.
    public func line(_ number: Int) -> String? {
        guard number >= 1 else { return nil }
        var current = 1
        var lineStart = startIndex
        var index = startIndex
        while index < endIndex {
            if self[index] == "\n" || self[index] == "\r\n" {
                if current == number { return String(self[lineStart..<index]) }
                current += 1
                lineStart = self.index(after: index)
            }
            index = self.index(after: index)
        }
        return current == number ? String(self[lineStart..<endIndex]) : nil
    }
}
