import Foundation
public import KefuCore
public import KefuRubrics
import KefuScenarios

extension ContentRepository {
    /// The rubrics that load without errors, by id (what scenarios may refer to).
    func usableRubrics(clauses: ClauseCatalog?) -> [String: Rubric] {
        var byID: [String: Rubric] = [:]
        for loaded in rubrics(clauses: clauses).0 where loaded.errors.isEmpty { byID[loaded.rubric.id] = loaded.rubric }
        return byID
    }

    /// Loads scenario files, reporting duplicate `id` + `language` pairs.
    func loadScenarios(
        files: [URL], clauses: ClauseCatalog?, rubrics: [String: Rubric]
    ) -> ([LoadedScenario], [Diagnostic]) {
        var loaded: [LoadedScenario] = []
        var diagnostics: [Diagnostic] = []
        var keys: [String: String] = [:]
        for file in files {
            let path = displayPath(file)
            do {
                let text = try Self.readText(file, displayPath: path)
                let (scenario, found) = ScenarioLoader.load(path: path, text: text, clauses: clauses, rubrics: rubrics)
                diagnostics += found
                guard let scenario else { continue }
                if let other = keys[scenario.scenario.key] {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: scenario.idLocation,
                            "duplicate scenario `\(scenario.scenario.id)` in `\(scenario.scenario.language)`: \(other) is the same id and language",
                            sourceLine: text.line(scenario.idLocation.line)))
                    continue
                }
                keys[scenario.scenario.key] = path
                loaded.append(scenario)
            } catch {
                diagnostics += error.diagnostics
            }
        }
        return (loaded, diagnostics)
    }

    /// Every scenario under `Scenarios/` (with errors, for lint; play only those without).
    public func scenarios() -> ([LoadedScenario], [Diagnostic]) {
        let (clauses, _) = clauseCatalog()
        let files = yamlFiles(under: root.appendingPathComponent("Scenarios"))
        return loadScenarios(files: files, clauses: clauses, rubrics: usableRubrics(clauses: clauses))
    }

    /// Finds a playable scenario by id (`p2p-withdrawal-delay`), by id and language
    /// (`p2p-withdrawal-delay.en`), or by file path. Without a language, `language` is preferred, then
    /// Chinese, then any.
    public func scenario(_ reference: String, language: String? = nil) throws(ContentError) -> LoadedScenario {
        try playableScenario(reference, language: language).scenario
    }

    /// A playable scenario (see ``scenario(_:language:)``) with its transcript rubrics, in order. Only
    /// the files that declare the id are parsed, and the rubrics once.
    public func playableScenario(
        _ reference: String, language: String? = nil
    ) throws(ContentError) -> (scenario: LoadedScenario, rubrics: [Rubric]) {
        let (clauses, _) = clauseCatalog()
        let rubrics = usableRubrics(clauses: clauses)
        let asPath = reference.hasPrefix("/") ? URL(fileURLWithPath: reference) : root.appendingPathComponent(reference)
        var candidates: [LoadedScenario]
        if reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") {
            let (found, diagnostics) = loadScenarios(files: [asPath], clauses: clauses, rubrics: rubrics)
            if diagnostics.hasErrors { throw ContentError(diagnostics.filter { $0.severity == .error }) }
            candidates = found
        } else {
            let id = reference.split(separator: ".").first.map(String.init) ?? reference
            let files = yamlFiles(under: root.appendingPathComponent("Scenarios")).filter { file in
                guard let text = try? Self.readText(file, displayPath: displayPath(file)) else { return false }
                return text.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "id: \(id)" }
            }
            candidates = loadScenarios(files: files, clauses: clauses, rubrics: rubrics).0
                .filter { $0.scenario.id == reference || $0.scenario.key == reference }
            if let language { candidates = candidates.filter { $0.scenario.language == language } }
        }
        let preferred = candidates.first { $0.scenario.language == (language ?? "zh") } ?? candidates.first
        guard let found = preferred else {
            let known = Set(scenarios().0.map(\.scenario.id)).sorted().joined(separator: ", ")
            let what = language.map { "`\(reference)` in `\($0)`" } ?? "`\(reference)`"
            throw ContentError(
                file: "Scenarios", "no scenario \(what) under Scenarios/; known ids: \(known.isEmpty ? "none" : known)")
        }
        guard found.errors.isEmpty else { throw ContentError(found.errors) }
        var transcriptRubrics: [Rubric] = []
        for id in found.scenario.rubricIDs {
            guard let rubric = rubrics[id] else {
                throw ContentError(
                    file: found.path, "rubric `\(id)` does not load: lint the rubrics and fix their errors")
            }
            transcriptRubrics.append(rubric)
        }
        return (found, transcriptRubrics)
    }

    /// Plays `loaded`'s shipped reply sets and reports a model set that fails or a poor set that passes.
    func checkReplySets(_ loaded: LoadedScenario, rubrics: [String: Rubric]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let transcriptRubrics = loaded.scenario.rubricIDs.compactMap { rubrics[$0] }
        guard transcriptRubrics.count == loaded.scenario.rubricIDs.count else { return [] }
        for set in loaded.replySets {
            let url = root.appendingPathComponent(set.path)
            do {
                let text = try Self.readText(url, displayPath: set.path)
                let file = try ReplyScript.parseFile(text, file: set.path)
                let (report, _, _) = try loaded.scenario.play(
                    file.replies, rubrics: transcriptRubrics, trainee: "lint", seed: file.seed ?? 0)
                let expectPass = set.kind == "model"
                if report.status != .complete {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: set.location,
                            "the \(set.kind) replies in \(set.path) end before the conversation does (\(report.replies.count) replies used); add replies"
                        ))
                } else if report.passed != expectPass {
                    let failing = report.replies.flatMap { r in
                        r.checks.filter { $0.verdict == .fail }.map { "\(r.step)/\($0.id)" }
                    }
                    let detail =
                        expectPass
                        ? "scores \(report.score) (pass mark \(loaded.scenario.passMark)), outcome \(report.outcome ?? "?"); failed checks: \(failing.isEmpty ? "none" : failing.joined(separator: ", "))"
                        : "scores \(report.score) and passes"
                    diagnostics.append(
                        Diagnostic(
                            .error, at: set.location,
                            "the \(set.kind) replies in \(set.path) should \(expectPass ? "pass" : "fail") but the run \(detail)"
                        ))
                }
            } catch let error as ContentError {
                diagnostics += error.diagnostics.map { d in
                    Diagnostic(.error, at: set.location, "\(set.kind) reply set: \(d.message)")
                }
            } catch {
                diagnostics.append(Diagnostic(.error, at: set.location, "\(set.kind) reply set: \(error)"))
            }
        }
        return diagnostics
    }
}
