import Foundation
import KefuContent
import KefuCore
import KefuQA
import KefuRegex
import KefuRubrics

/// Builds the scoring benchmark's inputs: a synthetic corpus of agent turns (60 % Chinese, 40 % English,
/// about 60 characters each, drawn with a seeded generator) and a large rubric made of every distinct
/// pattern of the shipped rubrics plus common service phrases.
public enum ScoringBenchmark {
    /// A small deterministic generator (`KefuCore.SplitMix64`, shared with the QA sampler and the scenario runner).
    public typealias SeededGenerator = SplitMix64

    static let zhFragments = [
        "您好，我是客服专员小张", "请问有什么可以帮您", "您的包裹目前在中转站", "预计明天下午送达", "非常抱歉给您带来不便",
        "我帮您核实一下", "两小时内给您回电", "請問還有其他問題嗎", "感謝您的來電，祝您生活愉快", "订单下单后地址无法修改",
        "提现申请提交后1至3个工作日到账", "出借有风险，不承诺收益", "请您提供一下运单号", "我们会全程跟进处理进度",
        "这个问题我来负责", "您看这样处理可以吗", "保证金会在订单完成后退还", "运费以商品详情页为准", "好的，已经为您登记",
        "亲，您好，欢迎光临", "我已经反馈给相关部门", "稍等，正在为您查询", "由于咨询较多，回复稍慢", "我们的服务时间是早九点到晚九点",
        "这不归我管", "我保证三天内一定到", "你自己不会看吗", "应该明天到吧",
    ]
    static let enFragments = [
        "Hello, this is Anna from Kefu Express.", "How may I help you today?", "Your parcel is at the depot.",
        "It should arrive tomorrow afternoon.", "I'm very sorry for the inconvenience.", "Let me check that for you.",
        "I will call you back within 2 hours.", "Is there anything else I can help with?", "Thank you for calling!",
        "The address cannot be changed after ordering.", "Withdrawals take 1 to 3 working days.",
        "Lending carries risk; returns are not guaranteed.", "Could you give me the tracking number?",
        "I will follow it up and keep you updated.", "Would that be acceptable?", "The security deposit is refunded.",
        "Shipping cost is shown on the product page.", "I have logged your request.", "That's not my department.",
        "It's guaranteed to arrive in 3 days.", "As I already said, no.", "It will probably arrive at some point.",
    ]

    /// One agent turn of about 60 characters.
    static func turn(chinese: Bool, using rng: inout SeededGenerator) -> String {
        let fragments = chinese ? zhFragments : enFragments
        let target = 60
        var text = ""
        while text.count < target - 8 {
            if !text.isEmpty { text += chinese ? "，" : " " }
            text += fragments[Int(rng.next() % UInt64(fragments.count))]
        }
        return text
    }

