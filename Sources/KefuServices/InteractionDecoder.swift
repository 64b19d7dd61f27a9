import Foundation
public import KefuCore

/// Decodes one JSONL line into an ``Interaction``, with errors that name the problem but never echo
/// the line's content (it may hold customer data).
public enum InteractionDecoder {
    /// A line that is not a valid interaction.
    public struct LineError: Error, Sendable, CustomStringConvertible {
        /// 1-based line number.
        public var line: Int
        /// 1-based column, when the JSON syntax error has one.
        public var column: Int?
        /// What is wrong.
        public var message: String

        /// `line N[, column C]: message`.
        public var description: String { "line \(line)\(column.map { ", column \($0)" } ?? ""): \(message)" }
    }

    /// Decodes `bytes` (line `line` of the input). Refuses lines longer than
    /// ``LineReader/defaultMaximumLineLength``, invalid UTF-8, an empty `id`, and an `at` that is not finite or
    /// outside `0...Turn.maximumAt`, each with the column of the offending byte or value.
    public static func decode(_ bytes: ArraySlice<UInt8>, line: Int) -> Result<Interaction, LineError> {
        if bytes.count > LineReader.defaultMaximumLineLength {
            return .failure(
                LineError(
                    line: line, column: 1,
                    message:
                        "the line is longer than \(LineReader.defaultMaximumLineLength) bytes (the maximum); split the interaction or shorten its turns"
                ))
        }
        if let column = invalidUTF8Column(bytes) {
            return .failure(
                LineError(line: line, column: column, message: "not valid UTF-8; convert the file to UTF-8"))
        }
        switch bytes.withUnsafeBufferPointer({ FastInteractionParser.parse($0) }) {
        case .parsed(let fast):
            return checked(fast, line: line)
        case .invalid(let offset, let message):
            return .failure(LineError(line: line, column: column(ofByte: offset, in: bytes), message: message))
        case .unknown:
            break
        }
        do {
            return checked(try JSONDecoder().decode(Interaction.self, from: Data(bytes)), line: line)
        } catch let error as DecodingError {
            return .failure(describe(error, line: line, bytes: bytes))
        } catch {
            return .failure(LineError(line: line, message: "not a valid interaction"))
        }
    }

    /// The checks the fast parser makes while parsing, for interactions `JSONDecoder` read (no column then).
    static func checked(_ interaction: Interaction, line: Int) -> Result<Interaction, LineError> {
        if interaction.id.isEmpty {
            return .failure(LineError(line: line, message: "field `id` is empty; every interaction needs an id"))
        }
        if interaction.turns.isEmpty {
            return .failure(LineError(line: line, message: "interaction `\(interaction.id)` has no turns"))
        }
        for (index, turn) in interaction.turns.enumerated() {
            if let at = turn.at, let problem = Turn.problem(at: at) {
                return .failure(LineError(line: line, message: "field `turns[\(index)].at` \(problem)"))
            }
        }
        return .success(interaction)
    }

    /// The 1-based column, in Unicode scalars, of the first byte that is not valid UTF-8, or nil when all are.
    /// One pass over the bytes, so a long line costs linear time.
    public static func invalidUTF8Column(_ bytes: ArraySlice<UInt8>) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var column = 1
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: column += 1
            case .emptyInput: return nil
            case .error: return column
            }
        }
    }

    /// The 1-based column, in Unicode scalars, of the byte at `offset` from the start of `bytes`.
    static func column(ofByte offset: Int, in bytes: ArraySlice<UInt8>) -> Int {
        bytes.prefix(offset).reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined().drop { $0 == "." }
            .description
    }

    static func describe(_ error: DecodingError, line: Int, bytes: ArraySlice<UInt8>) -> LineError {
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context.codingPath + [key])
            return LineError(line: line, message: "missing field `\(at)`")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return LineError(line: line, message: "field `\(path(context.codingPath))` has the wrong type or is null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return LineError(line: line, column: syntaxColumn(bytes), message: "not valid JSON")
            }
            let field = path(context.codingPath)
            if field == "channel" {
                return LineError(line: line, message: "field `channel` must be one of phone, chat, wechat, email")
            }
            if field.hasSuffix("speaker") {
                return LineError(line: line, message: "field `\(field)` must be agent or customer")
            }
            return LineError(line: line, message: "field `\(field)` has an invalid value")
        @unknown default:
            return LineError(line: line, message: "not a valid interaction")
        }
    }

    /// Column (1-based, in characters) of the first JSON syntax error, found by a small structural scan.
    static func syntaxColumn(_ bytes: ArraySlice<UInt8>) -> Int? {
        var stack: [UInt8] = []
        var inString = false
        var escaped = false
        var column = 0
        var sawValue = false
        for byte in bytes {
            if byte & 0xC0 != 0x80 { column += 1 }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == 0x5C {
                    escaped = true
                } else if byte == 0x22 {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x22:
                inString = true
                sawValue = true
            case 0x7B, 0x5B:
                stack.append(byte)
                sawValue = true
            case 0x7D: if stack.popLast() != 0x7B { return column }
            case 0x5D: if stack.popLast() != 0x5B { return column }
            default: break
            }
            if stack.isEmpty && sawValue && byte != 0x22 && byte != 0x7D && byte != 0x5D && byte != 0x20 {
                return column
            }
        }
        return stack.isEmpty && !inString ? nil : column + 1
    }
}
