import KefuQA
import Testing

/// Agreement statistics against published, hand-checkable values.
@Suite("Agreement statistics")
struct AgreementTests {
    func close(_ value: Double?, _ expected: Double, _ tolerance: Double = 0.0005) -> Bool {
        guard let value else { return false }
        return abs(value - expected) < tolerance
    }

    @Test("Cohen's kappa: 50 units, 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → pₒ 0.70, pₑ 0.50, κ 0.40")
    func cohen() {
        let a = Array(repeating: "yes", count: 25) + Array(repeating: "no", count: 25)
        let b =
            Array(repeating: "yes", count: 20) + Array(repeating: "no", count: 5)
            + Array(repeating: "yes", count: 10) + Array(repeating: "no", count: 15)
        #expect(close(Agreement.percentAgreement(a, b), 0.70))
        #expect(close(Agreement.cohenKappa(a, b), 0.40))
        // Perfect agreement is 1; agreement at chance level is 0.
        #expect(close(Agreement.cohenKappa(a, a), 1))
        #expect(close(Agreement.cohenKappa(["p", "p", "f", "f"], ["p", "f", "p", "f"]), 0))
        // One label only: expected agreement is 1, kappa undefined.
        #expect(Agreement.cohenKappa(["p", "p"], ["p", "p"]) == nil)
    }

    @Test("Fleiss' kappa: 10 subjects, 14 raters, 5 categories → P̄ 0.378, P̄e 0.213, κ 0.210")
    func fleiss() {
        let table = [
            [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ]
        #expect(close(Agreement.fleissKappa(table), 0.2099, 0.0005))
        // Unequal rater counts are refused.
        #expect(Agreement.fleissKappa([[1, 1], [2, 1]]) == nil)
        // Two raters, binary: equals Scott's pi. Units: (p,p) (p,f) (f,f) (f,f) → pₒ 0.75, p(p)=3/8 → pₑ 0.53125 → 0.4667.
        #expect(close(Agreement.fleissKappa([[2, 0], [1, 1], [0, 2], [0, 2]]), 0.46667))
    }

    @Test(
        "Krippendorff's alpha, nominal: the canonical examples (binary 2 coders: 0.095; 4 coders with missing values: 0.743)"
    )
    func krippendorff() {
        let a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
        let b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
        #expect(close(Agreement.krippendorffAlpha(zip(a, b).map { [$0, $1] as [Int?] }), 0.095, 0.001))
        let coders: [[Int?]] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3],
            [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil],
        ]
        let units = (0..<12).map { u in coders.map { $0[u] } }
        #expect(close(Agreement.krippendorffAlpha(units), 0.743, 0.001))
        #expect(Agreement.krippendorffAlpha([[1, 1], [1, 1]] as [[Int?]]) == nil)
    }

    @Test("Consensus is the strict majority; ties have none")
    func consensus() {
        #expect(Agreement.consensus(["pass", "fail", "pass"]) == "pass")
        #expect(Agreement.consensus(["pass", "fail"]) == nil)
        #expect(Agreement.consensus([String]()) == nil)
    }
}
