import Foundation
import KefuContent
import KefuCore
import KefuRegex
import KefuRubrics

/// Loads a rubric from inline YAML, failing the test with its diagnostics when it does not load.
func rubric(_ yaml: String) throws -> Rubric {
    let (loaded, diagnostics) = RubricLoader.load(path: "inline.yaml", text: yaml, clauses: nil)
    guard let loaded else { throw ContentError(diagnostics) }
    return loaded.rubric
}

/// An interaction from (speaker, text) pairs; `times` gives each turn's `at`.
func chat(_ turns: [(Speaker, String)], times: [Double]? = nil, channel: Channel = .chat) -> Interaction {
    Interaction(
        id: "t", channel: channel, agent: "a",
        turns: turns.enumerated().map { i, t in Turn(speaker: t.0, text: t.1, at: times?[i]) })
}

/// The repository root (two levels above this file's folder).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Wraps items in a one-section rubric.
func oneSection(_ items: String, passMark: Int = 50) -> String {
    """
    id: test
    version: "1"
    title: test
    language: zh
    channels: [chat, wechat]
    pass_mark: \(passMark)
    sections:
      - id: s
        title: s
        weight: 1
        items:
    \(items)
    """
}
