import Foundation
import Hummingbird
import KefuCore
import KefuServices
import KefuStorage

extension WebRoutes {
    /// The mentor's area (导师带徒): apprentices and their progress, the review queue, transcript review (notes,
    /// overrides, sign-off), essay grading; and, for those who may certify, issuing a certification an apprentice is
    /// ready for.
    func addMentorRoutes(to router: Router<WebContext>) {
        router.get("/mentor") { request, context -> Response in
            let identity = try context.signedIn()
            guard Navigation.visible(.reviewTranscript, to: identity) else {
                throw WebError(.forbidden, "the mentor's pages are for mentors and supervisors")
            }
            let apprentices = try await services.mentoring.apprentices(of: identity.person, by: identity)
            let queue = try await services.mentoring.queue(mentor: identity.person, by: identity)
            var data = MentorView.home(
                apprentices: apprentices, queue: queue, locale: context.locale, locales: pages.locales)
            data["notice"] = notice(request, context)
            return try pages.render("mentor_home", data, context: context)
        }
        router.get("/api/mentor") { _, context -> Response in
            let identity = try context.signedIn()
            return try Pages.json(
                MentorOverview(
                    apprentices: try await services.mentoring.apprentices(of: identity.person, by: identity),
                    queue: try await services.mentoring.queue(mentor: identity.person, by: identity)))
        }
        router.get("/mentor/apprentices/{person}") { request, context -> Response in
            let identity = try context.signedIn()
            let person = PersonID(try context.parameters.require("person"))
            let progress = try await services.mentoring.apprentice(person, by: identity)
            var data = MentorView.apprentice(
                progress, canCertify: AccessPolicy.decide(identity, .certify, on: .person(person)).allowed,
                locale: context.locale, locales: pages.locales)
            data["notice"] = notice(request, context)
            return try pages.render("mentor_apprentice", data, context: context)
        }
        router.post("/mentor/apprentices/{person}/certify") { request, context -> Response in
            let identity = try context.signedIn()
            let person = PersonID(try context.parameters.require("person"))
            let form = try await readForm(request)
            _ = try await services.mentoring.apprentice(person, by: identity)
            let outcome = try await services.ledger.certify(
                person: person, certification: CertificationID(form["certification"] ?? ""), by: identity)
            guard let entry = outcome.entry else {
                let unmet = outcome.checks.filter { !$0.met }.map(\.requirement).joined(separator: "; ")
                throw ServiceError(.precondition, "\(outcome.certification) is not issued: unmet: \(unmet)")
            }
            return Pages.redirect("/mentor/apprentices/\(person)?done=issued&entry=\(entry.sequence)")
        }
        addMentorRunRoutes(to: router)
        addMentorEssayRoutes(to: router)
    }

    /// The transcript under review and its three forms.
    func addMentorRunRoutes(to router: Router<WebContext>) {
        router.get("/mentor/runs/{id}") { request, context -> Response in
            let identity = try context.signedIn()
            let run = try Self.runID(context)
            let transcript = try await services.mentoring.review(run, by: identity)
            let subject = try await services.environment.subject(transcript.run.personID)
            var data = MentorView.transcript(
                transcript, choices: try services.mentoring.signOffChoices(),
                canReview: AccessPolicy.decide(identity, .reviewTranscript, on: subject).allowed,
                locale: context.locale, locales: pages.locales)
            data["notice"] = notice(request, context)
            return try pages.render("mentor_run", data, context: context)
        }
        router.get("/api/mentor/runs/{id}") { _, context -> Response in
            try Pages.json(try await services.mentoring.review(try Self.runID(context), by: try context.signedIn()))
        }
        router.post("/mentor/runs/{id}/notes") { request, context -> Response in
            let identity = try context.signedIn()
            let run = try Self.runID(context)
            let form = try await readForm(request)
            let turn = try Self.integer(form["turn"], "turn")
            try await services.mentoring.annotate(run, turn: turn, note: form["note"] ?? "", by: identity)
            return Pages.redirect("/mentor/runs/\(run)?done=noted#turn-\(turn)")
        }
        router.post("/mentor/runs/{id}/overrides") { request, context -> Response in
            let identity = try context.signedIn()
            let run = try Self.runID(context)
            let form = try await readForm(request)
            let turn = try Self.integer(form["turn"], "turn")
            guard let verdict = MentorVerdict(rawValue: form["verdict"] ?? "") else {
                throw WebError(.unprocessableContent, "choose the verdict: pass or fail")
            }
            try await services.mentoring.override(
                run, turn: turn, check: form["check"] ?? "", verdict: verdict, reason: form["reason"] ?? "",
                by: identity)
            return Pages.redirect("/mentor/runs/\(run)?done=overridden#turn-\(turn)")
        }
        router.post("/mentor/runs/{id}/sign-off") { request, context -> Response in
            let identity = try context.signedIn()
            let run = try Self.runID(context)
            let form = try await readForm(request)
            try await services.mentoring.signOff(
                run, certification: CertificationID(form["certification"] ?? ""), note: form["note"] ?? "",
                by: identity)
            return Pages.redirect("/mentor?done=signed-off")
        }
    }

    /// Essay grading from the mentor's queue.
    func addMentorEssayRoutes(to router: Router<WebContext>) {
        router.get("/mentor/essays/{attempt}/{position}") { _, context -> Response in
            let identity = try context.signedIn()
            let pending = try await essay(context, identity)
            return try pages.render(
                "mentor_essay", MentorView.essay(pending, locale: context.locale, locales: pages.locales),
                context: context)
        }
        router.post("/mentor/essays/{attempt}/{position}") { request, context -> Response in
            let identity = try context.signedIn()
            let pending = try await essay(context, identity)
            let form = try await readForm(request)
            guard let marks = Double((form["marks"] ?? "").trimmingCharacters(in: .whitespaces)), marks.isFinite
            else { throw WebError(.unprocessableContent, "give the marks as a number") }
            _ = try await services.exams.grade(
                attempt: pending.attempt.id, position: pending.position, marks: marks, comment: form["comment"] ?? "",
                by: identity)
            return Pages.redirect("/mentor?done=graded")
        }
    }

    /// The essay named by the URL, if it waits for `identity`'s mark; otherwise "not found".
    func essay(_ context: WebContext, _ identity: Identity) async throws -> PendingGrade {
        guard let attempt = ExamAttemptID(try context.parameters.require("attempt")),
            let position = Int(try context.parameters.require("position"))
        else { throw WebError.notFound }
        guard
            let pending = try await services.exams.gradingQueue(by: identity).first(where: {
                $0.attempt.id == attempt && $0.position == position - 1
            })
        else { throw WebError.notFound }
        return pending
    }

    /// The confirmation line after a form (`?done=…`).
    func notice(_ request: Request, _ context: WebContext) -> Any {
        guard let done = request.uri.queryParameters.get("done"), done.allSatisfy({ $0.isLetter || $0 == "-" })
        else { return false }
        let entry = request.uri.queryParameters.get("entry").flatMap(Int.init).map(String.init) ?? ""
        return pages.locales.text(
            "mentor_done_" + done.replacingOccurrences(of: "-", with: "_"), context.locale, ["entry": entry])
    }

    static func integer(_ text: String?, _ name: String) throws -> Int {
        guard let value = text.flatMap({ Int($0) }) else {
            throw WebError(.unprocessableContent, "the form's `\(name)` must be a whole number")
        }
        return value
    }
}

/// `GET /api/mentor`: the mentor's apprentices and what waits for them.
struct MentorOverview: Encodable {
    let apprentices: [ApprenticeProgress]
    let queue: MentorQueue
}
