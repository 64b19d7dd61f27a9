import Foundation
import Hummingbird
import KefuCore
import KefuExams
import KefuServices

extension WebRoutes {
    /// Exam taking: start, the paper (one question per page or all), answers saved as they are given, flags,
    /// navigation, submit, the result; and the JSON API twins.
    func addExamRoutes(to router: Router<WebContext>) {
        router.post("/exams/{blueprint}/start") { _, context -> Response in
            let identity = try context.signedIn()
            let run = try await startOrResume(try context.parameters.require("blueprint"), identity)
            return Pages.redirect("/attempts/\(run.record.id)")
        }
        router.get("/attempts/{attempt}") { request, context -> Response in
            let identity = try context.signedIn()
            let id = try Self.attemptID(context)
            var run = try await attemptForPage(id, identity)
            if run.record.status != .inProgress {
                var data = ExamView.result(run)
                data["status"] = pages.locales.text("status_" + run.record.status.rawValue, context.locale)
                data["reason"] = run.record.submitReason.map {
                    pages.locales.text("reason_" + $0.rawValue, context.locale)
                }
                return try pages.render("result", data, context: context)
            }
            if let q = request.uri.queryParameters.get("q").flatMap(Int.init), q != run.session.position {
                try await services.exams.go(&run, to: q - 1, by: identity)
                if run.record.status != .inProgress { return Pages.redirect("/attempts/\(id)") }
            }
            let now = services.environment.clock.now()
            return try pages.render(
                "attempt", ExamView.attempt(run, showing: nil, now: now), context: context)
        }
        router.post("/attempts/{attempt}/answer") { request, context -> Response in
            let identity = try context.signedIn()
            let form = try await readForm(request)
            return try await answerForm(try Self.attemptID(context), form: form, request: request, identity)
        }
        addExamAPI(to: router)
    }

    static func attemptID(_ context: WebContext) throws -> ExamAttemptID {
        guard let id = ExamAttemptID(try context.parameters.require("attempt")) else { throw WebError.notFound }
        return id
    }

    /// The person's attempt in progress of `blueprint`, or a new one.
    func startOrResume(_ blueprint: String, _ identity: Identity) async throws -> ExamRun {
        if let run = try await services.exams.resume(blueprint: BlueprintID(blueprint), by: identity),
            run.record.status == .inProgress
        {
            return run
        }
        return try await services.exams.start(BlueprintID(blueprint), by: identity)
    }

    /// The candidate's own attempt; a submitted one is shown through the review policy (a mentor may see an
    /// apprentice's result).
    func attemptForPage(_ id: ExamAttemptID, _ identity: Identity) async throws -> ExamRun {
        do { return try await services.exams.ownAttempt(id, by: identity) } catch let error as ServiceError
            where error.code == .notFound
        {
            return try await services.exams.review(id, full: false, by: identity)
        }
    }

    /// Saves the answers on a submitted page, then does what the pressed button asks (`go`: prev, next, a position,
    /// `flag:N`, submit). JavaScript autosave gets JSON back instead of a redirect.
    func answerForm(_ id: ExamAttemptID, form: Form, request: Request, _ identity: Identity) async throws -> Response {
        if request.headers[.accept]?.hasPrefix("application/json") == true, (form["go"] ?? "").isEmpty {
            return try await autosave(id, form: form, identity)
        }
        var run = try await services.exams.ownAttempt(id, by: identity)
        let wantsJSON = request.headers[.accept]?.hasPrefix("application/json") == true
        guard run.record.status == .inProgress else {
            if wantsJSON { throw ServiceError(.precondition, "the attempt is already submitted") }
            return Pages.redirect("/attempts/\(id)")
        }
        var answers: [(position: Int, response: ExamAnswer?)] = []
        for position in Set(form.all("p").compactMap(Int.init)).sorted()
        where run.session.paper.items.indices.contains(position) {
            switch ExamView.response(form, item: run.session.paper.items[position], position: position) {
            case .success(let response): answers.append((position, response))
            case .failure(let error): throw error
            }
        }
        let refusals = try await services.exams.answer(&run, answers, by: identity)
        let go = form["go"] ?? ""
        if go == "submit" {
            try await services.exams.submit(&run, by: identity)
        } else if go.hasPrefix("flag:"), let position = Int(go.dropFirst(5)) {
            try await services.exams.toggleFlag(&run, at: position, by: identity)
        } else if let position = Self.target(go, current: run.session.position) {
            try await services.exams.go(&run, to: position, by: identity)
        }
        if wantsJSON {
            return try Pages.json(
                AnswerSaved(
                    attempt: id, saved: answers.map(\.position).filter { refusals[$0] == nil },
                    refused: refusals.map { .init(position: $0.key, reason: $0.value) }.sorted {
                        $0.position < $1.position
                    },
                    savedAt: Timestamp.format(services.environment.clock.now()),
                    status: run.record.status.rawValue, flagged: run.session.flagged.sorted()))
        }
        if let (position, reason) = refusals.first {
            throw WebError(.unprocessableContent, "question \(position + 1): \(reason)")
        }
        return Pages.redirect(
            run.record.status == .inProgress ? "/attempts/\(id)?q=\(run.session.position + 1)" : "/attempts/\(id)")
    }

    /// JavaScript autosave: the answers on the form saved through the fast path (no rebuild of the attempt).
    func autosave(_ id: ExamAttemptID, form: Form, _ identity: Identity) async throws -> Response {
        let paper = try await services.exams.ownPaper(id, by: identity)
        var answers: [(position: Int, response: ExamAnswer?)] = []
        for position in Set(form.all("p").compactMap(Int.init)).sorted() where paper.items.indices.contains(position) {
            switch ExamView.response(form, item: paper.items[position], position: position) {
            case .success(let response): answers.append((position, response))
            case .failure(let error): throw error
            }
        }
        let refusals = try await services.exams.saveAnswers(answers, attempt: id, by: identity)
        return try Pages.json(
            AnswerSaved(
                attempt: id, saved: answers.map(\.position).filter { refusals[$0] == nil },
                refused: refusals.map { .init(position: $0.key, reason: $0.value) }.sorted {
                    $0.position < $1.position
                },
                savedAt: Timestamp.format(services.environment.clock.now()), status: "in-progress", flagged: nil))
    }

    /// The position a `go` value names.
    static func target(_ go: String, current: Int) -> Int? {
        switch go {
        case "next": return current + 1
        case "prev": return max(0, current - 1)
        default: return Int(go)
        }
    }
}

/// What an answer save answers (autosave and `PUT /api/attempts/{id}/answers/{position}`).
struct AnswerSaved: Codable, Sendable {
    /// A refused answer.
    struct Refusal: Codable, Sendable {
        var position: Int
        var reason: String
    }
    var attempt: ExamAttemptID
    /// Positions saved (durable before this response).
    var saved: [Int]
    /// Answers not accepted, and why.
    var refused: [Refusal]
    /// Server time of the save.
    var savedAt: String
    /// `in-progress`, or `submitted`/`graded` once time ran out or the candidate submitted.
    var status: String
    /// Flagged positions (when the save changed them).
    var flagged: [Int]?
}
