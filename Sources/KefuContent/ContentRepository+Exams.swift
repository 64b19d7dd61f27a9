import Foundation
public import KefuCore
public import KefuExams
import KefuTracks

extension ContentRepository {
    /// Where question banks live.
    public static let banksFolder = "QuestionBanks"

    /// Bank files (`.yaml`, `.yml`, `.gift`) under `url`, outside `blueprints/`, sorted.
    func bankFiles(under url: URL) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return [] }
        if !isDirectory.boolValue { return [url] }
        guard let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else {
            return []
        }
        var files: [URL] = []
        for case let file as URL in enumerator where ["yaml", "yml", "gift"].contains(file.pathExtension) {
            if displayPath(file).hasPrefix(BlueprintLoader.folder + "/") { continue }
            files.append(file)
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Loads every bank under `QuestionBanks/`.
    public func banks(clauses: ClauseCatalog? = nil) -> ([LoadedBank], [Diagnostic]) {
        loadBanks(
            files: bankFiles(under: root.appendingPathComponent(Self.banksFolder)),
            clauses: clauses ?? clauseCatalog().0)
    }

    func loadBanks(files: [URL], clauses: ClauseCatalog?) -> ([LoadedBank], [Diagnostic]) {
        loadEach(
            files, load: { BankLoader.load(path: $0, text: $1, clauses: clauses) }, diagnostics: \.diagnostics,
            key: { "\($0.bank.id).\($0.bank.language)" },
            duplicate: { bank, path, other in
                Diagnostic(
                    .error, at: SourceLocation(file: path, line: 1, column: 1),
                    "bank `\(bank.bank.id)` in `\(bank.bank.language)` is defined twice: \(other) defines it too")
            })
    }

    /// Reads and loads each file, gathers diagnostics, and drops (with `duplicate`'s diagnostic) any item whose key an
    /// earlier file already used.
    func loadEach<Item>(
        _ files: [URL], load: (String, String) -> Item?, diagnostics found: (Item) -> [Diagnostic],
        key: (Item) -> String,
        duplicate: (Item, String, String) -> Diagnostic
    ) -> ([Item], [Diagnostic]) {
        var loaded: [Item] = []
        var diagnostics: [Diagnostic] = []
        var seen: [String: String] = [:]
        for file in files {
            let path = displayPath(file)
            do {
                let text = try Self.readText(file, displayPath: path)
                guard let item = load(path, text) else { continue }
                diagnostics += found(item)
                if let other = seen[key(item)] {
                    diagnostics.append(duplicate(item, path, other))
                    continue
                }
                seen[key(item)] = path
                loaded.append(item)
            } catch {
                diagnostics += error.diagnostics
            }
        }
        return (loaded, diagnostics)
    }

    /// A usable bank by id and language.
    public func bank(_ id: String, language: String) throws(ContentError) -> LoadedBank {
        let (all, _) = banks()
        guard let found = all.first(where: { $0.bank.id == id && $0.bank.language == language }) else {
            let known = Set(all.map { "\($0.bank.id) (\($0.bank.language))" }).sorted().joined(separator: ", ")
            throw ContentError(
                file: Self.banksFolder,
                "no bank `\(id)` in `\(language)` under QuestionBanks/; known: \(known.isEmpty ? "none" : known)")
        }
        guard found.errors.isEmpty else { throw ContentError(found.errors) }
        return found
    }

    /// Loads every blueprint under `QuestionBanks/blueprints/`.
    public func blueprints(clauses: ClauseCatalog? = nil) -> ([LoadedBlueprint], [Diagnostic]) {
        loadBlueprints(
            files: yamlFiles(under: root.appendingPathComponent(BlueprintLoader.folder)),
            clauses: clauses ?? clauseCatalog().0)
    }

    func loadBlueprints(files: [URL], clauses: ClauseCatalog?) -> ([LoadedBlueprint], [Diagnostic]) {
        loadEach(
            files, load: { BlueprintLoader.load(path: $0, text: $1, clauses: clauses) }, diagnostics: \.diagnostics,
            key: \.blueprint.id,
            duplicate: { blueprint, _, other in
                Diagnostic(
                    .error, at: blueprint.idLocation,
                    "duplicate blueprint id `\(blueprint.blueprint.id)`: \(other) uses it too")
            })
    }

    /// A usable blueprint by id (or file path).
    public func blueprint(_ reference: String) throws(ContentError) -> LoadedBlueprint {
        let (all, _) = blueprints()
        guard let found = all.first(where: { $0.blueprint.id == reference || $0.path == reference }) else {
            let known = all.map(\.blueprint.id).sorted().joined(separator: ", ")
            throw ContentError(
                file: BlueprintLoader.folder,
                "no blueprint `\(reference)` under \(BlueprintLoader.folder)/; known ids: \(known.isEmpty ? "none" : known)"
            )
        }
        guard found.errors.isEmpty else { throw ContentError(found.errors) }
        return found
    }

    /// A blueprint and the banks it draws from, in `language` (checked: every bank exists and loads cleanly).
    public func examContent(
        _ reference: String, language: String
    ) throws(ContentError) -> (blueprint: LoadedBlueprint, banks: [String: Bank]) {
        let blueprint = try self.blueprint(reference)
        guard blueprint.blueprint.languages.contains(language) else {
            throw ContentError(
                file: blueprint.path,
                "blueprint `\(blueprint.blueprint.id)` is offered in \(blueprint.blueprint.languages.joined(separator: ", ")), not `\(language)`"
            )
        }
        var banks: [String: Bank] = [:]
        for section in blueprint.blueprint.sections where banks[section.bank] == nil {
            banks[section.bank] = try bank(section.bank, language: language).bank
        }
        return (blueprint, banks)
    }

    // MARK: Lint

    /// Bank schemas, short-answer examples, language versions that disagree, blueprints that cannot be drawn.
    func lintExams(
        bankFiles: [URL], blueprintFiles: [URL], clauses: ClauseCatalog?, allBanks: Bool
    ) -> (diagnostics: [Diagnostic], blueprints: [String]) {
        let (banks, bankDiagnostics) = loadBanks(files: bankFiles, clauses: clauses)
        var diagnostics = bankDiagnostics
        for bank in banks {
            diagnostics += checkShortAnswerExamples(bank)
        }
        // Language versions of a bank hold the same questions with the same types.
        let byID = Dictionary(grouping: banks.filter { $0.errors.isEmpty }, by: \.bank.id)
        for (_, versions) in byID where versions.count > 1 {
            let reference = versions.sorted { $0.bank.language > $1.bank.language }[0]  // zh first
            let types = Dictionary(uniqueKeysWithValues: reference.bank.questions.map { ($0.id, $0.type) })
            for other in versions where other.path != reference.path {
                let otherTypes = Dictionary(uniqueKeysWithValues: other.bank.questions.map { ($0.id, $0.type) })
                for (id, type) in otherTypes where types[id] == nil || types[id] != type {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: other.locations[id] ?? SourceLocation(file: other.path, line: 1, column: 1),
                            types[id] == nil
                                ? "question `\(id)` is not in \(reference.path); language versions of a bank hold the same questions"
                                : "question `\(id)` is \(type.rawValue) here but \(types[id]!.rawValue) in \(reference.path)"
                        ))
                }
                for id in types.keys where otherTypes[id] == nil {
                    diagnostics.append(
                        Diagnostic(
                            .error,
                            at: reference.locations[id] ?? SourceLocation(file: reference.path, line: 1, column: 1),
                            "question `\(id)` has no translation in \(other.path); language versions of a bank hold the same questions"
                        ))
                }
            }
        }
        // Blueprints: every language's banks exist and can supply the draw.
        let allLoaded = allBanks ? banks : self.banks(clauses: clauses).0
        let (blueprints, blueprintDiagnostics) = loadBlueprints(files: blueprintFiles, clauses: clauses)
        diagnostics += blueprintDiagnostics
        for loaded in blueprints where loaded.errors.isEmpty {
            for language in loaded.blueprint.languages {
                var available: [String: Bank] = [:]
                for (index, section) in loaded.blueprint.sections.enumerated() {
                    let at = index < loaded.sectionLocations.count ? loaded.sectionLocations[index] : loaded.idLocation
                    guard
                        let bank = allLoaded.first(where: { $0.bank.id == section.bank && $0.bank.language == language }
                        )
                    else {
                        diagnostics.append(
                            Diagnostic(
                                .error, at: at,
                                "section \(index + 1) draws from bank `\(section.bank)`, which has no `\(language)` version under QuestionBanks/"
                            ))
                        continue
                    }
                    if bank.errors.isEmpty { available[section.bank] = bank.bank }
                }
                guard available.count == Set(loaded.blueprint.sections.map(\.bank)).count else { continue }
                do {
                    _ = try Draw.paper(loaded.blueprint, language: language, banks: available, seed: 0)
                } catch {
                    diagnostics.append(Diagnostic(.error, at: loaded.idLocation, error.description))
                }
            }
        }
        return (diagnostics, blueprints.map(\.blueprint.id))
    }

    /// Grades each short-answer example: `right` ones must earn full credit, `wrong` ones less.
    func checkShortAnswerExamples(_ bank: LoadedBank) -> [Diagnostic] {
        guard !bank.examples.isEmpty else { return [] }
        var diagnostics: [Diagnostic] = []
        for question in bank.bank.questions {
            // Questions whose patterns do not compile are reported by the loader.
            guard let grader = try? Grader(questions: [question]) else { continue }
            for example in bank.examples[question.id] ?? [] {
                let grade = grader.grade(question, .text(example.text))
                let isFull = grade.state == .correct
                if example.isRight != isFull {
                    let got = grade.fraction.map { "\(Int(($0 * 100).rounded()))%" } ?? "a manual grade"
                    diagnostics.append(
                        Diagnostic(
                            .error, at: example.location,
                            "question `\(question.id)`: the \(example.isRight ? "right" : "wrong") example \"\(example.text)\" earns \(got); fix the answers or the example"
                        ))
                }
            }
        }
        return diagnostics
    }
}
