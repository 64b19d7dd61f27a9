import Foundation
import Testing

@Suite("kefu rubric eval")
struct RubricEvalCLITests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-eval-\(UUID().uuidString)")

    func write(_ name: String, _ lines: [String]) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let items = [
        "greeting", "identity", "offer-help", "confirm-understanding", "apology", "reply-time-promise", "closing",
        "rude", "impatient", "buck-passing", "guarantee", "vague", "blame", "disclosure",
    ]

    func line(_ id: String, split: String, turns: [(String, String)], labels: [String: String]) -> String {
        var all: [String: String] = [:]
        for item in Self.items {
            all[item] = labels[item] ?? (["apology", "reply-time-promise"].contains(item) ? "n/a" : "pass")
        }
        let object: [String: Any] = [
            "id": id, "split": split, "labeller": "test",
            "interaction": [
                "id": id, "channel": "chat", "agent": "a-1", "turns": turns.map { ["speaker": $0.0, "text": $0.1] },
            ],
            "labels": all,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Test("counts agreement per item, lists disagreements, exits 1 below a threshold and 2 on a malformed file")
    func evaluate() throws {
        let good = line(
            "t-1", split: "test",
            turns: [
                ("agent", "您好，我是客服小王，很高兴为您服务，请问有什么可以帮您？"), ("customer", "查一下订单"),
                ("agent", "好的，已经为您查到，请问还有其他问题吗？"), ("customer", "没有了"), ("agent", "感谢您的来电，再见！"),
            ],
            labels: [:])
        // The person hears impatience the rubric may or may not catch; the label says fail.
        let impatient = line(
            "t-2", split: "test",
            turns: [
                ("agent", "您好，我是客服小李，请问有什么可以帮您？"), ("customer", "怎么还没到"),
                ("agent", "我都说了好几遍了，等着吧。"), ("customer", "好吧"), ("agent", "再见。"),
            ],
            labels: ["impatient": "fail", "apology": "fail", "confirm-understanding": "fail"])
        let dev = line("d-1", split: "dev", turns: [("agent", "hi")], labels: [:])
        let file = try write("labels.jsonl", [good, impatient, dev])
        let json = try KefuProcess.run([
            "rubric", "eval", "conduct.zh", "--labels", file, "--split", "test", "--format", "json", "--root",
            KefuProcess.root.path,
        ])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(report?["interactions"] as? Int == 2)
        let items = report?["items"] as? [[String: Any]] ?? []
        let impatientRates = items.first { $0["name"] as? String == "impatient" }
        #expect(impatientRates?["total"] as? Int == 2)
        #expect(
            (impatientRates?["true_positives"] as? Int ?? 0) + (impatientRates?["false_negatives"] as? Int ?? 0) == 1)
        let greeting = items.first { $0["name"] as? String == "greeting" }
        #expect(greeting?["true_positives"] as? Int == 2)

        // An impossible threshold: exit 1 and the category named.
        let strict = try KefuProcess.run([
            "rubric", "eval", "conduct.zh", "--labels", file, "--min-recall", "1.01", "--root", KefuProcess.root.path,
        ])
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("below threshold: greeting recall"))

        // A line without a label for every item: exit 2, file:line:col named.
        let broken = try write(
            "broken.jsonl",
            [
                good,
                #"{"id":"x","split":"test","labeller":"t","interaction":{"id":"x","channel":"chat","agent":"a","turns":[]},"labels":{"greeting":"pass"}}"#,
            ])
        let bad = try KefuProcess.run([
            "rubric", "eval", "conduct.zh", "--labels", broken, "--root", KefuProcess.root.path,
        ])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("broken.jsonl:2:1: x has no label for identity"))
    }
}
