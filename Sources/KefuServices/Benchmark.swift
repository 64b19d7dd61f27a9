public import Foundation
import KefuContent
public import KefuCore
import KefuQA
public import KefuRegex
public import KefuRubrics

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
                turns.append(
                    Turn(speaker: .customer, text: chinese ? "我的快递怎么还没到？" : "Where is my parcel?", at: Double(t * 30)))
                turns.append(Turn(speaker: .agent, text: turn(chinese: chinese, using: &rng), at: Double(t * 30 + 20)))
            }
            result.append(Interaction(id: "bench-\(i)", channel: .chat, agent: "agent-\(i % 50)", turns: turns))
        }
        return result
    }

    /// Agent turns resampled from real dialogues: `chinese` and `english` turn texts are drawn (seeded) in a
    /// 60/40 mix into interactions of `agentTurns` agent turns until `turns` agent turns exist.
    public static func resampled(
        chinese: [String], english: [String], turns: Int, agentTurns: Int = 5, seed: UInt64 = 42
    ) -> [Interaction] {
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
                list.append(
                    Turn(speaker: .agent, text: pool[Int(rng.next() % UInt64(pool.count))], at: Double(t * 30 + 20)))
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
            items.append(
                Item(
                    id: "p\(index)", title: source, kind: .forbidden, category: "forbidden.vague",
                    scope: .everyAgentTurn,
                    points: 1, isCritical: false, sources: [], match: MatchSpec(any: [PatternRef(index: index)])))
        }
        return Rubric(
            id: "bench", version: "1", sourceHash: "", title: "benchmark", language: "zh", channels: Channel.allCases,
            normalization: .standard, passMark: 0,
            sections: [Section(id: "all", title: "all", weight: 1, items: items)],
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

/// `bench score`: throughput of the scoring engine (turns/s, MB/s) against a plain PCRE2-JIT loop and
/// Python's `re`, and the peak memory of streaming a large JSON Lines file through the scorer.
public struct ScoringBenchmarkRun {
    /// Which corpora to measure.
    public enum Corpus: String, Sendable, CaseIterable, Codable {
        /// Public dialogue corpora (CrossWOZ zh, MultiWOZ en), resampled.
        case real
        /// Turns built from service phrases (dense in rule hits).
        case synthetic
        /// Both.
        case both
    }

    /// What to run.
    public struct Options: Sendable {
        /// Agent turns in the corpus.
        public var turns = 200_000
        /// Agent turns given to Python's re; 0 skips it.
        public var pythonTurns = 20_000
        /// Size in MB of the streamed JSON Lines file; 0 skips it.
        public var streamMB = 200
        /// Which corpora.
        public var corpus = Corpus.both
        /// Folder with the public corpora (default: `../shared/corpora` next to the content root).
        public var corpora: String?
        /// Only the engine on one core, no ratios (for profiling).
        public var engineOnly = false
        /// With `engineOnly`: without the literal prefilter.
        public var withoutPrefilter = false
        /// Where to write the corpus files (default: a temporary folder).
        public var workDir: String?

        /// The defaults.
        public init() {}
    }

    let environment: KefuEnvironment
    let options: Options
    let out: (String) -> Void

    /// A run over the environment's content; `out` receives each output line.
    public init(environment: KefuEnvironment, options: Options, out: @escaping (String) -> Void) {
        self.environment = environment
        self.options = options
        self.out = out
    }

    /// Runs the benchmark, handing each line of figures to `out` as soon as it is known.
    public func run() throws {
        let repository = environment.content
        let (catalog, _) = repository.clauseCatalog()
        let (loaded, _) = repository.rubrics(clauses: catalog)
        let rubric = try ScoringBenchmark.rubric(from: loaded.filter { $0.errors.isEmpty }.map(\.rubric))
        let prefilter = LiteralPrefilter(patterns: rubric.patterns)
        let filterable = prefilter.literals.filter { $0 != nil }.count
        let folder = URL(fileURLWithPath: options.workDir ?? NSTemporaryDirectory()).appendingPathComponent(
            "kefu-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cores = ProcessInfo.processInfo.activeProcessorCount

        // 1. Streaming: memory stays bounded however large the input is (runs first so the peak is its own).
        if options.streamMB > 0 {
            let file = folder.appendingPathComponent("stream.jsonl")
            let bytes = try writeStream(to: file, megabytes: options.streamMB)
            let scorer = Scorer(rubric: try repository.rubric("conduct.zh").rubric)
            let lines = try InputSource.file(file.path).lines()
            let start = ContinuousClock.now
            let summary = ScoreService.score(lines: lines, scorer: scorer, workers: cores) { _, _ in }
            let seconds = (ContinuousClock.now - start).inSeconds
            out(
                "stream: \(summary.scored) interactions, \(mb(bytes)) MB of JSON Lines scored with conduct.zh through kefu score's reader on \(cores) cores: "
                    + "\(fmt(Double(bytes) / 1e6 / seconds)) MB/s, peak memory \(fmt(ScoringBenchmark.peakMemoryMiB() ?? 0)) MiB"
            )
            try? FileManager.default.removeItem(at: file)
        }

        // 2. The in-memory corpora.
        var sets: [(String, [Interaction])] = []
        if options.corpus == .synthetic || options.corpus == .both {
            sets.append(
                (
                    "synthetic (service phrases, dense in rule hits)",
                    ScoringBenchmark.corpus(interactions: max(1, options.turns / 5))
                ))
        }
        if options.corpus == .real || options.corpus == .both {
            let folder = URL(
                fileURLWithPath: options.corpora
                    ?? repository.root.deletingLastPathComponent().appendingPathComponent("shared/corpora").path)
            let zh = ScoringBenchmark.agentTexts(of: folder.appendingPathComponent("crosswoz_valtest.jsonl"))
            let en = ScoringBenchmark.agentTexts(of: folder.appendingPathComponent("multiwoz_valtest_detok.jsonl"))
            if zh.isEmpty || en.isEmpty {
                out("real corpus: not found in \(folder.path); skipped")
            } else {
                sets.append(
                    (
                        "real (CrossWOZ zh + MultiWOZ en agent turns, resampled)",
                        ScoringBenchmark.resampled(chinese: zh, english: en, turns: options.turns)
                    ))
            }
        }
        out(
            "rubric: \(rubric.patterns.count) patterns (every shipped rubric's plus service phrases), "
                + "\(filterable) with necessary literals for the prefilter")
        for (name, interactions) in sets {
            try measure(name: name, interactions: interactions, rubric: rubric, folder: folder, cores: cores)
        }
    }

    /// Times the engine, the plain loop and Python's re on one corpus and prints figures and ratios.
    func measure(name: String, interactions: [Interaction], rubric: Rubric, folder: URL, cores: Int) throws {
        let agentTexts = interactions.flatMap { $0.turns.filter { $0.speaker == .agent }.map(\.text) }
        let agentBytes = agentTexts.reduce(0) { $0 + $1.utf8.count }
        let chinese =
            interactions.filter {
                $0.turns[1].text.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF }
            }.count * 5
        out(
            "corpus \(name): \(agentTexts.count) agent turns (\(chinese) zh, \(agentTexts.count - chinese) en), "
                + "\(mb(agentBytes)) MB of agent text, mean \(agentTexts.reduce(0) { $0 + $1.count } / max(1, agentTexts.count)) characters a turn"
        )

        func rate(_ label: String, repeatBest: Int = 3, _ body: () -> Void) -> Double {
            var best = Double.infinity
            for _ in 0..<repeatBest {
                let start = ContinuousClock.now
                body()
                best = min(best, (ContinuousClock.now - start).inSeconds)
            }
            let turnsPerSecond = Double(agentTexts.count) / best
            out(
                "  \(label.padding(toLength: 44, withPad: " ", startingAt: 0)) \(fmt(turnsPerSecond).leftPadded(12)) turns/s  "
                    + "\(fmt(Double(agentBytes) / 1e6 / best).leftPadded(7)) MB/s")
            return turnsPerSecond
        }

        let withFilter = Scorer(rubric: rubric, usePrefilter: true)
        let without = Scorer(rubric: rubric, usePrefilter: false)
        var sink = 0
        let one = rate("kefu engine, 1 core (prefilter + PCRE2-JIT)") {
            sink &+= ScoringBenchmark.score(
                interactions, scorer: options.engineOnly && options.withoutPrefilter ? without : withFilter, workers: 1)
        }
        if options.engineOnly {
            out("(checksum \(sink))")
            return
        }
        let oneNoFilter = rate("kefu engine, 1 core, no prefilter") {
            sink &+= ScoringBenchmark.score(interactions, scorer: without, workers: 1)
        }
        let two = rate("kefu engine, \(cores) cores") {
            sink &+= ScoringBenchmark.score(interactions, scorer: withFilter, workers: cores)
        }
        let raw = agentTexts.map { Array($0.utf8) }
        let scratch = MatchScratch()
        let plain = rate("plain PCRE2-JIT per-pattern loop, 1 core") {
            sink &+= ScoringBenchmark.plainLoop(raw, patterns: rubric.patterns, scratch: scratch)
        }

        var python: Double?
        if options.pythonTurns > 0 {
            python = try runPython(folder: folder, texts: Array(agentTexts.prefix(options.pythonTurns)), rubric: rubric)
        }
        out("ratios:")
        out("  kefu 1 core / plain PCRE2 loop         ×\(fmt(one / plain))   (target ≥ 1.0)")
        out(
            "  kefu 1 core without prefilter / plain  ×\(fmt(oneNoFilter / plain))   (the Swift layer and normalization)"
        )
        out("  kefu \(cores) cores / kefu 1 core             ×\(fmt(two / one))   (target ≥ 1.8 on 2 cores)")
        if let python { out("  kefu 1 core / Python re                ×\(fmt(one / python))   (target ≥ 20)") }
        out("(checksum \(sink))")
    }

    /// Writes interactions as JSON Lines until the file reaches `megabytes`; returns its size.
    func writeStream(to url: URL, megabytes: Int) throws -> Int {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw ServiceError(.unavailable, "cannot write \(url.path)")
        }
        defer { try? handle.close() }
        let encoder = JSONEncoder()
        let sample = ScoringBenchmark.corpus(interactions: 2_000, seed: 7)
        var block = Data()
        for interaction in sample {
            block.append(try encoder.encode(interaction))
            block.append(0x0A)
        }
        var written = 0
        while written < megabytes * 1_000_000 {
            handle.write(block)
            written += block.count
        }
        return written
    }

    /// Times Python's `re` on the same patterns (as written) over `texts`; returns turns/s.
    func runPython(folder: URL, texts: [String], rubric: Rubric) throws -> Double? {
        let script = environment.content.root.appendingPathComponent("scripts/bench_python_re.py")
        let corpus = folder.appendingPathComponent("turns.txt")
        let patterns = folder.appendingPathComponent("patterns.txt")
        try Data(texts.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n").utf8).write(
            to: corpus)
        try Data(rubric.patterns.map(\.source).joined(separator: "\n").utf8).write(to: patterns)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, patterns.path, corpus.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            out("  python re: python3 is not available; skipped")
            return nil
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
            let rateLine = text.split(separator: "\n").first(where: { $0.hasPrefix("turns_per_second ") }),
            let rate = Double(rateLine.split(separator: " ")[1])
        else {
            out("  python re: the script failed; skipped")
            return nil
        }
        let skipped =
            text.split(separator: "\n").first { $0.hasPrefix("skipped ") }.map {
                " (\($0.split(separator: " ")[1]) patterns Python cannot compile left out)"
            } ?? ""
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        let mbps = Double(bytes) / 1e6 / (Double(texts.count) / rate)
        out(
            "  \("Python re, 1 core (\(texts.count) turns)".padding(toLength: 44, withPad: " ", startingAt: 0)) \(fmt(rate).leftPadded(12)) turns/s  \(fmt(mbps).leftPadded(7)) MB/s\(skipped)"
        )
        return rate
    }

    func fmt(_ value: Double) -> String {
        value >= 1000 ? String(Int(value.rounded())) : String(format: value >= 10 ? "%.1f" : "%.2f", value)
    }

    func mb(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1e6) }
}

extension Duration {
    /// The duration in seconds (for rates).
    fileprivate var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
