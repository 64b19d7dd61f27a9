extension StringProtocol {
    /// The lines of the text without their terminators, split at `\n` and at `\r\n` (CRLF files from Windows
    /// editors and Excel read the same as LF files). Empty lines are kept, so a line's index + 1 is its number.
    ///
    /// Splitting a `String` at `"\n"` alone leaves CRLF text as one line, because `"\r\n"` is a single `Character`.
    public func textLines() -> [SubSequence] {
        split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    }
}
