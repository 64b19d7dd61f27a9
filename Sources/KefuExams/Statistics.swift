import Foundation

/// Item analysis as Moodle's quiz statistics report computes it (classical test theory over first attempts).
///
/// For an item with marks `x` (out of `max`) and the rest of the test `X = T − x` per attempt:
/// - facility index `F = 100 · mean(x) / max`; standard deviation `SD = 100 · sd(x) / max` (sample, n − 1);
/// - discrimination index `D = 100 · r(x, X)` (item–rest correlation);
/// - discriminative efficiency `DE = 100 · cov(x, X) / covmax(x, X)`, where `covmax` pairs the sorted `x` with the
///   sorted `X`: the largest covariance those marks allow.
///
/// For the test, over its `P` slots: coefficient of internal consistency (Cronbach's α)
/// `CIC = 100 · P/(P−1) · (1 − Σ V(slot) / V(T))`, error ratio `ER = 100 · sqrt(1 − CIC/100)` and standard error
/// `SE = ER/100 · SD(T)`.
public enum ItemAnalysis {
    /// One attempt's marks: per item key and slot.
    public struct Attempt: Sendable {
        /// Per item: `bank/id`, slot, marks awarded, marks available.
        public var items: [(key: String, slot: Int, mark: Double, maximum: Double)]

        /// Creates an attempt.
        public init(items: [(key: String, slot: Int, mark: Double, maximum: Double)]) { self.items = items }

        /// Total marks.
        public var total: Double { items.map(\.mark).reduce(0, +) }
        /// Total available.
        public var maximum: Double { items.map(\.maximum).reduce(0, +) }

    }

    /// Why an item is worth a look.
    public enum Flag: String, Sendable, Hashable, Codable {
        /// Stronger candidates do worse on it than weaker ones: check the key.
        case negativeDiscrimination = "negative-discrimination"
        /// Almost everyone gets it right (facility above 95).
        case tooEasy = "too-easy"
        /// Almost nobody gets it right (facility below 5).
        case tooHard = "too-hard"
        /// Discriminative efficiency below 15 (Moodle's "likely to need review").
        case lowEfficiency = "low-efficiency"
    }

    /// Statistics of one item.
    public struct Item: Sendable, Hashable, Codable {
        /// `bank/id`.
        public var key: String
        /// Attempts that included it.
        public var count: Int
        /// Facility index (percent).
        public var facility: Double
        /// Standard deviation (percent of the item's marks); nil with fewer than two attempts.
        public var standardDeviation: Double?
        /// Discrimination index; nil when a variance is zero.
        public var discrimination: Double?
        /// Discriminative efficiency; nil when undefined.
        public var efficiency: Double?
        /// Review flags.
        public var flags: [Flag]
    }

    /// Statistics of the whole test.
    public struct Report: Sendable, Hashable, Codable {
        /// Attempts analysed.
        public var attempts: Int
        /// Mean score (percent).
        public var mean: Double
        /// Median score (percent).
        public var median: Double
        /// Standard deviation of scores (percent).
        public var standardDeviation: Double?
        /// Slots in the test (for CIC).
        public var slots: Int
        /// Coefficient of internal consistency (Cronbach's α, percent); nil when undefined.
        public var internalConsistency: Double?
        /// Error ratio (percent).
        public var errorRatio: Double?
        /// Standard error (percent of the maximum, like the SD).
        public var standardError: Double?
        /// Per item, sorted by key.
        public var items: [Item]
    }

    /// Analyses `attempts` (first attempts, one per person).
    public static func analyse(_ attempts: [Attempt]) -> Report {
        let percents = attempts.map { $0.maximum > 0 ? $0.total / $0.maximum * 100 : 0 }
        var byKey: [String: [(mark: Double, rest: Double, maximum: Double)]] = [:]
        for attempt in attempts {
            let total = attempt.total
            for item in attempt.items {
                byKey[item.key, default: []].append((item.mark, total - item.mark, item.maximum))
            }
        }
        var items: [Item] = []
        for (key, rows) in byKey {
            let maximum = rows.map(\.maximum).max() ?? 0
            let marks = rows.map(\.mark)
            let rests = rows.map(\.rest)
            let facility = maximum > 0 ? mean(marks) / maximum * 100 : 0
            let sd = rows.count > 1 && maximum > 0 ? variance(marks).squareRoot() / maximum * 100 : nil
            var discrimination: Double?
            var efficiency: Double?
            if rows.count > 1 {
                let vx = variance(marks)
                let vr = variance(rests)
                let c = covariance(marks, rests)
                if vx > 0, vr > 0 { discrimination = 100 * c / (vx * vr).squareRoot() }
                let cmax = covariance(marks.sorted(), rests.sorted())
                if cmax > 0 { efficiency = 100 * c / cmax }
            }
            var flags: [Flag] = []
            if let d = discrimination, d < 0 { flags.append(.negativeDiscrimination) }
            if rows.count > 1, facility > 95 { flags.append(.tooEasy) }
            if rows.count > 1, facility < 5 { flags.append(.tooHard) }
            if let e = efficiency, e < 15 { flags.append(.lowEfficiency) }
            items.append(
                Item(
                    key: key, count: rows.count, facility: facility, standardDeviation: sd,
                    discrimination: discrimination,
                    efficiency: efficiency, flags: flags))
        }
        items.sort { $0.key < $1.key }
        // Test level, over slots (a random draw puts different questions in a slot; Moodle does the same).
        let slotCount = attempts.map { Set($0.items.map(\.slot)).count }.max() ?? 0
        let complete = attempts.filter { Set($0.items.map(\.slot)).count == slotCount }
        var cic: Double?
        var errorRatio: Double?
        var standardError: Double?
        let sdPercent = percents.count > 1 ? variance(percents).squareRoot() : nil
        if complete.count > 1, slotCount > 1 {
            let totals = complete.map(\.total)
            let totalVariance = variance(totals)
            let slotVariances = (Set(complete.flatMap { $0.items.map(\.slot) })).map { slot in
                variance(complete.map { attempt in attempt.items.filter { $0.slot == slot }.map(\.mark).reduce(0, +) })
            }
            if totalVariance > 0 {
                let p = Double(slotCount)
                let value = 100 * p / (p - 1) * (1 - slotVariances.reduce(0, +) / totalVariance)
                cic = value
                if value <= 100, value >= 0 {
                    errorRatio = 100 * (1 - value / 100).squareRoot()
                    standardError = sdPercent.map { $0 * errorRatio! / 100 }
                }
            }
        }
        return Report(
            attempts: attempts.count, mean: percents.isEmpty ? 0 : mean(percents), median: median(percents),
            standardDeviation: sdPercent, slots: slotCount, internalConsistency: cic, errorRatio: errorRatio,
            standardError: standardError, items: items)
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    /// Sample variance (n − 1).
    static func variance(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let m = mean(values)
        return values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)
    }

    /// Sample covariance (n − 1).
    static func covariance(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count > 1, a.count == b.count else { return 0 }
        let ma = mean(a)
        let mb = mean(b)
        return zip(a, b).map { ($0 - ma) * ($1 - mb) }.reduce(0, +) / Double(a.count - 1)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
