import Crypto
import Foundation
public import KefuCore
import KefuQA
import KefuRegex
import KefuStorage
import Logging

/// Imports interactions (JSONL, or CSV with one row per turn): validated, masked before anything is
/// stored, de-duplicated by id and written in one transaction — all or nothing unless `skipInvalid`,
/// which imports the valid ones and reports the rest by line number.
public struct QAImportService: Sendable {
    /// The environment.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// Input formats.
    public enum Format: String, Sendable, Hashable, Codable, CaseIterable {
        /// One interaction per line in Kefu's interaction format.
        case jsonl
        /// One row per turn with the columns ``QAImportService/csvColumns``.
        case csv
    }

    /// What personal data to mask.
    public struct MaskingPolicy: Sendable, Hashable, Codable {
        /// Kinds to mask by name (`resident-id`, `bank-card`, `mobile`, `email`); nil masks all.
        public var kinds: [String]?
        /// Extra PCRE2 patterns whose matches are masked except their last four digits.
        public var patterns: [String]

        /// Creates a policy; the default masks every kind.
        public init(kinds: [String]? = nil, patterns: [String] = []) {
            self.kinds = kinds
            self.patterns = patterns
        }

        /// The kinds that can be named.
        public static let kindNames = PersonalDataKind.allCases.filter { $0 != .custom }.map(\.rawValue)

