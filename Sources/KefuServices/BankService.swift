import Foundation
import KefuContent
import KefuCore
import KefuExams

/// Use cases of question banks: inspect a GIFT or YAML file, import it into `QuestionBanks/` (all or nothing),
/// export a bank as GIFT or YAML.
public struct BankService: Sendable {
    /// The content.
    public let repository: ContentRepository

    /// Creates the service.
    public init(repository: ContentRepository) { self.repository = repository }

    /// Parses a bank file (`.gift`, `.yaml`) from anywhere; throws its diagnostics when it has errors. Non-UTF-8
    /// files are refused with the position of the first bad byte.
    public func inspect(_ path: String) throws -> LoadedBank {
        let url = URL(fileURLWithPath: path)
        let text = try ContentRepository.readText(url, displayPath: path)
        let clauses = repository.clauseCatalog().0
        let loaded: LoadedBank?
        if path.hasSuffix(".gift") || path.hasSuffix(".txt") {
            // Outside QuestionBanks/ the file name need not follow `<bank>.<lang>.gift`.
            let parsed = GIFT.parse(text, file: path)
            var bank = LoadedBank(bank: Bank(id: "", language: "", questions: parsed.questions), path: path, format: "gift", locations: [:], examples: [:],
                                  diagnostics: parsed.diagnostics)
            if let parts = BankLoader.nameParts(path) { bank.bank.id = parts.bank; bank.bank.language = parts.language }
            loaded = bank
        } else {
            loaded = BankLoader.load(path: path, text: text, clauses: clauses, checkName: false)
        }
        guard let loaded else { throw ContentError(file: path, "not a question bank") }
        if !loaded.errors.isEmpty { throw ContentError(loaded.errors) }
        return loaded
    }

    /// The questions of `path` as JSON (what `kefu bank inspect --format json` prints).
    public func inspectJSON(_ path: String) throws -> String {
        try canonicalJSON(inspect(path).bank.questions.map(QuestionJSON.init), pretty: true)
    }

    /// Imports the questions of `path` into bank `bank` in `language` (file `QuestionBanks/<bank>.<language>.yaml`),
    /// appending to the bank when it exists. Nothing is written when any question has an error or an id is taken
    /// (unless `replace`, which replaces questions with the same id). Returns the bank file and the number imported.
    public func importFile(_ path: String, into bank: String?, language: String?, replace: Bool = false) throws -> (path: String, imported: Int) {
        let source = try inspect(path)
        let parts = BankLoader.nameParts(path)
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let id = bank ?? parts?.bank ?? stem
        guard let language = language ?? parts?.language, !language.isEmpty else {
            throw ServiceError("say which language the questions are in with --lang (zh, en), or name the file <bank>.<lang>.gift")
        }
        guard id.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_".unicodeScalars.contains($0) }), !id.isEmpty else {
            throw ServiceError("`\(id)` is not a usable bank id: use letters, digits, `-` and `_` (pass --into BANK)")
        }
        let relative = "\(ContentRepository.banksFolder)/\(id).\(language).yaml"
        let target = repository.root.appendingPathComponent(relative)
        var merged = Bank(id: id, language: language, title: id, questions: [])
        if FileManager.default.fileExists(atPath: target.path) {
            let text = try ContentRepository.readText(target, displayPath: relative)
            guard let existing = BankLoader.load(path: relative, text: text, clauses: repository.clauseCatalog().0), existing.errors.isEmpty else {
                throw ServiceError("\(relative) has errors; fix it (`kefu lint \(relative)`) before importing into it")
            }
            merged = existing.bank
        }
        let incoming = source.bank.questions
        let taken = Set(merged.questions.map(\.id))
        let clashes = incoming.map(\.id).filter(taken.contains)
        if !clashes.isEmpty, !replace {
            throw ServiceError("bank `\(id)` (\(language)) already has \(clashes.count) of these ids (\(clashes.prefix(5).joined(separator: ", "))\(clashes.count > 5 ? ", …" : "")); nothing was imported. Use --replace to replace them, or import into another bank with --into")
        }
        for question in incoming {
            if let index = merged.questions.firstIndex(where: { $0.id == question.id }) { merged.questions[index] = question } else { merged.questions.append(question) }
        }
        let yaml = BankLoader.yaml(merged)
        // Check what will be written loads back to the same bank before touching the folder.
        guard let reloaded = BankLoader.load(path: relative, text: yaml, clauses: nil), reloaded.errors.isEmpty, reloaded.bank.questions == merged.questions else {
            throw ServiceError("the imported bank would not load back identically; nothing was written (please report this file)")
        }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(id).\(language).yaml.tmp-\(getpid())")
        do {
            try Data(yaml.utf8).write(to: temporary)
            // rename(2) replaces the bank file atomically: readers see the old file or the new one, never a mix.
            guard rename(temporary.path, target.path) == 0 else {
                throw ServiceError(String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ServiceError("cannot write \(relative): \(error.localizedDescription)")
        }
        return (relative, incoming.count)
    }

    /// A bank as GIFT or YAML text.
    public func export(_ bank: String, language: String, format: String) throws -> String {
        let loaded = try repository.bank(bank, language: language)
        switch format {
        case "gift": return GIFT.write(loaded.bank.questions)
        case "yaml": return BankLoader.yaml(loaded.bank)
        default: throw ServiceError("export format is gift or yaml, not `\(format)`")
        }
    }
}

/// A question as `kefu bank inspect --format json` prints it.
public struct QuestionJSON: Encodable {
    let question: Question

    init(_ question: Question) { self.question = question }

    enum Key: String, CodingKey {
        case type, id, name, category, tags, text, format, answers, pairs, correct, trueFeedback = "true_feedback", falseFeedback = "false_feedback"
        case generalFeedback = "general_feedback", caseSensitive = "case_sensitive", allowNegative = "allow_negative", source, difficulty
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
