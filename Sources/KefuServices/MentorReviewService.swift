import Foundation
import KefuContent
import KefuCore
import KefuExams
import KefuScenarios
import KefuStorage
import KefuStore

/// Mentors reviewing their apprentices' work: a queue of scenario transcripts (and essays waiting for a mark), the
/// transcript with its automatic verdicts and evidence, notes on turns, overridden verdicts (with a reason; the
/// automatic verdict is kept) and a sign-off, which is certification evidence. Mentors see only their own apprentices.
public struct MentorReviewService: Sendable {
    /// The database.
    public let database: KefuDatabase
    /// The content.
    public let repository: ContentRepository
    /// Wall-clock time (injected so tests control it).
    public let now: @Sendable () -> Date

    /// Creates the service.
    public init(database: KefuDatabase, repository: ContentRepository, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.repository = repository
        self.now = now
    }

    /// Something waiting for the mentor.
    public enum QueueItem: Sendable {
        /// A stored scenario run not yet signed off.
        case transcript(ScenarioRunRecord)
        /// An essay answer waiting for a mark.
        case essay(PendingGrade)
    }

    /// The mentor's active apprentices.
    func apprentices(of mentor: String) throws -> Set<String> {
        Set(try database.mentorships(person: mentor, activeOnly: true).filter { $0.mentorID == mentor }.map(\.apprenticeID))
    }

    /// Throws unless `mentor` is the active mentor of `apprentice`.
    func requireMentor(_ mentor: String, of apprentice: String) throws {
        guard try apprentices(of: mentor).contains(apprentice) else {
            throw ServiceError("`\(mentor)` is not the mentor of `\(apprentice)`: mentors see and review only their own apprentices' work")
        }
    }

    /// What waits for `mentor`: their apprentices' transcripts not yet signed off (oldest first), then essays to mark.
    public func queue(mentor: String) throws -> [QueueItem] {
        guard try database.person(mentor) != nil else { throw ServiceError("no person with id `\(mentor)`") }
        let mine = try apprentices(of: mentor)
        let signed = try database.signedOffRuns()
        var items: [QueueItem] = try database.scenarioRuns(limit: 100_000).reversed()
            .filter { mine.contains($0.personID.rawValue) && $0.status != .inProgress && !signed.contains($0.id.rawValue) }
            .map { .transcript($0) }
        let essays = try ExamService(database: database, repository: repository, now: now).gradingQueue()
        items += essays.filter { mine.contains($0.attempt.personID.rawValue) }.map { .essay($0) }
        return items
    }

    /// A transcript under review.
    public struct Review: Sendable {
        /// The run, transcript and automatic report.
        public var transcript: ScenarioService.Transcript
        /// Notes on turns.
        public var annotations: [TranscriptAnnotation]
        /// Overridden verdicts.
        public var overrides: [TranscriptOverride]
        /// Signed off already.
        public var isSignedOff: Bool
    }

    /// The transcript `run` with its review, for its apprentice's mentor.
    public func review(_ run: Int64, mentor: String) throws -> Review {
        let transcript = try ScenarioService(database: database, repository: repository, now: now).transcript(run)
        try requireMentor(mentor, of: transcript.run.personID.rawValue)
        let (annotations, overrides) = try database.review(of: run)
        return Review(transcript: transcript, annotations: annotations, overrides: overrides, isSignedOff: try database.signedOffRuns().contains(run))
    }

    /// Adds a note to turn `turn` of `run`.
    public func annotate(_ run: Int64, turn: Int, note: String, mentor: String) throws {
        let current = try review(run, mentor: mentor)
        guard current.transcript.interaction.turns.indices.contains(turn) else {
            throw ServiceError("transcript \(run) has turns 0–\(current.transcript.interaction.turns.count - 1), not \(turn)")
        }
        guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ServiceError("a note needs text") }
        try database.addAnnotation(run: run, turn: turn, mentor: mentor, note: note, at: LedgerService.timestamp(now()))
    }

    /// Overrides the automatic verdict of check `check` on the reply at `turn`, with a reason (logged; the automatic
    /// verdict is kept beside it).
    public func override(_ run: Int64, turn: Int, check: String, verdict: String, reason: String, mentor: String) throws {
        guard ["pass", "fail"].contains(verdict) else { throw ServiceError("a mentor's verdict is pass or fail") }
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ServiceError("an override needs a reason") }
        let current = try review(run, mentor: mentor)
        guard let reply = current.transcript.report?.replies.first(where: { $0.turn == turn }) else {
            let turns = current.transcript.report?.replies.map { String($0.turn) }.joined(separator: ", ") ?? ""
            throw ServiceError("turn \(turn) of transcript \(run) is not a checked reply; replies are turns \(turns)")
        }
        guard let automatic = reply.checks.first(where: { $0.id == check }) else {
            throw ServiceError("the reply at turn \(turn) has no check `\(check)`; it has \(reply.checks.map(\.id).joined(separator: ", "))")
        }
        try database.addOverride(run: run, turn: turn, check: check, automatic: automatic.verdict.rawValue, verdict: verdict, reason: reason,
                                 mentor: mentor, at: LedgerService.timestamp(now()))
    }

    /// Signs off a complete transcript for `certification`: it leaves the queue and the sign-off counts as evidence.
    @discardableResult
    public func signOff(_ run: Int64, certification: String, note: String, mentor: String) throws -> Int64 {
        let current = try review(run, mentor: mentor)
        guard current.transcript.run.status == .complete else {
            throw ServiceError("transcript \(run) is \(current.transcript.run.status.rawValue): only complete runs are signed off")
        }
        guard (try? repository.certificationRules())?.contains(where: { $0.id == certification }) ?? true else {
            throw ServiceError("unknown certification `\(certification)`; see Tracks/certifications.yaml")
        }
        let text = "transcript \(run)" + (note.isEmpty ? "" : ": \(note)")
        return try database.signOffTranscript(run: run, SignOff(personID: current.transcript.run.personID.rawValue, mentorID: mentor,
                                                                certification: certification, signedAt: LedgerService.timestamp(now()), note: text))
    }
}
