/// How commands print many per-line errors from one input: the first ``limit``, then one line that counts the rest,
/// so a file with 20,000 bad lines prints 21 lines instead of 20,000.
public enum ErrorList {
    /// How many errors are printed before the rest are counted: 20.
    public static let limit = 20

    /// The line that stands for the errors not printed, or nil when all `total` were printed.
    public static func remainder(total: Int) -> String? {
        total > limit ? "… and \(total - limit) more errors" : nil
    }

    /// The first ``limit`` of `errors`, one a line, followed by the ``remainder(total:)`` line when some were left out.
    public static func joined(_ errors: [String]) -> String {
        (errors.prefix(limit) + [remainder(total: errors.count)].compactMap { $0 }).joined(separator: "\n")
    }
}
