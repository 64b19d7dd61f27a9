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
            var exams: [(String, Double)] = []
            var scenarios: [(String, Double)] = []
            var signOff = false
            var prerequisites: [String] = []
            if let requires = m["requires"],
                let r = reader.mapping(
                    requires, what: "requires", required: [],
                    optional: ["exams", "scenarios", "mentor_signoff", "certifications"])
            {
                for e in reader.sequence(r["exams"], "exams") ?? [] {
                    guard
                        let em = reader.mapping(
                            e, what: "an exam requirement", required: ["blueprint", "min_score"], optional: [])
                    else { continue }
                    if let b = reader.string(em["blueprint"], "blueprint"),
                        let s = reader.number(em["min_score"], "min_score")
                    {
                        exams.append((b, s))
                    }
                }
                for e in reader.sequence(r["scenarios"], "scenarios") ?? [] {
                    guard
                        let em = reader.mapping(
                            e, what: "a scenario requirement", required: ["scenario", "min_score"], optional: [])
                    else { continue }
                    if let b = reader.string(em["scenario"], "scenario"),
                        let s = reader.number(em["min_score"], "min_score")
                    {
                        scenarios.append((b, s))
                    }
                }
                signOff = reader.bool(r["mentor_signoff"], "mentor_signoff") ?? false
                if let nodes = reader.sequence(r["certifications"], "certifications") {
                    for n in nodes {
                        if let p = reader.string(n, "a prerequisite") {
                            prerequisites.append(p)
                            prerequisiteNodes.append((p, n))
                        }
                    }
                }
                if exams.isEmpty && scenarios.isEmpty && !signOff && prerequisites.isEmpty {
                    reader.error(
                        requires,
                        "certification `\(id)` requires nothing; list exams, scenarios, a mentor sign-off or prerequisite certifications"
                    )
                }
            }
            rules.append(
                CertificationRule(
                    id: id, title: reader.string(m["title"], "title") ?? "",
                    description: reader.string(m["description"], "description") ?? "",
                    sources: sources, validityMonths: Int(months), renewalWindowDays: Int(window), exams: exams,
                    scenarios: scenarios,
                    requiresMentorSignOff: signOff, prerequisites: prerequisites))
        }
        for (p, n) in prerequisiteNodes where locations[p] == nil {
            reader.error(n, "unknown prerequisite certification `\(p)`")
        }
        return (rules, reader.diagnostics)
    }
}
