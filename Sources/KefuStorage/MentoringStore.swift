public import KefuCore

/// Mentorships and mentors' transcript reviews.
public protocol MentoringStore: Sendable {
}
