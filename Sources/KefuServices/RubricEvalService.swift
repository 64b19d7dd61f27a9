import Foundation
import KefuContent
public import KefuCore
import KefuRegex
import KefuRubrics

/// Measures a rubric against human labels: per item and per category precision, recall, F1 and
/// confusion counts, and the interactions where the rubric and the person disagree.
///
/// The label file is JSON Lines, one labelled interaction per line (format in `Rubrics/README.md`):
/// `{"id", "split": "dev"|"test", "labeller", "note"?, "interaction": {…}, "labels": {"item": "pass"|"fail"|"n/a"}}`.
public struct RubricEvalService: Sendable {
    /// Where content and configuration come from.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// Which half of a labelled set to count.
    public enum Split: String, Sendable, Hashable, Codable, CaseIterable {
        /// The development half: rules may be tuned on it.
        case dev
        /// The test half: only reported on.
        case test
        /// Both halves.
        case all
    }

    /// Rates of one item or category, as shown.
    public struct Rates: Sendable, Hashable, Codable {
        /// Item id or category.
        public var name: String
        /// `required`, `forbidden`, `mixed`, …
        public var kind: String
        /// Verdict pairs counted.
        public var total: Int
        /// Both found the behaviour.
        public var truePositives: Int
        /// The rubric found it, the person did not.
        public var falsePositives: Int
        /// The person found it, the rubric did not.
        public var falseNegatives: Int
        /// Neither found it.
        public var trueNegatives: Int
        /// Precision; nil when the rubric never reported the behaviour.
        public var precision: Figure?
        /// Recall; nil when the person never reported the behaviour.
        public var recall: Figure?
        /// F1; nil when precision or recall is.
        public var f1: Figure?
        /// Exact agreement (pass/fail/n/a identical).
        public var agreement: Figure
        /// `confusion[human][automatic]`.
        public var confusion: [String: [String: Int]]

        init(_ m: Evaluation.Metrics) {
            name = m.name
            kind = m.kind
            total = m.total
            truePositives = m.truePositives
            falsePositives = m.falsePositives
            falseNegatives = m.falseNegatives
            trueNegatives = m.trueNegatives
            precision = m.precision.map { Figure($0) }
            recall = m.recall.map { Figure($0) }
            f1 = m.f1.map { Figure($0) }
            agreement = Figure(m.agreement)
            confusion = m.confusion
        }
    }

    /// One interaction where the rubric and the person disagree on one item.
    public struct Disagreement: Sendable, Hashable, Codable {
        /// The labelled interaction's id.
        public var interaction: String
        /// The item.
        public var item: String
        /// The person's verdict.
        public var human: String
        /// The rubric's verdict.
        public var automatic: String
        /// The rubric's explanation.
        public var message: String
        /// Evidence the rubric found, as `turn N: text`.
        public var evidence: [String]
        /// The labeller's note, when given.
        public var note: String?
    }

    /// The evaluation of one rubric on one labelled set.
    public struct Report: Sendable, Hashable, Codable {
        /// Rubric id.
        public var rubric: String
        /// Rubric version (SHA-256 of its file).
        public var rubricVersion: String
        /// The label file.
        public var labels: String
        /// The half counted.
        public var split: Split
        /// Labelled interactions counted.
        public var interactions: Int
        /// Labellers seen.
        public var labellers: [String]
        /// Per item, in rubric order.
        public var items: [Rates]
        /// Per category.
        public var categories: [Rates]
        /// Required items together.
        public var required: Rates
        /// Forbidden items together.
        public var forbidden: Rates
        /// Every disagreement, in file order.
        public var disagreements: [Disagreement]
        /// Categories (and the two totals) below the thresholds asked for, as `name precision|recall value < min`.
        public var belowThresholds: [String]
    }

    /// Evaluates `rubric` against the labels in `labels`, counting `split`. Thresholds apply to each
    /// category and to the required and forbidden totals; a figure that cannot be computed (no
    /// positives) is not held against them.
    public func evaluate(
        rubric reference: RubricID, labels: InputSource, split: Split, minPrecision: Double? = nil,
        minRecall: Double? = nil
    )
        throws -> Report
    {
        let rubric = try loadRubric(reference)
        let lines = try Self.parse(labels, items: rubric.items.map(\.id))
        return Self.report(
            rubric, lines: lines, labels: labels.label, split: split, minPrecision: minPrecision, minRecall: minRecall)
    }

    /// Evaluates `rubric` against the human verdicts of QA reviews of sample `sample` (the latest ordinary review of
    /// each reviewed interaction; items a review does not cover are not counted), with the current rubric version.
    public func evaluate(
        rubric reference: RubricID, reviewsOf sample: SampleID, minPrecision: Double? = nil, minRecall: Double? = nil
    ) async throws -> Report {
        let rubric = try loadRubric(reference)
        let reviewed = try await translatingStorageErrors {
            try await environment.storage.qa.reviewedItems(sample: sample, rubric: reference)
        }
        guard !reviewed.isEmpty else {
            throw ServiceError(
                .precondition, "no interaction of sample `\(sample)` has been reviewed with rubric \(reference) yet",
                hint: .init("qa.score", ["rubric": reference.rawValue, "sample": sample.rawValue]))
        }
        let lines = reviewed.map { r in
            Line(
                id: r.interaction.id, split: .all, labeller: r.reviewer.rawValue, note: "review \(r.review)",
                interaction: r.interaction,
                labels: r.verdicts.compactMapValues { text in
                    switch text {
                    case "pass": return Verdict.pass
                    case "fail": return Verdict.fail
                    case "na", "n/a": return Verdict.na
                    default: return nil
                    }
                })
        }
        return Self.report(
            rubric, lines: lines, labels: "reviews of sample \(sample)", split: .all, minPrecision: minPrecision,
            minRecall: minRecall)
    }

