import Foundation
public import KefuContent
public import KefuCore
import KefuExams
import Logging

/// The file formats of a bank.
public enum BankFormat: String, Codable, Sendable, CaseIterable {
    /// Moodle's GIFT text.
    case gift
    /// Kefu's YAML.
    case yaml
}

/// What an import wrote.
public struct BankImportResult: Codable, Sendable, Hashable {
    /// The bank file, relative to the content root (`QuestionBanks/<bank>.<lang>.yaml`).
    public var path: String
    /// Questions imported.
    public var imported: Int
}

/// Use cases of question banks: inspect a GIFT or YAML input, import it into `QuestionBanks/` (all or nothing),
/// export a bank as GIFT or YAML. Bank ids and languages resolve only inside the content root's `QuestionBanks/`.
public struct BankService: Sendable {
    /// Configuration and content.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    var repository: ContentRepository { environment.content }

    /// The banks under `QuestionBanks/` (by id, then Chinese before English), and whether any bank file has errors.
    public func banks() -> (banks: [LoadedBank], hasErrors: Bool) {
        let (banks, diagnostics) = repository.banks()
        let sorted = banks.sorted { ($0.bank.id, $1.bank.language) < ($1.bank.id, $0.bank.language) }
        return (sorted, diagnostics.contains { $0.severity == .error })
    }

    /// Questions per type, e.g. `3 matching`, sorted.
    public static func typeCounts(_ loaded: LoadedBank) -> [String] {
        Dictionary(grouping: loaded.bank.questions, by: \.type).map { "\($0.value.count) \($0.key.rawValue)" }.sorted()
    }

    /// True for a usable bank id or language code: letters, digits, `-` and `_` (nothing that walks out of the folder).
    static func isPlainName(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_".unicodeScalars.contains($0)
            }
    }

    /// True for a language code such as `zh`, `en`, `yue` or `zh-Hant`: nothing that can name another folder.
    static func isLanguageCode(_ text: String) -> Bool {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count),
            first.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) })
        else { return false }
        guard parts.count == 2 else { return true }
        return !parts[1].isEmpty
            && parts[1].unicodeScalars.allSatisfy {
                $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0)
            }
    }

    /// The input as UTF-8 text; non-UTF-8 input is refused with the position of the first bad byte.
    static func text(of source: InputSource) throws -> String {
        let bytes = try source.readAll()
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        if FileManager.default.fileExists(atPath: source.label) {
            do {
                _ = try ContentRepository.readText(URL(fileURLWithPath: source.label), displayPath: source.label)
            } catch {
                throw ServiceError(.invalidInput, error.description)
            }
        }
        throw ServiceError(.invalidInput, "\(source.label): not UTF-8 text")
    }

    /// Parses a bank (`.gift`, `.yaml`, named by the source's label) from anywhere; throws its diagnostics when it has errors.
    public func inspect(_ source: InputSource) throws -> LoadedBank {
        let path = source.label
        let text = try Self.text(of: source)
        let clauses = repository.clauseCatalog().0
        let loaded: LoadedBank?
        if path.hasSuffix(".gift") || path.hasSuffix(".txt") || source.label == InputSource.standardInput.label {
            // Outside QuestionBanks/ the file name need not follow `<bank>.<lang>.gift`.
            let parsed = GIFT.parse(text, file: path)
            var bank = LoadedBank(
                bank: Bank(id: "", language: "", questions: parsed.questions), path: path, format: "gift",
                locations: [:], examples: [:],
                diagnostics: parsed.diagnostics)
            if let parts = BankLoader.nameParts(path) {
                bank.bank.id = parts.bank
                bank.bank.language = parts.language
            }
            loaded = bank
        } else {
            loaded = BankLoader.load(path: path, text: text, clauses: clauses, checkName: false)
        }
        guard let loaded else { throw ServiceError(.invalidInput, "\(path): not a question bank") }
        if !loaded.errors.isEmpty { throw ServiceError(.invalidInput, ContentError(loaded.errors).description) }
        return loaded
    }

    /// The questions of `source` as JSON (what `bank inspect --format json` prints).
    public func inspectJSON(_ source: InputSource) throws -> String {
        try canonicalJSON(inspect(source).bank.questions.map(QuestionJSON.init), pretty: true)
    }

    /// Imports the questions of `source` into bank `bank` in `language` (file `QuestionBanks/<bank>.<language>.yaml`),
    /// appending to the bank when it exists. Nothing is written when any question has an error or an id is taken
    /// (unless `replace`, which replaces questions with the same id).
    public func importBank(
        _ source: InputSource, into bank: BankID?, language: String?, replace: Bool = false, by actor: Identity
    ) throws -> BankImportResult {
        try AccessPolicy.require(actor, .manageContent)
        let incoming = try inspect(source).bank.questions
        let path = source.label
        let parts = BankLoader.nameParts(path)
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let id = bank?.rawValue ?? parts?.bank ?? stem
        guard let language = language ?? parts?.language, !language.isEmpty else {
            throw ServiceError(
                .invalidInput, "say which language the questions are in (zh, en), or name the file <bank>.<lang>.gift")
        }
        guard Self.isLanguageCode(language) else {
            throw ServiceError(
                .invalidInput,
                "`\(language)` is not a language code: use 2 or 3 lowercase letters, e.g. zh, en or zh-Hant")
        }
        guard Self.isPlainName(id) else {
            throw ServiceError(
                .invalidInput,
                "`\(id)` is not a usable bank id: use letters, digits, `-` and `_`, or name the bank to import into")
        }
        let relative = "\(ContentRepository.banksFolder)/\(id).\(language).yaml"
        let target = repository.root.appendingPathComponent(relative)
        var merged = Bank(id: id, language: language, title: id, questions: [])
        if FileManager.default.fileExists(atPath: target.path) {
            let text: String
            do { text = try ContentRepository.readText(target, displayPath: relative) } catch {
                throw ServiceError(.unavailable, error.description)
            }
            guard let existing = BankLoader.load(path: relative, text: text, clauses: repository.clauseCatalog().0),
                existing.errors.isEmpty
            else {
                throw ServiceError(
                    .precondition, "\(relative) has errors; fix it before importing into it",
                    hint: .init("lint", ["path": relative]))
            }
            merged = existing.bank
        }
        let taken = Set(merged.questions.map(\.id))
        let clashes = incoming.map(\.id).filter(taken.contains)
        if !clashes.isEmpty, !replace {
            throw ServiceError(
                .conflict,
                "bank `\(id)` (\(language)) already has \(clashes.count) of these ids (\(clashes.prefix(5).joined(separator: ", "))\(clashes.count > 5 ? ", …" : "")); nothing was imported. Replace them, or import into another bank"
            )
        }
        for question in incoming {
            if let index = merged.questions.firstIndex(where: { $0.id == question.id }) {
                merged.questions[index] = question
            } else {
                merged.questions.append(question)
            }
        }
        let yaml = BankLoader.yaml(merged)
        // Check what will be written loads back to the same bank before touching the folder.
        guard let reloaded = BankLoader.load(path: relative, text: yaml, clauses: nil), reloaded.errors.isEmpty,
            reloaded.bank.questions == merged.questions
        else {
            throw ServiceError(
                .invalidInput,
                "the imported bank would not load back identically; nothing was written (please report this file)")
        }
        try write(yaml, to: target, relative: relative, id: id, language: language)
        environment.logger.info(
            "bank imported",
            metadata: [
                "bank": "\(id)", "language": "\(language)", "questions": "\(incoming.count)", "by": "\(actor.person)",
            ])
        return BankImportResult(path: relative, imported: incoming.count)
    }

    /// Replaces the bank file atomically with rename(2): readers see the old file or the new one, never a mix; a
    /// symbolic link at the bank file is refused, never followed.
    func write(_ yaml: String, to target: URL, relative: String, id: String, language: String) throws {
        let folder = target.deletingLastPathComponent()
        guard
            folder.standardizedFileURL.path
                == repository.root.appendingPathComponent(ContentRepository.banksFolder)
                .standardizedFileURL.path
        else {
            throw ServiceError(
                .invalidInput, "\(relative) is not inside \(ContentRepository.banksFolder)/; nothing was written")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ServiceError(
                .unavailable, "cannot create \(ContentRepository.banksFolder)/: \(error.localizedDescription)")
        }
        do { try OutputFile.write(Data(yaml.utf8), to: target.path, mode: OutputFile.contentMode) } catch let error
            as ServiceError
        {
            throw ServiceError(error.code, "cannot write \(relative): \(error.message)")
        }
    }

    /// A bank (by id and language, under `QuestionBanks/` only) as GIFT or YAML text.
    public func export(_ bank: BankID, language: String, format: BankFormat) throws -> String {
        guard Self.isPlainName(bank.rawValue), Self.isPlainName(language) else {
            throw ServiceError(.invalidInput, "bank ids and languages are letters, digits, `-` and `_`")
        }
        let loaded: LoadedBank
        do { loaded = try repository.bank(bank.rawValue, language: language) } catch {
            throw ServiceError(.notFound, error.description, hint: .init("bank.list"))
        }
        switch format {
        case .gift: return GIFT.write(loaded.bank.questions)
        case .yaml: return BankLoader.yaml(loaded.bank)
        }
    }
}

