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

    /// The scorer of rubric `reference` (an id or a path inside the content root), compiled once per process and
    /// compiled again when a rubric or the clause catalogue changes on disk (the web app scores on every review page).
    func qaScorer(_ reference: String) throws -> Scorer {
        let root = content.root
        let stamp = ScorerCache.stamp(root, reference: reference)
        let key = root.path + "|" + reference
        if let cached = ScorerCache.shared.get(key, stamp: stamp) { return cached }
        do {
            let scorer = try ScoreService(repository: content).scorer(rubric: reference)
            ScorerCache.shared.put(key, stamp: stamp, scorer)
            return scorer
        } catch {
            throw ServiceError(.invalidInput, error.description)
        }
    }

    /// Now, as stored timestamps are written.
    var qaTimestamp: String { LedgerService.timestamp(clock.now()) }
}

/// Compiled rubric scorers by content root and reference, with the on-disk state they were compiled from.
final class ScorerCache: @unchecked Sendable {
    static let shared = ScorerCache()
    private let lock = NSLock()
    private var entries: [String: (stamp: String, scorer: Scorer)] = [:]

    func get(_ key: String, stamp: String) -> Scorer? {
        lock.withLock { entries[key].flatMap { $0.stamp == stamp ? $0.scorer : nil } }
    }

    func put(_ key: String, stamp: String, _ scorer: Scorer) {
        lock.withLock {
            if entries.count > 64 { entries.removeAll() }
            entries[key] = (stamp, scorer)
        }
    }

    /// Names, sizes and modification times of the rubric files, the clause catalogue and a rubric named by its
    /// path: any edit changes it.
    static func stamp(_ root: URL, reference: String) -> String {
        let manager = FileManager.default
        var parts: [String] = []
        // A rubric named by its path may live outside Rubrics/.
        let own = root.appendingPathComponent(reference)
        if let attributes = try? manager.attributesOfItem(atPath: own.path) {
            let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
            let time = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            parts.append("\(reference):\(size):\(time)")
        }
        let folders = [root.appendingPathComponent("Rubrics"), root.appendingPathComponent("Policies")]
        for folder in folders {
            let names = ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                let attributes = try? manager.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
                let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
                let time = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                parts.append("\(folder.lastPathComponent)/\(name):\(size):\(time)")
            }
        }
        return parts.joined(separator: ";")
    }
}
