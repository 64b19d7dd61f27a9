import Foundation
import HTTPTypes
import KefuCore
import KefuExams
import KefuServices

/// Template data for exam pages: the attempt being taken (one question or all, with navigation and the countdown)
/// and the result as the blueprint's review options allow.
enum ExamView {
    /// The attempt page.
    static func attempt(_ run: ExamRun, showing position: Int?, now: Date) -> [String: Any] {
        let session = run.session
        let count = session.paper.items.count
        let current = min(max(0, position ?? session.position), max(0, count - 1))
        let all = run.blueprint.pageLayout == .allOnOnePage
        let shown = all ? Array(0..<count) : (count == 0 ? [] : [current])
        var data: [String: Any] = [
            "attempt": run.record.id.rawValue, "blueprint": run.record.blueprint.rawValue,
            "examTitle": run.blueprint.title, "title": run.blueprint.title, "count": count,
            "answered": count - session.unanswered.count - descriptions(session),
            "allOnOnePage": all,
            "questions": shown.map {
                question(
                    session.paper.items[$0], position: $0, response: session.responses[$0],
                    flagged: session.flagged.contains($0))
            },
            "nav": (0..<count).map { index -> [String: Any] in
                [
                    "pos": index, "n": index + 1, "answered": session.responses[index] != nil,
                    "flagged": session.flagged.contains(index), "current": !all && index == current,
                ]
            },
            "current": current, "scripts": ["exam.js"],
        ]
        data["hasPrev"] = !all && current > 0
        data["hasNext"] = !all && current + 1 < count
        if let remaining = session.remaining(at: now) {
            data["hasDeadline"] = true
            data["remaining"] = Int(remaining.rounded())
            data["deadline"] = run.record.deadline ?? ""
            data["remainingText"] = clock(Int(remaining))
        }
        return data
    }

    static func descriptions(_ session: ExamSession) -> Int {
        session.paper.items.filter { $0.question.type == .description }.count
    }

    /// `mm:ss` or `h:mm:ss`.
    static func clock(_ seconds: Int) -> String {
        let s = max(0, seconds)
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
            : String(format: "%02d:%02d", s / 60, s % 60)
    }

    /// One question with its inputs, filled with the saved answer.
    static func question(_ item: PaperItem, position: Int, response: ExamAnswer?, flagged: Bool) -> [String: Any] {
        let q = item.question
        var data: [String: Any] = [
            "pos": position, "n": position + 1, "mark": ExamFormat.number(item.mark), "type": q.type.rawValue,
            "stem": RichText.content(q.text, format: q.textFormat.rawValue),
            "flagged": flagged, "name": "a\(position)",
            "is_\(q.type.rawValue)": true,
        ]
        switch q.type {
        case .single, .multiple:
            var chosen: Set<Int> = []
            if case .choices(let picked)? = response { chosen = Set(picked) }
            data["choices"] = item.choiceOrder.enumerated().map { index, original -> [String: Any] in
                [
                    "value": original, "letter": String(UnicodeScalar(UInt8(65 + index % 26))),
                    "label": RichText.content(
                        q.answers[original].text ?? "",
                        format: q.answers[original].format?.rawValue ?? q.textFormat.rawValue),
                    "checked": chosen.contains(original), "inputType": q.type == .single ? "radio" : "checkbox",
                    "id": "q\(position)c\(original)",
                ]
            }
        case .truefalse:
            if case .truth(let value)? = response {
                data["trueChecked"] = value
                data["falseChecked"] = !value
            }
        case .numerical:
            if case .number(let value)? = response { data["value"] = ExamFormat.number(value) }
        case .short, .essay:
            if case .text(let value)? = response { data["value"] = value }
        case .matching:
            data["items"] = matchingItems(item, position: position, response: response)
        case .description:
            break
        }
        return data
    }

