import Foundation
import KefuCore
public import KefuExams

// The exam vocabulary the edges name (the CLI imports only KefuServices and KefuCore).

/// A question's answer in a session.
public typealias ExamAnswer = Response
/// What an exam session asks its caller to do (save, show, submit) or refuses.
public typealias ExamAction = ExamSession.Action

extension PaperItem {
    /// Reads an answer typed at a terminal: a letter (A), letters (AC) for several, t/f, a number, text; matching:
    /// one letter per item (BAC), letters in the order the choices were shown. nil when it is not an answer here.
    public func response(typed text: String) -> Response? {
        let item = self
        let q = item.question
        func indices(_ letters: String) -> [Int]? {
            let cleaned = letters.uppercased().filter { $0.isLetter }
            var chosen: [Int] = []
            for character in cleaned {
                guard let ascii = character.asciiValue, ascii >= 65, Int(ascii - 65) < item.choiceOrder.count else {
                    return nil
                }
                chosen.append(item.choiceOrder[Int(ascii - 65)])
            }
            return chosen.isEmpty ? nil : chosen
        }
        switch q.type {
        case .single:
            guard let chosen = indices(text), chosen.count == 1 else { return nil }
            return .choices(chosen)
        case .multiple: return indices(text).map { .choices($0) }
        case .truefalse:
            switch text.lowercased() {
            case "t", "true", "对", "是", "y": return .truth(true)
            case "f", "false", "错", "否", "n": return .truth(false)
            default: return nil
            }
        case .numerical: return Double(text.replacingOccurrences(of: ",", with: "")).map { .number($0) }
        case .short, .essay: return .text(text)
        case .matching:
            let choices = q.matchingChoices
            guard let picked = indices(text), picked.count == q.matchingItems.count else { return nil }
            return .matches(picked.map { choices[$0] })
        case .description: return nil
        }
    }

    /// A response as people read it: chosen texts, true/false, the number, the text, the matches.
    public func describe(_ response: Response) -> String {
        let q = question
        switch response {
        case .choices(let chosen):
            return chosen.map { q.answers.indices.contains($0) ? (q.answers[$0].text ?? "") : "?" }.joined(
                separator: " · ")
        case .truth(let value): return value ? "true 对" : "false 错"
        case .number(let value): return ExamText.short(value)
        case .text(let value): return value
        case .matches(let chosen):
            return zip(q.matchingItems, chosen).map { "\($0.question) → \($1 ?? "–")" }.joined(separator: "; ")
        }
    }
}

extension Question {
    /// The right answer as people read it (– for essays and descriptions).
    public var rightAnswer: String {
        let q = self
        switch q.type {
        case .single, .multiple: return q.answers.filter { $0.fraction > 0 }.compactMap(\.text).joined(separator: " · ")
        case .truefalse: return q.correct == true ? "true 对" : "false 错"
        case .numerical:
            return q.answers.filter { $0.fraction >= 100 }.map { a in
                a.value.map {
                    ExamText.short($0) + ((a.tolerance ?? 0) > 0 ? " ± \(ExamText.short(a.tolerance!))" : "")
                } ?? "\(ExamText.short(a.min ?? 0))–\(ExamText.short(a.max ?? 0))"
            }.joined(separator: " or ")
        case .short:
            return q.answers.filter { $0.fraction >= 100 }.map { $0.text ?? "/\($0.pattern ?? "")/" }.joined(
                separator: " or ")
        case .matching: return q.matchingItems.map { "\($0.question) → \($0.answer)" }.joined(separator: "; ")
        case .essay, .description: return "–"
        }
    }
}

extension Blueprint.Section {
    /// The difficulty mix drawn, easiest first, e.g. `2 easy, 3 medium` (empty when the section draws any).
    public var difficultyMix: String {
        Difficulty.allCases.compactMap { d in difficulty[d].map { "\($0) \(d.rawValue)" } }.joined(separator: ", ")
    }
}

extension ExamRun {
    /// What the result shows: everything with `full` (supervisors, graders), else what the blueprint lets candidates see.
    public func reviewOptions(full: Bool) -> ReviewOptions {
        full ? ReviewOptions(score: true, correctness: true, feedback: true, correctAnswers: true) : blueprint.review
    }
}

/// Numbers as the exam texts show them.
enum ExamText {
    /// A number without trailing zeros: 60, 82.5, 0.25.
    static func short(_ value: Double) -> String {
        let text = String(format: "%.2f", value)
        guard text.contains(".") else { return text }
        var trimmed = Substring(text)
        while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}
