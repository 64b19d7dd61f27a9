import Foundation
import KefuCore
import KefuServices

/// Text with evidence marked, as template data: a list of pieces `{text, mark}` that the `segments` partial renders
/// (`<mark>` around marked pieces). Every piece goes through Mustache's escaping, so customer text never becomes markup.
enum Highlight {
    /// The pieces of `text`, with the code-point ranges `marks` (evidence spans: 0-based, end exclusive, counted in
    /// Unicode scalars as the scorer counts them) marked. Overlapping ranges merge; ranges outside the text are
    /// clipped, so a span that does not fit never breaks the page.
    static func segments(_ text: String, marks: [Range<Int>]) -> [[String: Any]] {
        let scalars = Array(text.unicodeScalars)
        let clipped = marks.map { range -> Range<Int> in
            let lower = min(max(range.lowerBound, 0), scalars.count)
            return lower..<min(max(range.upperBound, lower), scalars.count)
        }
        var merged: [Range<Int>] = []
        for range in clipped.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        var pieces: [[String: Any]] = []
        func add(_ range: Range<Int>, mark: Bool) {
            guard !range.isEmpty else { return }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            pieces.append(["text": String(view), "mark": mark])
        }
        var position = 0
        for range in merged {
            add(position..<range.lowerBound, mark: false)
            add(range, mark: true)
            position = range.upperBound
        }
        add(position..<scalars.count, mark: false)
        return pieces
    }
}

/// Template data of the chat page and the transcript page.
enum ScenarioView {
    /// A number as people read it: `60`, `12.5`.
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(format: "%.0f", value) : String(format: "%.1f", value)
    }

    /// `value`, or `false` when nil (a template section then renders nothing and never looks further out).
    static func orFalse<T>(_ value: T?) -> Any { value.map { $0 as Any } ?? false }

    /// Evidence spans by transcript turn.
    static func marks(_ items: [ItemResult]) -> [Int: [Range<Int>]] {
        var marks: [Int: [Range<Int>]] = [:]
        for item in items where item.verdict != .na {
            for evidence in item.evidence where evidence.end > evidence.start {
                marks[evidence.turn, default: []].append(evidence.start..<evidence.end)
            }
        }
        return marks
    }

    /// One check: verdict flags (every key set, so a section never falls back to an outer value), message, evidence.
    static func check(_ item: ItemResult) -> [String: Any] {
        [
            "id": item.id, "verdict": item.verdict.rawValue, "passed": item.verdict == .pass,
            "failed": item.verdict == .fail || item.verdict == .error, "na": item.verdict == .na,
            "message": item.message, "evidence": item.evidence.map { ["text": $0.text, "turn": $0.turn] },
        ]
    }

    /// One checked reply: reply time against the limit, late or not, its checks.
    static func reply(_ reply: ReplyRecord) -> [String: Any] {
        [
            "step": reply.step, "seconds": number(reply.seconds),
            "limit": orFalse(reply.limitSeconds.map(number)), "late": reply.isLate,
            "checks": reply.checks.map(check), "hasChecks": !reply.checks.isEmpty,
        ]
    }

    /// The chat bubbles of `turns`, evidence marked, each agent turn followed by its checked reply when given.
    static func bubbles(
        _ turns: [Turn], replies: [ReplyRecord], marks: [Int: [Range<Int>]], locale: String, locales: Locales
    ) -> [[String: Any]] {
        let byTurn = Dictionary(replies.map { ($0.turn, $0) }, uniquingKeysWith: { first, _ in first })
        return turns.enumerated().map { index, turn -> [String: Any] in
            let isCustomer = turn.speaker == .customer
            return [
                "speaker": isCustomer ? "customer" : "agent", "turn": index,
                "who": locales.text(isCustomer ? "chat_customer" : "chat_agent", locale),
                "at": orFalse(turn.at.map(number)),
                "segments": Highlight.segments(turn.text, marks: marks[index] ?? []),
                "feedback": orFalse(byTurn[index].map(reply)),
            ]
        }
    }

    /// The chat page of a live run. Exam mode shows no checks and marks no evidence until the end.
    static func chat(_ live: LiveRun, locale: String, locales: Locales) -> [String: Any] {
        let runner = live.play.runner
        let practice = live.play.run.mode == .practice
        let replies = practice ? runner.replies : []
        var data: [String: Any] = [
            "title": runner.scenario.title, "scripts": ["chat.js"], "run": live.play.run.id.rawValue,
            "scenario": runner.scenario.key, "channel": runner.scenario.channel.rawValue,
            "mode": live.play.run.mode.rawValue, "practice": practice,
            "persona": runner.scenario.persona.name, "mood": runner.scenario.persona.mood,
            "bubbles": bubbles(
                runner.turns, replies: replies, marks: marks(replies.flatMap(\.checks)), locale: locale,
                locales: locales),
            "error": false, "pending": false,
        ]
        if let pending = live.pending {
            var line: [String: Any] = ["turn": pending.turn, "limit": false]
            if let limit = pending.limitSeconds {
                line["limit"] = number(limit)
                line["secondsLeft"] = number((live.secondsLeft ?? limit).rounded(.down))
            }
            data["pending"] = line
        }
        return data
    }

    /// The transcript page of a stored run: verdicts, reply times, late replies, evidence, score and result.
    static func transcript(_ transcript: ScenarioTranscript, locale: String, locales: Locales) -> [String: Any] {
        let run = transcript.run
        let replies = transcript.report?.replies ?? []
        let rubrics = transcript.report?.rubrics ?? []
        let spans = marks(replies.flatMap(\.checks) + rubrics.flatMap(\.items))
        let finished = run.status != .inProgress
        return [
            "title": "\(run.scenario.rawValue).\(run.language) #\(run.id)", "run": run.id.rawValue,
            "scenario": "\(run.scenario.rawValue).\(run.language)", "person": run.personID.rawValue,
            "mode": locales.text(run.mode == .exam ? "exam_mode" : "practice", locale),
            "attempt": run.attemptNumber, "startedAt": run.startedAt, "finishedAt": orFalse(run.finishedAt),
            "status": locales.text(
                "run_status_" + run.status.rawValue.replacingOccurrences(of: "-", with: "_"), locale),
            "outcome": orFalse(run.outcome), "finished": finished, "passed": run.passed,
            "score": number(run.score), "lateReplies": replies.filter(\.isLate).count,
            "bubbles": bubbles(
                transcript.interaction.turns, replies: replies, marks: spans, locale: locale, locales: locales),
            "rubrics": rubrics.map { result -> [String: Any] in
                [
                    "rubric": result.rubric, "score": number(result.score), "passed": result.passed,
                    "items": result.items.map(check),
                ]
            },
            "hasRubrics": !rubrics.isEmpty,
        ]
    }
}
