import Foundation
import HTTPTypes
import Hummingbird
import KefuCore
import KefuServices
import KefuTracks

extension WebRoutes {
    /// Promotion: the people to check, one person's check (every rule of the next step on each track, met or not,
    /// with the actual value), the confirmation step and the promotion itself; refusals are shown on the page.
    func addTeamPromotionRoutes(to router: Router<WebContext>) {
        router.get("/team/promotion") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            if let person = request.uri.queryParameters.get("person"), !person.isEmpty {
                return Pages.redirect("/team/promotion/\(TeamBoard.encode(person))")
            }
            let people = try await PeopleService(environment: services.environment).directory(by: identity)
            let rows = people.filter(\.isActive).map {
                ["person": $0.id, "name": $0.name, "team": $0.team, "level": $0.level.rawValue]
            }
            return try pages.render(
                "team_promotion",
                ["title": pages.locales.text("team_promotion_title", context.locale), "people": rows],
                context: context)
        }
        router.get("/team/promotion/{person}") { _, context -> Response in
            let identity = try Self.teamIdentity(context)
            let person = PersonID(try context.parameters.require("person"))
            return try pages.render(
                "team_promotion_check", try await promotionPage(person, identity, context), context: context)
        }
        router.get("/team/promotion/{person}/apply") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let person = PersonID(try context.parameters.require("person"))
            let level = request.uri.queryParameters.get("to") ?? ""
            return try await confirmationPage(person, level: level, identity, context, error: nil)
        }
        router.post("/team/promotion/{person}/apply") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let person = PersonID(try context.parameters.require("person"))
            let form = try await readForm(request)
            let levelText = form["to"] ?? ""
            guard form["confirm"] == "yes" else {
                let message = pages.locales.text("team_confirm_required", context.locale)
                return try await confirmationPage(person, level: levelText, identity, context, error: message)
            }
            guard let level = Level(rawValue: levelText) else {
                throw WebError.badRequest("unknown level `\(levelText)`")
            }
            do {
                let record = try await PromotionService(environment: services.environment).apply(
                    person, to: level, by: identity)
                let data: [String: Any] = [
                    "title": pages.locales.text("team_promoted_title", context.locale),
                    "person": record.person.rawValue, "track": record.track, "from": record.from.rawValue,
                    "to": record.to.rawValue, "approvedBy": record.approvedBy.rawValue, "entry": record.entry.rawValue,
                    "hash": record.hash, "recordedAt": record.recordedAt,
                    "checks": TeamView.checks(
                        record.checks.map { ($0.requirement, $0.isMet, $0.actual) }, locale: context.locale),
                ]
                return try pages.render("team_promotion_done", data, context: context)
            } catch let error as ServiceError where error.code != .notFound {
                var data = try await promotionPage(person, identity, context)
                data["refusal"] = error.message
                return try pages.render(
                    "team_promotion_check", data, context: context, status: Self.status(of: error))
            }
        }
    }

    /// The HTTP status a refusal is shown with.
    static func status(of error: ServiceError) -> HTTPResponse.Status {
        switch error.code {
        case .forbidden: return .forbidden
        case .invalidInput: return .unprocessableContent
        case .notFound: return .notFound
        default: return .conflict
        }
    }

    /// One person's promotion check as page data; who may apply a ready step sees the link to confirm it.
    func promotionPage(_ person: PersonID, _ identity: Identity, _ context: WebContext) async throws -> [String: Any] {
        let check = try await PromotionService(environment: services.environment).check(person, by: identity)
        let mayApply = AccessPolicy.decide(identity, .applyPromotion, on: .person(person))
        let steps = check.steps.map { step -> [String: Any] in
            [
                "track": step.track, "from": step.from.rawValue, "to": step.to.rawValue, "ready": step.isReady,
                "canApply": step.isReady && mayApply.allowed,
                "checks": TeamView.checks(
                    step.checks.map { ($0.requirement, $0.isMet, $0.actual) }, locale: context.locale),
                "unmet": step.checks.filter { !$0.isMet }.count,
            ]
        }
        var data: [String: Any] = [
            "title": pages.locales.text("team_promotion_check_title", context.locale, ["name": check.name]),
            "person": person.rawValue, "name": check.name, "level": check.level.rawValue, "steps": steps,
            "hasSteps": !steps.isEmpty, "ready": check.isReady,
        ]
        if !mayApply.allowed { data["applyRefusal"] = mayApply.reason }
        return data
    }

    /// The confirmation step before a promotion: the step's rules and a checkbox the approver must tick.
    func confirmationPage(
        _ person: PersonID, level: String, _ identity: Identity, _ context: WebContext, error: String?
    ) async throws -> Response {
        let check = try await PromotionService(environment: services.environment).check(person, by: identity)
        guard let step = check.steps.first(where: { $0.to.rawValue == level }) else { throw WebError.notFound }
        var data: [String: Any] = [
            "title": pages.locales.text("team_confirm_title", context.locale), "person": person.rawValue,
            "name": check.name, "from": step.from.rawValue, "to": step.to.rawValue, "track": step.track,
            "ready": step.isReady,
            "checks": TeamView.checks(
                step.checks.map { ($0.requirement, $0.isMet, $0.actual) }, locale: context.locale),
        ]
        if let error { data["error"] = error }
        return try pages.render(
            "team_promotion_confirm", data, context: context, status: error == nil ? .ok : .unprocessableContent)
    }
}
