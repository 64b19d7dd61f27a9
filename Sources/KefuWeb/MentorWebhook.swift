import Crypto
import Foundation
import HTTPTypes
import KefuCore
import KefuServices
import Logging
import ServiceLifecycle

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The optional outgoing webhook that tells mentors' group chat when new review work is waiting: a JSON POST that a
/// WeCom (企业微信), DingTalk (钉钉) or Feishu (飞书) group robot accepts, or a plain JSON event for anything else.
///
/// The message carries counts and a link only — never a name, a person id, a transcript or an answer — because a
/// group chat is outside Kefu's records. Configured in `kefu serve --config FILE` under `mentor_webhook:`.
public struct WebhookSettings: Sendable, Hashable {
    /// The robot's flavour of JSON.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// 企业微信群机器人: `{"msgtype":"text","text":{"content":…}}`.
        case wecom
        /// 钉钉自定义机器人: like WeCom; with a secret, the URL is signed (`timestamp`, `sign`).
        case dingtalk
        /// 飞书自定义机器人: `{"msg_type":"text","content":{"text":…}}`; with a secret, `timestamp` and `sign` fields.
        case feishu
        /// Any other receiver: `{"event":"kefu.mentor.waiting", …}`.
        case json
    }

    /// Where to POST (http or https).
    public var url: String
    /// The robot's flavour.
    public var kind: Kind
    /// The robot's signing secret (DingTalk "加签", Feishu "签名校验"), if set.
    public var secret: String?
    /// How often to look for new work, in seconds.
    public var intervalSeconds: Int = 60
    /// How many times to try one message before giving up (with 1 s, 2 s, 4 s … between tries).
    public var attempts: Int = 3
    /// The web app's public address, for the link in the message (e.g. `https://kefu.example.com`).
    public var link: String?

    /// Settings from the `mentor_webhook:` mapping of a configuration file; errors name the file and the key.
    static func parse(_ node: Any, file: String) throws -> WebhookSettings {
        guard let map = node as? [String: Any] else {
            throw WebError(.internalServerError, "\(file): mentor_webhook must be a mapping (url: …, kind: …)")
        }
        func fail(_ message: String) -> WebError {
            WebError(.internalServerError, "\(file): mentor_webhook.\(message)")
        }
        guard let url = map["url"].map({ "\($0)" }), let parsed = URL(string: url),
            ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil
        else { throw fail("url must be an http(s) address") }
        let kindText = map["kind"].map { "\($0)" } ?? "json"
        guard let kind = Kind(rawValue: kindText) else {
            throw fail(
                "kind must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")), not `\(kindText)`")
        }
        var settings = WebhookSettings(url: url, kind: kind)
        for (key, value) in map {
            let text = "\(value)"
            switch key {
            case "url", "kind": break
            case "secret": settings.secret = text.isEmpty ? nil : text
            case "link": settings.link = text
            case "interval_seconds":
                guard let n = Int(text), n >= 5 else { throw fail("interval_seconds must be a number ≥ 5") }
                settings.intervalSeconds = n
            case "attempts":
                guard let n = Int(text), (1...10).contains(n) else { throw fail("attempts must be 1 to 10") }
                settings.attempts = n
            default:
                throw fail("\(key) is not a setting (known: url, kind, secret, link, interval_seconds, attempts)")
            }
        }
        return settings
    }
}

/// What is new in the mentors' queues since the last look: counts only.
struct WaitingWork: Sendable, Hashable {
    /// New transcripts waiting for review.
    var newTranscripts: Int
    /// New essays waiting for a mark.
    var newEssays: Int
    /// Everything waiting now.
    var totalWaiting: Int
}

/// Builds the robot's request. Pure: the time is passed in.
enum WebhookMessage {
    /// The text of the message, Chinese first: counts and the link, nothing about any person.
    static func text(_ work: WaitingWork, link: String?) -> String {
        var zh = "【Kefu 带教】新增待审工作：对话记录 \(work.newTranscripts) 份，问答题 \(work.newEssays) 道；共 \(work.totalWaiting) 项待处理。"
        var en =
            "[Kefu mentoring] New review work: \(work.newTranscripts) transcripts, \(work.newEssays) essays; \(work.totalWaiting) waiting in all."
        if let link {
            let address = link.hasSuffix("/") ? String(link.dropLast()) : link
            zh += "请登录查看：\(address)/mentor"
            en += " Open \(address)/mentor"
        }
        return zh + "\n" + en
    }

    /// The URL and JSON body for `settings`' robot at `now`.
    static func request(_ work: WaitingWork, settings: WebhookSettings, now: Date) -> (url: String, body: [UInt8]) {
        let text = Self.text(work, link: settings.link)
        var url = settings.url
        var body: [String: Any]
        switch settings.kind {
        case .wecom:
            body = ["msgtype": "text", "text": ["content": text]]
        case .dingtalk:
            body = ["msgtype": "text", "text": ["content": text]]
            if let secret = settings.secret {
                let milliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
                let sign = hmac(key: secret, message: "\(milliseconds)\n\(secret)")
                let encoded = sign.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? sign
                url += (url.contains("?") ? "&" : "?") + "timestamp=\(milliseconds)&sign=\(encoded)"
            }
        case .feishu:
            body = ["msg_type": "text", "content": ["text": text]]
            if let secret = settings.secret {
                let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
                body["timestamp"] = String(seconds)
                body["sign"] = hmac(key: "\(seconds)\n\(secret)", message: "")
            }
        case .json:
            body = [
                "event": "kefu.mentor.waiting", "new_transcripts": work.newTranscripts, "new_essays": work.newEssays,
                "waiting": work.totalWaiting, "text": text, "at": Timestamp.format(now),
            ]
            if let link = settings.link { body["link"] = link }
        }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return (url, Array(data))
    }

