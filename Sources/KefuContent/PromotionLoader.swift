import Foundation
public import KefuCore
import KefuExams
public import KefuTracks
import Yams

/// Loads the promotion tracks of `Tracks/promotion.yaml`.
public enum PromotionLoader {
    /// Where the tracks live.
    public static let path = "Tracks/promotion.yaml"

    /// Parses the steps; `certifications` and `blueprints` are the known ids (checked when given).
    public static func load(
        file: String, text: String, clauses: ClauseCatalog?, certifications: Set<String>?, blueprints: Set<String>?
    ) -> ([PromotionStep], [Diagnostic]) {
        var reader = YAMLReader(file: file, text: text)
        guard let root = reader.root(),
            let top = reader.mapping(root, what: "promotion tracks", required: ["tracks"], optional: [])
        else {
            return ([], reader.diagnostics)
        }
        var steps: [PromotionStep] = []
        var seen = Set<String>()
        for trackNode in reader.sequence(top["tracks"], "tracks") ?? [] {
            guard
                let t = reader.mapping(
                    trackNode, what: "a track", required: ["track", "steps"], optional: ["title", "source"])
            else { continue }
            let track = reader.string(t["track"], "track") ?? ""
            _ = ScenarioLoader.citedClauses(t["source"], clauses: clauses, reader: &reader)
            for stepNode in reader.sequence(t["steps"], "steps") ?? [] {
                guard
                    let step = parseStep(
                        stepNode, track: track, seen: &seen, clauses: clauses, certifications: certifications,
                        blueprints: blueprints, reader: &reader)
                else { continue }
                steps.append(step)
            }
        }
        return (steps, reader.diagnostics)
    }

    /// One entry of a track's `steps:` (`from`, `to`, `requires`, `source`); `seen` holds the `track/from` pairs met
    /// so far. Nil when the step is unusable (not a mapping, an unknown level, or `requires` not a mapping).
    static func parseStep(
        _ stepNode: Node, track: String, seen: inout Set<String>, clauses: ClauseCatalog?,
        certifications: Set<String>?, blueprints: Set<String>?, reader: inout YAMLReader
    ) -> PromotionStep? {
        guard
            let s = reader.mapping(
                stepNode, what: "a step", required: ["from", "to", "requires"], optional: ["source"])
        else { return nil }
        func level(_ key: String) -> Level? {
            guard let name = reader.string(s[key], key) else { return nil }
            guard let level = Level(rawValue: name) else {
                reader.error(
                    s[key],
                    "unknown level `\(name)`; use \(Level.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            return level
        }
        guard let from = level("from"), let to = level("to") else { return nil }
        if !seen.insert("\(track)/\(from.rawValue)").inserted {
            reader.error(stepNode, "track `\(track)` has two steps from `\(from.rawValue)`")
        }
        var step = PromotionStep(
            track: track, from: from, to: to,
            sources: ScenarioLoader.citedClauses(s["source"], clauses: clauses, reader: &reader),
            requirements: [])
        guard let requiresNode = s["requires"],
            let r = reader.mapping(
                requiresNode, what: "requirements", required: [],
                optional: ["certifications", "tenure_months", "ratings", "qa_average", "exams", "mentoring"])
        else { return nil }
        step.requirements = parseRequirements(
            r, certifications: certifications, blueprints: blueprints, reader: &reader)
        if step.requirements.isEmpty { reader.error(stepNode, "a step requires something") }
        return step
    }

    /// A step's `requires:` (`certifications`, `tenure_months`, `ratings`, `qa_average`, `exams`, `mentoring`), in
    /// that order; certification and blueprint ids are checked against the known ones when given.
    static func parseRequirements(
        _ r: [String: Node], certifications: Set<String>?, blueprints: Set<String>?, reader: inout YAMLReader
    ) -> [PromotionRequirement] {
        var requirements: [PromotionRequirement] = []
        let ids = reader.strings(r["certifications"], "certifications", allowScalar: true) ?? []
        for id in ids where certifications.map({ !$0.contains(id) }) ?? false {
            reader.error(
                r["certifications"],
                "unknown certification `\(id)`; Tracks/certifications.yaml defines \(certifications!.sorted().joined(separator: ", "))"
            )
        }
        if !ids.isEmpty { requirements.append(.certifications(ids)) }
        if let months = reader.number(r["tenure_months"], "tenure_months") {
            requirements.append(.tenure(months: Int(months)))
        }
        if let node = r["ratings"],
            let m = reader.mapping(node, what: "ratings", required: ["last", "minimum"], optional: [])
        {
            let minimum = reader.string(m["minimum"], "minimum") ?? "B"
            if !PromotionEvaluator.ratingScale.contains(minimum) {
                reader.error(m["minimum"], "a rating is one of A, B, C, D")
            }
            requirements.append(.ratings(last: Int(reader.number(m["last"], "last") ?? 1), minimum: minimum))
        }
        if let node = r["qa_average"],
            let m = reader.mapping(node, what: "qa_average", required: ["minimum", "months"], optional: [])
        {
            requirements.append(
                .qaAverage(
                    minimum: reader.number(m["minimum"], "minimum") ?? 0,
                    months: Int(reader.number(m["months"], "months") ?? 6)))
        }
        for node in reader.sequence(r["exams"], "exams") ?? [] {
            guard
                let m = reader.mapping(
                    node, what: "an exam requirement", required: ["blueprint", "min_score"], optional: [])
            else { continue }
            let blueprint = reader.string(m["blueprint"], "blueprint") ?? ""
            if let blueprints, !blueprints.contains(blueprint) {
                reader.error(m["blueprint"], "unknown blueprint `\(blueprint)`; see QuestionBanks/blueprints/")
            }
            requirements.append(.exam(blueprint: blueprint, minScore: reader.number(m["min_score"], "min_score") ?? 0))
        }
        if let node = r["mentoring"],
            let m = reader.mapping(node, what: "mentoring", required: ["apprentices"], optional: [])
        {
            requirements.append(.mentoring(apprentices: Int(reader.number(m["apprentices"], "apprentices") ?? 1)))
        }
        return requirements
    }
}

extension ContentRepository {
    /// The promotion steps of `Tracks/promotion.yaml`.
    public func promotionSteps() throws(ContentError) -> [PromotionStep] {
        let url = root.appendingPathComponent(PromotionLoader.path)
        let text = try Self.readText(url, displayPath: PromotionLoader.path)
        let certifications = (try? certificationRules()).map { Set($0.map(\.id)) }
        let (steps, diagnostics) = PromotionLoader.load(
            file: PromotionLoader.path, text: text, clauses: clauseCatalog().0, certifications: certifications,
            blueprints: Set(blueprints().0.map(\.blueprint.id)))
        if diagnostics.contains(where: { $0.severity == .error }) {
            throw ContentError(diagnostics.filter { $0.severity == .error })
        }
        return steps
    }
}
