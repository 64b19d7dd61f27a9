import Foundation
import KefuContent
public import KefuCore
import KefuExams
import KefuRubrics
public import KefuScenarios
public import KefuStorage
import KefuTracks

/// Something waiting for a mentor.
public enum MentorQueueItem: Sendable, Hashable, Codable {
    /// A finished scenario run of an apprentice, not yet signed off.
    case transcript(MentorQueueRun)
    /// An essay answer of an apprentice waiting for a mark.
    case essay(MentorQueueEssay)
}

/// A transcript in a mentor's queue.
public struct MentorQueueRun: Sendable, Hashable, Codable {
    /// The run.
    public var run: RunID
    /// The apprentice.
    public var person: PersonID
    /// Scenario id.
    public var scenario: ScenarioID
    /// Language.
    public var language: String
    /// `practice` or `exam`.
    public var mode: String
    /// How the run ended (`complete`, `abandoned`, …).
    public var status: String
    /// The ending reached.
    public var outcome: String?
    /// Score.
    public var score: Figure
    /// When it started.
    public var startedAt: String
}

/// An essay in a mentor's queue.
public struct MentorQueueEssay: Sendable, Hashable, Codable {
    /// The exam attempt.
    public var attempt: ExamAttemptID
    /// Position of the question in the paper (0-based).
    public var position: Int
    /// The apprentice.
    public var person: PersonID
    /// The blueprint.
    public var blueprint: BlueprintID
}

/// What waits for one mentor.
public struct MentorQueue: Sendable, Hashable, Codable {
    /// The mentor.
    public var mentor: PersonID
    /// Transcripts (oldest first), then essays.
    public var items: [MentorQueueItem]
}

/// A transcript under a mentor's review: the run, the conversation, the automatic report, notes and overrides.
public struct MentorTranscript: Sendable, Hashable, Codable {
    /// The run.
    public var run: ScenarioRunRecord
    /// The conversation in Kefu's interaction format.
    public var interaction: Interaction
    /// The automatic report (for runs in progress: as far as it got).
    public var report: RunReport?
    /// Notes on turns.
    public var annotations: [TranscriptAnnotation]
    /// Overridden verdicts.
    public var overrides: [TranscriptOverride]
    /// Signed off already.
    public var isSignedOff: Bool
}

/// A stored sign-off of a transcript.
public struct TranscriptSignOffResult: Sendable, Hashable, Codable {
    /// The transcript.
    public var run: RunID
    /// The certification it counts for.
    public var certification: CertificationID
    /// The sign-off's id (certification evidence).
    public var signOff: Int64
}

/// Mentors reviewing their apprentices' work: a queue of scenario transcripts (and essays waiting for a mark), the
/// transcript with its automatic verdicts and evidence, notes on turns, overridden verdicts (with a reason; the
/// automatic verdict is kept) and a sign-off, which is certification evidence. Mentors see only their own apprentices.
public struct MentorReviewService: Sendable {
    /// Storage, content and clock.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// What waits for `mentor`: their apprentices' transcripts not yet signed off (oldest first), then essays to mark.
    ///
    /// A mentor reads their own queue; supervisors, managers and administrators may read anyone's.
    public func queue(mentor: PersonID, by actor: Identity) async throws -> MentorQueue {
        if mentor != actor.person {
            guard !actor.roles.isDisjoint(with: [.supervisor, .manager, .admin]) else {
                throw ServiceError(.forbidden, "\(actor.person) may read only their own review queue")
            }
        }
        let record = try await translatingStorageErrors {
            guard try await environment.storage.people.person(mentor) != nil else {
                throw ServiceError.notFound(mentor)
            }
            return try await environment.storage.mentoring.queue(mentor: mentor)
        }
        var items: [MentorQueueItem] = record.runs.map {
            .transcript(
                MentorQueueRun(
                    run: $0.id, person: $0.personID, scenario: $0.scenario, language: $0.language,
                    mode: $0.mode.rawValue,
                    status: $0.status.rawValue,
                    outcome: $0.outcome, score: Figure($0.score), startedAt: $0.startedAt))
        }
        for attempt in record.examAttempts {
            guard let text = attempt.marking,
                let marking = try? JSONDecoder().decode(Marking.self, from: Data(text.utf8))
            else { continue }
            for item in marking.items
            where item.grade.state == .needsGrading && !attempt.gradedPositions.contains(item.position) {
                items.append(
                    .essay(
                        MentorQueueEssay(
                            attempt: attempt.id, position: item.position, person: attempt.personID,
                            blueprint: attempt.blueprint)))
            }
        }
        return MentorQueue(mentor: mentor, items: items)
    }

