public import KefuCore
public import KefuTracks
import Yams

/// Loads `Tracks/certifications.yaml` (documented in `Tracks/README.md`).
public enum CertificationLoader {
    /// Where the file lives.
    public static let path = "Tracks/certifications.yaml"

    /// Parses the certification rules, checking ids, citations and prerequisites.
    public static func load(file: String, text: String, clauses: ClauseCatalog?) -> ([CertificationRule], [Diagnostic])
    {
        var reader = YAMLReader(file: file, text: text)
        guard let root = reader.root(),
            let top = reader.mapping(root, what: "the certification rules", required: ["certifications"], optional: []),
            let list = reader.sequence(top["certifications"], "certifications")
        else { return ([], reader.diagnostics) }
        var rules: [CertificationRule] = []
        var locations: [String: Node] = [:]
        var prerequisiteNodes: [(String, Node)] = []
        for node in list {
            guard
                let m = reader.mapping(
                    node, what: "a certification", required: ["id", "title", "source", "validity_months", "requires"],
                    optional: ["description", "renewal_window_days"])
            else { continue }
            let id = reader.string(m["id"], "id") ?? ""
            if locations[id] != nil { reader.error(m["id"], "duplicate certification id `\(id)`") }
            locations[id] = m["id"]
            let sources = reader.strings(m["source"], "source", allowScalar: true) ?? []
            if let clauses, let nodes = reader.sequence(m["source"], "source", allowScalar: true) {
                for (name, n) in zip(sources, nodes) where !clauses.contains(name) {
                    reader.error(n, "unknown policy clause `\(name)`; cite an id listed in Policies/clauses.yaml")
                }
            }
            let months = reader.number(m["validity_months"], "validity_months") ?? 12
            if months < 1 || months != months.rounded(), let n = m["validity_months"] {
                reader.error(n, "validity_months must be a whole number ≥ 1")
            }
            let window = reader.number(m["renewal_window_days"], "renewal_window_days") ?? 60
            let requirements = parseRequires(
                m["requires"], id: id, prerequisiteNodes: &prerequisiteNodes, reader: &reader)
            rules.append(
                CertificationRule(
                    id: id, title: reader.string(m["title"], "title") ?? "",
                    description: reader.string(m["description"], "description") ?? "",
                    sources: sources, validityMonths: Int(months), renewalWindowDays: Int(window),
                    exams: requirements.exams,
                    scenarios: requirements.scenarios,
                    requiresMentorSignOff: requirements.signOff, prerequisites: requirements.prerequisites))
        }
        for (p, n) in prerequisiteNodes where locations[p] == nil {
            reader.error(n, "unknown prerequisite certification `\(p)`")
        }
        return (rules, reader.diagnostics)
    }

    /// What a certification's `requires:` asks for; all empty when absent or not a mapping.
    struct Requirements {
        var exams: [(String, Double)] = []
        var scenarios: [(String, Double)] = []
        var signOff = false
        var prerequisites: [String] = []
    }

    /// A certification's `requires: {exams, scenarios, mentor_signoff, certifications}`; each prerequisite is also
    /// added to `prerequisiteNodes`, to be checked once every id is known.
    static func parseRequires(
        _ requires: Node?, id: String, prerequisiteNodes: inout [(String, Node)], reader: inout YAMLReader
    ) -> Requirements {
        var requirements = Requirements()
        guard let requires,
            let r = reader.mapping(
                requires, what: "requires", required: [],
                optional: ["exams", "scenarios", "mentor_signoff", "certifications"])
        else { return requirements }
        requirements.exams = parseMinScores(
            r["exams"], "exams", what: "an exam requirement", key: "blueprint", reader: &reader)
        requirements.scenarios = parseMinScores(
            r["scenarios"], "scenarios", what: "a scenario requirement", key: "scenario", reader: &reader)
        requirements.signOff = reader.bool(r["mentor_signoff"], "mentor_signoff") ?? false
        if let nodes = reader.sequence(r["certifications"], "certifications") {
            for n in nodes {
                if let p = reader.string(n, "a prerequisite") {
                    requirements.prerequisites.append(p)
                    prerequisiteNodes.append((p, n))
                }
            }
        }
        if requirements.exams.isEmpty && requirements.scenarios.isEmpty && !requirements.signOff
            && requirements.prerequisites.isEmpty
        {
            reader.error(
                requires,
                "certification `\(id)` requires nothing; list exams, scenarios, a mentor sign-off or prerequisite certifications"
            )
        }
        return requirements
    }

    /// A list of `{<key>, min_score}` requirements (`requires.exams` with `blueprint`, `requires.scenarios` with
    /// `scenario`); entries missing either value are skipped.
    static func parseMinScores(
        _ node: Node?, _ label: String, what: String, key: String, reader: inout YAMLReader
    ) -> [(String, Double)] {
        var scores: [(String, Double)] = []
        for e in reader.sequence(node, label) ?? [] {
            guard let em = reader.mapping(e, what: what, required: [key, "min_score"], optional: []) else { continue }
            if let b = reader.string(em[key], key), let s = reader.number(em["min_score"], "min_score") {
                scores.append((b, s))
            }
        }
        return scores
    }
}
