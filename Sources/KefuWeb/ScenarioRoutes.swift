import Foundation
import Hummingbird
import KefuCore
import KefuServices

/// A scenario run being played in this process: the play (runner and stored run) and the customer's line waiting
/// for a reply.
struct LiveRun: Sendable {
    /// The runner and the stored run; reply times are measured on the server's continuous clock.
    var play: ScenarioPlay<ContinuousClock>
    /// The customer's line the trainee must answer (nil once the run is over).
    var pending: CustomerLine?

    /// Seconds left to answer the pending line in time (0 once late), nil when the step is untimed.
    var secondsLeft: Double? {
        guard let deadline = play.runner.deadline else { return nil }
        let (seconds, attoseconds) = ContinuousClock.now.duration(to: deadline).components
        return max(0, ((Double(seconds) + Double(attoseconds) / 1e18) * 10).rounded() / 10)
    }
}

/// The scenario runs being played in this process, by run id (in memory: a restart loses them, and their stored runs
/// are then recorded incomplete). A run is checked out while a reply is processed, so two replies to one run never
/// interleave; a finished run leaves memory because its transcript is stored.
actor LivePlays {
    /// What a check-out found.
    enum Lookup: Sendable {
        /// The run, now reserved for the caller until ``LivePlays/checkIn(_:)``.
        case live(LiveRun)
        /// Another reply to the run is being processed.
        case busy
        /// No such run in memory.
        case absent
    }

    private var runs: [RunID: LiveRun] = [:]
    private var busy: Set<RunID> = []
    private var touched: [RunID: ContinuousClock.Instant] = [:]
    /// A run nobody replied to for this long is taken out of memory (and recorded incomplete by the caller).
    static let idleLimit: Duration = .seconds(3600)

    /// Keeps a newly started run while it waits for replies; returns the runs idle longer than ``idleLimit``, now
    /// forgotten, for the caller to record as incomplete.
    func add(_ run: LiveRun, now: ContinuousClock.Instant = .now) -> [LiveRun] {
        let idle = runs.keys.filter { !busy.contains($0) && (touched[$0].map { now - $0 > Self.idleLimit } ?? true) }
        let expired = idle.compactMap { runs.removeValue(forKey: $0) }
        for id in idle { touched[id] = nil }
        if run.play.runner.isAwaitingReply {
            runs[run.play.run.id] = run
            touched[run.play.run.id] = now
        }
        return expired
    }

    /// The run as it stands (also while a reply to it is processed).
    func peek(_ id: RunID) -> LiveRun? { runs[id] }

    /// Reserves the run for one reply.
    func checkOut(_ id: RunID) -> Lookup {
        guard let run = runs[id] else { return .absent }
        guard !busy.contains(id) else { return .busy }
        busy.insert(id)
        return .live(run)
    }

    /// Returns a checked-out run with its new state; a finished run is forgotten.
    func checkIn(_ run: LiveRun) {
        let id = run.play.run.id
        busy.remove(id)
        runs[id] = run.play.runner.isAwaitingReply ? run : nil
        touched[id] = runs[id] == nil ? nil : .now
    }
}

/// A live run as the JSON API shows it (`GET /api/runs/{id}`, `POST /api/scenarios/{reference}/runs`). Exam mode
/// carries no per-reply feedback until the run is over.
struct LiveRunState: Codable, Sendable {
    /// The stored run's id.
    var run: RunID
    /// 1 for the person's first run of the scenario, and so on.
    var attempt: Int
    /// Scenario id.
    var scenario: String
    /// Language version.
    var language: String
    /// The scenario's title.
    var title: String
    /// Practice or exam.
    var mode: PlayMode
    /// Always in progress while the run is live.
    var status: ScenarioRunStatus
    /// The conversation so far.
    var turns: [Turn]
    /// The customer's line waiting for a reply.
    var pending: CustomerLine?
    /// Seconds left to reply in time, when the step is timed.
    var secondsLeft: Double?
    /// Checked replies (practice mode only).
    var feedback: [ReplyRecord]
    /// The result, when the run ended at once.
    var finished: ScenarioRunResult?

    enum CodingKeys: String, CodingKey {
        case run, attempt, scenario, language, title, mode, status, turns, pending, feedback, finished
        case secondsLeft = "seconds_left"
    }

    /// The state of `live`.
    init(_ live: LiveRun, finished: ScenarioRunResult? = nil) {
        let runner = live.play.runner
        run = live.play.run.id
        attempt = live.play.run.attemptNumber
        scenario = runner.scenario.id
        language = runner.scenario.language
        title = runner.scenario.title
        mode = live.play.run.mode
        status = finished == nil ? .inProgress : live.play.run.status
        turns = runner.turns
        pending = live.pending
        secondsLeft = live.secondsLeft
        feedback = mode == .practice || finished != nil ? runner.replies : []
        self.finished = finished
    }
}

