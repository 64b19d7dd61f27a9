import Foundation
import HTTPTypes
import KefuCore
import KefuRubrics
import KefuServices
import KefuStorage

/// Template data for the QA pages. Every piece of customer or staff text stays a plain string, so Mustache escapes
/// it; evidence is highlighted by splitting a turn into spans (`{text, mark}`), never by building HTML.
enum QAView {
    /// A piece of a turn: plain or marked as the evidence of some rubric items.
    struct Span: Equatable {
        /// The text (escaped by the template).
        var text: String
        /// The ids of the items whose evidence covers it (empty: not marked).
        var items: [String]
    }

    /// `text` split at the evidence ranges (Unicode-scalar offsets, end exclusive, as the scorer counts them);
    /// ranges outside the text are clipped.
    static func spans(_ text: String, _ marks: [(range: Range<Int>, item: String)]) -> [Span] {
        let scalars = Array(text.unicodeScalars)
        guard !marks.isEmpty, !scalars.isEmpty else { return [Span(text: text, items: [])] }
        var owners = [[String]](repeating: [], count: scalars.count)
        for mark in marks {
            let lower = max(0, mark.range.lowerBound)
            let upper = min(scalars.count, mark.range.upperBound)
            guard lower < upper else { continue }
            for i in lower..<upper where !owners[i].contains(mark.item) { owners[i].append(mark.item) }
        }
        var spans: [Span] = []
        var current = ""
        var currentItems: [String] = owners[0]
        for (i, scalar) in scalars.enumerated() {
            if owners[i] != currentItems {
                spans.append(Span(text: current, items: currentItems))
                current = ""
                currentItems = owners[i]
            }
            current.unicodeScalars.append(scalar)
        }
        spans.append(Span(text: current, items: currentItems))
        return spans.filter { !$0.text.isEmpty }
    }

    /// The turns of `interaction` with the evidence of `items` marked (none for a blind review).
    static func turns(_ interaction: Interaction, items: [ItemResult], text: (String) -> String) -> [[String: Any]] {
        var marks: [Int: [(range: Range<Int>, item: String)]] = [:]
        for item in items {
            for e in item.evidence where e.start < e.end {
                marks[e.turn, default: []].append((e.start..<e.end, item.id))
            }
        }
        return interaction.turns.enumerated().map { index, turn -> [String: Any] in
            var row: [String: Any] = [
                "n": index, "speaker": turn.speaker.rawValue,
                "who": text(turn.speaker == .agent ? "qa_speaker_agent" : "qa_speaker_customer"),
                "spans": spans(turn.text, marks[index] ?? []).map { span -> [String: Any] in
                    ["text": span.text, "mark": !span.items.isEmpty, "items": span.items.joined(separator: " ")]
                },
            ]
            if let at = turn.at { row["at"] = ExamFormat.number(at) }
            return row
        }
    }

    /// The part of a bilingual title (`中文 / English`) for `locale`.
    static func localized(_ title: String, _ locale: String) -> String {
        let parts = title.components(separatedBy: " / ")
        guard parts.count == 2 else { return title }
        return locale == "en" ? parts[1] : parts[0]
    }

    /// A score with two decimals.
    static func score(_ value: Double) -> String { String(format: "%.2f", value) }

    /// A share 0…1 as a percentage, or "–".
    static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.1f%%", $0 * 100) } ?? "–"
    }

    /// A coefficient with three decimals, or "–".
    static func coefficient(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "–" }

    /// A sample's stored parameters in words (`period 2026-11 · 3 per agent · seed 42 · strata channel`), each part
    /// through `text(key, value)` (the page's language).
    static func parameters(_ json: String, text: (String, String) -> String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            return json
        }
        var parts: [String] = []
        if let period = object["period"] as? String { parts.append(text("qa_p_period", period)) }
        if let per = object["per_agent"] { parts.append(text("qa_p_per_agent", "\(per)")) }
        if let strata = object["strata"] as? String { parts.append(text("qa_p_strata", strata)) }
        if let filters = object["filters"] as? [String: Any], !filters.isEmpty {
            parts.append(filters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        if let seed = object["seed"] { parts.append(text("qa_p_seed", "\(seed)")) }
        if let extra = object["oversample_failed"] { parts.append(text("qa_p_failed", "\(extra)")) }
        return parts.joined(separator: " · ")
    }

    /// The rubric's items by id (titles, points, critical flag), for the scorecard.
    static func rubricItems(_ rubric: Rubric?) -> [String: KefuRubrics.Item] {
        guard let rubric else { return [:] }
        return Dictionary(rubric.items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
