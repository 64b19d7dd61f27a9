public import KefuCore

/// The policy-digest clause ids that content may cite in `source:` (from `Policies/clauses.yaml`).
public struct ClauseCatalog: Sendable {
    /// One clause.
    public struct Clause: Sendable, Hashable, Codable {
        /// Clause id, e.g. `CH-WECHAT-60S`.
        public var id: String
        /// The digest section, e.g. `2. Channels and response standards`.
        public var section: String
        /// Source documents (seed file names).
        public var sources: [String]
        /// Short English summary.
        public var summary: String
    }

    /// Clauses in digest order.
    public var clauses: [Clause]

    /// Creates a catalog.
    public init(clauses: [Clause]) { self.clauses = clauses }

    /// True when `id` is a known clause.
    public func contains(_ id: String) -> Bool { clauses.contains { $0.id == id } }

    /// Parses `Policies/clauses.yaml`.
    public static func parse(file: String, text: String) -> (ClauseCatalog?, [Diagnostic]) {
        var reader = YAMLReader(file: file, text: text)
        guard let root = reader.root(),
            let top = reader.mapping(root, what: "the clause catalog", required: ["clauses"], optional: ["digest"]),
            let list = reader.sequence(top["clauses"], "clauses")
        else { return (nil, reader.diagnostics) }
        var clauses: [Clause] = []
        var seen = Set<String>()
        for node in list {
            guard
                let entry = reader.mapping(
                    node, what: "a clause", required: ["id", "section", "sources", "summary"], optional: []),
                let id = reader.string(entry["id"], "id"),
                let section = reader.string(entry["section"], "section"),
                let sources = reader.strings(entry["sources"], "sources"),
                let summary = reader.string(entry["summary"], "summary")
            else { continue }
            if !seen.insert(id).inserted { reader.error(entry["id"], "duplicate clause id `\(id)`") }
            clauses.append(Clause(id: id, section: section, sources: sources, summary: summary))
        }
        return (ClauseCatalog(clauses: clauses), reader.diagnostics)
    }
}
