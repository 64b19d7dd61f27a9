import Foundation
import KefuContent
import KefuCore
import KefuRegex
import Testing

@testable import KefuRubrics

@Suite("Scorer")
struct ScorerTests {
    let scratch = MatchScratch()

    static let items = """
              - id: greet
                title: g
                kind: required
                category: greeting
                scope: first_agent_turn
                points: 10
                source: CH-PHONE
                match: ['您好']
                examples: {match: ['您好'], no_match: ['喂']}
              - id: close
                title: c
                kind: required
                category: closing
                scope: last_agent_turn
                points: 10
                source: CH-PHONE
                match: ['再见']
                examples: {match: ['再见'], no_match: ['好']}
              - id: polite-every
                title: p
                kind: required
                category: offer-help
                scope: every_agent_turn
                points: 10
                source: LANG-REQUIRED
                match: ['您']
                examples: {match: ['您'], no_match: ['你']}
              - id: promise
                title: pr
                kind: forbidden
                category: forbidden.guarantee
                points: 10
                source: LANG-FORBIDDEN
                match: {any: ['保证'], unless: ['保证金', '(无法|不能)保证']}
                examples: {match: ['我保证'], no_match: ['保证金']}
              - id: rude
                title: r
                kind: forbidden
                category: forbidden.rude
                points: 10
                critical: true
                source: LANG-FORBIDDEN
                match: ['滚']
                examples: {match: ['滚'], no_match: ['滚筒x']}
              - id: sorry
                title: s
                kind: required
                category: apology
                scope: reply_after_trigger
                points: 10
                source: COMPLAINT-APOLOGY
                trigger: ['投诉']
                match: ['抱歉']
                examples: {match: ['抱歉'], no_match: ['好']}
              - id: fact
                title: f
                kind: accuracy
                category: accuracy.withdrawal
                points: 10
                source: FACT-P2P
                trigger: ['提现']
                expect: ['\\d+\\s*个?工作日']
                examples: {match: ['3个工作日'], no_match: ['很快']}
              - id: both
                title: b
                kind: required
                category: confirm-understanding
                points: 10
                source: CONSULT-FLOW
                match: {all: ['清楚', '吗']}
                examples: {match: ['清楚吗'], no_match: ['清楚']}
        """

    func score(_ interaction: Interaction, prefilter: Bool = true) throws -> ScoreResult {
        Scorer(rubric: try rubric(oneSection(Self.items)), usePrefilter: prefilter).score(interaction, scratch: scratch)
    }

    func verdicts(_ result: ScoreResult) -> [String: Verdict] {
        Dictionary(uniqueKeysWithValues: result.items.map { ($0.id, $0.verdict) })
    }

    @Test("a compliant conversation passes every applicable item; untriggered items are n/a and leave the denominator")
    func compliant() throws {
        let result = try score(chat([(.agent, "您好"), (.customer, "你好"), (.agent, "您说，清楚吗？再见")]))
        let v = verdicts(result)
        #expect(v["greet"] == .pass && v["close"] == .pass && v["polite-every"] == .pass && v["both"] == .pass)
        #expect(v["promise"] == .pass && v["rude"] == .pass)
        #expect(v["sorry"] == .na && v["fact"] == .na)
        #expect(result.items.first { $0.id == "fact" }?.maxPoints == 0)
        #expect(result.score == 100 && result.passed && !result.criticalFailed)
    }

    @Test("first and last agent turn scopes look only at those turns")
    func firstAndLast() throws {
        let result = try score(chat([(.agent, "喂"), (.agent, "您好"), (.agent, "再见"), (.agent, "您")]))
        let v = verdicts(result)
        #expect(v["greet"] == .fail)
        #expect(v["close"] == .fail)
    }

    @Test("every-agent-turn scope fails on the one turn that misses, naming it")
    func everyTurn() throws {
        let result = try score(chat([(.agent, "您好"), (.customer, "x"), (.agent, "好的")]))
        let item = try #require(result.items.first { $0.id == "polite-every" })
        #expect(item.verdict == .fail)
        #expect(item.message.contains("agent turn 2"))
    }

    @Test("exceptions: 保证金 and 无法保证 do not fire, 我保证 does, even next to 保证金")
    func unless() throws {
        #expect(verdicts(try score(chat([(.agent, "您好，保证金已退，我们无法保证到货日期")])))["promise"] == .pass)
        let result = try score(chat([(.agent, "您好，保证金已退，我保证明天到")]))
        let item = try #require(result.items.first { $0.id == "promise" })
        #expect(item.verdict == .fail)
        #expect(item.evidence.map(\.text) == ["保证"])
        #expect(item.evidence.first?.start == 10)
    }

    @Test("a critical failure scores 0 and fails, whatever else passed")
    func critical() throws {
        let result = try score(chat([(.agent, "您好，清楚吗？您滚吧，再见")]))
        #expect(result.criticalFailed)
        #expect(result.score == 0)
        #expect(!result.passed)
    }

