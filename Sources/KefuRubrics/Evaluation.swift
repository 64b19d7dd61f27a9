/// Agreement between a rubric's automatic verdicts and human labels, per item and per category (pure).
///
/// The *positive* class is what the rule is for: for a required, accuracy or timing item, the
/// behaviour was found (`pass`); for a forbidden item, the forbidden behaviour was found (`fail`).
/// Precision = TP / (TP + FP), recall = TP / (TP + FN); a full 3 × 3 confusion matrix (human ×
/// automatic over pass / fail / n/a) is kept as well, so disagreements that the binary view hides
/// (e.g. `n/a` where a person expected an apology) are visible.
public struct Evaluation: Sendable, Hashable, Codable {
    /// One labelled verdict pair.
    public struct Pair: Sendable, Hashable {
        /// Item id.
        public var item: String
        /// Item category.
        public var category: String
        /// Item kind.
        public var kind: ItemKind
        /// The person's verdict.
        public var human: Verdict
        /// The rubric's verdict.
        public var automatic: Verdict

        /// Creates a pair.
        public init(item: String, category: String, kind: ItemKind, human: Verdict, automatic: Verdict) {
            self.item = item
            self.category = category
            self.kind = kind
            self.human = human
            self.automatic = automatic
        }
    }

    /// Counts and rates for one item or category.
    public struct Metrics: Sendable, Hashable, Codable {
        /// Item id or category name.
        public var name: String
        /// `required`, `forbidden`, … (for a category: the kind of its items, or `mixed`).
        public var kind: String
        /// Pairs counted.
        public var total: Int
        /// True positives: both found the behaviour.
        public var truePositives: Int
        /// False positives: the rubric found it, the person did not.
        public var falsePositives: Int
        /// False negatives: the person found it, the rubric did not.
        public var falseNegatives: Int
        /// True negatives.
        public var trueNegatives: Int
        /// Pairs whose verdicts are identical (pass/fail/n/a), over ``total``.
        public var agreements: Int
        /// `confusion[human][automatic]` over `pass`, `fail`, `na`, `error`.
        public var confusion: [String: [String: Int]]

        /// TP / (TP + FP); nil when the rubric never reported the behaviour.
        public var precision: Double? {
            truePositives + falsePositives == 0 ? nil : Double(truePositives) / Double(truePositives + falsePositives)
        }
        /// TP / (TP + FN); nil when the person never reported the behaviour.
        public var recall: Double? {
            truePositives + falseNegatives == 0 ? nil : Double(truePositives) / Double(truePositives + falseNegatives)
        }
        /// Harmonic mean of precision and recall; nil when either is.
        public var f1: Double? {
            guard let p = precision, let r = recall, p + r > 0 else { return nil }
            return 2 * p * r / (p + r)
        }
        /// Exact agreement rate.
        public var agreement: Double { total == 0 ? 0 : Double(agreements) / Double(total) }
    }

    /// Per item, in rubric order.
    public var items: [Metrics]
    /// Per category, sorted by name.
    public var categories: [Metrics]
    /// Required-like items (required, accuracy, timing) together.
    public var required: Metrics
    /// Forbidden items together.
    public var forbidden: Metrics

    /// The positive verdict of an item kind: what the rule exists to find.
    public static func positive(_ kind: ItemKind) -> Verdict { kind == .forbidden ? .fail : .pass }

    /// Evaluates `pairs`; `itemOrder` gives the order of ``items``.
    public init(pairs: [Pair], itemOrder: [String]) {
        var byItem: [String: [Pair]] = [:]
        var byCategory: [String: [Pair]] = [:]
        for pair in pairs {
            byItem[pair.item, default: []].append(pair)
            byCategory[pair.category, default: []].append(pair)
        }
        items = itemOrder.compactMap { id in byItem[id].map { Self.metrics(id, $0) } }
        categories = byCategory.keys.sorted().map { Self.metrics($0, byCategory[$0] ?? []) }
        required = Self.metrics("required", pairs.filter { $0.kind != .forbidden })
        forbidden = Self.metrics("forbidden", pairs.filter { $0.kind == .forbidden })
    }

    static func metrics(_ name: String, _ pairs: [Pair]) -> Metrics {
        var m = Metrics(
            name: name, kind: kindName(pairs), total: pairs.count, truePositives: 0, falsePositives: 0,
            falseNegatives: 0,
            trueNegatives: 0, agreements: 0, confusion: [:])
        for pair in pairs {
            let positive = positive(pair.kind)
            let human = pair.human == positive
            let automatic = pair.automatic == positive
            switch (human, automatic) {
            case (true, true): m.truePositives += 1
            case (false, true): m.falsePositives += 1
            case (true, false): m.falseNegatives += 1
            case (false, false): m.trueNegatives += 1
            }
            if pair.human == pair.automatic { m.agreements += 1 }
            m.confusion[pair.human.rawValue, default: [:]][pair.automatic.rawValue, default: 0] += 1
        }
        return m
    }

    static func kindName(_ pairs: [Pair]) -> String {
        let kinds = Set(pairs.map(\.kind))
        if kinds.count == 1, let only = kinds.first { return only.rawValue }
        if kinds.isEmpty { return "" }
        return kinds.contains(.forbidden) ? "mixed" : "required"
    }
}
