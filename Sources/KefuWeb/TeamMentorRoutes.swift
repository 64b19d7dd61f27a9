import Crypto
import Foundation
import Hummingbird
import KefuCore
import KefuServices
import KefuStorage

extension WebRoutes {
    /// Mentor assignment (导师带徒): the active pairs, the dry run (what an assignment would do, nothing stored) and
    /// applying it; the apply refuses when the proposal changed since it was shown.
    func addTeamMentorRoutes(to router: Router<WebContext>) {
        router.get("/team/mentors") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let mentors = MentorService(environment: services.environment)
            let people = try await peopleByID(identity)
            var data: [String: Any] = [
                "title": pages.locales.text("team_mentors_title", context.locale),
                "active": try await mentors.active().map {
                    Self.pair($0.apprenticeID, $0.mentorID, $0.assignedAt, people)
                },
                "canAssign": AccessPolicy.decide(identity, .assignMentors).allowed,
                "stored": request.uri.queryParameters.get("stored"),
            ]
            data["hasActive"] = !((data["active"] as? [Any])?.isEmpty ?? true)
            return try pages.render("team_mentors", data, context: context)
        }
        router.get("/team/mentors/proposal") { _, context -> Response in
            let identity = try Self.teamIdentity(context)
            let assignment = try await MentorService(environment: services.environment).assign(
                dryRun: true, by: identity)
            return try pages.render(
                "team_mentors_proposal", try await proposalPage(assignment, identity, context), context: context)
        }
        router.post("/team/mentors/apply") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let form = try await readForm(request)
            let service = MentorService(environment: services.environment)
            let current = try await service.assign(dryRun: true, by: identity)
            guard form["confirm"] == "yes", form["fingerprint"] == Self.fingerprint(current) else {
                var data = try await proposalPage(current, identity, context)
                data["error"] = pages.locales.text(
                    form["confirm"] == "yes" ? "team_proposal_changed" : "team_confirm_required", context.locale)
                return try pages.render("team_mentors_proposal", data, context: context, status: .conflict)
            }
            let stored = try await service.assign(by: identity)
            return Pages.redirect("/team/mentors?stored=\(stored.stored.count)")
        }
    }

    /// A pair as a table row.
    static func pair(
        _ apprentice: PersonID, _ mentor: PersonID, _ at: String, _ people: [String: Person]
    ) -> [String: Any] {
        [
            "apprentice": TeamView.label(apprentice.rawValue, people),
            "mentor": TeamView.label(mentor.rawValue, people),
            "assignedAt": String(at.prefix(10)),
        ]
    }

    /// What the assignment would do, as a page: new pairs with score and reasons, unmatched apprentices, pairs that
    /// end, ineligible mentors; the apply form carries the proposal's fingerprint.
    func proposalPage(
        _ assignment: MentorAssignment, _ identity: Identity, _ context: WebContext
    ) async throws -> [String: Any] {
        let people = try await peopleByID(identity)
        return [
            "title": pages.locales.text("team_proposal_title", context.locale),
            "pairs": assignment.pairs.map { pair -> [String: Any] in
                var row = Self.pair(pair.apprentice, pair.mentor, "", people)
                row["score"] = TeamView.number(pair.score.value)
                row["reasons"] = pair.reasons.joined(separator: "; ")
                return row
            },
            "hasPairs": !assignment.pairs.isEmpty,
            "unmatched": assignment.unmatched.map {
                ["apprentice": TeamView.label($0.apprentice.rawValue, people), "reason": $0.reason]
            },
            "endings": assignment.endings.map {
                var row = Self.pair($0.pair.apprenticeID, $0.pair.mentorID, $0.pair.assignedAt, people)
                row["reason"] = $0.reason
                return row
            },
            "ineligible": assignment.ineligible.map {
                ["mentor": TeamView.label($0.mentor.rawValue, people), "reason": $0.reason]
            },
            "hasUnmatched": !assignment.unmatched.isEmpty, "hasEndings": !assignment.endings.isEmpty,
            "hasIneligible": !assignment.ineligible.isEmpty, "kept": assignment.kept.count,
            "objective": TeamView.number(assignment.objective.value),
            "fingerprint": Self.fingerprint(assignment),
            "changes": !assignment.pairs.isEmpty || !assignment.endings.isEmpty,
        ]
    }

    /// A short hash of what an assignment would store (new pairs and endings), to refuse applying a proposal that is
    /// no longer the one shown.
    static func fingerprint(_ assignment: MentorAssignment) -> String {
        let text =
            assignment.pairs.map { "\($0.apprentice)<\($0.mentor)" }.joined(separator: ",") + "|"
            + assignment.endings.map { "\($0.pair.id)" }.joined(separator: ",")
        return SHA256.hash(data: Data(text.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}
