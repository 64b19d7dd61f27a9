public import KefuCore

/// Mentorships and mentors' transcript reviews.
public protocol MentoringStore: Sendable {
    /// Mentorships, oldest first: all, or those of `person` (as apprentice or mentor), or only the active ones.
    func mentorships(of person: PersonID?, activeOnly: Bool) async throws -> [MentorshipRecord]

    /// People, active pairs and the ledger, read together for an assignment.
    func assignmentSnapshot() async throws -> MentoringSnapshot

    /// Ends `endings` and stores `pairs` in one transaction, returning the stored pairs with their ids.
    /// Fails with ``StorageError/Code/conflict``, writing nothing, when an apprentice already has an
    /// active mentor (someone assigned meanwhile).
    func recordAssignment(
        ending endings: [MentorshipEnding], adding pairs: [MentorshipRecord], at time: String
    ) async throws -> [MentorshipRecord]

    /// One run of an apprentice, or nil.
    func run(_ id: RunID) async throws -> ScenarioRunRecord?

    /// The notes, overrides and sign-off state of a run.
    func review(of run: RunID) async throws -> TranscriptReviewRecord

    /// Stores a note; returns it with its id.
    func addAnnotation(_ annotation: TranscriptAnnotation) async throws -> TranscriptAnnotation

    /// Stores an override; returns it with its id.
    func addOverride(_ override: TranscriptOverride) async throws -> TranscriptOverride

    /// Signs off a transcript: a sign-off (certification evidence) and the transcript's sign-off, in
    /// one transaction. Returns the sign-off's id. ``StorageError/Code/conflict`` when already signed off.
    func signOff(_ signOff: TranscriptSignOff) async throws -> Int64

    /// What waits for `mentor`: their active apprentices' finished, unsigned runs and submitted exam attempts.
    func queue(mentor: PersonID) async throws -> MentorQueueRecord
}
