import Foundation
import HTTPTypes
import Hummingbird
import KefuCore
import KefuRubrics
import KefuServices
import KefuStorage

extension WebRoutes {
    /// A sample's page, the review scorecard, review results (the agent's dispute form), the agent's own results and
    /// the team lead's dispute queue.
    func addQAReviewRoutes(to router: Router<WebContext>) {
        router.get("/qa/review/{interaction}") { request, context -> Response in
            let identity = try context.signedIn()
            let id = InteractionID(try context.parameters.require("interaction"))
            return try await qaReviewPage(id, Form(request.uri.query ?? ""), nil, identity, context)
        }
        router.post("/qa/review/{interaction}") { request, context -> Response in
            let identity = try context.signedIn()
            let id = InteractionID(try context.parameters.require("interaction"))
            let form = try await readForm(request)
            do { return try await qaSubmitReview(id, form, identity) } catch let error as ServiceError
                where error.code == .invalidInput
            {
                return try await qaReviewPage(id, form, error.message, identity, context)
            }
        }
        router.get("/qa/results/{review}") { request, context -> Response in
            let identity = try context.signedIn()
            return try await qaResultPage(
                try Self.reviewID(context), sample: request.uri.queryParameters.get("sample"), identity, context)
        }
        router.post("/qa/results/{review}/disputes") { request, context -> Response in
            let identity = try context.signedIn()
            let id = try Self.reviewID(context)
            let form = try await readForm(request)
            try await qaReviews.openDispute(
                review: id, item: form["item"] ?? "", reason: form["reason"] ?? "", by: identity)
            return Pages.redirect("/qa/results/\(id)#disputes")
        }
        router.get("/qa/mine") { _, context -> Response in
            let identity = try context.signedIn()
            return try await qaMine(identity, context)
        }
        router.get("/qa/disputes") { request, context -> Response in
            let identity = try context.signedIn()
            return try await qaDisputes(request, identity, context)
        }
        router.post("/qa/disputes/{dispute}") { request, context -> Response in
            let identity = try context.signedIn()
            guard let number = Int64(try context.parameters.require("dispute")) else { throw WebError.notFound }
            let form = try await readForm(request)
            let decision: DisputeDecision
            switch form["decision"] {
            case "accept": decision = .accept
            case "reject": decision = .reject
            default: throw WebError(.unprocessableContent, "choose accept or reject")
            }
            _ = try await qaReviews.resolveDispute(
                DisputeID(number), decision: decision, verdict: HumanVerdict(rawValue: form["verdict"] ?? ""),
                comment: form["comment"] ?? "", by: identity)
            return Pages.redirect("/qa/disputes")
        }
    }

    /// The review id of the path.
    static func reviewID(_ context: WebContext) throws -> ReviewID {
        guard let number = Int64(try context.parameters.require("review")) else { throw WebError.notFound }
        return ReviewID(number)
    }

    /// A sample's members with their automatic score and reviews under one rubric; `?verify=1` re-derives it.
    func qaSample(_ request: Request, _ context: WebContext, _ identity: Identity) async throws -> Response {
        let name = SampleID(try context.parameters.require("sample"))
        let query = request.uri.queryParameters
        let rubrics = try await qaWeb.scoredRubrics(by: identity)
        let chosen = query.get("rubric").flatMap { $0.isEmpty ? nil : $0 } ?? rubrics.first?.rawValue
        let (summary, members, rubric) = try await qaWeb.sample(name, rubric: chosen, by: identity)
        let mayReview = AccessPolicy.decide(identity, .reviewInteraction).allowed
        let rubricQuery = Self.pathEncode(rubric?.rawValue ?? "")
        let rows = members.map { m -> [String: Any] in
            let mine = m.reviews.contains { $0.reviewer == identity.person }
            var row: [String: Any] = [
                "id": m.interaction.rawValue, "agent": m.agent.rawValue, "channel": m.channel,
                "startedAt": m.startedAt ?? "",
                "reviews": m.reviews.map { x -> [String: Any] in
                    ["id": x.review.rawValue, "reviewer": x.reviewer.rawValue]
                },
            ]
            if let score = m.score {
                row["score"] = QAView.score(score)
                row["passed"] = m.passed ?? false
                row["scored"] = true
            }
            if m.score != nil, mayReview, !mine, m.agent != identity.person {
                row["reviewHref"] =
                    "/qa/review/\(Self.pathEncode(m.interaction.rawValue))?rubric=\(rubricQuery)&sample=\(Self.pathEncode(name.rawValue))"
            }
            if !m.stratum.isEmpty { row["stratum"] = m.stratum }
            if m.agent == identity.person { row["ownNote"] = qaText("qa_own_interaction", context) }
            return row
        }
        var data: [String: Any] = [
            "title": qaText("qa_sample_title", context, ["name": name.rawValue]), "name": name.rawValue,
            "path": Self.pathEncode(name.rawValue), "rubricQ": rubricQuery,
            "sample": sampleRow(summary, context), "members": rows,
            "rubrics": rubrics.map { x -> [String: Any] in ["id": x.rawValue, "selected": x == rubric] },
            "rubric": rubric?.rawValue ?? "", "hasRubric": rubric != nil,
            "mayScore": AccessPolicy.decide(identity, .scoreInteractions).allowed,
            "unscored": members.contains { $0.score == nil }, "scoreRubric": chosen ?? "conduct.zh",
        ]
        if let next = rows.first(where: { $0["reviewHref"] != nil }) { data["nextHref"] = next["reviewHref"] }
        if query.get("verify") != nil {
            let v = try await qaWeb.verify(name, by: identity)
            data["verification"] =
                [
                    "identical": v.isIdentical, "changes": v.changes, "seed": String(v.parameters.seed),
                ] as [String: Any]
        }
        return try pages.render("qa_sample", data, context: context)
    }

