import Foundation

/// A submitted `application/x-www-form-urlencoded` body or query string: names to values in order.
public struct Form: Sendable, Hashable {
    /// Every field, in the order sent (a name may repeat, e.g. checkboxes).
    public var fields: [(name: String, value: String)] {
        zip(names, values).map { ($0, $1) }
    }
    private var names: [String] = []
    private var values: [String] = []

    /// Parses `text` (`a=1&b=x+y&c=%E5%AE%A2`). Malformed percent escapes are kept as written.
    public init(_ text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            names.append(Self.decode(parts[0]))
            values.append(parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    /// The first value of `name`.
    public subscript(_ name: String) -> String? {
        names.firstIndex(of: name).map { values[$0] }
    }

    /// Every value of `name`.
    public func all(_ name: String) -> [String] {
        zip(names, values).filter { $0.0 == name }.map(\.1)
    }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Two forms are equal when they hold the same fields in the same order.
    public static func == (lhs: Form, rhs: Form) -> Bool { lhs.names == rhs.names && lhs.values == rhs.values }
    /// Hashes the fields.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(names)
        hasher.combine(values)
    }
}
