public import Foundation

/// Kefu's one JSON style for everything it shows (`--format json`, the web API): snake_case keys,
/// sorted keys, scores rounded to two decimals, ISO-8601 UTC timestamps with milliseconds.
///
/// Stored JSON (papers, ledger bodies) keeps its own canonical encoding; this is for output only.
public enum OutputJSON {
    /// The encoder every edge uses.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// `value` as one JSON text (no trailing newline).
    public static func string<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self)
    }

    /// The decoder matching ``encoder(pretty:)`` (tests and API clients).
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "not an ISO-8601 UTC timestamp: \(text)")
            }
            return date
        }
        return decoder
    }
}

/// A score or other measured figure as shown: encoded rounded to two decimals, so outputs read
/// `79.17`, never `79.16666583333333`. The full value stays available in ``value``.
public struct Figure: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, ExpressibleByFloatLiteral,
    ExpressibleByIntegerLiteral
{
    /// The unrounded value.
    public var value: Double

    /// Wraps `value`.
    public init(_ value: Double) { self.value = value }

    /// Wraps a literal.
    public init(floatLiteral value: Double) { self.value = value }

    /// Wraps a literal.
    public init(integerLiteral value: Int) { self.value = Double(value) }

    /// The value rounded half away from zero to two decimals.
    public var rounded: Double { (value * 100).rounded() / 100 }

    /// Decodes a number.
    public init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Double.self) }

    /// Encodes the rounded value (an integer when it has no fraction).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        let r = rounded
        if r.isFinite, r == r.rounded(), abs(r) < 1e15 {
            try container.encode(Int64(r))
        } else {
            try container.encode(r)
        }
    }

    /// `79.17`, `100`, `0.5`: at most two decimals, no trailing zeros.
    public var description: String {
        let r = rounded
        if !r.isFinite { return String(r) }
        if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
        var text = String(format: "%.2f", r)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// Orders by value.
    public static func < (lhs: Figure, rhs: Figure) -> Bool { lhs.value < rhs.value }
}
