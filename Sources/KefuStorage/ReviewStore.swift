public import KefuCore

/// Performance reviews: KPI feedback, review cycles and scorecards, and the cross-aggregate reads promotion rules need.
public protocol ReviewStore: Sendable {
}
