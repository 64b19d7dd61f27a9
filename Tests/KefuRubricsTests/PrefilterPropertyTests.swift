import Foundation
import KefuContent
import KefuCore
import KefuRegex
import Testing

@testable import KefuRubrics

/// Property: the literal prefilter is only an optimisation. Scoring with it (`usePrefilter: true`) gives exactly
/// the result of scoring without it, for every shipped rubric on the labelled evaluation set and for generated
/// rubrics (case-sensitive patterns with capitals, Unicode case pairs, full-width and traditional text).
@Suite("Prefilter equivalence (property)")
struct PrefilterPropertyTests {
    let scratch = MatchScratch()

    /// SplitMix64: deterministic, so a failure can be replayed from its seed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    struct Labelled: Decodable { let interaction: Interaction }

    static func evalInteractions() throws -> [Interaction] {
        let folder = repositoryRoot.appendingPathComponent("Rubrics/eval")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasSuffix(".labels.jsonl")
        }.sorted()
        var result: [Interaction] = []
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for line in text.split(separator: "\n") {
                result.append(try JSONDecoder().decode(Labelled.self, from: Data(line.utf8)).interaction)
            }
        }
        return result
    }

    @Test("every shipped rubric scores every labelled interaction identically with and without the prefilter")
    func shippedRubricsOnEvalSet() throws {
        let repository = ContentRepository(root: repositoryRoot)
        let (catalog, _) = repository.clauseCatalog()
        let (rubrics, _) = repository.rubrics(clauses: catalog)
        #expect(rubrics.count >= 12)
        let interactions = try Self.evalInteractions()
        #expect(interactions.count >= 400)
        for loaded in rubrics {
            let fast = Scorer(rubric: loaded.rubric, usePrefilter: true)
            let plain = Scorer(rubric: loaded.rubric, usePrefilter: false)
            for interaction in interactions {
                let a = fast.score(interaction, scratch: scratch)
                let b = plain.score(interaction, scratch: scratch)
                #expect(a == b, "\(loaded.rubric.id) on \(interaction.id)")
            }
        }
    }

    /// Literal atoms: ASCII capitals, Unicode case pairs (ß/ẞ/SS, Σ/σ/ς, İ/I/ı/i, the Kelvin sign and Å/Å),
    /// full-width and traditional forms, ligatures and Han text.
    static let atoms = [
        "VIP", "vip", "Vip", "STRASSE", "Straße", "straße", "ß", "ẞ", "ΣΟΦΙΑ", "σοφια", "Σ", "σ", "ς", "ΟΔΟΣ", "οδος",
        "İstanbul", "ISTANBUL", "istanbul", "İ", "ı", "I", "i", "K", "k", "\u{212A}", "Å", "\u{212B}", "ﬁle", "FILE",
        "ＶＩＰ", "ｖｉｐ", "請問", "请问", "會員", "会员", "客服", "號", "号", "OK", "ok", "Sorry", "SORRY",
    ]
    static let fillers = ["", " ", "我的", "，", "the ", "。", "x", "1"]

    static func pattern(_ g: inout Generator) -> String {
        func atom(_ g: inout Generator) -> String {
            var text = atoms.randomElement(using: &g)!
            switch Int.random(in: 0..<8, using: &g) {
            case 0: text = "(?:\(text)|\(atoms.randomElement(using: &g)!))"
            case 1: text = "(?:\(text))?"
            case 2: text = "\\b\(text)"
            case 3: text = "\(text)\\b"
            case 4: text = "\(text).{0,2}"
            case 5: text = "[A-Z]\(text)"
            default: break
            }
            return text
        }
        var result = atom(&g)
        for _ in 0..<Int.random(in: 0..<3, using: &g) { result += atom(&g) }
        return result
    }

    static func text(_ g: inout Generator) -> String {
        var result = ""
        for _ in 0..<Int.random(in: 1...4, using: &g) {
            result += fillers.randomElement(using: &g)! + atoms.randomElement(using: &g)!
        }
        return result + fillers.randomElement(using: &g)!
    }

    /// A rubric with one forbidden item per generated pattern (half of them case-sensitive), one with an
    /// exception, and a triggered required item with episodes.
    static func generatedRubric(_ g: inout Generator, items: Int) -> String {
        func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        func spec(_ g: inout Generator) -> String {
            let source = pattern(&g)
            return Bool.random(using: &g) ? "{pattern: \(quoted(source)), case_sensitive: true}" : quoted(source)
        }
        var lines: [String] = []
        for i in 0..<items {
            lines += [
                "- id: p\(i)", "  title: p", "  kind: forbidden", "  category: forbidden.rude",
                "  source: LANG-FORBIDDEN",
                "  match: {any: [\(spec(&g))], unless: [\(spec(&g))]}", "  examples: {match: ['x'], no_match: ['y']}",
            ]
        }
        lines += [
            "- id: t", "  title: t", "  kind: required", "  category: apology", "  scope: reply_after_trigger",
            "  source: COMPLAINT-APOLOGY", "  trigger: [\(spec(&g)), \(spec(&g))]",
            "  trigger_examples: {match: ['x'], no_match: ['y']}",
            "  episode: {new_problem: [\(spec(&g))], examples: {match: ['x'], no_match: ['y']}}",
            "  match: [\(spec(&g))]", "  examples: {match: ['x'], no_match: ['y']}",
        ]
        let yaml = lines.map { "      " + $0 }.joined(separator: "\n")
        return yaml
    }

    @Test(
        "generated patterns and texts: case-sensitive capitals, Unicode case, full-width and traditional",
        arguments: 0..<12)
    func generated(seed: Int) throws {
        var g = Generator(state: UInt64(seed) &* 7919 &+ 17)
        let loaded = try rubric(oneSection(Self.generatedRubric(&g, items: 24)))
        let fast = Scorer(rubric: loaded, usePrefilter: true)
        let plain = Scorer(rubric: loaded, usePrefilter: false)
        var matchedSomething = 0
        for n in 0..<60 {
            var turns: [(Speaker, String)] = []
            for k in 0..<Int.random(in: 1...5, using: &g) {
                turns.append((k % 2 == 0 ? .customer : .agent, Self.text(&g)))
            }
            turns.append((.agent, Self.text(&g)))
            let interaction = chat(turns)
            let a = fast.score(interaction, scratch: scratch)
            let b = plain.score(interaction, scratch: scratch)
            #expect(a == b, "seed \(seed), interaction \(n): \(turns.map(\.1))")
            matchedSomething += b.items.filter { $0.verdict == .fail && $0.kind == .forbidden }.count
        }
        // The generator must exercise matches, not only the prefilter's "cannot match" answers.
        #expect(matchedSomething > 0)
    }

    /// One forbidden item with `spec` as its only pattern, indented for ``oneSection(_:passMark:)``.
    static func forbiddenItem(_ spec: String) -> String {
        [
            "- id: p", "  title: p", "  kind: forbidden", "  category: forbidden.rude", "  source: LANG-FORBIDDEN",
            "  match: [\(spec)]", "  examples: {match: ['x'], no_match: ['y']}",
        ].map { "      " + $0 }.joined(separator: "\n")
    }

    @Test("hand-picked Unicode case and script cases score identically with and without the prefilter")
    func unicodeCases() throws {
        let cases: [(pattern: String, caseSensitive: Bool, text: String)] = [
            ("VIP", true, "尊敬的VIP客户"), ("VIP", true, "尊敬的vip客户"), ("VIP", true, "尊敬的ＶＩＰ客户"),
            ("Straße", false, "STRASSE"), ("Straße", true, "Straße"), ("ß", false, "ẞ"), ("STRASSE", false, "straße"),
            ("ΣΟΦΙΑ", true, "σοφια"), ("σοφια", false, "ΣΟΦΙΑ"), ("ς", false, "Σ"), ("ΟΔΟΣ", false, "οδος"),
            ("Σ", true, "ΟΔΟΣ"),
            ("İstanbul", false, "istanbul"), ("ISTANBUL", false, "ıstanbul"), ("i", true, "İ"), ("I", false, "ı"),
            ("k", false, "\u{212A}"), ("Å", false, "\u{212B}"), ("file", false, "ﬁle"),
            ("请问", true, "請問有什麼可以幫您"), ("會員", false, "会员专享"), ("VIP会员", true, "ＶＩＰ會員"),
        ]
        for (index, c) in cases.enumerated() {
            let quoted = "'" + c.pattern + "'"
            let spec = c.caseSensitive ? "{pattern: \(quoted), case_sensitive: true}" : quoted
            let loaded = try rubric(oneSection(Self.forbiddenItem(spec)))
            let interaction = chat([(.agent, c.text)])
            let a = Scorer(rubric: loaded, usePrefilter: true).score(interaction, scratch: scratch)
            let b = Scorer(rubric: loaded, usePrefilter: false).score(interaction, scratch: scratch)
            #expect(a == b, "case \(index): \(c.pattern) on \(c.text)")
        }
        // The bug this guards: a case-sensitive pattern with capitals must match its own text.
        let vip = try rubric(oneSection(Self.forbiddenItem("{pattern: 'VIP', case_sensitive: true}")))
        #expect(Scorer(rubric: vip).score(chat([(.agent, "尊敬的VIP客户")]), scratch: scratch).items[0].verdict == .fail)
        #expect(Scorer(rubric: vip).score(chat([(.agent, "尊敬的vip客户")]), scratch: scratch).items[0].verdict == .pass)
    }
}
