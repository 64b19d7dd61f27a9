import Foundation
public import KefuCore
public import KefuMentoring
import KefuTracks

/// The mentor assignment rules of `Tracks/mentoring.yaml`.
public struct MentoringRules: Sendable, Hashable {
    /// Policy clauses.
    public var sources: [String]
    /// Specialists hired within this many months count as new hires.
    public var newHireMonths: Int
    /// Default capacity.
    public var capacity: Int
    /// Per-mentor capacities.
    public var capacities: [String: Int]
    /// Levels that may mentor.
    public var levels: [Level]
    /// Certification a mentor must hold, if any.
    public var requiredCertification: String?
    /// Line-manager rule.
    public var lineManager: LineManagerRule
    /// Preference weights.
    public var weights: MatchWeights

    /// Creates rules (the shipped defaults).
    public init(
        sources: [String] = [], newHireMonths: Int = 6, capacity: Int = 3, capacities: [String: Int] = [:],
        levels: [Level] = [.seniorSpecialist, .expert, .teamLead, .supervisor, .manager],
        requiredCertification: String? = nil,
        lineManager: LineManagerRule = .penalty, weights: MatchWeights = MatchWeights()
    ) {
        self.sources = sources
        self.newHireMonths = newHireMonths
        self.capacity = capacity
        self.capacities = capacities
        self.levels = levels
        self.requiredCertification = requiredCertification
        self.lineManager = lineManager
        self.weights = weights
    }
}

/// Loads `Tracks/mentoring.yaml`.
public enum MentoringLoader {
    /// Where the rules live.
    public static let path = "Tracks/mentoring.yaml"

    /// Parses the rules; `certifications` are the known certification ids (checked when given).
    public static func load(
        file: String, text: String, clauses: ClauseCatalog?, certifications: Set<String>?
    ) -> (MentoringRules?, [Diagnostic]) {
        var reader = YAMLReader(file: file, text: text)
        guard let root = reader.root(),
            let top = reader.mapping(
                root, what: "mentoring rules", required: ["capacity", "levels", "weights"],
                optional: ["source", "new_hire_months", "capacities", "required_certification", "line_manager"])
        else {
            return (nil, reader.diagnostics)
        }
        var rules = MentoringRules()
        rules.sources = ScenarioLoader.citedClauses(top["source"], clauses: clauses, reader: &reader)
        rules.newHireMonths = Int(reader.number(top["new_hire_months"], "new_hire_months") ?? 6)
        rules.capacity = Int(reader.number(top["capacity"], "capacity") ?? 3)
        if rules.capacity < 1 { reader.error(top["capacity"], "capacity must be at least 1") }
        if let node = top["capacities"], let map = reader.mapping(node, what: "capacities", required: [], optional: nil)
        {
            for (id, value) in map { rules.capacities[id] = Int(reader.number(value, "capacity of \(id)") ?? 0) }
        }
        rules.levels = []
        for (name, node) in zip(
            reader.strings(top["levels"], "levels") ?? [], reader.sequence(top["levels"], "levels") ?? [])
        {
            if let level = Level(rawValue: name) {
                rules.levels.append(level)
            } else {
                reader.error(
                    node, "unknown level `\(name)`; use \(Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let certification = reader.string(top["required_certification"], "required_certification") {
            if let certifications, !certifications.contains(certification) {
                reader.error(
                    top["required_certification"],
                    "unknown certification `\(certification)`; Tracks/certifications.yaml defines \(certifications.sorted().joined(separator: ", "))"
                )
            }
            rules.requiredCertification = certification
        }
        if let name = reader.string(top["line_manager"], "line_manager") {
            if let rule = LineManagerRule(rawValue: name) {
                rules.lineManager = rule
            } else {
                reader.error(top["line_manager"], "line_manager is forbid, penalty or allow")
            }
        }
        if let node = top["weights"],
            let w = reader.mapping(
                node, what: "weights", required: [],
                optional: ["same_site", "same_team", "not_line_manager", "shared_channels", "load"])
        {
            rules.weights = MatchWeights(
                sameSite: reader.number(w["same_site"], "same_site") ?? 0,
                sameTeam: reader.number(w["same_team"], "same_team") ?? 0,
                notLineManager: reader.number(w["not_line_manager"], "not_line_manager") ?? 0,
                sharedChannels: reader.number(w["shared_channels"], "shared_channels") ?? 0,
                load: reader.number(w["load"], "load") ?? 0)
            for (key, value) in w where (reader.number(value, key) ?? 0) < 0 {
                reader.error(value, "weights are not negative")
            }
        }
        return (reader.diagnostics.contains { $0.severity == .error } ? nil : rules, reader.diagnostics)
    }
}

extension ContentRepository {
    /// The mentor assignment rules.
    public func mentoringRules() throws(ContentError) -> MentoringRules {
        let url = root.appendingPathComponent(MentoringLoader.path)
        let text = try Self.readText(url, displayPath: MentoringLoader.path)
        let certifications = (try? certificationRules()).map { Set($0.map(\.id)) }
        let (rules, diagnostics) = MentoringLoader.load(
            file: MentoringLoader.path, text: text, clauses: clauseCatalog().0, certifications: certifications)
        guard let rules else { throw ContentError(diagnostics.filter { $0.severity == .error }) }
        return rules
    }
}