    /// Base64 of HMAC-SHA256(key, message), as DingTalk and Feishu sign.
    static func hmac(key: String, message: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(key.utf8)))
        return Data(code).base64EncodedString()
    }

    /// True when the robot accepted the message: a 2xx answer whose `errcode` (WeCom, DingTalk) or `code` (Feishu),
    /// when present, is 0.
    static func accepted(status: Int, body: [UInt8]) -> Bool {
        guard (200..<300).contains(status) else { return false }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return true }
        for key in ["errcode", "code", "StatusCode"] {
            if let value = object[key] as? Int, value != 0 { return false }
        }
        return true
    }
}

/// Sends one POST; the real one uses URLSession, tests pass their own.
protocol WebhookTransport: Sendable {
    /// POSTs `body` as JSON to `url`; returns the HTTP status and body.
    func post(url: String, body: [UInt8]) async throws -> (status: Int, body: [UInt8])
}

/// The POST over HTTP(S) with Foundation's URLSession (10 s timeout).
struct URLSessionTransport: WebhookTransport {
    func post(url: String, body: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        guard let address = URL(string: url) else { throw WebError(.internalServerError, "bad webhook URL") }
        var request = URLRequest(url: address, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, Array(data))
    }
}

/// Looks at the mentors' queues and posts to the webhook when new work has appeared since the last look (the first
/// look only notes what is there, so a restart does not repeat old news). A message that the robot does not accept is
/// tried again `attempts` times with a doubling pause, then logged and dropped.
actor MentorWorkWatcher {
    let settings: WebhookSettings
    let transport: any WebhookTransport
    let look: @Sendable () async throws -> Set<String>
    let pause: @Sendable (Duration) async -> Void
    let now: @Sendable () -> Date
    let logger: Logger
    private var seen: Set<String>?

    /// A watcher; `look` returns the keys of everything waiting (`run:ID`, `essay:ATTEMPT:POSITION`).
    init(
        settings: WebhookSettings, transport: any WebhookTransport, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() },
        pause: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) },
        look: @escaping @Sendable () async throws -> Set<String>
    ) {
        self.settings = settings
        self.transport = transport
        self.logger = logger
        self.now = now
        self.pause = pause
        self.look = look
    }

    /// One look; returns what was announced (nil when nothing new, on the first look, or when looking failed).
    @discardableResult
    func tick() async -> WaitingWork? {
        let current: Set<String>
        do { current = try await look() } catch {
            logger.warning("mentor webhook: could not read the review queues: \(error)")
            return nil
        }
        defer { seen = current }
        guard let before = seen else { return nil }
        let new = current.subtracting(before)
        guard !new.isEmpty else { return nil }
        let work = WaitingWork(
            newTranscripts: new.filter { $0.hasPrefix("run:") }.count,
            newEssays: new.filter { $0.hasPrefix("essay:") }.count, totalWaiting: current.count)
        _ = await deliver(work)
        return work
    }

    /// Posts `work`, retrying; true when the robot accepted it.
    func deliver(_ work: WaitingWork) async -> Bool {
        for attempt in 1...max(settings.attempts, 1) {
            let request = WebhookMessage.request(work, settings: settings, now: now())
            do {
                let (status, body) = try await transport.post(url: request.url, body: request.body)
                if WebhookMessage.accepted(status: status, body: body) {
                    logger.info("mentor webhook: announced \(work.newTranscripts + work.newEssays) new items")
                    return true
                }
                logger.warning(
                    "mentor webhook: try \(attempt) of \(settings.attempts) refused (HTTP \(status), \(String(decoding: body.prefix(200), as: UTF8.self)))"
                )
            } catch {
                logger.warning("mentor webhook: try \(attempt) of \(settings.attempts) failed: \(error)")
            }
            if attempt < settings.attempts { await pause(.seconds(1 << (attempt - 1))) }
        }
        logger.error("mentor webhook: gave up after \(settings.attempts) tries; the work is still in the queue")
        return false
    }

    /// The keys of every transcript and essay waiting for any active mentor.
    static func waitingItems(_ environment: KefuEnvironment) async throws -> Set<String> {
        let mentoring = MentorReviewService(environment: environment)
        let mentors = Set(
            try await environment.storage.mentoring.mentorships(of: nil, activeOnly: true).map(\.mentorID))
        var keys = Set<String>()
        for mentor in mentors {
            for item in try await mentoring.queue(mentor: mentor, by: .system).items {
                switch item {
                case .transcript(let run): keys.insert("run:\(run.run)")
                case .essay(let essay): keys.insert("essay:\(essay.attempt):\(essay.position)")
                }
            }
        }
        return keys
    }
}

/// The watcher as a service of `kefu serve`: a look every `interval_seconds` until the server stops.
struct MentorWebhookService: Service {
    let watcher: MentorWorkWatcher
    let interval: Int

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await watcher.tick()
                try? await Task.sleep(for: .seconds(interval))
            }
        }
    }
}
