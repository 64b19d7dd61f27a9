import Foundation
public import KefuCore
import KefuExams
import KefuRegex
import KefuRubrics
import KefuScenarios
import KefuTracks

/// `kefu lint`: validates content and runs every rule's examples.
public struct Linter: Sendable {
    /// The content.
    public let repository: ContentRepository

    /// Creates a linter.
    public init(repository: ContentRepository) { self.repository = repository }

    /// Lints `paths` (files or folders, relative to the root); all content folders when empty.
    public func lint(paths: [String] = []) -> [Diagnostic] {
        let (clauses, clauseDiagnostics) = repository.clauseCatalog()
        let targets = classify(paths: paths)
        var diagnostics = targets.missing
        if targets.lintCatalog || clauses == nil { diagnostics += clauseDiagnostics }
        let (rubrics, rubricDiagnostics) = repository.loadRubrics(files: targets.rubrics, clauses: clauses)
        diagnostics += rubricDiagnostics
        for rubric in rubrics { diagnostics += checkExamples(rubric) }
        let (scenarioDiagnostics, lintedScenarios) = lintScenarios(files: targets.scenarios, clauses: clauses)
        diagnostics += scenarioDiagnostics
        let exams = repository.lintExams(
            bankFiles: targets.banks, blueprintFiles: targets.blueprints, clauses: clauses, allBanks: paths.isEmpty)
        diagnostics += exams.diagnostics
        // When all of Scenarios/ was just loaded, certification references are checked against it.
        let knownScenarios = paths.isEmpty ? Set(lintedScenarios) : nil
        let knownBlueprints =
            paths.isEmpty ? Set(exams.blueprints) : Set(repository.blueprints(clauses: clauses).0.map(\.blueprint.id))
        diagnostics += lintCertifications(
            targets.certifications, clauses: clauses, scenarios: knownScenarios, blueprints: knownBlueprints)
        diagnostics += lintTrackFiles(targets.tracks, clauses: clauses, blueprints: knownBlueprints)
        diagnostics += lintYAMLSyntax(targets.others)
        for file in targets.issuer {
            let display = repository.displayPath(file)
            do {
                let text = try ContentRepository.readText(file, displayPath: display)
                diagnostics += IssuerLoader.load(file: display, text: text).1
            } catch {
                diagnostics += error.diagnostics
            }
        }
        return withSourceLines(diagnostics).sorted {
            ($0.location.file, $0.location.line, $0.location.column) < (
                $1.location.file, $1.location.line, $1.location.column
            )
        }
    }

    /// The files to lint, by kind.
    struct Targets {
        /// Errors for named paths that do not exist.
        var missing: [Diagnostic] = []
        /// Whether the clause catalog is linted.
        var lintCatalog = false
        var rubrics: [URL] = []
        var others: [URL] = []
        var certifications: [URL] = []
        /// Policies/issuer.yaml.
        var issuer: [URL] = []
        var scenarios: [URL] = []
        var banks: [URL] = []
        var blueprints: [URL] = []
        /// mentoring.yaml, promotion.yaml, reviews.yaml.
        var tracks: [URL] = []
    }

