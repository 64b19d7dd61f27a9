import Foundation
import Hummingbird
import KefuCore
import KefuServices

extension WebRoutes {
    /// Retraining: everyone flagged after repeated failed attempts, and clearing a flag with a reason (supervisors
    /// and managers, never their own).
    func addTeamRetrainingRoutes(to router: Router<WebContext>) {
        router.get("/team/retraining") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            var data = try await retrainingPage(identity, context)
            data["cleared"] = request.uri.queryParameters.get("cleared")
            return try pages.render("team_retraining", data, context: context)
        }
        router.post("/team/retraining/clear") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let form = try await readForm(request)
            let person = PersonID(form["person"] ?? "")
            let blueprint = BlueprintID(form["blueprint"] ?? "")
            let note = (form["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            do {
                guard !note.isEmpty else {
                    throw ServiceError(.invalidInput, pages.locales.text("team_reason_required", context.locale))
                }
                try await services.exams.clearRetraining(person: person, blueprint: blueprint, note: note, by: identity)
                return Pages.redirect("/team/retraining?cleared=\(TeamBoard.encode(person.rawValue))")
            } catch let error as ServiceError {
                var data = try await retrainingPage(identity, context)
                data["error"] = error.message
                return try pages.render("team_retraining", data, context: context, status: Self.status(of: error))
            }
        }
    }

    /// The open flags with names, and whether the actor may clear each.
    func retrainingPage(_ identity: Identity, _ context: WebContext) async throws -> [String: Any] {
        let flags = try await services.exams.openRetrainingFlags(by: identity)
        let people = try await peopleByID(identity)
        let rows = flags.map { flag -> [String: Any] in
            let decision = AccessPolicy.decide(identity, .clearRetraining, on: .person(flag.person))
            var row: [String: Any] = [
                "person": flag.person.rawValue, "name": people[flag.person.rawValue]?.name ?? flag.person.rawValue,
                "blueprint": flag.blueprint.rawValue, "since": flag.since, "reason": flag.reason,
                "canClear": decision.allowed,
            ]
            if !decision.allowed { row["refusal"] = decision.reason }
            return row
        }
        return [
            "title": pages.locales.text("team_retraining_title", context.locale), "flags": rows,
            "hasFlags": !rows.isEmpty,
        ]
    }
}