    @Test("customer turns are never scored for conduct")
    func customerTurnsIgnored() throws {
        let result = try score(chat([(.agent, "您好，清楚吗"), (.customer, "你滚，我保证投诉"), (.agent, "抱歉，您说，再见")]))
        let v = verdicts(result)
        #expect(v["rude"] == .pass && v["promise"] == .pass)
        #expect(v["sorry"] == .pass)
    }

    @Test("reply after a trigger: the next agent reply must match; a trigger with no reply fails")
    func triggered() throws {
        let missed = try score(chat([(.agent, "您好"), (.customer, "我要投诉"), (.agent, "您说"), (.agent, "抱歉")]))
        #expect(verdicts(missed)["sorry"] == .fail)
        let unanswered = try score(chat([(.agent, "您好"), (.customer, "我要投诉")]))
        #expect(verdicts(unanswered)["sorry"] == .fail)
        let ok = try score(chat([(.agent, "您好"), (.customer, "投诉"), (.customer, "还要投诉"), (.agent, "非常抱歉")]))
        #expect(verdicts(ok)["sorry"] == .pass)
    }

    @Test("accuracy: the reply to a withdrawal question must state working days")
    func accuracy() throws {
        let good = try score(chat([(.agent, "您好"), (.customer, "提現多久到賬"), (.agent, "1至3个工作日")]))
        #expect(verdicts(good)["fact"] == .pass)
        let bad = try score(chat([(.agent, "您好"), (.customer, "提现多久到账"), (.agent, "很快的")]))
        #expect(verdicts(bad)["fact"] == .fail)
    }

    @Test("section weights: the total is the weighted mean of section percentages")
    func weights() throws {
        let yaml = """
            id: w
            version: "1"
            title: w
            language: zh
            channels: [chat]
            pass_mark: 70
            sections:
              - id: a
                title: a
                weight: 3
                items:
                  - {id: a1, title: a1, kind: required, category: greeting, points: 1, source: CH-PHONE, match: '您好', examples: {match: ['您好'], no_match: ['x']}}
              - id: b
                title: b
                weight: 1
                items:
                  - {id: b1, title: b1, kind: required, category: closing, points: 5, source: CH-PHONE, match: '再见', examples: {match: ['再见'], no_match: ['x']}}
            """
        let scorer = Scorer(rubric: try rubric(yaml))
        let result = scorer.score(chat([(.agent, "您好")]), scratch: scratch)
        #expect(result.score == 75)
        #expect(result.passed)
        let other = scorer.score(chat([(.agent, "再见")]), scratch: scratch)
        #expect(other.score == 25)
        #expect(!other.passed)
    }

    @Test("timing: every customer message answered within the limit; n/a without times")
    func timing() throws {
        let yaml = oneSection(
            """
                  - id: fast
                    title: f
                    kind: timing
                    category: timing.reply-60s
                    points: 10
                    source: CH-WECHAT-60S
                    timing: {limit_seconds: 60}
            """)
        let scorer = Scorer(rubric: try rubric(yaml))
        let fast = scorer.score(
            chat(
                [(.customer, "在吗"), (.agent, "在"), (.customer, "?"), (.customer, "??"), (.agent, "好")],
                times: [0, 30, 40, 90, 95]), scratch: scratch)
        #expect(fast.items[0].verdict == .pass)
        let slow = scorer.score(
            chat([(.customer, "在吗"), (.agent, "在"), (.customer, "?"), (.agent, "好")], times: [0, 30, 40, 101]),
            scratch: scratch)
        #expect(slow.items[0].verdict == .fail)
        #expect(slow.items[0].evidence.first?.turn == 3)
        #expect(slow.items[0].message.contains("61 s"))
        let untimed = scorer.score(chat([(.customer, "在吗"), (.agent, "在")]), scratch: scratch)
        #expect(untimed.items[0].verdict == .na)
    }

    @Test("timing never traps on huge, infinite or NaN times (regression: 1e20 trapped in Int conversion)")
    func timingHostileTimes() throws {
        let yaml = oneSection(
            """
                  - id: fast
                    title: f
                    kind: timing
                    category: timing.reply-60s
                    points: 10
                    source: CH-WECHAT-60S
                    timing: {limit_seconds: 60}
            """)
        let scorer = Scorer(rubric: try rubric(yaml))
        let huge = scorer.score(chat([(.customer, "在吗"), (.agent, "在")], times: [0, 1e20]), scratch: scratch)
        #expect(huge.items[0].verdict == .fail)
        #expect(huge.items[0].message.contains("1e+20"))
        for bad in [Double.infinity, -Double.infinity, Double.nan] {
            let result = scorer.score(chat([(.customer, "在吗"), (.agent, "在")], times: [0, bad]), scratch: scratch)
            #expect(result.items[0].verdict == .na)
        }
    }

