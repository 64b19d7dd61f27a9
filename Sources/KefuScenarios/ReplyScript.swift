import Foundation
public import KefuCore
public import KefuRubrics

/// A scripted reply: the text and how long the trainee took (seconds after the customer's line).
public struct ScriptedReply: Sendable, Hashable, Codable {
    /// The reply.
    public var text: String
    /// Seconds between the customer's line and the reply (0 when the file gives none).
    public var delay: Double

    /// Creates a scripted reply.
    public init(text: String, delay: Double = 0) {
        self.text = text
        self.delay = delay
    }
}

/// A parsed reply file: the replies and, when the file names one, the seed it was written for (the
/// customer's line variants it answers).
public struct ReplyFile: Sendable, Hashable {
    /// The replies in order.
    public var replies: [ScriptedReply]
    /// `{"seed": N}` as the first JSON line, or `# seed: N` in a text file.
    public var seed: UInt64?

    /// Creates a reply file.
    public init(replies: [ScriptedReply], seed: UInt64? = nil) {
        self.replies = replies
        self.seed = seed
    }
}

/// Reply files for non-interactive runs (`kefu play --replies FILE`), tests and the demo.
///
/// Two formats, told apart by the first non-blank line:
/// - JSON Lines: one `{"text": "…", "delay": 12.5}` per line (`delay` optional, seconds); a first line
///   `{"seed": 7}` names the seed the replies were written for;
/// - plain text: one reply per line; a line ending in a backslash continues on the next line (the reply
///   keeps the line break); lines starting with `#` are comments (`# seed: 7` names the seed); blank
///   lines are skipped.
public enum ReplyScript {
    /// Parses a reply file's text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ScenarioError) -> [ScriptedReply] {
        try parseFile(text, file: file).replies
    }

    /// Parses a reply file's text with its seed line; `file` names it in errors.
    public static func parseFile(_ text: String, file: String) throws(ScenarioError) -> ReplyFile {
        let lines = text.textLines().map(String.init)
        let firstContent = lines.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        if firstContent?.trimmingCharacters(in: .whitespaces).hasPrefix("{") == true {
            return try parseJSONLines(lines, file: file)
        }
        var replies: [ScriptedReply] = []
        var pending: String?
        var seed: UInt64?
        for (index, line) in lines.enumerated() {
            if pending == nil && line.hasPrefix("#") {
                let comment = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if comment.hasPrefix("seed:") {
                    guard let value = UInt64(comment.dropFirst(5).trimmingCharacters(in: .whitespaces)) else {
                        throw ScenarioError("\(file):\(index + 1):1: `# seed:` needs a whole number")
                    }
                    seed = value
                }
                continue
            }
            if pending == nil && line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasSuffix("\\") {
                pending = (pending.map { $0 + "\n" } ?? "") + String(line.dropLast())
                continue
            }
            replies.append(ScriptedReply(text: (pending.map { $0 + "\n" } ?? "") + line))
            pending = nil
        }
        if let pending { replies.append(ScriptedReply(text: pending)) }
        return ReplyFile(replies: replies, seed: seed)
    }

    static func parseJSONLines(_ lines: [String], file: String) throws(ScenarioError) -> ReplyFile {
        struct Line: Decodable {
            var text: String
            var delay: Double?
        }
        struct SeedLine: Decodable {
            var seed: UInt64
        }
        var replies: [ScriptedReply] = []
        var seed: UInt64?
        let decoder = JSONDecoder()
        for (index, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                if replies.isEmpty && seed == nil && !line.contains("\"text\""),
                    let header = try? decoder.decode(SeedLine.self, from: Data(line.utf8))
                {
                    seed = header.seed
                    continue
                }
                let decoded = try decoder.decode(Line.self, from: Data(line.utf8))
                if let delay = decoded.delay, delay < 0 || !delay.isFinite {
                    throw ScenarioError("\(file):\(index + 1):1: `delay` must be a number of seconds ≥ 0")
                }
                replies.append(ScriptedReply(text: decoded.text, delay: decoded.delay ?? 0))
            } catch let error as ScenarioError {
                throw error
            } catch {
                throw ScenarioError(
                    "\(file):\(index + 1):1: not a reply line: expected {\"text\": \"…\", \"delay\": seconds} (\(describe(error)))"
                )
            }
        }
        return ReplyFile(replies: replies, seed: seed)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing `\(key.stringValue)`"
        case DecodingError.typeMismatch(_, let context):
            return "wrong type at `\(context.codingPath.map(\.stringValue).joined(separator: "."))`"
        case DecodingError.dataCorrupted: return "invalid JSON"
        default: return "invalid JSON"
        }
    }
}

extension Scenario {
    /// Plays the scenario with scripted replies on a manual clock (each reply `delay` seconds after the
    /// customer's line): deterministic for a seed. Replies left when the run ends are ignored; a script
    /// that runs out first leaves the run incomplete (`end-of-input`).
    public func play(
        _ replies: [ScriptedReply], rubrics: [Rubric], trainee: String, seed: UInt64
    ) throws(ScenarioError) -> (report: RunReport, transcript: [Turn], unused: Int) {
        let clock = ManualClock()
        var runner = ScenarioRunner(scenario: self, rubrics: rubrics, trainee: trainee, seed: seed, clock: clock)
        _ = try runner.start()
        var next = 0
        while runner.isAwaitingReply {
            guard next < replies.count else {
                let report = runner.stop(reason: "end-of-input")
                return (report, runner.turns, 0)
            }
            clock.advance(by: .milliseconds(Int64((replies[next].delay * 1000).rounded())))
            _ = try runner.reply(replies[next].text)
            next += 1
        }
        guard let report = runner.report else {
            return (runner.stop(reason: "end-of-input"), runner.turns, replies.count - next)
        }
        return (report, runner.turns, replies.count - next)
    }
}
