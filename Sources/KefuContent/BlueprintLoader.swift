import Foundation
public import KefuCore
public import KefuExams
import Yams

/// A blueprint as loaded from `QuestionBanks/blueprints/`.
public struct LoadedBlueprint: Sendable {
    /// The blueprint.
    public var blueprint: Blueprint
    /// The file (relative to the content root).
    public var path: String
    /// Hash of the file (the version recorded with each attempt).
    public var contentHash: String
    /// Where `blueprint:` stands.
    public var idLocation: SourceLocation
    /// Where each section starts.
    public var sectionLocations: [SourceLocation]
    /// Errors and warnings.
    public var diagnostics: [Diagnostic]

    /// The errors among the diagnostics.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}

/// Loads exam blueprints (documented in `QuestionBanks/README.md`).
public enum BlueprintLoader {
    /// Where blueprints live, relative to the content root.
    public static let folder = "QuestionBanks/blueprints"

    static let topKeys = (
        required: ["blueprint", "title", "source", "sections", "pass_mark"],
        optional: [
            "languages", "time_limit_minutes", "attempts_allowed", "delay_minutes", "grading_method",
            "shuffle_questions",
            "shuffle_choices", "avoid_seen", "review", "retrain_after_failures", "description", "layout",
        ]
    )

    /// Parses one blueprint file.
    public static func load(path: String, text: String, clauses: ClauseCatalog?) -> LoadedBlueprint? {
        var reader = YAMLReader(file: path, text: text)
        let hash = RubricLoader.sha256(text)
        guard let root = reader.root(),
            let top = reader.mapping(root, what: "a blueprint", required: topKeys.required, optional: topKeys.optional)
        else {
            return LoadedBlueprint(
                blueprint: Blueprint(id: "", sections: []), path: path, contentHash: hash,
                idLocation: SourceLocation(file: path, line: 1, column: 1), sectionLocations: [],
                diagnostics: reader.diagnostics)
        }
        let id = reader.string(top["blueprint"], "blueprint") ?? ""
        if !BankLoader.isValidID(id) {
            reader.error(top["blueprint"], "a blueprint id is letters, digits, `-`, `_` and `.`")
        }
        var blueprint = Blueprint(id: id, title: reader.string(top["title"], "title") ?? "", sections: [])
        blueprint.sources = ScenarioLoader.citedClauses(top["source"], clauses: clauses, reader: &reader)
        if let languages = reader.strings(top["languages"], "languages", allowScalar: true) {
            blueprint.languages = languages
        }
        blueprint.passMark = reader.number(top["pass_mark"], "pass_mark") ?? 80
        if !(0...100).contains(blueprint.passMark) {
            reader.error(top["pass_mark"], "pass_mark is a percentage between 0 and 100")
        }
        parseAttemptRules(top, blueprint: &blueprint, reader: &reader)
        blueprint.shuffleQuestions = reader.bool(top["shuffle_questions"], "shuffle_questions") ?? true
        blueprint.shuffleChoices = reader.bool(top["shuffle_choices"], "shuffle_choices") ?? true
        blueprint.avoidSeen = reader.bool(top["avoid_seen"], "avoid_seen") ?? true
        if let layout = reader.string(top["layout"], "layout") {
            if let value = PageLayout(rawValue: layout) {
                blueprint.layout = value
            } else {
                reader.error(top["layout"], "layout is `one-per-page` or `all-on-one-page`")
            }
        }
        if let failures = reader.number(top["retrain_after_failures"], "retrain_after_failures") {
            if failures < 1 || failures != failures.rounded() {
                reader.error(top["retrain_after_failures"], "retrain_after_failures is a whole number of at least 1")
            }
            blueprint.retrainAfterFailures = Int(failures)
        }
        if let review = parseReview(top["review"], reader: &reader) { blueprint.review = review }
        var locations: [SourceLocation] = []
        for node in reader.sequence(top["sections"], "sections") ?? [] {
            guard let section = parseSection(node, reader: &reader) else { continue }
            blueprint.sections.append(section)
            locations.append(reader.location(node))
        }
        return LoadedBlueprint(
            blueprint: blueprint, path: path, contentHash: hash, idLocation: reader.location(top["blueprint"]),
            sectionLocations: locations, diagnostics: reader.diagnostics)
    }

