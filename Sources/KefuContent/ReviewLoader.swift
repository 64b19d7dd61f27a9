import Foundation
public import KefuCore
public import KefuTracks

/// The scorecard definition of `Tracks/reviews.yaml`.
public struct ReviewDefinition: Sendable, Hashable {
    /// KPIs.
    public var kpis: [KPIDefinition]
    /// Rating levels, best first.
    public var ratings: [RatingLevel]
    /// Hash of the file (stored with each cycle).
    public var contentHash: String
}

/// Loads `Tracks/reviews.yaml`.
public enum ReviewLoader {
    /// Where the definition lives.
    public static let path = "Tracks/reviews.yaml"

    /// Parses the definition.
    public static func load(file: String, text: String, clauses: ClauseCatalog?) -> (ReviewDefinition?, [Diagnostic]) {
        var reader = YAMLReader(file: file, text: text)
        guard let root = reader.root(),
            let top = reader.mapping(
                root, what: "the review definition", required: ["kpis", "ratings"], optional: ["source"])
        else {
            return (nil, reader.diagnostics)
        }
        _ = ScenarioLoader.citedClauses(top["source"], clauses: clauses, reader: &reader)
        var kpis: [KPIDefinition] = []
        for node in reader.sequence(top["kpis"], "kpis") ?? [] {
            guard
                let k = reader.mapping(
                    node, what: "a KPI", required: ["id", "weight", "target"], optional: ["title", "better", "source"])
            else { continue }
            let id = reader.string(k["id"], "id") ?? ""
            if ReviewEngine.measures[id] == nil {
                reader.error(
                    k["id"],
                    "unknown KPI `\(id)`; Kefu measures \(ReviewEngine.measures.keys.sorted().joined(separator: ", "))")
            }
            if kpis.contains(where: { $0.id == id }) { reader.error(k["id"], "KPI `\(id)` is listed twice") }
            var kpi = KPIDefinition(
                id: id, title: reader.string(k["title"], "title") ?? id,
                weight: reader.number(k["weight"], "weight") ?? 0,
                target: reader.number(k["target"], "target") ?? 0)
            if kpi.weight <= 0 { reader.error(k["weight"], "a weight is greater than 0") }
            if kpi.target < 0 { reader.error(k["target"], "a target is not negative") }
            if let better = reader.string(k["better"], "better") {
                if let value = KPIDefinition.Better(rawValue: better) {
                    kpi.better = value
                } else {
                    reader.error(k["better"], "better is higher or lower")
                }
            }
            kpi.sources = ScenarioLoader.citedClauses(k["source"], clauses: clauses, reader: &reader)
            kpis.append(kpi)
        }
        var ratings: [RatingLevel] = []
        for node in reader.sequence(top["ratings"], "ratings") ?? [] {
            guard let r = reader.mapping(node, what: "a rating level", required: ["level", "minimum"], optional: [])
            else { continue }
            let level = reader.string(r["level"], "level") ?? ""
            if !PromotionEvaluator.ratingScale.contains(level) {
                reader.error(r["level"], "rating levels are A, B, C and D (promotion rules compare them)")
            }
            ratings.append(RatingLevel(level: level, minimum: reader.number(r["minimum"], "minimum") ?? 0))
        }
        if ratings.map(\.minimum) != ratings.map(\.minimum).sorted(by: >) {
            reader.error(top["ratings"], "list rating levels best first, with falling minimums")
        }
        if !ratings.isEmpty, ratings.last?.minimum != 0 {
            reader.error(top["ratings"], "the last rating level needs minimum 0, so every total gets a rating")
        }
        let errors = reader.diagnostics.contains { $0.severity == .error }
        return (
            errors ? nil : ReviewDefinition(kpis: kpis, ratings: ratings, contentHash: RubricLoader.sha256(text)),
            reader.diagnostics
        )
    }
}

extension ContentRepository {
    /// The scorecard definition.
    public func reviewDefinition() throws(ContentError) -> ReviewDefinition {
        let url = root.appendingPathComponent(ReviewLoader.path)
        let text = try Self.readText(url, displayPath: ReviewLoader.path)
        let (definition, diagnostics) = ReviewLoader.load(
            file: ReviewLoader.path, text: text, clauses: clauseCatalog().0)
        guard let definition else { throw ContentError(diagnostics.filter { $0.severity == .error }) }
        return definition
    }
}
