import Foundation
import KefuContent
import KefuCore
public import KefuRubrics
import KefuStorage

/// A reviewer's or supervisor's verdict on a rubric item (the automatic scorer may also say `error`).
public enum HumanVerdict: String, Sendable, Hashable, Codable, CaseIterable {
    /// The item is met.
    case pass
    /// The item is not met.
    case fail
    /// The item does not apply.
    case na

    /// The rubric verdict.
    public var verdict: Verdict {
        switch self {
        case .pass: return .pass
        case .fail: return .fail
        case .na: return .na
        }
    }
}

/// Where a final verdict came from.
public enum VerdictSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// The automatic scorer.
    case automatic
    /// A human reviewer.
    case human
}

/// The state of a dispute.
public enum DisputeStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for a team lead or above.
    case open
    /// Accepted: the item's verdict and the review's final score changed.
    case accepted
    /// Rejected: the item is locked against further disputes.
    case rejected
}

/// A decision on a dispute.
public enum DisputeDecision: String, Sendable, Hashable, Codable, CaseIterable {
    /// Accept: change the verdict and recompute the score.
    case accept
    /// Reject: keep the verdict and lock the item.
    case reject
}

/// What a QA audit-log entry records.
public enum QAAuditAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// A review was submitted.
    case reviewSubmit = "review.submit"
    /// A reviewer overrode an automatic verdict.
    case itemOverride = "item.override"
    /// A blind calibration review was submitted.
    case calibrationSubmit = "calibration.submit"
    /// A calibration session was opened.
    case calibrationCreate = "calibration.create"
    /// An agent disputed a verdict.
    case disputeOpen = "dispute.open"
    /// A dispute was accepted.
    case disputeAccept = "dispute.accept"
    /// A dispute was rejected.
    case disputeReject = "dispute.reject"
}

/// Lower-case hex of a digest.
func hexString<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for b in digest {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

extension KefuEnvironment {
    /// The QA store, with storage errors translated.
    var qaStore: any QAStore {
        get throws { try translatingStorageErrors { try storage.qa } }
    }

    /// The scorer of rubric `reference` (an id or a path inside the content root).
    func qaScorer(_ reference: String) throws -> Scorer {
        do { return try ScoreService(repository: content).scorer(rubric: reference) } catch {
            throw ServiceError(.invalidInput, error.description)
        }
    }

    /// Now, as stored timestamps are written.
    var qaTimestamp: String { LedgerService.timestamp(clock.now()) }
}