    func loadRubric(_ reference: RubricID) throws -> Rubric {
        do { return try environment.content.rubric(reference.rawValue).rubric } catch {
            throw ServiceError(.invalidInput, error.description, hint: .init("lint", ["path": "Rubrics"]))
        }
    }

    /// Scores every line counted by `split` and compares with its labels.
    static func report(
        _ rubric: Rubric, lines: [Line], labels: String, split: Split, minPrecision: Double?, minRecall: Double?
    ) -> Report {
        let scorer = Scorer(rubric: rubric)
        let scratch = MatchScratch()
        let kinds = Dictionary(rubric.items.map { ($0.id, ($0.kind, $0.category)) }, uniquingKeysWith: { a, _ in a })
        var pairs: [Evaluation.Pair] = []
        var disagreements: [Disagreement] = []
        var labellers = Set<String>()
        var counted = 0
        for line in lines where split == .all || line.split == split {
            counted += 1
            labellers.insert(line.labeller)
            let result = scorer.score(line.interaction, scratch: scratch)
            for item in result.items {
                guard let human = line.labels[item.id], let (kind, category) = kinds[item.id] else { continue }
                pairs.append(
                    .init(item: item.id, category: category, kind: kind, human: human, automatic: item.verdict))
                if human != item.verdict {
                    disagreements.append(
                        Disagreement(
                            interaction: line.id, item: item.id, human: Self.label(human),
                            automatic: Self.label(item.verdict),
                            message: item.message, evidence: item.evidence.map { "turn \($0.turn): \($0.text)" },
                            note: line.note))
                }
            }
        }
        let evaluation = Evaluation(pairs: pairs, itemOrder: rubric.items.map(\.id))
        var report = Report(
            rubric: rubric.id, rubricVersion: rubric.sourceHash, labels: labels, split: split,
            interactions: counted,
            labellers: labellers.sorted(), items: evaluation.items.map(Rates.init),
            categories: evaluation.categories.map(Rates.init),
            required: Rates(evaluation.required), forbidden: Rates(evaluation.forbidden), disagreements: disagreements,
            belowThresholds: [])
        for rates in report.categories + [report.required, report.forbidden] {
            if let min = minPrecision, let p = rates.precision, p.value < min {
                report.belowThresholds.append("\(rates.name) precision \(p) < \(Figure(min))")
            }
            if let min = minRecall, let r = rates.recall, r.value < min {
                report.belowThresholds.append("\(rates.name) recall \(r) < \(Figure(min))")
            }
        }
        return report
    }

    /// `pass`, `fail`, `n/a`, `error`.
    static func label(_ verdict: Verdict) -> String { verdict == .na ? "n/a" : verdict.rawValue }

    struct Line {
        var id: String
        var split: Split
        var labeller: String
        var note: String?
        var interaction: Interaction
        var labels: [String: Verdict]
    }

    private struct RawLine: Decodable {
        var id: String
        var split: Split
        var labeller: String
        var note: String?
        var interaction: Interaction
        var labels: [String: String]
    }

    /// Reads the label file: every line must parse, label every item of the rubric and nothing else.
    /// The first problems are reported as `label:line:col: message`.
    static func parse(_ source: InputSource, items: [String]) throws -> [Line] {
        let reader = try source.lines()
        let known = Set(items)
        var lines: [Line] = []
        var problems: [String] = []
        var seen = Set<String>()
        while let bytes = reader.next() {
            let number = reader.lineNumber
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let raw: RawLine
            do { raw = try JSONDecoder().decode(RawLine.self, from: Data(bytes)) } catch {
                problems.append("\(source.label):\(number):1: not a labelled interaction: \(Self.describe(error))")
                continue
            }
            var labels: [String: Verdict] = [:]
            for (item, value) in raw.labels {
                guard known.contains(item) else {
                    problems.append(
                        "\(source.label):\(number):1: `\(item)` is not an item of this rubric (items: \(items.joined(separator: ", ")))"
                    )
                    continue
                }
                switch value {
                case "pass": labels[item] = .pass
                case "fail": labels[item] = .fail
                case "n/a", "na": labels[item] = .na
                default:
                    problems.append("\(source.label):\(number):1: label `\(value)` of \(item) is not pass, fail or n/a")
                }
            }
            let missing = items.filter { raw.labels[$0] == nil }
            if !missing.isEmpty {
                problems.append(
                    "\(source.label):\(number):1: \(raw.id) has no label for \(missing.joined(separator: ", "))")
            }
            if !seen.insert(raw.id).inserted {
                problems.append("\(source.label):\(number):1: the id \(raw.id) is used twice")
            }
            lines.append(
                Line(
                    id: raw.id, split: raw.split, labeller: raw.labeller, note: raw.note, interaction: raw.interaction,
                    labels: labels))
        }
        if !problems.isEmpty {
            let shown = problems.prefix(20).joined(separator: "\n")
            let more = problems.count > 20 ? "\n… and \(problems.count - 20) more problems" : ""
            throw ServiceError(.invalidInput, shown + more)
        }
        if lines.isEmpty { throw ServiceError(.invalidInput, "\(source.label): no labelled interactions") }
        return lines
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing `\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))`"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at `\(context.codingPath.map(\.stringValue).joined(separator: "."))`"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "malformed JSON" : "bad value at `\(context.codingPath.map(\.stringValue).joined(separator: "."))`"
        default:
            return "malformed JSON"
        }
    }
}
