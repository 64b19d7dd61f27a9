import Foundation
public import KefuContent
import KefuCore
import KefuExams
import KefuRubrics
import KefuScenarios
import KefuTracks

/// `kefu coverage`: which policy clauses content cites, and which nothing cites yet.
public struct CoverageService: Sendable {
    /// The content.
    public let repository: ContentRepository

    /// Creates the service over the environment's content.
    public init(environment: KefuEnvironment) { self.repository = environment.content }

    /// Coverage of one clause.
    public struct ClauseCoverage: Sendable, Codable, Equatable {
        /// Clause id.
        public var clause: String
        /// Digest section.
        public var section: String
        /// Rubric rules citing it, as `rubric-id/item-id`.
        public var rubricRules: [String]
        /// Questions citing it, as `bank/question-id` (language versions count once).
        public var questions: [String]
        /// Scenarios citing it, by id (language versions count once).
        public var scenarios: [String]
        /// Certifications citing it.
        public var certifications: [String]
        /// True when anything cites it.
        public var isCovered: Bool {
            !(rubricRules.isEmpty && questions.isEmpty && scenarios.isEmpty && certifications.isEmpty)
        }
    }

    /// The coverage report.
    public struct Report: Sendable, Codable, Equatable {
        /// Per clause, in digest order.
        public var clauses: [ClauseCoverage]
        /// Clause ids cited by content but missing from the catalog.
        public var unknownCitations: [String]
        /// Number of clauses cited by something.
        public var covered: Int { clauses.filter(\.isCovered).count }
    }

    /// Builds the report; an error when the clause catalog cannot be loaded.
    public func report() async throws -> Report {
        let (catalog, catalogDiagnostics) = repository.clauseCatalog()
        guard let catalog else {
            throw ServiceError(
                .invalidInput,
                "the policy clause catalog cannot be loaded:\n" + ContentError(catalogDiagnostics).description,
                hint: .init("lint", ["path": ContentRepository.clauseCatalogPath]))
        }
        let (rubrics, _) = repository.rubrics(clauses: catalog)
        var citations: [String: [String]] = [:]
        for loaded in rubrics {
            for item in loaded.rubric.items {
                for source in item.sources { citations[source, default: []].append("\(loaded.rubric.id)/\(item.id)") }
            }
        }
        var questionCitations: [String: Set<String>] = [:]
        for loaded in repository.banks(clauses: catalog).0 {
            for question in loaded.bank.questions {
                for source in question.sources {
                    questionCitations[source, default: []].insert("\(loaded.bank.id)/\(question.id)")
                }
            }
        }
        var scenarioCitations: [String: Set<String>] = [:]
        for loaded in repository.scenarios().0 {
            for source in loaded.scenario.sources { scenarioCitations[source, default: []].insert(loaded.scenario.id) }
        }
        var certificationCitations: [String: [String]] = [:]
        for rule in (try? repository.certificationRules()) ?? [] {
            for source in rule.sources { certificationCitations[source, default: []].append(rule.id) }
        }
        let known = Set(catalog.clauses.map(\.id))
        return Report(
            clauses: catalog.clauses.map {
                ClauseCoverage(
                    clause: $0.id, section: $0.section, rubricRules: citations[$0.id] ?? [],
                    questions: (questionCitations[$0.id] ?? []).sorted(),
                    scenarios: (scenarioCitations[$0.id] ?? []).sorted(),
                    certifications: certificationCitations[$0.id] ?? [])
            },
            unknownCitations: Set(citations.keys).union(certificationCitations.keys).union(questionCitations.keys)
                .union(scenarioCitations.keys)
                .filter { !known.contains($0) }.sorted())
    }

    /// Text rendering.
    public static func text(_ report: Report) -> String {
        var out = "Policy coverage: \(report.covered) of \(report.clauses.count) clauses cited\n"
        for clause in report.clauses {
            let mark = clause.isCovered ? "✓" : "✗"
            let count =
                clause.rubricRules.count + clause.questions.count + clause.scenarios.count + clause.certifications.count
            out +=
                "  \(mark) \(clause.clause.padding(toLength: 22, withPad: " ", startingAt: 0)) \(String(count).leftPad(3)) citation\(count == 1 ? " " : "s")"
            if !clause.rubricRules.isEmpty {
                let shown = clause.rubricRules.prefix(4).joined(separator: ", ")
                out += "  rubrics: \(shown)\(clause.rubricRules.count > 4 ? ", …" : "")"
            }
            if !clause.questions.isEmpty { out += "  questions: \(clause.questions.count)" }
            if !clause.scenarios.isEmpty { out += "  scenarios: \(clause.scenarios.joined(separator: ", "))" }
            if !clause.certifications.isEmpty {
                out += "  certifications: \(clause.certifications.joined(separator: ", "))"
            }
            out += "\n"
        }
        let uncovered = report.clauses.filter { !$0.isCovered }.map(\.clause)
        out +=
            uncovered.isEmpty
            ? "Every clause is cited.\n" : "Not cited by anything: \(uncovered.joined(separator: ", "))\n"
        if !report.unknownCitations.isEmpty {
            out += "Cited but not in Policies/clauses.yaml: \(report.unknownCitations.joined(separator: ", "))\n"
        }
        return out
    }
}

extension String {
    fileprivate func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