/// What one reply brought (`POST /api/runs/{id}/replies`, and `POST /runs/{id}/reply` with `Accept:
/// application/json`): the customer's next lines, the checked reply in practice mode, and the result once over.
struct ReplyOutcome: Codable, Sendable {
    /// The run.
    var run: RunID
    /// Practice or exam.
    var mode: PlayMode
    /// The customer's new lines.
    var customer: [CustomerLine]
    /// The checked reply (practice mode; exam mode shows nothing until the end).
    var feedback: [ReplyRecord]
    /// Seconds left to answer the next line in time, when the step is timed.
    var secondsLeft: Double?
    /// The result, once the run is over (as `kefu scenario play --format json` prints it).
    var finished: ScenarioRunResult?

    enum CodingKeys: String, CodingKey {
        case run, mode, customer, feedback, finished
        case secondsLeft = "seconds_left"
    }
}

/// The JSON body of `POST /api/scenarios/{reference}/runs`.
struct StartRequest: Decodable {
    /// `practice` or `exam` (default practice).
    var mode: String?
}

/// The JSON body of `POST /api/runs/{id}/replies`.
struct ReplyRequest: Decodable {
    /// The reply.
    var text: String
    /// The transcript index of the customer line being answered (optional; a stale one is refused).
    var turn: Int?
}

extension WebRoutes {
    /// The answer to a run id that is missing, unreadable by the person, or guessed: always the same.
    static let runNotFound = WebError(.notFound, "no such scenario run")

    /// Scenario chat (pages and JSON API).
    func addScenarioRoutes(to router: Router<WebContext>) {
        router.post("/scenarios/{reference}/start") { request, context -> Response in
            let form = try await readForm(request)
            let live = try await startRun(
                try context.parameters.require("reference"), mode: form["mode"], by: try context.signedIn())
            return Pages.redirect("/runs/\(live.play.run.id)")
        }
        router.post("/api/scenarios/{reference}/runs") { request, context -> Response in
            let identity = try context.signedIn()
            let body = try await decodeJSON(StartRequest.self, request, context: context)
            let live = try await startRun(try context.parameters.require("reference"), mode: body.mode, by: identity)
            return try Pages.json(LiveRunState(live, finished: Self.result(of: live)), status: .created)
        }
        router.get("/runs/{id}") { _, context -> Response in
            try await runPage(try Self.runID(context), context: context)
        }
        router.get("/api/runs/{id}") { _, context -> Response in
            let identity = try context.signedIn()
            let id = try Self.runID(context)
            if let live = await plays.peek(id), live.play.run.personID == identity.person {
                return try Pages.json(LiveRunState(live))
            }
            return try Pages.json(try await storedRun(id, by: identity))
        }
        router.post("/runs/{id}/reply") { request, context -> Response in
            try await replyFromForm(request, context: context)
        }
        router.post("/api/runs/{id}/replies") { request, context -> Response in
            let body = try await decodeJSON(ReplyRequest.self, request, context: context)
            let outcome = try await reply(
                try Self.runID(context), text: body.text, turn: body.turn, by: try context.signedIn())
            return try Pages.json(outcome)
        }
    }

    /// The run id of the path; anything else is the same "not found" as a missing run.
    static func runID(_ context: WebContext) throws -> RunID {
        guard let text = context.parameters.get("id"), let value = Int64(text), value > 0 else { throw runNotFound }
        return RunID(value)
    }

    /// Decodes a JSON request body (an empty body reads as `{}`), or answers 400 naming what is wrong.
    func decodeJSON<T: Decodable>(_ type: T.Type, _ request: Request, context: WebContext) async throws -> T {
        var request = request
        var body = try await request.collectBody(upTo: configuration.maxBodyBytes)
        if body.readableBytes == 0 { body = ByteBuffer(string: "{}") }
        do { return try JSONDecoder().decode(type, from: Data(String(buffer: body).utf8)) } catch {
            throw WebError.badRequest("the request body is not the JSON this route expects: \(error)")
        }
    }

    /// Starts a run with the server's continuous clock and keeps it in memory.
    func startRun(_ reference: String, mode text: String?, by identity: Identity) async throws -> LiveRun {
        guard let mode = PlayMode(rawValue: text ?? "practice") else {
            throw WebError(.unprocessableContent, "mode must be `practice` or `exam`")
        }
        let (play, actions) = try await services.scenarios.start(
            reference, mode: mode, clock: ContinuousClock(), by: identity)
        let live = LiveRun(play: play, pending: Self.pending(actions))
        for idle in await plays.add(live) {
            // Kefu itself ends a run its trainee left for an hour (recorded incomplete, not evidence).
            let owner = Identity(person: idle.play.run.personID, roles: [.trainee], channel: .system)
            _ = try? await services.scenarios.abandon(run: idle.play.run.id, reason: "abandoned", by: owner)
        }
        return live
    }

    /// The line waiting for a reply after `actions`, nil when the run is over.
    static func pending(_ actions: [ScenarioAction]) -> CustomerLine? {
        var pending: CustomerLine?
        for action in actions {
            switch action {
            case .customerSays(let line): pending = line.expectsReply ? line : nil
            case .finished: pending = nil
            case .replyChecked: break
            }
        }
        return pending
    }

