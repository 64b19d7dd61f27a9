import Testing

@testable import KefuRubrics

@Suite("Evaluation against human labels")
struct EvaluationTests {
    @Test("precision, recall, F1 and confusion on hand-counted pairs; the positive class follows the item kind")
    func metrics() {
        func pair(_ item: String, _ kind: ItemKind, _ human: Verdict, _ automatic: Verdict) -> Evaluation.Pair {
            .init(
                item: item, category: kind == .forbidden ? "forbidden.\(item)" : item, kind: kind, human: human,
                automatic: automatic)
        }
        // apology (required, positive = pass): TP 2, FN 1 (n/a where a person saw one), FP 1, TN 1.
        // rude (forbidden, positive = fail): TP 1, FN 2, TN 2.
        let pairs = [
            pair("apology", .required, .pass, .pass), pair("apology", .required, .pass, .pass),
            pair("apology", .required, .pass, .na), pair("apology", .required, .fail, .pass),
            pair("apology", .required, .na, .na),
            pair("rude", .forbidden, .fail, .fail), pair("rude", .forbidden, .fail, .pass),
            pair("rude", .forbidden, .fail, .pass),
            pair("rude", .forbidden, .pass, .pass), pair("rude", .forbidden, .pass, .pass),
        ]
        let evaluation = Evaluation(pairs: pairs, itemOrder: ["apology", "rude"])
        #expect(evaluation.items.map(\.name) == ["apology", "rude"])
        let apology = evaluation.items[0]
        #expect(
            (apology.truePositives, apology.falsePositives, apology.falseNegatives, apology.trueNegatives) == (
                2, 1, 1, 1
            ))
        #expect(apology.precision == 2.0 / 3.0)
        #expect(apology.recall == 2.0 / 3.0)
        #expect(apology.agreement == 3.0 / 5.0)
        #expect(apology.confusion["pass"]?["na"] == 1)
        let rude = evaluation.items[1]
        #expect((rude.truePositives, rude.falsePositives, rude.falseNegatives, rude.trueNegatives) == (1, 0, 2, 2))
        #expect(rude.precision == 1)
        #expect(rude.recall == 1.0 / 3.0)
        #expect(rude.f1 == 0.5)
        #expect(evaluation.forbidden.total == 5 && evaluation.required.total == 5)
        #expect(evaluation.categories.map(\.name) == ["apology", "forbidden.rude"])
        // No positives reported by the rubric: precision is undefined, not 0 or 1.
        let none = Evaluation(pairs: [pair("rude", .forbidden, .fail, .pass)], itemOrder: ["rude"])
        #expect(none.items[0].precision == nil && none.items[0].recall == 0)
    }
}
