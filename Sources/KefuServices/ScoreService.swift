import Foundation
import KefuContent
import KefuCore
import KefuRegex
import KefuRubrics

/// The scoring use case: stream interactions in, score them on all cores, hand results out in input order.
public struct ScoreService: Sendable {
    /// The content.
    public let repository: ContentRepository

    /// Creates the service.
    public init(repository: ContentRepository) { self.repository = repository }

    /// One input line's outcome.
    public enum Outcome: Sendable {
        /// A scored interaction, with the interaction (for reports that show evidence in context).
        case scored(ScoreResult, Interaction)
        /// A line that is not a valid interaction.
        case invalid(InteractionDecoder.LineError)
        /// A blank line (skipped).
        case blank
    }

    /// Totals of a run.
    public struct Summary: Sendable, Equatable {
        /// Interactions scored.
        public var scored = 0
        /// Of which passed.
        public var passed = 0
        /// Lines that were not valid interactions.
        public var invalid = 0
        /// Items with verdict `error`.
        public var ruleErrors = 0
        /// Sum of scores (for the mean).
        public var scoreSum = 0.0
        /// Mean score.
        public var meanScore: Double { scored == 0 ? 0 : scoreSum / Double(scored) }
    }

    /// Loads a rubric by id or path and builds its scorer.
    public func scorer(rubric reference: String, usePrefilter: Bool = true) throws(ContentError) -> Scorer {
        Scorer(rubric: try repository.rubric(reference).rubric, usePrefilter: usePrefilter)
    }

    /// Scores every line of `reader` with `scorer`, in batches processed by `workers` threads, calling
    /// `emit` for each line in input order. Memory is bounded by the batch size, not the input size.
    public static func score(
        lines reader: LineReader, scorer: Scorer, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        batchLines: Int = 512, emit: (Int, Outcome) -> Void
    ) -> Summary {
        var summary = Summary()
        let workers = max(1, workers)
        var batch: [(Int, ArraySlice<UInt8>)] = []
        batch.reserveCapacity(batchLines)
        func flush() {
            let outcomes = scoreBatch(batch, scorer: scorer, workers: workers)
            for (index, outcome) in outcomes.enumerated() {
                switch outcome {
                case .scored(let result, _):
                    summary.scored += 1
                    if result.passed { summary.passed += 1 }
                    summary.scoreSum += result.score
                    summary.ruleErrors += result.items.filter { $0.verdict == .error }.count
                case .invalid: summary.invalid += 1
                case .blank: break
                }
                emit(batch[index].0, outcome)
            }
            batch.removeAll(keepingCapacity: true)
        }
        while let line = reader.next() {
            batch.append((reader.lineNumber, line))
            if batch.count >= batchLines { flush() }
        }
        if !batch.isEmpty { flush() }
        return summary
    }

    static func scoreBatch(_ batch: [(Int, ArraySlice<UInt8>)], scorer: Scorer, workers: Int) -> [Outcome] {
        var outcomes = [Outcome](repeating: .blank, count: batch.count)
        let chunks = min(batch.count, workers * 8)
        guard chunks > 0 else { return outcomes }
        outcomes.withUnsafeMutableBufferPointer { out in
            let output = UncheckedBox(out)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let scratch = MatchScratch()
                var i = chunk
                while i < batch.count {
                    let (number, bytes) = batch[i]
                    output.value[i] = outcome(bytes, line: number, scorer: scorer, scratch: scratch)
                    i += chunks
                }
            }
        }
        return outcomes
    }

    /// Scores one input line.
    public static func outcome(_ bytes: ArraySlice<UInt8>, line: Int, scorer: Scorer, scratch: MatchScratch) -> Outcome {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .blank }
        switch InteractionDecoder.decode(bytes, line: line) {
        case .success(let interaction): return .scored(scorer.score(interaction, scratch: scratch), interaction)
        case .failure(let error): return .invalid(error)
        }
    }
}

/// Hands a buffer whose elements each thread writes at distinct indices to `concurrentPerform`.
struct UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
