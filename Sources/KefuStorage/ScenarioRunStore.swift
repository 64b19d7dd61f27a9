public import KefuCore

/// Scenario runs, saved after every reply.
public protocol ScenarioRunStore: Sendable {
}