    static func matchingItems(_ item: PaperItem, position: Int, response: ExamAnswer?) -> [[String: Any]] {
        let q = item.question
        let choices = q.matchingChoices
        var chosen: [String?] = []
        if case .matches(let picked)? = response { chosen = picked }
        return q.matchingItems.enumerated().map { index, pair -> [String: Any] in
            let selected = index < chosen.count ? chosen[index] : nil
            return [
                "i": index, "name": "m\(position)_\(index)", "id": "q\(position)m\(index)",
                "label": RichText.content(pair.question, format: pair.format?.rawValue ?? q.textFormat.rawValue),
                "options": item.choiceOrder.filter { choices.indices.contains($0) }.map { original -> [String: Any] in
                    ["value": original, "text": choices[original], "selected": choices[original] == selected]
                },
            ]
        }
    }

    /// The answer of `position` in a submitted form: nil when left blank; an error message when it cannot be read.
    static func response(_ form: Form, item: PaperItem, position: Int) -> Result<ExamAnswer?, WebError> {
        let q = item.question
        let name = "a\(position)"
        let value = (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        switch q.type {
        case .single, .multiple:
            let picked = form.all(name).compactMap { Int($0) }
            guard picked.count == form.all(name).count else { return .failure(.badRequest("not a choice")) }
            return .success(picked.isEmpty ? nil : .choices(picked.sorted()))
        case .truefalse:
            return .success(value == "true" ? .truth(true) : value == "false" ? .truth(false) : nil)
        case .numerical:
            if value.isEmpty { return .success(nil) }
            let normalized = value.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "，", with: "")
            guard let number = Double(normalized), number.isFinite else {
                return .failure(WebError(.unprocessableContent, "“\(value.prefix(40))” is not a number"))
            }
            return .success(.number(number))
        case .short, .essay:
            let text = form[name] ?? ""
            guard text.count <= 20_000 else {
                return .failure(WebError(.contentTooLarge, "the answer is longer than 20,000 characters"))
            }
            return .success(text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : .text(text))
        case .matching:
            let choices = q.matchingChoices
            let picked: [String?] = q.matchingItems.indices.map { index in
                Int(form["m\(position)_\(index)"] ?? "").flatMap { choices.indices.contains($0) ? choices[$0] : nil }
            }
            return .success(picked.allSatisfy { $0 == nil } ? nil : .matches(picked))
        case .description:
            return .success(nil)
        }
    }

    /// The result page as the review options allow.
    static func result(_ run: ExamRun) -> [String: Any] {
        let review = run.reviewOptions(full: false)
        let record = run.record
        var data: [String: Any] = [
            "attempt": record.id.rawValue, "blueprint": record.blueprint.rawValue, "title": run.blueprint.title,
            "examTitle": run.blueprint.title, "status": record.status.rawValue,
            "reason": record.submitReason?.rawValue ?? "", "showScore": review.score,
            "graded": record.status == .graded, "pending": run.marking?.pending ?? 0,
            "total": ExamFormat.number(record.total), "maximum": ExamFormat.number(record.maximum),
            "percent": ExamFormat.number(record.percent), "passMark": ExamFormat.number(run.blueprint.passMark),
        ]
        if let passed = record.passed { data["passed"] = passed }
        guard review.correctness || review.feedback || review.correctAnswers, let marking = run.marking else {
            return data
        }
        data["items"] = marking.items.map { item -> [String: Any] in
            let paperItem = run.session.paper.items[item.position]
            let q = paperItem.question
            var row: [String: Any] = [
                "n": item.position + 1, "name": q.name,
                "stem": RichText.content(q.text, format: q.textFormat.rawValue),
                "state": review.correctness ? item.grade.state.rawValue : "",
            ]
            if review.correctness {
                row["awarded"] = item.awarded.map(ExamFormat.number) ?? "?"
                row["mark"] = ExamFormat.number(item.mark)
            }
            if let response = run.session.responses[item.position] { row["yourAnswer"] = paperItem.describe(response) }
            if review.correctAnswers, q.type != .essay, q.type != .description { row["rightAnswer"] = q.rightAnswer }
            if review.feedback {
                row["feedback"] = item.grade.feedback + (q.generalFeedback.map { [$0] } ?? [])
            }
            return row
        }
        return data
    }
}

/// Numbers as exam pages show them: 60, 82.5, 0.25.
enum ExamFormat {
    static func number(_ value: Double) -> String {
        let text = String(format: "%.2f", value)
        var trimmed = Substring(text)
        while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}
