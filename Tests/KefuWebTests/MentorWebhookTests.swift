import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import KefuWeb

/// A transport that answers from a script and records what it was sent.
final class ScriptedTransport: WebhookTransport, @unchecked Sendable {
    let answers: Mutex<[(Int, String)]>
    let sent = Mutex<[(url: String, body: String)]>([])

    init(_ answers: [(Int, String)]) { self.answers = Mutex(answers) }

    func post(url: String, body: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        sent.withLock { $0.append((url, String(decoding: body, as: UTF8.self))) }
        let answer = answers.withLock { $0.isEmpty ? (200, "{}") : $0.removeFirst() }
        return (answer.0, Array(answer.1.utf8))
    }
}

@Suite("web: the mentors' webhook")
struct MentorWebhookTests {
    static let work = WaitingWork(newTranscripts: 2, newEssays: 1, totalWaiting: 5)
    static let time = Date(timeIntervalSince1970: 1_764_662_400)

    @Test("WeCom, DingTalk (signed URL) and Feishu (signed body) messages, checked against HMAC vectors made elsewhere")
    func formats() throws {
        var settings = WebhookSettings(url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K", kind: .wecom)
        settings.link = "https://kefu.example.com/"
        let wecom = WebhookMessage.request(Self.work, settings: settings, now: Self.time)
        let wecomBody = try #require(try JSONSerialization.jsonObject(with: Data(wecom.body)) as? [String: Any])
        #expect(wecomBody["msgtype"] as? String == "text")
        let content = try #require((wecomBody["text"] as? [String: Any])?["content"] as? String)
        #expect(content.hasPrefix("【Kefu 带教】新增待审工作：对话记录 2 份，问答题 1 道；共 5 项待处理。请登录查看：https://kefu.example.com/mentor"))
        #expect(content.contains("\n[Kefu mentoring] New review work: 2 transcripts, 1 essays; 5 waiting in all."))
        #expect(wecom.url == settings.url)

        // Python: base64(hmac.new(b"SEC123", b"1764662400000\nSEC123", sha256)), URL-encoded.
        settings = WebhookSettings(url: "https://oapi.dingtalk.com/robot/send?access_token=T", kind: .dingtalk)
        settings.secret = "SEC123"
        let ding = WebhookMessage.request(Self.work, settings: settings, now: Self.time)
        #expect(
            ding.url
                == "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1764662400000&sign=WzM0%2Bg0zHrknkiJ5G5ToJLqoT8aypX81L%2BVAZmrUFVM%3D"
        )

        // Python: base64(hmac.new(b"1764662400\nSEC123", b"", sha256)).
        settings = WebhookSettings(url: "https://open.feishu.cn/open-apis/bot/v2/hook/X", kind: .feishu)
        settings.secret = "SEC123"
        let feishu = WebhookMessage.request(Self.work, settings: settings, now: Self.time)
        let feishuBody = try #require(try JSONSerialization.jsonObject(with: Data(feishu.body)) as? [String: Any])
        #expect(feishuBody["msg_type"] as? String == "text")
        #expect(feishuBody["timestamp"] as? String == "1764662400")
        #expect(feishuBody["sign"] as? String == "es+zl67VSUngSgMyWgyBValsoZTf51k3tAMffZPlZiM=")
        #expect(
            (feishuBody["content"] as? [String: Any])?["text"] as? String == WebhookMessage.text(Self.work, link: nil))

        #expect(WebhookMessage.accepted(status: 200, body: Array(#"{"errcode":0,"errmsg":"ok"}"#.utf8)))
        #expect(!WebhookMessage.accepted(status: 200, body: Array(#"{"errcode":45009,"errmsg":"limit"}"#.utf8)))
        #expect(!WebhookMessage.accepted(status: 200, body: Array(#"{"code":19021,"msg":"sign"}"#.utf8)))
        #expect(!WebhookMessage.accepted(status: 502, body: []))
    }

    @Test("the first look notes what waits; new work is announced once, retried until accepted, without personal data")
    func watcher() async throws {
        let transport = ScriptedTransport([(500, "busy"), (200, #"{"errcode":45009}"#), (200, #"{"errcode":0}"#)])
        let queue = Mutex<Set<String>>(["run:1"])
        let pauses = Mutex<[Duration]>([])
        let watcher = MentorWorkWatcher(
            settings: WebhookSettings(url: "http://robot.test/hook", kind: .wecom, attempts: 3),
            transport: transport, logger: Logger(label: "test"), now: { Self.time },
            pause: { duration in pauses.withLock { $0.append(duration) } },
            look: { queue.withLock { $0 } })
        #expect(await watcher.tick() == nil)
        #expect(transport.sent.withLock { $0.isEmpty })
        queue.withLock { $0 = ["run:1", "run:7", "essay:3:2"] }
        #expect(await watcher.tick() == WaitingWork(newTranscripts: 1, newEssays: 1, totalWaiting: 3))
        let sent = transport.sent.withLock { $0 }
        #expect(sent.count == 3)
        #expect(pauses.withLock { $0 } == [.seconds(1), .seconds(2)])
        for message in sent {
            #expect(!message.body.contains("E00") && !message.body.contains("run:") && !message.body.contains("王"))
        }
        #expect(await watcher.tick() == nil)
        #expect(transport.sent.withLock { $0.count } == 3)
        // Work that left the queue and new work together: only the new counts.
        queue.withLock { $0 = ["run:8"] }
        #expect(await watcher.tick() == WaitingWork(newTranscripts: 1, newEssays: 0, totalWaiting: 1))
    }

    @Test("a configuration file sets the webhook; a wrong kind or a key that is not a setting names the file")
    func configuration() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-hook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("serve.yaml")
        try """
        port: 9090
        mentor_webhook:
          url: https://open.feishu.cn/open-apis/bot/v2/hook/abc
          kind: feishu
          secret: s3cret
          interval_seconds: 30
          link: https://kefu.example.com
        """.write(to: file, atomically: true, encoding: .utf8)
        let settings = try #require(try WebConfiguration(root: "/tmp").applying(file: file.path).mentorWebhook)
        #expect(settings.kind == .feishu && settings.secret == "s3cret" && settings.intervalSeconds == 30)
        #expect(settings.attempts == 3 && settings.link == "https://kefu.example.com")
        try "mentor_webhook:\n  url: https://x.test/h\n  kind: slack\n".write(
            to: file, atomically: true, encoding: .utf8)
        #expect { try WebConfiguration(root: "/tmp").applying(file: file.path) } throws: { error in
            "\(error)".contains("serve.yaml: mentor_webhook.kind must be one of wecom, dingtalk, feishu, json")
        }
        try "mentor_webhook:\n  url: ftp://x.test/h\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: WebError.self) { try WebConfiguration(root: "/tmp").applying(file: file.path) }
    }

    @Test("the real transport POSTs JSON over HTTP to a listening robot")
    func liveTransport() async throws {
        let received = Mutex<[String]>([])
        let router = Router()
        router.post("/robot") { request, _ -> String in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 16)
            received.withLock { $0.append(String(buffer: body)) }
            return #"{"errcode":0,"errmsg":"ok"}"#
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let watcher = MentorWorkWatcher(
                settings: WebhookSettings(url: "http://127.0.0.1:\(port)/robot", kind: .dingtalk),
                transport: URLSessionTransport(), logger: Logger(label: "test"), look: { [] })
            #expect(await watcher.deliver(Self.work))
        }
        let bodies = received.withLock { $0 }
        #expect(bodies.count == 1)
        #expect(bodies.first?.contains(#""msgtype":"text""#) == true)
    }
}
