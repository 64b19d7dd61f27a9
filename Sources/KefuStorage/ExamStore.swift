public import KefuCore

/// Exam attempts: papers, responses, manual grades, retraining flags.
public protocol ExamStore: Sendable {
}