    /// The transcript `run` with its review: for its trainee, their current mentor, leads and administrators (anyone
    /// else is told it does not exist); `action` is what the actor means to do with it (read, review, sign off).
    public func review(
        _ run: RunID, for action: Action = .viewTranscript, by actor: Identity
    ) async throws
        -> MentorTranscript
    {
        try await translatingStorageErrors {
            let store = try environment.storage.mentoring
            guard let stored = try await store.run(run) else { throw ServiceError.notFound(run) }
            let subject = try await environment.subject(stored.personID)
            try AccessPolicy.requireVisible(
                actor, .viewTranscript, on: subject, notFound: ServiceError.notFound(run).message)
            if action != .viewTranscript {
                let decision = AccessPolicy.decide(actor, action, on: subject)
                guard decision.allowed else {
                    throw ServiceError(
                        .forbidden,
                        "\(decision.reason) (transcripts are reviewed by the trainee's current mentor or a supervisor)",
                        hint: .init("mentor.queue", ["mentor": actor.person.rawValue]))
                }
            }
            let review = try await store.review(of: run)
            let decoder = JSONDecoder()
            let interaction =
                (try? decoder.decode(Interaction.self, from: Data(stored.transcript.utf8)))
                ?? Interaction(id: "run-\(stored.id)", channel: .chat, agent: stored.personID.rawValue, turns: [])
            return MentorTranscript(
                run: stored, interaction: interaction,
                report: try? decoder.decode(RunReport.self, from: Data(stored.report.utf8)),
                annotations: review.annotations, overrides: review.overrides, isSignedOff: review.isSignedOff)
        }
    }

    /// Adds the acting mentor's note to turn `turn` of `run`.
    @discardableResult
    public func annotate(_ run: RunID, turn: Int, note: String, by actor: Identity) async throws -> TranscriptAnnotation
    {
        let note = try AuditMasking.maskFreeText(note, what: "the note")
        let current = try await review(run, for: .reviewTranscript, by: actor)
        guard current.interaction.turns.indices.contains(turn) else {
            throw ServiceError(
                .invalidInput, "transcript \(run) has turns 0–\(current.interaction.turns.count - 1), not \(turn)")
        }
        guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ServiceError(.invalidInput, "a note needs text")
        }
        let annotation = TranscriptAnnotation(
            runID: run, turn: turn, mentorID: actor.person, note: note,
            at: LedgerService.timestamp(environment.clock.now()))
        let stored = try await translatingStorageErrors {
            try await environment.storage.mentoring.addAnnotation(annotation)
        }
        try await environment.audit(
            actor, "mentor.annotate", subject: "run \(run)", detail: ["turn": String(turn), "note": note])
        return stored
    }

    /// Overrides the automatic verdict of check `check` on the reply at `turn`, with a reason (logged; the automatic
    /// verdict is kept beside it).
    @discardableResult
    public func override(
        _ run: RunID, turn: Int, check: String, verdict: MentorVerdict, reason: String, by actor: Identity
    ) async throws
        -> TranscriptOverride
    {
        let reason = try AuditMasking.maskFreeText(reason, what: "the override reason")
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ServiceError(.invalidInput, "an override needs a reason")
        }
        let current = try await review(run, for: .reviewTranscript, by: actor)
        guard let reply = current.report?.replies.first(where: { $0.turn == turn }) else {
            let turns = current.report?.replies.map { String($0.turn) }.joined(separator: ", ") ?? ""
            throw ServiceError(
                .invalidInput, "turn \(turn) of transcript \(run) is not a checked reply; replies are turns \(turns)")
        }
        guard let automatic = reply.checks.first(where: { $0.id == check }) else {
            throw ServiceError(
                .invalidInput,
                "the reply at turn \(turn) has no check `\(check)`; it has \(reply.checks.map(\.id).joined(separator: ", "))"
            )
        }
        let record = TranscriptOverride(
            runID: run, turn: turn, checkID: check, automatic: automatic.verdict.rawValue, verdict: verdict,
            reason: reason,
            mentorID: actor.person, at: LedgerService.timestamp(environment.clock.now()))
        let stored = try await translatingStorageErrors { try await environment.storage.mentoring.addOverride(record) }
        try await environment.audit(
            actor, "mentor.override", subject: "run \(run)",
            detail: [
                "turn": String(turn), "check": check, "automatic": automatic.verdict.rawValue,
                "verdict": verdict.rawValue, "reason": reason,
            ])
        return stored
    }

    /// Signs off a complete transcript for `certification`: it leaves the queue and the sign-off counts as evidence.
    @discardableResult
    public func signOff(
        _ run: RunID, certification: CertificationID, note: String, by actor: Identity
    ) async throws -> TranscriptSignOffResult {
        let note = try AuditMasking.maskFreeText(note, what: "the sign-off note")
        let current = try await review(run, for: .signOff, by: actor)
        guard current.run.status == .complete else {
            throw ServiceError(
                .precondition, "transcript \(run) is \(current.run.status): only complete runs are signed off")
        }
        guard
            (try? environment.content.certificationRules())?.contains(where: { $0.id == certification.rawValue })
                ?? true
        else {
            throw ServiceError(
                .invalidInput,
                "unknown certification `\(certification)`; the certifications are defined in Tracks/certifications.yaml"
            )
        }
        let text = "transcript \(run)" + (note.isEmpty ? "" : ": \(note)")
        let signOff = TranscriptSignOff(
            run: run, personID: current.run.personID, mentorID: actor.person, certification: certification,
            signedAt: LedgerService.timestamp(environment.clock.now()), note: text)
        let id = try await translatingStorageErrors { try await environment.storage.mentoring.signOff(signOff) }
        try await environment.audit(
            actor, "mentor.sign-off", subject: "run \(run)",
            detail: ["person": current.run.personID.rawValue, "certification": certification.rawValue, "note": note])
        return TranscriptSignOffResult(run: run, certification: certification, signOff: id)
    }
}