    /// The result of a run that is over, nil while it is live.
    static func result(of live: LiveRun) -> ScenarioRunResult? {
        live.play.runner.report.map {
            ScenarioRunResult(run: live.play.run.id, attempt: live.play.run.attemptNumber, report: $0)
        }
    }

    /// The chat page of a live run of the person's own, else the stored transcript (the policy decides who reads it).
    func runPage(_ id: RunID, context: WebContext, error: String? = nil) async throws -> Response {
        let identity = try context.signedIn()
        if let live = await plays.peek(id), live.play.run.personID == identity.person {
            var data = ScenarioView.chat(live, locale: context.locale, locales: pages.locales)
            if let error { data["error"] = error }
            return try pages.render("chat", data, context: context, status: error == nil ? .ok : .unprocessableContent)
        }
        let transcript = try await storedRun(id, by: identity)
        return try pages.render(
            "transcript", ScenarioView.transcript(transcript, locale: context.locale, locales: pages.locales),
            context: context)
    }

    /// A stored run the person may read. The person's own run still in progress with no play in memory (the server
    /// restarted) is recorded incomplete first.
    func storedRun(_ id: RunID, by identity: Identity) async throws -> ScenarioTranscript {
        let transcript = try await readRun(id, by: identity)
        guard transcript.run.status == .inProgress, transcript.run.personID == identity.person,
            await plays.peek(id) == nil
        else { return transcript }
        // A reply may have finished the run meanwhile (conflict): the stored run is read again either way.
        _ = try? await services.scenarios.abandon(run: id, reason: "interrupted", by: identity)
        return try await readRun(id, by: identity)
    }

    /// The stored run, or the uniform "not found".
    func readRun(_ id: RunID, by identity: Identity) async throws -> ScenarioTranscript {
        do { return try await services.scenarios.transcript(id, by: identity) } catch let error as ServiceError
            where error.code == .notFound
        {
            throw Self.runNotFound
        }
    }

    /// `POST /runs/{id}/reply`: JSON for chat.js (`Accept: application/json`), else back to the page.
    func replyFromForm(_ request: Request, context: WebContext) async throws -> Response {
        let identity = try context.signedIn()
        let id = try Self.runID(context)
        let form = try await readForm(request)
        let text = form["reply"] ?? ""
        let turn = form["turn"].flatMap { Int($0) }
        if ErrorPageMiddleware.wantsJSON(request) {
            return try Pages.json(try await reply(id, text: text, turn: turn, by: identity))
        }
        do {
            _ = try await reply(id, text: text, turn: turn, by: identity)
        } catch let error as WebError where error.status == .unprocessableContent {
            return try await runPage(id, context: context, error: error.message)
        } catch let error as WebError where error.status == .conflict && error.message == Self.staleReply.message {
            // A form sent twice (back button, double click): show where the run stands.
        }
        return Pages.redirect("/runs/\(id)")
    }

    /// A reply to a line that was already answered.
    static let staleReply = WebError(
        .conflict, "this line was already answered; reload the page to see where the run stands")

    /// Takes a reply to a live run of the person's own: saved, checked, answered with the customer's next lines.
    func reply(_ id: RunID, text: String, turn: Int?, by identity: Identity) async throws -> ReplyOutcome {
        if let live = await plays.peek(id) {
            guard live.play.run.personID == identity.person else { throw Self.runNotFound }
        } else {
            let stored = try await storedRun(id, by: identity)
            guard stored.run.personID == identity.person else {
                throw WebError(.forbidden, "only the trainee who plays a run replies to it")
            }
            throw WebError(
                .conflict,
                stored.run.status == .incomplete && stored.run.outcome == "interrupted"
                    ? "this run was interrupted (the server restarted) and is recorded incomplete; start a new run"
                    : "this run has ended; replies are closed")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw WebError(.unprocessableContent, "write a reply first") }
        guard case .live(var live) = await plays.checkOut(id) else {
            throw WebError(.conflict, "a reply to this run is already being processed; wait a moment")
        }
        if let turn, turn != live.pending?.turn {
            await plays.checkIn(live)
            throw Self.staleReply
        }
        let actions: [ScenarioAction]
        do { actions = try await services.scenarios.reply(&live.play, trimmed, by: identity) } catch {
            await plays.checkIn(live)
            throw error
        }
        live.pending = Self.pending(actions)
        await plays.checkIn(live)
        return Self.outcome(live, actions: actions)
    }

    /// What `actions` show the trainee: exam mode keeps the checks back until the end.
    static func outcome(_ live: LiveRun, actions: [ScenarioAction]) -> ReplyOutcome {
        var customer: [CustomerLine] = []
        var feedback: [ReplyRecord] = []
        for action in actions {
            switch action {
            case .customerSays(let line): customer.append(line)
            case .replyChecked(let record): if live.play.run.mode == .practice { feedback.append(record) }
            case .finished: break
            }
        }
        return ReplyOutcome(
            run: live.play.run.id, mode: live.play.run.mode, customer: customer, feedback: feedback,
            secondsLeft: live.secondsLeft, finished: result(of: live))
    }
}
