public import Foundation
public import KefuContent
public import KefuCore
public import KefuRegex
public import KefuRubrics

/// The scoring use case: stream interactions in, score them on all cores, hand results out in input order.
public struct ScoreService: Sendable {
    /// The content.
    public let repository: ContentRepository
    /// Worker threads when a call names none.
    let defaultWorkers: Int

    /// Creates the service over the environment's content; scores on ``Configuration/workers`` threads.
    public init(environment: KefuEnvironment) {
        self.repository = environment.content
        self.defaultWorkers = environment.configuration.workers
    }

    /// Creates the service over `repository` (callers without an environment yet); scores on all cores.
    public init(repository: ContentRepository) {
        self.repository = repository
        self.defaultWorkers = ProcessInfo.processInfo.activeProcessorCount
    }

    /// Where the rubric comes from.
    public enum RubricSource: Sendable {
        /// A rubric id (searched under `Rubrics/`) or a path inside the content root.
        case content(String)
        /// A rubric file read by the edge (a path the person named, an upload), with its label.
        case input(InputSource)
    }

    /// How each scored interaction is rendered.
    public enum Format: String, Codable, Sendable, CaseIterable {
        /// A readable report with evidence in context.
        case text
        /// One JSON result per line (the documented result format).
        case jsonl
        /// One line per interaction.
        case summary
    }

    /// One input line's outcome.
    public enum Outcome: Sendable {
        /// A scored interaction, with the interaction (for reports that show evidence in context).
        case scored(ScoreResult, Interaction)
        /// A line that is not a valid interaction.
        case invalid(InteractionDecoder.LineError)
        /// A blank line (skipped).
        case blank
    }

    /// An input line that is not a valid interaction (its content is never repeated).
    public struct InvalidLine: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The input's label (a file path, an upload's name, `<stdin>`).
        public var source: String
        /// 1-based line.
        public var line: Int
        /// 1-based column.
        public var column: Int
        /// What is wrong.
        public var message: String

        /// `label:line:col: error: message`.
        public var description: String { "\(source):\(line):\(column): error: \(message)" }
    }

    /// Totals of a run.
    public struct Summary: Sendable, Equatable, Codable {
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
        /// True when every line was an interaction and every rule could be evaluated.
        public var isClean: Bool { invalid == 0 && ruleErrors == 0 }
    }

    /// Loads a rubric by id or path inside the root and builds its scorer.
    public func scorer(rubric reference: String, usePrefilter: Bool = true) throws(ContentError) -> Scorer {
        Scorer(rubric: try repository.rubric(reference).rubric, usePrefilter: usePrefilter)
    }

    /// Loads the rubric `source` names and builds its scorer; errors are ``ServiceError``s.
    public func scorer(_ source: RubricSource, usePrefilter: Bool = true) throws -> Scorer {
        switch source {
        case .content(let reference):
            do { return try scorer(rubric: reference, usePrefilter: usePrefilter) } catch {
                throw Self.serviceError(error, rubric: reference)
            }
        case .input(let input):
            let bytes = try input.readAll()
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ServiceError(.invalidInput, "\(input.label) is not valid UTF-8; convert it to UTF-8")
            }
            do {
                let loaded = try repository.rubric(
                    text: text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, path: input.label)
                return Scorer(rubric: loaded.rubric, usePrefilter: usePrefilter)
            } catch { throw Self.serviceError(error, rubric: input.label, inContent: false) }
        }
    }

    /// A content error about rubric `name` for the person who must act; the hint to lint it only for
    /// content (a file outside the root is not linted).
    static func serviceError(_ error: ContentError, rubric name: String, inContent: Bool = true) -> ServiceError {
        let first = error.diagnostics.first
        if error.diagnostics.count == 1, let first, first.location.line == 1, first.location.column == 1,
            first.sourceLine == nil
        {
            let code: ServiceError.Code =
                first.message.hasPrefix("no rubric with id") || first.message.hasPrefix("cannot read")
                ? .notFound : .invalidInput
            let hint = first.message.contains("lint the content") ? ServiceError.Hint("lint", ["path": "Rubrics"]) : nil
            let prefix = first.location.file == "Rubrics" ? "" : "\(first.location.file): "
            return ServiceError(code, prefix + first.message, hint: hint)
        }
        let hint = inContent ? ServiceError.Hint("lint", ["path": error.diagnostics.first?.location.file ?? name]) : nil
        return ServiceError(.invalidInput, "rubric \(name) has errors:\n\(error.description)", hint: hint)
    }

    /// Scores every interaction of `input` (JSON Lines) with the rubric `source` names, on `workers`
    /// threads (default: the configuration's), writing each rendered result through `write` in input
    /// order and each invalid line through `invalid`. Memory is bounded by the batch size.
    public func score(
        _ input: InputSource, rubric source: RubricSource, format: Format, workers: Int? = nil,
        write: (String) -> Void, invalid: (InvalidLine) -> Void
    ) throws -> Summary {
        let rubricScorer = try self.scorer(source)
        let lines = try input.lines()
        return Self.score(lines: lines, scorer: rubricScorer, workers: workers ?? defaultWorkers) { _, outcome in
            switch outcome {
            case .scored(let result, let interaction):
                switch format {
                case .jsonl: write(ScoreReport.jsonLine(result) + "\n")
                case .text: write(ScoreReport.text(result, interaction: interaction, rubric: rubricScorer.rubric))
                case .summary: write(ScoreReport.summaryLine(result).trimmingTrailingSpaces + "\n")
                }
            case .invalid(let error):
                invalid(
                    InvalidLine(
                        source: input.label, line: error.line, column: error.column ?? 1, message: error.message))
            case .blank:
                break
            }
        }
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
    public static func outcome(_ bytes: ArraySlice<UInt8>, line: Int, scorer: Scorer, scratch: MatchScratch) -> Outcome
    {
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

extension String {
    /// The string without trailing spaces.
    var trimmingTrailingSpaces: String {
        var copy = self
        while copy.hasSuffix(" ") { copy.removeLast() }
        return copy
    }
}