    /// The scorecard of one interaction: the transcript with the automatic evidence marked, each rubric item with
    /// its automatic verdict (hidden in a blind calibration review), agree or override with a reason, a comment.
    func qaReviewPage(
        _ id: InteractionID, _ form: Form, _ error: String?, _ identity: Identity, _ context: WebContext
    ) async throws -> Response {
        try AccessPolicy.require(identity, .reviewInteraction)
        let rubric = form["rubric"] ?? ""
        guard !rubric.isEmpty else { throw WebError(.unprocessableContent, "choose the rubric to review with") }
        let calibration = (form["calibration"] ?? "").isEmpty ? nil : CalibrationID(form["calibration"] ?? "")
        let draft = try await qaReviews.draft(interaction: id, rubric: rubric, calibration: calibration, by: identity)
        let blind = calibration != nil
        let titles = QAView.rubricItems(draft.scorer.rubric)
        let text = { (key: String) in qaText(key, context) }
        let items = draft.automatic.items.enumerated().map { index, item -> [String: Any] in
            let chosen = form["v_\(item.id)"] ?? (blind ? "" : "agree")
            var row: [String: Any] = [
                "n": index + 1, "id": item.id, "category": item.category,
                "title": QAView.localized(titles[item.id]?.title ?? item.id, context.locale),
                "points": ExamFormat.number(titles[item.id]?.points ?? item.maxPoints),
                "critical": titles[item.id]?.isCritical ?? false, "comment": form["c_\(item.id)"] ?? "",
            ]
            row["options"] = ((blind ? [] : ["agree"]) + ["pass", "fail", "na"]).map { value -> [String: Any] in
                [
                    "value": value, "label": text("qa_choice_\(value)"), "checked": chosen == value,
                    "key": value == "agree" ? "a" : value == "na" ? "n" : String(value.prefix(1)),
                ]
            }
            if !blind {
                row["auto"] = item.verdict.rawValue
                row["autoLabel"] = text("qa_verdict_\(item.verdict.rawValue)")
                row["message"] = item.message
                row["evidence"] = item.evidence.map { x -> [String: Any] in ["turn": x.turn, "text": x.text] }
            }
            return row
        }
        var data: [String: Any] = [
            "title": qaText("qa_review_title", context, ["id": id.rawValue]), "scripts": ["qa.js"],
            "interaction": id.rawValue, "agent": draft.interaction.agent, "channel": draft.interaction.channel.rawValue,
            "rubric": RubricID(draft.scorer.rubric.id).rawValue,
            "rubricTitle": QAView.localized(draft.scorer.rubric.title, context.locale),
            "calibration": calibration?.rawValue ?? "", "blind": blind,
            "turns": QAView.turns(draft.interaction, items: blind ? [] : draft.automatic.items, text: text),
            "items": items, "comment": form["comment"] ?? "",
            "action": "/qa/review/\(Self.pathEncode(id.rawValue))",
        ]
        if !blind {
            data["autoScore"] = QAView.score(draft.automatic.score)
            data["autoPassed"] = draft.automatic.passed
        }
        if let sample = form["sample"], !sample.isEmpty { data["sample"] = sample }
        if let started = draft.interaction.startedAt, !started.isEmpty { data["startedAt"] = started }
        if let error { data["error"] = error }
        return try pages.render(
            "qa_review", data, context: context, status: error == nil ? .ok : .unprocessableContent)
    }

    /// Submits the scorecard; then the result (an ordinary review) or the calibration session.
    func qaSubmitReview(_ id: InteractionID, _ form: Form, _ identity: Identity) async throws -> Response {
        try AccessPolicy.require(identity, .reviewInteraction)
        let calibration = (form["calibration"] ?? "").isEmpty ? nil : CalibrationID(form["calibration"] ?? "")
        let draft = try await qaReviews.draft(
            interaction: id, rubric: form["rubric"] ?? "", calibration: calibration, by: identity)
        var decisions: [QAReviewService.Decision] = []
        for item in draft.automatic.items {
            let value = form["v_\(item.id)"] ?? ""
            if value == "agree" || (value.isEmpty && calibration == nil) { continue }
            guard let verdict = HumanVerdict(rawValue: value) else {
                if value.isEmpty { continue }  // blind: the service names every missing item
                throw ServiceError(.invalidInput, "`\(value)` is not a verdict for \(item.id)")
            }
            decisions.append(.init(item: item.id, verdict: verdict, comment: form["c_\(item.id)"] ?? ""))
        }
        let submitted = try await qaReviews.submit(
            draft, decisions: decisions, comment: form["comment"] ?? "", by: identity)
        if let calibration { return Pages.redirect("/qa/calibrations/\(Self.pathEncode(calibration.rawValue))") }
        let sample = form["sample"] ?? ""
        return Pages.redirect(
            "/qa/results/\(submitted.id)" + (sample.isEmpty ? "" : "?sample=\(Self.pathEncode(sample))"))
    }
}