        /// The masker this policy describes.
        func masker() throws -> Masker {
            var chosen = Set(PersonalDataKind.allCases)
            if let kinds {
                chosen = [.custom]
                for name in kinds.map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                    guard let kind = PersonalDataKind(rawValue: name), kind != .custom else {
                        throw ServiceError(
                            .invalidInput,
                            "unknown personal-data kind `\(name)`; kinds: \(Self.kindNames.joined(separator: ", "))")
                    }
                    chosen.insert(kind)
                }
            }
            do { return try Masker(kinds: chosen, customPatterns: patterns) } catch {
                throw ServiceError(.invalidInput, "a masking pattern is invalid: \(error)")
            }
        }
    }

    /// A skipped duplicate: repeated in the input or already stored.
    public struct Duplicate: Sendable, Hashable, Codable {
        /// Line (JSONL) or first row (CSV).
        public var line: Int
        /// Interaction id.
        public var id: InteractionID
        /// `repeated in the file` or `already imported`.
        public var reason: String
    }

    /// What an import did.
    public struct Report: Sendable, Hashable, Codable {
        /// The import batch.
        public var batch: BatchID
        /// Interactions stored.
        public var imported = 0
        /// Spans masked.
        public var masked = 0
        /// Spans masked by kind (`resident-id`, `bank-card`, `mobile`, `email`, `name`, `custom`).
        public var maskedByKind: [String: Int] = [:]
        /// Duplicates skipped.
        public var duplicates: [Duplicate] = []
        /// Invalid lines as `label:line:col: message` (never echoing their content).
        public var invalid: [String] = []
        /// Seconds until the import was committed (durable); the WAL checkpoint that follows is not included.
        public var committedSeconds: Figure = 0
        /// Seconds for the whole import.
        public var elapsedSeconds: Figure = 0

        init(batch: BatchID) { self.batch = batch }
    }

    /// The CSV columns (one row per turn; rows of one interaction are consecutive).
    public static let csvColumns = ["interaction_id", "channel", "agent", "started_at", "speaker", "text", "at"]

    /// Imports `source` as batch `batch` (default: the source's file name) in `format` (default: from
    /// the label's extension), masking with `masking`. Throws (and stores nothing) when any line is
    /// invalid and `skipInvalid` is false.
    public func importInteractions(
        from source: InputSource, format: Format? = nil, batch: BatchID? = nil, skipInvalid: Bool = false,
        masking: MaskingPolicy = MaskingPolicy(), by actor: Identity
    ) async throws -> Report {
        try AccessPolicy.require(actor, .importInteractions)
        let started = ContinuousClock.now
        let worker = Worker(
            masker: try masking.masker(),
            indexKey: try environment.keys.indexKey(create: true).map { key in key.withUnsafeBytes { Array($0) } })
        let format = format ?? (source.label.lowercased().hasSuffix(".csv") ? .csv : .jsonl)
        let label = (source.label as NSString).lastPathComponent
        let batch = batch ?? BatchID(label)
        guard !batch.isEmpty else { throw ServiceError(.invalidInput, "the import batch needs a name") }
        let store = try environment.qaStore
        let outcome = try await translatingStorageErrors {
            try await store.importInteractions(batch: batch, source: label, importedAt: environment.qaTimestamp) {
                sink in
                try worker.run(
                    source: source, label: label, format: format, batch: batch, skipInvalid: skipInvalid, into: sink)
            }
        }
        var report = outcome.result
        report.committedSeconds = Figure(outcome.committedAfter.seconds)
        report.elapsedSeconds = Figure((ContinuousClock.now - started).seconds)
        try await environment.audit(
            actor, "qa.import", subject: "batch \(batch)",
            detail: [
                "source": label, "imported": String(report.imported), "masked": String(report.masked),
            ])
        environment.logger.debug(
            "qa import",
            metadata: ["batch": "\(batch)", "imported": "\(report.imported)", "actor": "\(actor.auditName)"])
        return report
    }

    /// Decodes, masks and stores inside the import's transaction.
    struct Worker: Sendable {
        let masker: Masker
        /// The bytes of the key of the erasure index's digests (nil: no index is written).
        var indexKey: [UInt8]?

        func run(
            source: InputSource, label: String, format: Format, batch: BatchID, skipInvalid: Bool,
            into sink: any QAInteractionSink
        ) throws -> Report {
            var report = Report(batch: batch)
            var seen = Set<String>()
            var failed = false
            func store(_ prepared: [(line: Int, result: Result<Prepared, InteractionDecoder.LineError>)]) throws {
                for (line, result) in prepared {
                    switch result {
                    case .failure(let error):
                        report.invalid.append("\(label):\(error.line):\(error.column ?? 1): \(error.message)")
                        failed = true
                    case .success(let item):
                        let id = item.stored.interaction.id
                        if !seen.insert(id).inserted {
                            report.duplicates.append(
                                Duplicate(line: line, id: InteractionID(id), reason: "repeated in the file"))
                        } else if !failed || skipInvalid {
                            var stored = item.stored
                            stored.batch = batch
                            if try sink.insert(stored, turnsJSON: item.turnsJSON) {
                                report.imported += 1
                                report.masked += item.stored.maskedCount
                                for (kind, n) in item.kinds { report.maskedByKind[kind, default: 0] += n }
                            } else {
                                report.duplicates.append(
                                    Duplicate(line: line, id: InteractionID(id), reason: "already imported"))
                            }
                        }
                    }
                }
            }
            switch format {
            case .jsonl:
                // Pipelined: batch k+1 is decoded and masked on the other cores while batch k is inserted.
                let reader = try source.lines()
                var lines: [(Int, ArraySlice<UInt8>)] = []
                var pending: PendingBatch?
                func flush() throws {
                    let next = PendingBatch(worker: self, lines: lines)
                    lines = []
                    if let pending { try store(pending.wait()) }
                    pending = next
                }
                while let line = reader.next() {
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                    lines.append((reader.lineNumber, line))
                    if lines.count == 8192 { try flush() }
                }
                if !lines.isEmpty { try flush() }
                if let pending { try store(pending.wait()) }
            case .csv:
                let data = try source.readAll()
                guard let text = String(validating: data, as: UTF8.self) else {
                    throw ServiceError(
                        .invalidInput,
                        "\(label):1:1: the file is not UTF-8; convert it (e.g. `iconv -f GB18030 -t UTF-8`)")
                }
                try store(try prepareCSV(text, label: label))
            }
            if failed && !skipInvalid {
                throw ServiceError(
                    .invalidInput,
                    ErrorList.joined(report.invalid)
                        + "\n\(report.invalid.count) invalid line(s); nothing was imported (skipping invalid lines imports the valid ones)",
                    hint: .init("qa.import.skip-invalid", ["file": source.label]))
            }
            return report
        }

        /// A batch being prepared in the background.
        final class PendingBatch: @unchecked Sendable {
            private let group = DispatchGroup()
            private var result: [(line: Int, result: Result<Prepared, InteractionDecoder.LineError>)] = []

            init(worker: Worker, lines: [(Int, ArraySlice<UInt8>)]) {
                group.enter()
                DispatchQueue.global().async { [self] in
                    result = worker.prepare(lines)
                    group.leave()
                }
            }

            func wait() -> [(line: Int, result: Result<Prepared, InteractionDecoder.LineError>)] {
                group.wait()
                return result
            }
        }

        /// A decoded, masked interaction ready to insert.
        struct Prepared: Sendable {
            var stored: StoredInteraction
            var turnsJSON: String
            /// Spans masked by kind.
            var kinds: [String: Int] = [:]
        }

        /// Decodes and masks lines on all cores.
        func prepare(
            _ lines: [(Int, ArraySlice<UInt8>)]
        ) -> [(line: Int, result: Result<Prepared, InteractionDecoder.LineError>)] {
            var out = [(line: Int, result: Result<Prepared, InteractionDecoder.LineError>)](
                repeating: (0, .failure(.init(line: 0, message: ""))), count: lines.count)
            let workers = ProcessInfo.processInfo.activeProcessorCount
            let chunks = min(lines.count, workers * 8)
            out.withUnsafeMutableBufferPointer { buffer in
                let box = UncheckedBox(buffer)
                DispatchQueue.concurrentPerform(iterations: max(1, chunks)) { chunk in
                    let scratch = MatchScratch()
                    var i = chunk
                    while i < lines.count {
                        let (number, bytes) = lines[i]
                        box.value[i] = (
                            number,
                            InteractionDecoder.decode(bytes, line: number).flatMap {
                                maskAndEncode($0, line: number, scratch: scratch)
                            }
                        )
                        i += chunks
                    }
                }
            }
            return out
        }

        /// Masks every turn and encodes the turns as JSON with their hash. Fails closed: an interaction
        /// with a turn whose masking fails (a pattern hitting a PCRE2 limit) is an invalid line, never stored.
        func maskAndEncode(
            _ interaction: Interaction, line: Int, scratch: MatchScratch
        ) -> Result<Prepared, InteractionDecoder.LineError> {
            var masked = interaction
            var count = 0
            var kinds: [String: Int] = [:]
            var digests = Set<String>()
            for i in masked.turns.indices {
                let result: (text: String, findings: [Masker.Finding])
                do { result = try masker.mask(masked.turns[i].text, scratch: scratch) } catch {
                    return .failure(
                        InteractionDecoder.LineError(
                            line: line,
                            message: "turn \(i + 1) of interaction `\(interaction.id)` could not be masked (\(error)); "
                                + "it was not stored"))
                }
                if !result.findings.isEmpty {
                    if let bytes = indexKey {
                        let key = SymmetricKey(data: bytes)
                        let original = Array(masked.turns[i].text.utf8)
                        for finding in result.findings {
                            let span = String(decoding: original[finding.range], as: UTF8.self)
                            if let identifier = Masker.identifier(span, kind: finding.kind) {
                                digests.insert(IdentifierDigest.digest(identifier, key: key))
                            }
                        }
                    }
                    masked.turns[i].text = result.text
                    count += result.findings.count
                    for finding in result.findings { kinds[finding.kind.rawValue, default: 0] += 1 }
                }
            }
            let json = QAImportService.turnsJSON(masked.turns)
            let hash = hexString(SHA256.hash(data: Array(json.utf8)))
            let period = masked.startedAt.flatMap { $0.count >= 7 ? String($0.prefix(7)) : nil }
            return .success(
                Prepared(
                    stored: StoredInteraction(
                        interaction: masked, batch: BatchID(""), period: period, contentHash: hash, maskedCount: count,
                        identifierDigests: digests.sorted()),
                    turnsJSON: json, kinds: kinds))
        }

        /// Groups CSV rows (one per turn) into interactions.
        func prepareCSV(
            _ text: String, label: String
        ) throws -> [(line: Int, result: Result<Prepared, InteractionDecoder.LineError>)] {
            let rows = try CSV.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, file: label)
            guard let header = rows.first else {
                throw ServiceError(
                    .invalidInput,
                    "\(label):1:1: the file is empty; header: \(QAImportService.csvColumns.joined(separator: ","))")
            }
            var index: [String: Int] = [:]
            for (i, field) in header.fields.enumerated() {
                let name = field.value.trimmingCharacters(in: .whitespaces).lowercased()
                guard QAImportService.csvColumns.contains(name) else {
                    throw ServiceError(
                        .invalidInput,
                        "\(label):\(header.line):\(field.column): unknown column `\(field.value)`; columns: \(QAImportService.csvColumns.joined(separator: ", "))"
                    )
                }
                index[name] = i
            }
            for required in ["interaction_id", "channel", "agent", "speaker", "text"] where index[required] == nil {
                throw ServiceError(.invalidInput, "\(label):1:1: the header lacks the column `\(required)`")
            }
            var results: [(line: Int, result: Result<Prepared, InteractionDecoder.LineError>)] = []
            let scratch = MatchScratch()
            var current: (line: Int, interaction: Interaction)?
            var currentError: InteractionDecoder.LineError?
            var firstLines: [String: Int] = [:]
            func flush() {
                guard let c = current else { return }
                if firstLines[c.interaction.id] == nil { firstLines[c.interaction.id] = c.line }
                if let error = currentError {
                    results.append((c.line, .failure(error)))
                } else {
                    results.append((c.line, maskAndEncode(c.interaction, line: c.line, scratch: scratch)))
                }
                current = nil
                currentError = nil
            }
            for row in rows.dropFirst() {
                func field(_ name: String) -> (String, Int) {
                    guard let i = index[name], i < row.fields.count else { return ("", 1) }
                    return (row.fields[i].value, row.fields[i].column)
                }
                let id = field("interaction_id").0
                if current?.interaction.id != id { flush() }
                let channel = Channel(rawValue: field("channel").0)
                let speaker = Speaker(rawValue: field("speaker").0)
                let atText = field("at").0.trimmingCharacters(in: .whitespaces)
                let at = atText.isEmpty ? nil : Double(atText)
                var error = QAImportService.csvRowError(row, columnCount: header.fields.count, field: field)
                if error == nil, current == nil, let first = firstLines[id] {
                    error = .init(
                        line: row.line, column: field("interaction_id").1,
                        message:
                            "the rows of interaction `\(id)` are not consecutive (it also starts on line \(first)); keep each interaction's rows together"
                    )
                }
                if current == nil {
                    current = (
                        row.line,
                        Interaction(
                            id: id, channel: channel ?? .chat, agent: field("agent").0,
                            startedAt: field("started_at").0.isEmpty ? nil : field("started_at").0, turns: [])
                    )
                }
                if let error, currentError == nil { currentError = error }
                current?.interaction.turns.append(Turn(speaker: speaker ?? .customer, text: field("text").0, at: at))
            }
            flush()
            return results
        }
    }

    /// The first problem of one CSV row (field count, empty id, channel, speaker, `at`), or nil; `field` gives a
    /// column's value and its 1-based column.
    static func csvRowError(
        _ row: CSV.Row, columnCount: Int, field: (String) -> (String, Int)
    ) -> InteractionDecoder.LineError? {
        let line = row.line
        if row.fields.count != columnCount {
            return .init(line: line, column: 1, message: "\(row.fields.count) fields, the header has \(columnCount)")
        }
        if field("interaction_id").0.isEmpty {
            return .init(line: line, column: field("interaction_id").1, message: "interaction_id is empty")
        }
        if Channel(rawValue: field("channel").0) == nil {
            return .init(
                line: line, column: field("channel").1, message: "channel must be one of phone, chat, wechat, email")
        }
        if Speaker(rawValue: field("speaker").0) == nil {
            return .init(line: line, column: field("speaker").1, message: "speaker must be agent or customer")
        }
        let atText = field("at").0.trimmingCharacters(in: .whitespaces)
        if !atText.isEmpty {
            guard let at = Double(atText) else {
                return .init(line: line, column: field("at").1, message: "at must be a number of seconds")
            }
            if let problem = Turn.problem(at: at) {
                return .init(line: line, column: field("at").1, message: "at \(problem)")
            }
        }
        return nil
    }

    /// Compact JSON for turns (the stored form, and what the content hash covers).
    static func turnsJSON(_ turns: [Turn]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(turns.reduce(2) { $0 + $1.text.utf8.count + 40 })
        out.append(0x5B)
        for (i, turn) in turns.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: #"{"speaker":""#.utf8)
            out.append(contentsOf: turn.speaker.rawValue.utf8)
            out.append(contentsOf: #"","text":"#.utf8)
            appendJSONString(turn.text, to: &out)
            if let at = turn.at {
                out.append(contentsOf: #","at":"#.utf8)
                out.append(contentsOf: (at == at.rounded() && abs(at) < 1e15 ? String(Int64(at)) : String(at)).utf8)
            }
            out.append(0x7D)
        }
        out.append(0x5D)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        let hex = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            switch b {
            case 0x22:
                out.append(0x5C)
                out.append(0x22)
            case 0x5C:
                out.append(0x5C)
                out.append(0x5C)
            case 0x0A:
                out.append(0x5C)
                out.append(0x6E)
            case 0x0D:
                out.append(0x5C)
                out.append(0x72)
            case 0x09:
                out.append(0x5C)
                out.append(0x74)
            case 0..<0x20: out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }
}
