public import Foundation
public import KefuCore
import KefuRegex
import KefuRubrics
public import KefuTracks

/// Kefu's content on disk: `Policies/clauses.yaml`, `Rubrics/*.yaml`, and (as they arrive) `Scenarios/` and
/// `QuestionBanks/`. Loads, cross-checks and lints it.
public struct ContentRepository: Sendable {
    /// The folder holding the content folders (the repository root).
    public let root: URL

    /// The content folders, in lint order.
    public static let folders = ["Policies", "Rubrics", "Tracks", "Scenarios", "QuestionBanks"]
    /// Where the clause catalog lives.
    public static let clauseCatalogPath = "Policies/clauses.yaml"

    /// Creates a repository rooted at `root`.
    public init(root: URL) { self.root = root }

    /// Path of `url` relative to the root when it is inside it (for messages).
    func displayPath(_ url: URL) -> String {
        let base = root.standardizedFileURL.path
        let full = url.standardizedFileURL.path
        if full.hasPrefix(base + "/") { return String(full.dropFirst(base.count + 1)) }
        return full
    }

    /// Reads a text file as UTF-8, or reports where the encoding breaks.
    public static func readText(_ url: URL, displayPath: String) throws(ContentError) -> String {
        guard let data = try? Data(contentsOf: url) else {
            throw ContentError(file: displayPath, "cannot read the file; check that it exists and is readable")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            var line = 1
            var column = 1
            var valid = 0
            // Find the first invalid byte to point at it.
            let bytes = [UInt8](data)
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                let width = b < 0x80 ? 1 : b >> 5 == 0x6 ? 2 : b >> 4 == 0xE ? 3 : b >> 3 == 0x1E ? 4 : 0
                if width == 0 || i + width > bytes.count
                    || String(validating: bytes[i..<i + width], as: UTF8.self) == nil
                {
                    break
                }
                if b == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                i += width
                valid += 1
            }
            throw ContentError([
                Diagnostic(
                    .error, at: SourceLocation(file: displayPath, line: line, column: column),
                    "the file is not valid UTF-8 (byte 0x\(String(bytes[min(i, bytes.count - 1)], radix: 16)) at offset \(i)); convert it to UTF-8 (e.g. `iconv -f GB18030 -t UTF-8`)"
                )
            ])
        }
        return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    }

    /// YAML files under `relative` (a folder or a file), sorted, skipping README files.
    func yamlFiles(under url: URL) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return [] }
        if !isDirectory.boolValue { return [url] }
        guard let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else {
            return []
        }
        var files: [URL] = []
        for case let file as URL in enumerator where ["yaml", "yml"].contains(file.pathExtension) {
            files.append(file)
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Loads the clause catalog.
    public func clauseCatalog() -> (ClauseCatalog?, [Diagnostic]) {
        let url = root.appendingPathComponent(Self.clauseCatalogPath)
        do {
            let text = try Self.readText(url, displayPath: Self.clauseCatalogPath)
            return ClauseCatalog.parse(file: Self.clauseCatalogPath, text: text)
        } catch {
            return (nil, error.diagnostics)
        }
    }

    /// Loads every rubric under `Rubrics/`.
    public func rubrics(clauses: ClauseCatalog?) -> ([LoadedRubric], [Diagnostic]) {
        loadRubrics(files: yamlFiles(under: root.appendingPathComponent("Rubrics")), clauses: clauses)
    }

    func loadRubrics(files: [URL], clauses: ClauseCatalog?) -> ([LoadedRubric], [Diagnostic]) {
        var loaded: [LoadedRubric] = []
        var diagnostics: [Diagnostic] = []
        var ids: [String: String] = [:]
        for file in files {
            let path = displayPath(file)
            do {
                let text = try Self.readText(file, displayPath: path)
                let (rubric, found) = RubricLoader.load(path: path, text: text, clauses: clauses)
                diagnostics += found
                guard let rubric else { continue }
                if let other = ids[rubric.rubric.id] {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: rubric.idLocation,
                            "duplicate rubric id `\(rubric.rubric.id)`: \(other) uses it too",
                            sourceLine: text.line(rubric.idLocation.line)))
                    continue
                }
                ids[rubric.rubric.id] = path
                loaded.append(rubric)
            } catch {
                diagnostics += error.diagnostics
            }
        }
        return (loaded, diagnostics)
    }

    /// Loads the certification rules from `Tracks/certifications.yaml`.
    public func certificationRules() throws(ContentError) -> [CertificationRule] {
        let url = root.appendingPathComponent(CertificationLoader.path)
        let text = try Self.readText(url, displayPath: CertificationLoader.path)
        let (rules, diagnostics) = CertificationLoader.load(
            file: CertificationLoader.path, text: text, clauses: clauseCatalog().0)
        if diagnostics.hasErrors { throw ContentError(diagnostics.filter { $0.severity == .error }) }
        return rules
    }

    /// The file `relative` names inside the root, or nil when it is absolute or leads outside the root
    /// (through `..` or a symbolic link). Content ids and paths from a request resolve only here.
    public func contained(_ relative: String) -> URL? {
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.hasPrefix("~") else { return nil }
        let base = root.standardizedFileURL.resolvingSymlinksInPath().path
        let url = root.appendingPathComponent(relative).standardizedFileURL
        let resolved = url.resolvingSymlinksInPath().path
        guard resolved == base || resolved.hasPrefix(base + "/") else { return nil }
        return url
    }

    /// Finds a rubric by id (searching `Rubrics/`) or by a file path relative to the root. Absolute
    /// paths and paths leading outside the root are refused: a file elsewhere is read by the caller
    /// and given to ``rubric(text:path:)``.
    public func rubric(_ reference: String) throws(ContentError) -> LoadedRubric {
        let (clauses, _) = clauseCatalog()
        let looksLikePath = reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") || reference.contains("/")
        if looksLikePath || FileManager.default.fileExists(atPath: root.appendingPathComponent(reference).path) {
            guard let url = contained(reference) else {
                throw ContentError(
                    file: reference, "a rubric is named by its id or by a path inside the content folder")
            }
            let path = displayPath(url)
            return try rubric(text: Self.readText(url, displayPath: path), path: path, clauses: clauses)
        }
        let (all, diagnostics) = rubrics(clauses: clauses)
        if let found = all.first(where: { $0.rubric.id == reference }) {
            guard found.errors.isEmpty else { throw ContentError(found.errors) }
            return found
        }
        let known = all.map(\.rubric.id).sorted().joined(separator: ", ")
        var message = "no rubric with id `\(reference)` under Rubrics/; known ids: \(known.isEmpty ? "none" : known)"
        if diagnostics.hasErrors { message += " (some rubric files have errors: lint the content)" }
        throw ContentError(file: "Rubrics", message)
    }

    /// Loads a rubric from its text (a file the caller read, an upload); `path` names it in diagnostics.
    /// Policy citations are checked against this root's clause catalog.
    public func rubric(text: String, path: String) throws(ContentError) -> LoadedRubric {
        try rubric(text: text, path: path, clauses: clauseCatalog().0)
    }

    func rubric(text: String, path: String, clauses: ClauseCatalog?) throws(ContentError) -> LoadedRubric {
        let (rubric, diagnostics) = RubricLoader.load(path: path, text: text, clauses: clauses)
        guard let rubric, rubric.errors.isEmpty else {
            throw ContentError(diagnostics.filter { $0.severity == .error })
        }
        return rubric
    }
}