    /// `count` interactions of `agentTurns` agent turns each (with a short customer turn before each).
    public static func corpus(interactions count: Int, agentTurns: Int = 5, seed: UInt64 = 42) -> [Interaction] {
        var rng = SeededGenerator(seed: seed)
        var result: [Interaction] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            let chinese = rng.next() % 10 < 6
            var turns: [Turn] = []
            for t in 0..<agentTurns {
                turns.append(Turn(speaker: .customer, text: chinese ? "我的快递怎么还没到？" : "Where is my parcel?", at: Double(t * 30)))
                turns.append(Turn(speaker: .agent, text: turn(chinese: chinese, using: &rng), at: Double(t * 30 + 20)))
            }
            result.append(Interaction(id: "bench-\(i)", channel: .chat, agent: "agent-\(i % 50)", turns: turns))
        }
        return result
    }

    /// Agent turns resampled from real dialogues: `chinese` and `english` turn texts are drawn (seeded) in a
    /// 60/40 mix into interactions of `agentTurns` agent turns until `turns` agent turns exist.
    public static func resampled(chinese: [String], english: [String], turns: Int, agentTurns: Int = 5, seed: UInt64 = 42) -> [Interaction] {
        var rng = SeededGenerator(seed: seed)
        var result: [Interaction] = []
        let count = max(1, turns / agentTurns)
        result.reserveCapacity(count)
        for i in 0..<count {
            let zh = rng.next() % 10 < 6
            let pool = zh ? chinese : english
            var list: [Turn] = []
            for t in 0..<agentTurns {
                list.append(Turn(speaker: .customer, text: zh ? "请问" : "Hi", at: Double(t * 30)))
                list.append(Turn(speaker: .agent, text: pool[Int(rng.next() % UInt64(pool.count))], at: Double(t * 30 + 20)))
            }
            result.append(Interaction(id: "real-\(i)", channel: .chat, agent: "agent-\(i % 50)", turns: list))
        }
        return result
    }

    /// Agent turn texts of a JSON Lines interaction file (invalid lines are skipped).
    public static func agentTexts(of url: URL) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return [] }
        let reader = LineReader(handle: handle)
        var texts: [String] = []
        while let line = reader.next() {
            if case .success(let interaction) = InteractionDecoder.decode(line, line: reader.lineNumber) {
                texts += interaction.turns.filter { $0.speaker == .agent }.map(\.text)
            }
        }
        return texts
    }

    /// Extra literal phrases that make the rubric as large as a real QA programme's.
    static let extraPhrases = [
        "稍等片刻", "马上为您处理", "给您添麻烦了", "理解您的心情", "请您放心", "为您加急处理", "已为您备注", "工单已提交", "请保持电话畅通",
        "会员权益", "积分兑换", "优惠券", "退换货", "七天无理由", "发票", "开户", "转户", "佣金", "两融", "风险测评", "逾期",
        "借款合同", "还款计划", "充值", "冻结", "解冻", "实名认证", "人脸识别", "验证码", "登录异常", "密码重置", "账户安全",
        "thank you for waiting", "I understand your frustration", "let me escalate", "ticket number", "refund request",
        "exchange policy", "warranty", "invoice", "account locked", "reset your password", "verification code",
        "two-factor", "loyalty points", "voucher", "promo code", "delivery slot", "out of stock", "back order",
        "cancellation fee", "restocking fee", "customs duty", "return label", "pick-up point", "courier partner",
    ]

    /// A rubric with every distinct pattern of `rubrics` (as forbidden items over every agent turn) plus the
    /// extra phrases, so it has at least `minimumPatterns` patterns.
    public static func rubric(from rubrics: [Rubric], minimumPatterns: Int = 200) throws -> Rubric {
        var sources: [(String, Bool)] = []
        var seen = Set<String>()
        for rubric in rubrics {
            for pattern in rubric.patterns where seen.insert(pattern.source).inserted {
                sources.append((pattern.source, pattern.options.caseless))
            }
        }
        var extra = 0
        while sources.count < minimumPatterns || extra < extraPhrases.count {
            let phrase = extraPhrases[extra % extraPhrases.count]
            let source = extra < extraPhrases.count ? phrase : "\(phrase)\(extra / extraPhrases.count)"
            if seen.insert(source).inserted { sources.append((source, true)) }
            extra += 1
        }
        var patterns: [Pattern] = []
        var items: [Item] = []
        for (index, (source, caseless)) in sources.enumerated() {
            patterns.append(try Pattern(source, options: PatternOptions(caseless: caseless)))
            items.append(Item(
                id: "p\(index)", title: source, kind: .forbidden, category: "forbidden.vague", scope: .everyAgentTurn,
                points: 1, isCritical: false, sources: [], match: MatchSpec(any: [PatternRef(index: index)])))
        }
        return Rubric(
            id: "bench", version: "1", sourceHash: "", title: "benchmark", language: "zh", channels: Channel.allCases,
            normalization: .standard, passMark: 0, sections: [Section(id: "all", title: "all", weight: 1, items: items)],
            patterns: patterns)
    }

    /// Runs the per-pattern baseline: every compiled pattern once over every agent turn's raw UTF-8
    /// (no normalization, no evidence), returning the number of matching (turn, pattern) pairs.
    public static func plainLoop(_ turns: [[UInt8]], patterns: [Pattern], scratch: MatchScratch) -> Int {
        var hits = 0
        for turn in turns {
            turn.withUnsafeBufferPointer { buffer in
                for pattern in patterns where (try? pattern.firstMatch(in: buffer, scratch: scratch)) != nil {
                    hits += 1
                }
            }
        }
        return hits
    }

    /// Scores interactions on `workers` threads; returns the number of failed items (to keep the work observable).
    public static func score(_ interactions: [Interaction], scorer: Scorer, workers: Int) -> Int {
        // As in ScoreService: several chunks per worker, so a stalled thread does not hold up the run.
        let chunks = workers <= 1 ? 1 : workers * 8
        var failures = [Int](repeating: 0, count: chunks)
        failures.withUnsafeMutableBufferPointer { out in
            let box = UncheckedBox(out)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let scratch = MatchScratch()
                var count = 0
                var i = chunk
                while i < interactions.count {
                    let result = scorer.score(interactions[i], scratch: scratch)
                    for j in result.items.indices where result.items[j].verdict == .fail { count += 1 }
                    i += chunks
                }
                box.value[chunk] = count
            }
        }
        return failures.reduce(0, +)
    }

    /// Peak resident memory of this process in MiB (Linux `VmHWM`), or nil where unavailable.
    public static func peakMemoryMiB() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.filter(\.isNumber)
            if let kib = Double(digits) { return kib / 1024 }
        }
        return nil
    }
}
