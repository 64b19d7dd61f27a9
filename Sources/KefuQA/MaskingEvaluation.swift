public import KefuRegex

/// Precision and recall of a ``Masker`` on a labelled set of texts: each case lists the personal-data
/// spans it holds (by kind and text); look-alikes (tracking and order numbers, amounts, dates, hotlines,
/// invalid check digits) list none.
public enum MaskingEvaluation {
    /// One labelled text.
    public struct Case: Sendable, Hashable {
        /// The text.
        public var text: String
        /// The personal data in it: kind and the exact text of the span (located by its first occurrence).
        public var spans: [(kind: PersonalDataKind, text: String)]

        /// Creates a case.
        public init(text: String, spans: [(kind: PersonalDataKind, text: String)]) {
            self.text = text
            self.spans = spans
        }

        public static func == (a: Case, b: Case) -> Bool {
            a.text == b.text && a.spans.map(\.kind) == b.spans.map(\.kind) && a.spans.map(\.text) == b.spans.map(\.text)
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(text) }
    }

    /// Counts and rates for one kind (or all kinds together).
    public struct Score: Sendable, Hashable, Codable {
        /// The kind, or `all`.
        public var kind: String
        /// Labelled spans covered by a finding of their kind.
        public var found = 0
        /// Labelled spans missed (no finding of their kind covers them).
        public var missed = 0
        /// Findings that overlap a labelled span of their kind.
        public var correct = 0
        /// Findings that overlap none (over-masking).
        public var spurious = 0

        /// Correct findings over all findings (1 when there are none).
        public var precision: Double { correct + spurious == 0 ? 1 : Double(correct) / Double(correct + spurious) }
        /// Found spans over all labelled spans (1 when there are none).
        public var recall: Double { found + missed == 0 ? 1 : Double(found) / Double(found + missed) }
    }

    /// A case the masker got wrong, for the report (index into the cases, 0-based).
    public struct Miss: Sendable, Hashable, Codable {
        /// Index of the case.
        public var index: Int
        /// `missed resident-id` or `spurious bank-card`.
        public var problem: String
    }

    /// The outcome: per kind (in ``PersonalDataKind`` order, kinds absent from the set and the masker
    /// left out), overall, and the cases that went wrong.
    public struct Report: Sendable, Hashable, Codable {
        /// Per kind.
        public var kinds: [Score]
        /// All kinds together.
        public var overall: Score
        /// Cases with a missed span or a spurious finding.
        public var misses: [Miss]
    }

    /// Runs `masker` over `cases`. Throws when matching hits a PCRE2 limit.
    public static func evaluate(_ cases: [Case], masker: Masker) throws(RegexError) -> Report {
        var scores: [PersonalDataKind: Score] = [:]
        var misses: [Miss] = []
        let scratch = MatchScratch()
        for (index, item) in cases.enumerated() {
            let findings = try masker.findings(in: item.text, scratch: scratch)
            let gold = item.spans.compactMap { span in byteRange(of: span.text, in: item.text).map { (span.kind, $0) } }
            for (kind, range) in gold {
                let covered = findings.contains {
                    $0.kind == kind && $0.range.lowerBound <= range.lowerBound
                        && $0.range.upperBound >= range.upperBound
                }
                scores[kind, default: Score(kind: kind.rawValue)].found += covered ? 1 : 0
                scores[kind, default: Score(kind: kind.rawValue)].missed += covered ? 0 : 1
                if !covered { misses.append(Miss(index: index, problem: "missed \(kind.rawValue)")) }
            }
            for finding in findings {
                let right = gold.contains { $0.0 == finding.kind && $0.1.overlaps(finding.range) }
                scores[finding.kind, default: Score(kind: finding.kind.rawValue)].correct += right ? 1 : 0
                scores[finding.kind, default: Score(kind: finding.kind.rawValue)].spurious += right ? 0 : 1
                if !right { misses.append(Miss(index: index, problem: "spurious \(finding.kind.rawValue)")) }
            }
        }
        let kinds = PersonalDataKind.allCases.compactMap { scores[$0] }
        var overall = Score(kind: "all")
        for s in kinds {
            overall.found += s.found
            overall.missed += s.missed
            overall.correct += s.correct
            overall.spurious += s.spurious
        }
        return Report(kinds: kinds, overall: overall, misses: misses)
    }

    /// The UTF-8 byte range of the first occurrence of `needle` in `text`.
    static func byteRange(of needle: String, in text: String) -> Range<Int>? {
        let hay = Array(text.utf8)
        let pin = Array(needle.utf8)
        guard !pin.isEmpty, pin.count <= hay.count else { return nil }
        for i in 0...(hay.count - pin.count) where hay[i..<i + pin.count].elementsEqual(pin) {
            return i..<i + pin.count
        }
        return nil
    }
}