    @Test("when: only agent turns meeting the condition are checked")
    func whenCondition() throws {
        let yaml = oneSection(
            """
                  - id: time
                    title: t
                    kind: required
                    category: reply-time-promise
                    scope: every_agent_turn
                    points: 10
                    source: CONSULT-DEFER
                    when: ['核实']
                    match: ['\\d+小时']
                    examples: {match: ['2小时'], no_match: ['稍后']}
            """)
        let scorer = Scorer(rubric: try rubric(yaml))
        #expect(scorer.score(chat([(.agent, "您好")]), scratch: scratch).items[0].verdict == .na)
        #expect(scorer.score(chat([(.agent, "我核实一下，2小时内回复")]), scratch: scratch).items[0].verdict == .pass)
        #expect(
            scorer.score(chat([(.agent, "我核实一下，2小时内回复"), (.agent, "再核实下")]), scratch: scratch).items[0].verdict == .fail
        )
    }

    @Test("a rule that hits the backtracking limit yields verdict error for that rule, and the interaction cannot pass")
    func ruleError() throws {
        // `(\w|\w\w)*` itself is refused by the loader (overlapping alternation); the inner group hides the overlap
        // from that static check so the run-time limit is what stops it.
        let yaml = oneSection(
            """
                  - id: slow
                    title: s
                    kind: forbidden
                    category: forbidden.vague
                    points: 10
                    source: LANG-FORBIDDEN
                    match: ['^(\\w|(?:\\w\\w))*$']
                    examples: {match: ['ab'], no_match: ['a b']}
                  - id: fine
                    title: f
                    kind: required
                    category: greeting
                    points: 10
                    source: CH-PHONE
                    match: ['a']
                    examples: {match: ['a'], no_match: ['b']}
            """, passMark: 10)
        let scorer = Scorer(rubric: try rubric(yaml))
        let text = String(repeating: "a", count: 60) + " "
        let result = scorer.score(chat([(.agent, text)]), scratch: scratch)
        #expect(result.items[0].verdict == .error)
        #expect(result.items[0].message.contains("turn 0"))
        #expect(result.items[1].verdict == .pass)
        #expect(!result.passed)
    }

    @Test("channel-restricted items are n/a on other channels")
    func channels() throws {
        let yaml = oneSection(
            """
                  - id: wx
                    title: w
                    kind: required
                    category: greeting
                    points: 10
                    channels: [wechat]
                    source: CH-ECOM-GREETING
                    match: ['亲']
                    examples: {match: ['亲'], no_match: ['x']}
            """)
        let scorer = Scorer(rubric: try rubric(yaml))
        #expect(scorer.score(chat([(.agent, "x")], channel: .phone), scratch: scratch).items[0].verdict == .na)
        #expect(scorer.score(chat([(.agent, "x")], channel: .wechat), scratch: scratch).items[0].verdict == .fail)
    }

    @Test("the prefilter never changes a result: shipped rubrics on the public corpora and the samples")
    func prefilterEquivalence() throws {
        let repository = ContentRepository(root: repositoryRoot)
        let (catalog, _) = repository.clauseCatalog()
        let (rubrics, _) = repository.rubrics(clauses: catalog)
        #expect(rubrics.count >= 4)
        var interactions: [Interaction] = []
        let corpora = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpora")
        for name in ["crosswoz_valtest.jsonl", "multiwoz_valtest_detok.jsonl"] {
            guard let text = try? String(contentsOf: corpora.appendingPathComponent(name), encoding: .utf8) else {
                // The public corpora live beside the repository (../shared), never in it; a clone elsewhere checks the samples only.
                print(
                    "skipped: \(corpora.appendingPathComponent(name).path) is not present; checking the repository's samples only"
                )
                continue
            }
            for line in text.split(separator: "\n").prefix(300) {
                if let i = try? JSONDecoder().decode(Interaction.self, from: Data(line.utf8)) { interactions.append(i) }
            }
        }
        for name in ["conduct.zh.jsonl", "conduct.en.jsonl", "wechat.zh.jsonl"] {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/\(name)"), encoding: .utf8)
            for line in text.split(separator: "\n") {
                interactions.append(try JSONDecoder().decode(Interaction.self, from: Data(line.utf8)))
            }
        }
        #expect(interactions.count >= 10)
        for loaded in rubrics {
            let fast = Scorer(rubric: loaded.rubric, usePrefilter: true)
            let plain = Scorer(rubric: loaded.rubric, usePrefilter: false)
            for interaction in interactions {
                #expect(
                    fast.score(interaction, scratch: scratch) == plain.score(interaction, scratch: scratch),
                    "\(loaded.rubric.id) \(interaction.id)")
            }
        }
    }
}
