/// Inter-rater agreement for nominal ratings (item verdicts: pass, fail, n/a). Pure functions.
///
/// - Cohen's kappa: two raters who rated the same units.
/// - Fleiss' kappa: a fixed number of raters per unit (every unit rated by the same number of people).
/// - Krippendorff's alpha (nominal): any number of raters, missing ratings allowed.
///
/// Each returns nil when the statistic is undefined (no units, or no variation to speak of: expected
/// disagreement zero), rather than dividing by zero.
public enum Agreement {
    /// Share of units on which both raters gave the same rating.
    public static func percentAgreement<L: Hashable>(_ a: [L], _ b: [L]) -> Double? {
        precondition(a.count == b.count, "both raters must rate the same units")
        guard !a.isEmpty else { return nil }
        return Double(zip(a, b).filter { $0 == $1 }.count) / Double(a.count)
    }

    /// Cohen's kappa for two raters: (pₒ − pₑ) / (1 − pₑ), pₑ from each rater's own marginals.
    public static func cohenKappa<L: Hashable>(_ a: [L], _ b: [L]) -> Double? {
        precondition(a.count == b.count, "both raters must rate the same units")
        guard let observed = percentAgreement(a, b) else { return nil }
        let n = Double(a.count)
        var countA: [L: Int] = [:]
        var countB: [L: Int] = [:]
        for x in a { countA[x, default: 0] += 1 }
        for x in b { countB[x, default: 0] += 1 }
        var expected = 0.0
        for (label, ca) in countA { expected += Double(ca) / n * Double(countB[label] ?? 0) / n }
        guard expected < 1 else { return nil }
        return (observed - expected) / (1 - expected)
    }

    /// Fleiss' kappa from a subjects × categories table of counts; every row must sum to the same
    /// number of raters (at least 2).
    public static func fleissKappa(_ table: [[Int]]) -> Double? {
        guard let first = table.first else { return nil }
        let raters = first.reduce(0, +)
        guard raters >= 2, table.allSatisfy({ $0.reduce(0, +) == raters && $0.count == first.count }) else {
            return nil
        }
        let subjects = Double(table.count)
        let n = Double(raters)
        var categoryTotals = [Double](repeating: 0, count: first.count)
        var meanP = 0.0
        for row in table {
            var agreeing = 0.0
            for (j, c) in row.enumerated() {
                categoryTotals[j] += Double(c)
                agreeing += Double(c * (c - 1))
            }
            meanP += agreeing / (n * (n - 1))
        }
        meanP /= subjects
        let expected = categoryTotals.reduce(0) { $0 + ($1 / (subjects * n)) * ($1 / (subjects * n)) }
        guard expected < 1 else { return nil }
        return (meanP - expected) / (1 - expected)
    }

    /// Krippendorff's alpha for nominal data: `units[u][r]` is rater r's rating of unit u, nil when
    /// missing. Units with fewer than two ratings are not pairable and are left out.
    /// α = 1 − (n − 1) · Σ o_disagree / Σ_{c≠k} n_c n_k, from the coincidence matrix.
    public static func krippendorffAlpha<L: Hashable>(_ units: [[L?]]) -> Double? {
        var coincidence: [L: [L: Double]] = [:]
        for unit in units {
            let values = unit.compactMap { $0 }
            let m = Double(values.count)
            guard m >= 2 else { continue }
            for i in values.indices {
                for j in values.indices where i != j {
                    coincidence[values[i], default: [:]][values[j], default: 0] += 1 / (m - 1)
                }
            }
        }
        var marginals: [L: Double] = [:]
        var total = 0.0
        var observedDisagreement = 0.0
        for (c, row) in coincidence {
            for (k, v) in row {
                marginals[c, default: 0] += v
                total += v
                if c != k { observedDisagreement += v }
            }
        }
        guard total > 1 else { return nil }
        var expectedDisagreement = 0.0
        for (c, nc) in marginals {
            for (k, nk) in marginals where c != k { expectedDisagreement += nc * nk }
        }
        guard expectedDisagreement > 0 else { return nil }
        return 1 - (total - 1) * observedDisagreement / expectedDisagreement
    }

    /// The majority rating among `ratings`, or nil on a tie (no consensus).
    public static func consensus<L: Hashable>(_ ratings: [L]) -> L? {
        var counts: [L: Int] = [:]
        for r in ratings { counts[r, default: 0] += 1 }
        guard let best = counts.values.max() else { return nil }
        let leaders = counts.filter { $0.value == best }
        return leaders.count == 1 ? leaders.first!.key : nil
    }
}
