import Foundation
public import KefuCore
import KefuRegex
import KefuRubrics
import KefuStorage
import Logging

/// Scores a sample (or every imported interaction) with a rubric; each score is pinned to the rubric
/// version (SHA-256) that produced it, and re-scoring with a new version keeps the old.
public struct QAScoreService: Sendable {
    /// The environment.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// What scoring did.
    public struct Outcome: Sendable, Hashable, Codable {
        /// The rubric.
        public var rubric: RubricID
        /// Its version (SHA-256 of the source).
        public var rubricVersion: String
        /// The sample scored, or nil for every interaction.
        public var sample: SampleID?
        /// Interactions newly scored.
        public var scored: Int
        /// Interactions already scored with this version.
        public var unchanged: Int
    }

    /// Scores the members of `sample` (every interaction when nil) with rubric `rubric` (an id or a path).
    public func score(rubric: String, sample: SampleID? = nil, by actor: Identity) async throws -> Outcome {
        try AccessPolicy.require(actor, .scoreInteractions)
        let scorer = try environment.qaScorer(rubric)
        let version = scorer.rubric.sourceHash
        let rubricID = RubricID(scorer.rubric.id)
        let scoredAt = environment.qaTimestamp
        let store = try environment.qaStore
        let scratch = ScratchBox()
        let count: QAScoringCount
        do {
            count = try await store.scoreInteractions(sample: sample, rubricVersion: version) { interaction in
                try Self.record(
                    scorer.score(interaction, scratch: scratch.scratch), rubric: rubricID, version: version,
                    at: scoredAt)
            }
        } catch let error as StorageError where error.code == .notFound {
            throw ServiceError(.notFound, "no sample `\(sample?.rawValue ?? "")`", hint: .init("qa.sample"))
        } catch let error as StorageError {
            throw ServiceError(error)
        }
        try await environment.audit(
            actor, "qa.score", subject: sample.map { "sample \($0)" } ?? "all interactions",
            detail: ["rubric": rubricID.rawValue, "scored": String(count.scored)])
        environment.logger.debug(
            "qa score", metadata: ["rubric": "\(rubricID)", "scored": "\(count.scored)", "actor": "\(actor.auditName)"])
        return Outcome(
            rubric: rubricID, rubricVersion: version, sample: sample, scored: count.scored, unchanged: count.unchanged)
    }

    /// The stored form of a result (item results as sorted-key JSON, as always stored).
    static func record(_ result: ScoreResult, rubric: RubricID, version: String, at: String) throws -> QAScoreRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let items = String(decoding: try encoder.encode(result.items), as: UTF8.self)
        return QAScoreRecord(
            interaction: InteractionID(result.interaction), rubric: rubric, rubricVersion: version, score: result.score,
            passed: result.passed,
            criticalFailed: result.criticalFailed, itemsJSON: items, scoredAt: at)
    }

    /// The stored automatic score as a rubric result.
    static func result(_ record: QAScoreRecord) throws -> ScoreResult {
        let items: [ItemResult]
        do { items = try JSONDecoder().decode([ItemResult].self, from: Data(record.itemsJSON.utf8)) } catch {
            throw ServiceError(.unavailable, "the stored score of \(record.interaction) is damaged")
        }
        return ScoreResult(
            interaction: record.interaction.rawValue, rubric: record.rubric.rawValue,
            rubricVersion: record.rubricVersion, score: record.score,
            passed: record.passed, criticalFailed: record.criticalFailed, items: items)
    }
}

/// One match scratch for a store closure that runs sequentially inside one transaction.
final class ScratchBox: @unchecked Sendable {
    let scratch = MatchScratch()
}
