import Foundation
import KefuContent
import KefuCore
import KefuRegex
import Testing

@testable import KefuRubrics

/// Complaint episodes (`episode: {new_problem: …}`): one apology covers follow-ups about the same problem;
/// a new problem needs its own.
@Suite("Complaint episodes")
struct EpisodeTests {
    let scratch = MatchScratch()

    static func item(episode: Bool) -> String {
        var lines = [
            "- id: apology", "  title: a", "  kind: required", "  category: apology", "  scope: reply_after_trigger",
            "  points: 10", "  source: COMPLAINT-APOLOGY",
            "  trigger: ['没到|坏了|少了|每次都这样|投诉|late|missing|again']",
            "  trigger_examples: {match: ['没到'], no_match: ['你好']}",
            "  match: ['抱歉|sorry']", "  examples: {match: ['抱歉'], no_match: ['好的']}",
        ]
        if episode {
            lines.append(
                "  episode: {new_problem: ['另外|还有[，,]|also'], examples: {match: ['另外，袜子也少了'], no_match: ['你们每次都这样']}}")
        }
        return lines.map { "      " + $0 }.joined(separator: "\n")
    }

    func verdict(_ turns: [(Speaker, String)], episode: Bool = true) throws -> ItemResult {
        let scorer = Scorer(rubric: try rubric(oneSection(Self.item(episode: episode))))
        return scorer.score(chat(turns), scratch: scratch).items[0]
    }

    @Test("after an apology, a follow-up about the same problem demands no new apology")
    func followUpCovered() throws {
        let turns: [(Speaker, String)] = [
            (.customer, "快递三天了还没到"), (.agent, "很抱歉让您久等了，我查一下"),
            (.customer, "你们每次都这样"), (.agent, "理解您的心情，今天下午送到"),
        ]
        let result = try verdict(turns)
        #expect(result.verdict == .pass)
        #expect(result.message.contains("follow-ups"))
        // Without episodes (the default), the second complaint needs its own apology, as before.
        #expect(try verdict(turns, episode: false).verdict == .fail)
    }

    @Test("a new problem after an apology opens a new episode that needs its own apology")
    func newProblemNeedsApology() throws {
        let missing = try verdict([
            (.customer, "鞋子坏了"), (.agent, "非常抱歉，我为您补发"),
            (.customer, "另外，上次的袜子也少了一双"), (.agent, "请提供订单号"),
        ])
        #expect(missing.verdict == .fail)
        #expect(missing.message.contains("turn 2"))
        let given = try verdict([
            (.customer, "鞋子坏了"), (.agent, "非常抱歉，我为您补发"),
            (.customer, "另外，上次的袜子也少了一双"), (.agent, "不好意思，又让您遇到问题了，抱歉"),
        ])
        #expect(given.verdict == .pass)
    }

    @Test("an episode that was never apologised for keeps demanding; a late apology does not repair the first reply")
    func unansweredEpisodeKeepsDemanding() throws {
        // First reply ignores the complaint; the customer repeats it and then gets an apology: still a failure.
        let late = try verdict([
            (.customer, "I want to complain, my parcel is late"), (.agent, "What is the tracking number?"),
            (.customer, "Late again!"), (.agent, "Sorry about that."),
        ])
        #expect(late.verdict == .fail)
        #expect(late.message.contains("turn 0"))
        // Nothing apologised at all: both complaints are listed.
        let none = try verdict([
            (.customer, "my parcel is late"), (.agent, "Tracking number?"),
            (.customer, "late again"), (.agent, "It will come tomorrow."),
        ])
        #expect(none.verdict == .fail)
        #expect(none.message.contains("turn 0") && none.message.contains("turn 2"))
    }

    @Test("a follow-up that nobody answers is not a failure once the episode was apologised for; a new problem is")
    func unansweredFollowUp() throws {
        #expect(try verdict([(.customer, "快递没到"), (.agent, "抱歉，我查一下"), (.customer, "每次都这样")]).verdict == .pass)
        #expect(try verdict([(.customer, "快递没到"), (.agent, "抱歉，我查一下"), (.customer, "另外，杯子也坏了")]).verdict == .fail)
    }

    @Test("`episode` is opt-in, needs a trigger, and is rejected on forbidden items")
    func loaderChecks() throws {
        let forbidden = [
            "- id: f", "  title: f", "  kind: forbidden", "  category: forbidden.rude", "  source: LANG-FORBIDDEN",
            "  match: ['滚']", "  episode: {new_problem: ['另外']}", "  examples: {match: ['滚'], no_match: ['好']}",
        ].map { "      " + $0 }.joined(separator: "\n")
        let (loaded, diagnostics) = RubricLoader.load(path: "inline.yaml", text: oneSection(forbidden), clauses: nil)
        let messages = diagnostics.map(\.message) + (loaded?.errors.map(\.message) ?? [])
        #expect(loaded?.rubric.items.isEmpty ?? true)
        #expect(messages.contains { $0.contains("`episode` applies only") })
        let parsed = try rubric(oneSection(Self.item(episode: true)))
        #expect(parsed.items[0].episode != nil)
        #expect(try rubric(oneSection(Self.item(episode: false))).items[0].episode == nil)
    }
}
