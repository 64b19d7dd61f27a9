import Foundation
import HTTPTypes
import Hummingbird
import KefuCore
import KefuRubrics
import KefuServices
import KefuStorage

extension WebRoutes {
    /// A submitted review as a printable scorecard: its agent (who may dispute an item here) or QA staff.
    func qaResultPage(
        _ id: ReviewID, sample: String?, _ identity: Identity, _ context: WebContext
    ) async throws -> Response {
        let result = try await qaWeb.result(id, by: identity)
        let review = result.review.review
        let titles = QAView.rubricItems(result.rubric)
        let own = result.agent == identity.person
        let automatic = Dictionary(
            (result.automatic?.items ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let items = review.items.enumerated().map { index, item -> [String: Any] in
            let disputes = result.disputes.filter { $0.item == item.item }
            let open = disputes.contains { $0.status == .open }
            var row: [String: Any] = [
                "n": index + 1, "id": item.item,
                "title": QAView.localized(titles[item.item]?.title ?? item.item, context.locale),
                "auto": item.automatic, "autoLabel": qaText("qa_verdict_\(item.automatic)", context),
                "verdict": item.verdict, "verdictLabel": qaText("qa_verdict_\(item.verdict)", context),
                "changed": item.automatic != item.verdict, "comment": item.comment, "locked": item.locked,
                "message": automatic[item.item]?.message ?? "",
                "evidence": (automatic[item.item]?.evidence ?? []).map { x -> [String: Any] in
                    ["turn": x.turn, "text": x.text]
                },
                "disputes": disputes.map { qaDisputeRow($0, context) },
            ]
            row["canDispute"] = own && !item.locked && !open
            return row
        }
        let text = { (key: String) in qaText(key, context) }
        var data: [String: Any] = [
            "title": qaText("qa_result_title", context, ["id": String(id.rawValue)]), "scripts": ["qa.js"],
            "review": id.rawValue, "interaction": review.interaction.rawValue, "agent": result.agent.rawValue,
            "reviewer": review.reviewer.rawValue, "rubric": review.rubric.rawValue,
            "rubricTitle": result.rubric.map { QAView.localized($0.title, context.locale) } ?? review.rubric.rawValue,
            "submittedAt": review.submittedAt, "automaticScore": QAView.score(review.automaticScore),
            "finalScore": QAView.score(review.finalScore), "finalPassed": review.finalPassed,
            "items": items, "own": own,
            "turns": QAView.turns(result.interaction, items: result.automatic?.items ?? [], text: text),
            "hasDisputes": !result.disputes.isEmpty,
        ]
        // Mustache renders a section for an empty string: absent keys only.
        if !review.comment.isEmpty { data["comment"] = review.comment }
        if let sample, !sample.isEmpty {
            data["sampleHref"] =
                "/qa/samples/\(Self.pathEncode(sample))?rubric=\(Self.pathEncode(review.rubric.rawValue))"
        }
        return try pages.render("qa_result", data, context: context)
    }

    /// A dispute as the pages list it.
    func qaDisputeRow(_ d: QAReviewService.Dispute, _ context: WebContext) -> [String: Any] {
        var row: [String: Any] = [
            "id": d.id.rawValue, "review": d.review.rawValue, "interaction": d.interaction.rawValue, "item": d.item,
            "agent": d.agent.rawValue, "reason": d.reason, "status": d.status.rawValue,
            "statusLabel": qaText("qa_dispute_\(d.status.rawValue)", context), "open": d.status == .open,
        ]
        if let resolver = d.resolver { row["resolver"] = resolver.rawValue }
        if let resolution = d.resolution { row["resolution"] = resolution }
        return row
    }

    /// `/qa/mine`: the signed-in agent's reviewed interactions.
    func qaMine(_ identity: Identity, _ context: WebContext) async throws -> Response {
        let reviews = try await qaWeb.myReviews(by: identity)
        let rows = reviews.map { r -> [String: Any] in
            [
                "id": r.id.rawValue, "interaction": r.review.interaction.rawValue, "rubric": r.review.rubric.rawValue,
                "reviewer": r.review.reviewer.rawValue, "submittedAt": r.review.submittedAt,
                "automaticScore": QAView.score(r.review.automaticScore),
                "finalScore": QAView.score(r.review.finalScore),
                "passed": r.review.finalPassed, "overrides": r.review.items.filter { $0.automatic != $0.verdict }.count,
            ]
        }
        return try pages.render(
            "qa_mine", ["title": qaText("qa_mine_title", context), "reviews": rows, "hasReviews": !rows.isEmpty],
            context: context)
    }

    /// `/qa/disputes`: open disputes to decide (team leads and above), then the decided ones.
    func qaDisputes(_ request: Request, _ identity: Identity, _ context: WebContext) async throws -> Response {
        let all = try await qaWeb.disputes(status: nil, by: identity)
        let items = try await qaWeb.disputedItems(all.filter { $0.status == .open }, by: identity)
        var open: [[String: Any]] = []
        for d in all where d.status == .open {
            var row = qaDisputeRow(d, context)
            if let item = items[d.id] {
                row["verdict"] = item.verdict
                row["verdictLabel"] = qaText("qa_verdict_\(item.verdict)", context)
                row["auto"] = qaText("qa_verdict_\(item.automatic)", context)
                if !item.comment.isEmpty { row["reviewComment"] = item.comment }
            }
            row["own"] = d.agent == identity.person
            open.append(row)
        }
        let decided = all.filter { $0.status != .open }.map { qaDisputeRow($0, context) }
        return try pages.render(
            "qa_disputes",
            [
                "title": qaText("qa_disputes_title", context), "open": open, "hasOpen": !open.isEmpty,
                "decided": decided, "hasDecided": !decided.isEmpty,
                "verdicts": ["pass", "fail", "na"].map { x -> [String: Any] in
                    ["value": x, "label": qaText("qa_verdict_\(x)", context)]
                },
            ], context: context)
    }
}
