import Foundation
import Hummingbird
import KefuCore
import KefuExams
import KefuServices

/// An attempt in progress as the JSON API shows it to its candidate: the questions without their key.
struct AttemptState: Codable, Sendable {
    /// One question, choices in the order shown.
    struct Question: Codable, Sendable {
        /// A choice: `value` is what an answer sends.
        struct Choice: Codable, Sendable {
            var value: Int
            var text: String
        }
        var position: Int
        var type: String
        var text: String
        var textFormat: String
        var mark: Double
        var choices: [Choice]
        /// Matching: the items to match, in order.
        var items: [String]
        /// Matching: what each item may be matched with (send the text).
        var matchingChoices: [String]
    }
    var attempt: ExamAttemptID
    var blueprint: BlueprintID
    var status: String
    var layout: String
    var deadline: String?
    var remainingSeconds: Int?
    var position: Int
    var questions: [Question]
    /// Saved answers by position (`{"choices":[2]}`, `{"truth":true}`, `{"number":3}`, `{"text":"…"}`,
    /// `{"matches":["…",null]}`), null when unanswered.
    var responses: [ExamAnswer?]
    var flagged: [Int]

    init(_ run: ExamRun, now: Date) {
        let session = run.session
        attempt = run.record.id
        blueprint = run.record.blueprint
        status = run.record.status.rawValue
        layout = run.blueprint.pageLayout.rawValue
        deadline = run.record.deadline
        remainingSeconds = session.remaining(at: now).map { Int($0.rounded()) }
        position = session.position
        questions = session.paper.items.enumerated().map { position, item in
            let q = item.question
            let choices =
                q.type == .single || q.type == .multiple
                ? item.choiceOrder.map { Question.Choice(value: $0, text: q.answers[$0].text ?? "") } : []
            let matching =
                q.type == .matching
                ? item.choiceOrder.compactMap {
                    q.matchingChoices.indices.contains($0) ? q.matchingChoices[$0] : nil
                } : []
            return Question(
                position: position, type: q.type.rawValue, text: q.text, textFormat: q.textFormat.rawValue,
                mark: item.mark, choices: choices, items: q.matchingItems.map(\.question), matchingChoices: matching)
        }
        responses = session.responses
        flagged = session.flagged.sorted()
    }
}

/// The body of `PUT /api/attempts/{attempt}/answers/{position}`.
struct AnswerBody: Decodable {
    var answer: ExamAnswer?
}

extension WebRoutes {
    /// `/api/exams/…` and `/api/attempts/…`.
    func addExamAPI(to router: Router<WebContext>) {
        router.post("/api/exams/{blueprint}/attempts") { _, context -> Response in
            let identity = try context.signedIn()
            let run = try await startOrResume(try context.parameters.require("blueprint"), identity)
            return try Pages.json(AttemptState(run, now: services.environment.clock.now()), status: .created)
        }
        router.get("/api/attempts/{attempt}") { _, context -> Response in
            let identity = try context.signedIn()
            let run = try await attemptForPage(try Self.attemptID(context), identity)
            if run.record.status == .inProgress, run.record.personID == identity.person {
                return try Pages.json(AttemptState(run, now: services.environment.clock.now()))
            }
            return try Pages.json(Self.visibleResult(run))
        }
        router.put("/api/attempts/{attempt}/answers/{position}") { request, context -> Response in
            let identity = try context.signedIn()
            guard let position = Int(try context.parameters.require("position")) else { throw WebError.notFound }
            var request = request
            let body = try await request.collectBody(upTo: configuration.maxBodyBytes)
            let decoded: AnswerBody
            do { decoded = try JSONDecoder().decode(AnswerBody.self, from: Data(body.readableBytesView)) } catch {
                throw WebError(
                    .badRequest,
                    #"the body must be {"answer": {"choices":[…]} | {"truth":…} | {"number":…} | {"text":…} | {"matches":[…]} | null}"#
                )
            }
            let id = try Self.attemptID(context)
            let refusals = try await services.exams.saveAnswers([(position, decoded.answer)], attempt: id, by: identity)
            if let reason = refusals[position] {
                throw ServiceError(.invalidInput, "question \(position + 1): \(reason)")
            }
            return try Pages.json(
                AnswerSaved(
                    attempt: id, saved: [position], refused: [],
                    savedAt: Timestamp.format(services.environment.clock.now()), status: "in-progress", flagged: nil))
        }
        router.post("/api/attempts/{attempt}/flags/{position}") { _, context -> Response in
            let identity = try context.signedIn()
            guard let position = Int(try context.parameters.require("position")) else { throw WebError.notFound }
            var run = try await services.exams.ownAttempt(try Self.attemptID(context), by: identity)
            try await services.exams.toggleFlag(&run, at: position, by: identity)
            return try Pages.json(AttemptState(run, now: services.environment.clock.now()))
        }
        router.post("/api/attempts/{attempt}/submit") { _, context -> Response in
            let identity = try context.signedIn()
            var run = try await services.exams.ownAttempt(try Self.attemptID(context), by: identity)
            if run.record.status == .inProgress { try await services.exams.submit(&run, by: identity) }
            return try Pages.json(Self.visibleResult(run))
        }
    }

    /// `exam take --format json`'s result, with what the blueprint does not show candidates removed.
    static func visibleResult(_ run: ExamRun) -> ExamAttemptResult {
        var result = ExamAttemptResult(run)
        let review = run.reviewOptions(full: false)
        if !review.correctness && !review.feedback { result.items = [] }
        if !review.feedback {
            for index in result.items.indices { result.items[index].grade.feedback = [] }
        }
        return result
    }
}