    /// `time_limit_minutes`, `attempts_allowed`, `delay_minutes` and `grading_method`: how long and how often the
    /// exam may be taken, and which attempt counts.
    static func parseAttemptRules(_ top: [String: Node], blueprint: inout Blueprint, reader: inout YAMLReader) {
        if let minutes = reader.number(top["time_limit_minutes"], "time_limit_minutes") {
            if minutes <= 0 {
                reader.error(
                    top["time_limit_minutes"], "time_limit_minutes must be greater than 0 (leave it out for no limit)")
            }
            blueprint.timeLimit = Int((minutes * 60).rounded())
        }
        if let attempts = reader.number(top["attempts_allowed"], "attempts_allowed") {
            if attempts < 0 || attempts != attempts.rounded() {
                reader.error(top["attempts_allowed"], "attempts_allowed is a whole number (0 = unlimited)")
            }
            blueprint.attemptsAllowed = attempts == 0 ? nil : Int(attempts)
        }
        if let minutes = reader.number(top["delay_minutes"], "delay_minutes") {
            if minutes < 0 { reader.error(top["delay_minutes"], "delay_minutes must not be negative") }
            blueprint.delayBetweenAttempts = Int((minutes * 60).rounded())
        }
        if let name = reader.string(top["grading_method"], "grading_method") {
            if let method = GradingMethod(rawValue: name) {
                blueprint.gradingMethod = method
            } else {
                reader.error(top["grading_method"], "grading_method is highest, last, first or average")
            }
        }
    }

    /// `review: {score, correctness, feedback, correct_answers}`: what a candidate sees after an attempt; nil when
    /// absent or not a valid mapping.
    static func parseReview(_ node: Node?, reader: inout YAMLReader) -> ReviewOptions? {
        guard let node,
            let r = reader.mapping(
                node, what: "review options", required: [],
                optional: ["score", "correctness", "feedback", "correct_answers"])
        else { return nil }
        return ReviewOptions(
            score: reader.bool(r["score"], "score") ?? true,
            correctness: reader.bool(r["correctness"], "correctness") ?? true,
            feedback: reader.bool(r["feedback"], "feedback") ?? false,
            correctAnswers: reader.bool(r["correct_answers"], "correct_answers") ?? false)
    }

    /// One entry of `sections:` (`bank`, `count`, `categories`, `tags`, `types`, `mark`, `difficulty`); nil when it
    /// is not a valid mapping.
    static func parseSection(_ node: Node, reader: inout YAMLReader) -> Blueprint.Section? {
        guard
            let s = reader.mapping(
                node, what: "a section", required: ["bank", "count"],
                optional: ["categories", "tags", "types", "mark", "difficulty"])
        else { return nil }
        var section = Blueprint.Section(
            bank: reader.string(s["bank"], "bank") ?? "", count: Int(reader.number(s["count"], "count") ?? 0))
        if section.count < 1 { reader.error(s["count"], "a section draws at least one question") }
        section.categories = reader.strings(s["categories"], "categories", allowScalar: true) ?? []
        section.tags = reader.strings(s["tags"], "tags", allowScalar: true) ?? []
        for name in reader.strings(s["types"], "types", allowScalar: true) ?? [] {
            if let type = QuestionType(rawValue: name) {
                section.types.append(type)
            } else {
                reader.error(s["types"], "unknown question type `\(name)`")
            }
        }
        section.mark = reader.number(s["mark"], "mark") ?? 1
        if section.mark <= 0 { reader.error(s["mark"], "mark must be greater than 0") }
        if let d = s["difficulty"],
            let mix = reader.mapping(
                d, what: "a difficulty mix", required: [], optional: Difficulty.allCases.map(\.rawValue))
        {
            for (name, value) in mix {
                guard let difficulty = Difficulty(rawValue: name) else { continue }
                section.difficulty[difficulty] = Int(reader.number(value, name) ?? 0)
            }
            if section.difficulty.values.reduce(0, +) > section.count {
                reader.error(
                    d, "the difficulty mix asks for more questions than the section's count (\(section.count))")
            }
        }
        return section
    }
}
