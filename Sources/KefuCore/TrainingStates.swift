/// Where an exam attempt is.
public enum ExamAttemptStatus: String, Codable, Sendable, CaseIterable, Hashable {
    /// Being taken: answers can still change.
    case inProgress = "in-progress"
    /// Submitted; essays wait for a grader.
    case submitted
    /// Every mark given: pass or fail is known and the attempt is evidence.
    case graded
}

/// Why an exam attempt was submitted.
public enum ExamSubmitReason: String, Codable, Sendable, CaseIterable, Hashable {
    /// The candidate submitted.
    case candidate
    /// Time ran out.
    case deadline
}

/// Where a stored scenario run is.
public enum ScenarioRunStatus: String, Codable, Sendable, CaseIterable, Hashable {
    /// Still waiting for replies.
    case inProgress = "in-progress"
    /// Ended at an end step, the turn limit, or a missing branch: certification evidence.
    case complete
    /// Stopped early (end of input, interrupt); never evidence.
    case incomplete
}

/// How a scenario is played.
public enum PlayMode: String, Codable, Sendable, CaseIterable, Hashable {
    /// Checks are shown after each reply.
    case practice
    /// Checks are shown at the end.
    case exam
}