    /// Sorts the files under `paths` (every content folder when empty) by the loader that checks them.
    func classify(paths: [String]) -> Targets {
        var targets = Targets()
        targets.lintCatalog = paths.isEmpty
        let urls: [URL] =
            paths.isEmpty
            ? ContentRepository.folders.map { repository.root.appendingPathComponent($0) }
            : paths.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : repository.root.appendingPathComponent($0) }
        for target in urls {
            if !FileManager.default.fileExists(atPath: target.path) {
                if !paths.isEmpty {
                    targets.missing.append(
                        Diagnostic(
                            .error, at: SourceLocation(file: repository.displayPath(target), line: 1, column: 1),
                            "no such file or folder"))
                }
                continue
            }
            for file in repository.bankFiles(under: target) where file.pathExtension == "gift" {
                targets.banks.append(file)
            }
            for file in repository.yamlFiles(under: target) where ["yaml", "yml"].contains(file.pathExtension) {
                classify(yaml: file, into: &targets)
            }
        }
        return targets
    }

    /// Files one YAML file by its place in the content tree.
    func classify(yaml file: URL, into targets: inout Targets) {
        let display = repository.displayPath(file)
        if display.hasPrefix(BlueprintLoader.folder + "/") {
            targets.blueprints.append(file)
        } else if display.hasPrefix(ContentRepository.banksFolder + "/") {
            targets.banks.append(file)
        } else if display == ContentRepository.clauseCatalogPath {
            targets.lintCatalog = true
        } else if display == CertificationLoader.path {
            targets.certifications.append(file)
        } else if display == IssuerLoader.path {
            targets.issuer.append(file)
        } else if [MentoringLoader.path, PromotionLoader.path, ReviewLoader.path].contains(display) {
            targets.tracks.append(file)
        } else if display.hasPrefix("Scenarios/") {
            targets.scenarios.append(file)
        } else if display.hasPrefix("Rubrics/") || isRubric(file) {
            targets.rubrics.append(file)
        } else {
            targets.others.append(file)
        }
    }

    /// Loads certification files and checks what they reference.
    func lintCertifications(
        _ files: [URL], clauses: ClauseCatalog?, scenarios: Set<String>?, blueprints: Set<String>
    ) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for file in files {
            let display = repository.displayPath(file)
            do {
                let text = try ContentRepository.readText(file, displayPath: display)
                let (rules, found) = CertificationLoader.load(file: display, text: text, clauses: clauses)
                diagnostics += found
                diagnostics += checkReferences(
                    rules, file: display, text: text, scenarios: scenarios, blueprints: blueprints)
            } catch {
                diagnostics += error.diagnostics
            }
        }
        return diagnostics
    }

    /// Loads the mentoring, promotion and review files of `Tracks/`.
    func lintTrackFiles(_ files: [URL], clauses: ClauseCatalog?, blueprints: Set<String>) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for file in files {
            let display = repository.displayPath(file)
            do {
                let text = try ContentRepository.readText(file, displayPath: display)
                let certifications = (try? repository.certificationRules()).map { Set($0.map(\.id)) }
                if display == ReviewLoader.path {
                    diagnostics += ReviewLoader.load(file: display, text: text, clauses: clauses).1
                } else if display == PromotionLoader.path {
                    diagnostics +=
                        PromotionLoader.load(
                            file: display, text: text, clauses: clauses, certifications: certifications,
                            blueprints: blueprints
                        ).1
                } else {
                    diagnostics +=
                        MentoringLoader.load(
                            file: display, text: text, clauses: clauses, certifications: certifications
                        ).1
                }
            } catch {
                diagnostics += error.diagnostics
            }
        }
        return diagnostics
    }

    /// YAML syntax only, for files no loader claims.
    func lintYAMLSyntax(_ files: [URL]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for file in files {
            let display = repository.displayPath(file)
            do {
                let text = try ContentRepository.readText(file, displayPath: display)
                var reader = YAMLReader(file: display, text: text)
                _ = reader.root()
                diagnostics += reader.diagnostics
            } catch {
                diagnostics += error.diagnostics
            }
        }
        return diagnostics
    }

    /// Fills in the offending line for diagnostics created away from the file's text.
    func withSourceLines(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var texts: [String: String] = [:]
        return diagnostics.map { diagnostic in
            guard diagnostic.sourceLine == nil, diagnostic.location.line > 0 else { return diagnostic }
            let file = diagnostic.location.file
            if texts[file] == nil {
                let url =
                    file.hasPrefix("/") ? URL(fileURLWithPath: file) : repository.root.appendingPathComponent(file)
                texts[file] = (try? ContentRepository.readText(url, displayPath: file)) ?? ""
            }
            var filled = diagnostic
            filled.sourceLine = texts[file]?.line(diagnostic.location.line)
            return filled
        }
    }

    /// Scenario schema and graph, inline check examples, and the shipped model and poor reply sets.
    func lintScenarios(files: [URL], clauses: ClauseCatalog?) -> ([Diagnostic], [String]) {
        guard !files.isEmpty else { return ([], []) }
        let rubrics = repository.usableRubrics(clauses: clauses)
        let (scenarios, found) = repository.loadScenarios(files: files, clauses: clauses, rubrics: rubrics)
        var diagnostics = found
        for loaded in scenarios {
            let asRubric = LoadedRubric(
                rubric: loaded.scenario.checks, path: loaded.path, idLocation: loaded.idLocation,
                examples: loaded.examples,
                itemLocations: [:], errors: [])
            diagnostics += checkExamples(asRubric)
            if loaded.errors.isEmpty { diagnostics += repository.checkReplySets(loaded, rubrics: rubrics) }
        }
        return (diagnostics, scenarios.map(\.scenario.id))
    }

    /// Certification rules must name scenarios that exist (once `Scenarios/` has any).
    /// Certification rules that name scenarios or exam blueprints the content does not have. `scenarios` are the ids
    /// just linted (nil: load them); `blueprints` the blueprint ids.
    func checkReferences(
        _ rules: [CertificationRule], file: String, text: String, scenarios: Set<String>?, blueprints: Set<String>
    ) -> [Diagnostic] {
        let scenarios = scenarios ?? Set(repository.scenarios().0.map(\.scenario.id))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var diagnostics: [Diagnostic] = []
        func report(_ key: String, _ value: String, _ message: String) {
            let line = (lines.firstIndex { $0.contains("\(key): \(value)") } ?? 0) + 1
            diagnostics.append(Diagnostic(.error, at: SourceLocation(file: file, line: line, column: 1), message))
        }
        for rule in rules {
            if !scenarios.isEmpty {
                for requirement in rule.scenarios where !scenarios.contains(requirement.scenario) {
                    report(
                        "scenario", requirement.scenario,
                        "certification `\(rule.id)` requires scenario `\(requirement.scenario)`, which is not under Scenarios/"
                    )
                }
            }
            for exam in rule.exams where !blueprints.contains(exam.blueprint) {
                report(
                    "blueprint", exam.blueprint,
                    "certification `\(rule.id)` requires exam `\(exam.blueprint)`, which is not a blueprint under \(BlueprintLoader.folder)/"
                )
            }
        }
        return diagnostics
    }

    func isRubric(_ file: URL) -> Bool {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return false }
        return text.contains("\nsections:") && text.contains("pass_mark:")
    }

    /// Runs each item's examples against its spec (and trigger examples against its trigger).
    public func checkExamples(_ loaded: LoadedRubric) -> [Diagnostic] {
        let scorer = Scorer(rubric: loaded.rubric)
        let scratch = MatchScratch()
        var diagnostics: [Diagnostic] = []
        for item in loaded.rubric.items {
            guard let examples = loaded.examples[item.id] else { continue }
            func check(
                _ spec: MatchSpec, _ list: [(text: String, location: SourceLocation)], shouldMatch: Bool, label: String
            ) {
                for example in list {
                    do {
                        let found = try scorer.evaluate(spec, on: example.text, scratch: scratch) != nil
                        if found != shouldMatch {
                            let verb = shouldMatch ? "does not match" : "matches"
                            diagnostics.append(
                                Diagnostic(
                                    .error, at: example.location,
                                    "\(label) example \(verb) item `\(item.id)`: \"\(example.text)\"; fix the pattern or the example"
                                ))
                        }
                    } catch {
                        diagnostics.append(
                            Diagnostic(.error, at: example.location, "item `\(item.id)`: \(error.description)"))
                    }
                }
            }
            check(item.match, examples.match, shouldMatch: true, label: "a `match`")
            check(item.match, examples.noMatch, shouldMatch: false, label: "a `no_match`")
            if let trigger = item.trigger {
                check(trigger, examples.triggerMatch, shouldMatch: true, label: "a trigger `match`")
                check(trigger, examples.triggerNoMatch, shouldMatch: false, label: "a trigger `no_match`")
            }
            if let episode = item.episode {
                check(episode.newProblem, examples.newProblemMatch, shouldMatch: true, label: "an episode `match`")
                check(
                    episode.newProblem, examples.newProblemNoMatch, shouldMatch: false, label: "an episode `no_match`")
            }
            if let when = item.when {
                check(when, examples.whenMatch, shouldMatch: true, label: "a when `match`")
                check(when, examples.whenNoMatch, shouldMatch: false, label: "a when `no_match`")
            }
        }
        return diagnostics
    }
}