/// A question as `kefu bank inspect --format json` prints it.
public struct QuestionJSON: Encodable {
    let question: Question

    init(_ question: Question) { self.question = question }

    enum Key: String, CodingKey {
        case type, id, name, category, tags, text, format, answers, pairs, correct
        case trueFeedback = "true_feedback"
        case falseFeedback = "false_feedback"
        case generalFeedback = "general_feedback"
        case caseSensitive = "case_sensitive"
        case allowNegative = "allow_negative"
        case source, difficulty
    }

    /// Encodes the documented fields (absent ones are left out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        let q = question
        try c.encode(q.type.rawValue, forKey: .type)
        try c.encode(q.id, forKey: .id)
        try c.encode(q.name, forKey: .name)
        try c.encode(q.category, forKey: .category)
        try c.encode(q.tags, forKey: .tags)
        try c.encode(q.text, forKey: .text)
        try c.encode(q.textFormat.rawValue, forKey: .format)
        if !q.answers.isEmpty { try c.encode(q.answers, forKey: .answers) }
        if !q.pairs.isEmpty { try c.encode(q.pairs, forKey: .pairs) }
        try c.encodeIfPresent(q.correct, forKey: .correct)
        try c.encodeIfPresent(q.trueFeedback, forKey: .trueFeedback)
        try c.encodeIfPresent(q.falseFeedback, forKey: .falseFeedback)
        try c.encodeIfPresent(q.generalFeedback, forKey: .generalFeedback)
        if q.caseSensitive { try c.encode(true, forKey: .caseSensitive) }
        if q.allowsNegative { try c.encode(true, forKey: .allowNegative) }
        if !q.sources.isEmpty { try c.encode(q.sources, forKey: .source) }
        try c.encodeIfPresent(q.difficulty?.rawValue, forKey: .difficulty)
    }
}
