public import KefuCore

/// QA auditing: interactions (stored masked), samples, scores, reviews, disputes, calibration sessions, the QA audit log.
public protocol QAStore: Sendable {
}
