import ArgumentParser
import Foundation
import KefuCore
import KefuServices

/// `kefu bench qa`: import throughput (decode, mask, hash, insert in one transaction) on generated
/// interactions, then the cost of drawing and verifying a sample over that population.
struct BenchQA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qa",
        abstract: "Benchmark QA import (interactions/s, target ≥ 50,000/s), sampling and sample verification.")

    @Option(help: "Generated interactions to import.") var interactions = 1_000_000
    @Option(help: "Folder for the temporary file and database (default: the temporary folder).") var workDir: String?
    @Option(help: "Also import these files (e.g. ../shared/corpora/*.jsonl) into a fresh database and time them.")
    var corpus: [String] = []
    @Option(help: "Run on this PostgreSQL server (postgres://…; a scratch schema, dropped after) instead of SQLite.")
    var db: String?

    /// An environment over a new database: a SQLite file in `folder`, or a scratch schema on `--db`.
    func freshEnvironment(_ folder: URL, _ name: String) throws -> KefuEnvironment {
        let location = DatabaseService.scratch(server: db, folder: folder, name: name)
        return try KefuEnvironment.open(
            Configuration(
                root: folder.path, database: location, keyDirectory: folder.appendingPathComponent("keys").path),
            access: .readWrite)
    }

    func run() async throws {
        try await Edge.run {
            let folder = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory()).appendingPathComponent(
                "kefu-bench-qa-\(ProcessInfo.processInfo.processIdentifier)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }

            for path in corpus {
                let env = try freshEnvironment(folder, "corpus-\(UUID().uuidString).sqlite")
                let start = ContinuousClock.now
                let report = try await QAImportService(environment: env).importInteractions(
                    from: .file(path), format: .jsonl, batch: "corpus", by: .system)
                let seconds = (ContinuousClock.now - start).seconds
                print(
                    "corpus \((path as NSString).lastPathComponent): \(report.imported) interactions in \(fmt(seconds)) s = \(Int(Double(report.imported) / seconds))/s"
                )
                await DatabaseService.dropScratch(env.configuration.database)
            }

            let file = folder.appendingPathComponent("generated.jsonl").path
            var start = ContinuousClock.now
            let (bytes, planted) = try QABenchmarkCorpus.write(interactions: interactions, to: file)
            print(
                "generated \(interactions) interactions (\(fmt(Double(bytes) / 1_048_576)) MiB JSONL, \(planted) with planted personal data) in \(fmt((ContinuousClock.now - start).seconds)) s"
            )

            let env = try freshEnvironment(folder, "bench.sqlite")
            print("database: \(try env.storage.location)")
            start = ContinuousClock.now
            let report = try await QAImportService(environment: env).importInteractions(
                from: .file(file), format: .jsonl, batch: "bench", by: .system)
            let seconds = (ContinuousClock.now - start).seconds
            let committed = report.committedSeconds.value
            let rate = Double(report.imported) / seconds
            print(
                "import: \(report.imported) interactions committed (durable) in \(fmt(committed)) s = \(Int(Double(report.imported) / committed))/s; \(report.masked) spans masked"
            )
            print(
                "        including the WAL checkpoint: \(fmt(seconds)) s = \(Int(rate)) interactions/s (\(fmt(Double(bytes) / 1_048_576 / seconds)) MiB/s), ×\(fmt(rate / 50_000)) the 50,000/s target"
            )
            if let peak = ScoringBenchmark.peakMemoryMiB() {
                print("        peak memory after import: \(fmt(peak)) MiB")
            }
            guard report.masked >= planted else {
                throw ServiceError(.unavailable, "masked \(report.masked) spans but \(planted) were planted")
            }

            let service = QASampleService(environment: env)
            start = ContinuousClock.now
            let drawn = try await service.draw(
                "bench", parameters: .init(period: "2026-11", perAgent: 5, strata: .channel, seed: 7), by: .system)
            print(
                "sample: \(drawn.members.count) of \(drawn.populationSize) (5 per agent and channel) in \(fmt((ContinuousClock.now - start).seconds)) s"
            )
            start = ContinuousClock.now
            let verification = try await service.verify("bench")
            print(
                "verify: \(verification.isIdentical ? "identical" : "DIFFERENT") in \(fmt((ContinuousClock.now - start).seconds)) s (re-hashes every interaction's stored turns)"
            )
            if let peak = ScoringBenchmark.peakMemoryMiB() { print("peak memory: \(fmt(peak)) MiB") }
            await DatabaseService.dropScratch(env.configuration.database)
        }
    }

    func fmt(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// Generated QA interactions: 6 turns each, 60 % Chinese, 500 agents, four channels, September to
/// November 2026; one in twenty carries a mobile, resident-ID or bank-card number for the masker, and
/// many carry order numbers and amounts that must survive.
enum QABenchmarkCorpus {
    static let customerZH = [
        "我的快递三天了还没到，单号SF1234567890123", "我想改一下收货地址", "提现怎么还没到账？", "这个理财保本吗？", "东西收到是坏的，我要投诉", "订单号20261103001的退款什么时候到",
        "请问营业时间到几点",
    ]
    static let agentZH = [
        "您好，我是客服小周，很高兴为您服务。", "非常抱歉给您带来不便，我马上为您核实。", "已为您登记，两小时内给您回电。", "出借有风险，平台不承诺收益。", "请问还有其他可以帮您的吗？感谢您的耐心。",
        "退款金额128.50元将在1至3个工作日退回。",
    ]
    static let customerEN = [
        "My parcel is three days late, tracking SF1234567890123.", "Can I change my delivery address?",
        "Why hasn't my withdrawal arrived?", "Is this investment guaranteed?",
        "The item arrived broken, I want to complain.",
    ]
    static let agentEN = [
        "Hello, this is Anna, how may I help you?", "I'm very sorry for the inconvenience, let me check.",
        "I have logged it and will call you back within 2 hours.", "Lending carries risk; returns are not guaranteed.",
        "Is there anything else I can help with? Thank you for your patience.",
    ]
    static let planted = [
        "我的手机号是13812345678", "身份证号11010519491231002X", "卡号6222 0212 3456 7898 6", "my number is +86 139-1234-5678",
    ]

    /// Writes the file; returns its size in bytes and how many interactions carry planted personal data.
    static func write(interactions count: Int, to path: String) throws -> (bytes: Int, planted: Int) {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw ServiceError(.unavailable, "cannot write \(path)")
        }
        defer { try? handle.close() }
        var rng = ScoringBenchmark.SeededGenerator(seed: 2026)
        var buffer = ""
        var bytes = 0
        var planted = 0
        let channels = ["wechat", "chat", "phone", "email"]
        for i in 0..<count {
            let chinese = rng.next() % 10 < 6
            let month = 9 + Int(rng.next() % 3)
            let day = 1 + Int(rng.next() % 28)
            var line =
                "{\"id\":\"gen-\(i)\",\"channel\":\"\(channels[Int(rng.next() % 4)])\",\"agent\":\"agent-\(rng.next() % 500)\","
            line +=
                "\"started_at\":\"2026-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)T10:00:00+08:00\",\"turns\":["
            let plant = i % 20 == 0
            if plant { planted += 1 }
            for t in 0..<3 {
                let customers = chinese ? customerZH : customerEN
                let agents = chinese ? agentZH : agentEN
                var customer = customers[Int(rng.next() % UInt64(customers.count))]
                if plant && t == 1 { customer += "，" + planted_(i) }
                if t > 0 { line += "," }
                line += "{\"speaker\":\"customer\",\"text\":\"\(customer)\",\"at\":\(t * 40)},"
                line +=
                    "{\"speaker\":\"agent\",\"text\":\"\(agents[Int(rng.next() % UInt64(agents.count))])\",\"at\":\(t * 40 + 25)}"
            }
            line += "]}\n"
            buffer += line
            if buffer.utf8.count > 1 << 20 {
                bytes += buffer.utf8.count
                handle.write(Data(buffer.utf8))
                buffer = ""
            }
        }
        bytes += buffer.utf8.count
        handle.write(Data(buffer.utf8))
        return (bytes, planted)
    }

    static func planted_(_ i: Int) -> String { planted[(i / 20) % planted.count] }
}
