import Foundation
public import Hummingbird
import HummingbirdAuth
import KefuCore
public import KefuServices
public import Logging
import ServiceLifecycle
import UnixSignals

/// The services the routes call, built once per process (the exam service keeps its content cache).
struct WebServices: Sendable {
    let environment: KefuEnvironment
    let accounts: AccountService
    let exams: ExamService
    let scenarios: ScenarioService
    let ledger: LedgerService
    let home: TraineeHomeService
    let mentoring: MentorReviewService

    init(environment: KefuEnvironment, accountSettings: AccountSettings) {
        self.environment = environment
        var settings = accountSettings
        settings.batchUseRecords = true
        accounts = AccountService(environment: environment, settings: settings)
        exams = ExamService(environment: environment)
        scenarios = ScenarioService(environment: environment)
        ledger = LedgerService(environment: environment)
        home = TraineeHomeService(environment: environment, exams: exams)
        mentoring = MentorReviewService(environment: environment)
    }
}

/// Everything a route handler needs: services, pages, settings, and the in-memory state of one process (live
/// scenario runs, the sign-in throttle).
struct WebRoutes: Sendable {
    let services: WebServices
    let pages: Pages
    let configuration: WebConfiguration
    let throttle: SignInThrottle
    let plays: LivePlays
    let logger: Logger
    /// `Web/openapi.json`, read at start.
    let openAPIDocument: [UInt8]
}

/// Builds and runs the web app: `kefu serve`.
public enum WebApp {
    /// The router with every route and middleware, for the server and for in-process route tests.
    public static func router(
        environment: KefuEnvironment, configuration: WebConfiguration, logger: Logger
    ) async throws -> Router<WebContext> {
        let pages = try await Pages.load(configuration)
        try environment.storage.startServerMaintenance()
        let routes = WebRoutes(
            services: WebServices(environment: environment, accountSettings: configuration.accountSettings),
            pages: pages, configuration: configuration,
            throttle: SignInThrottle(
                limit: configuration.signInsPerMinute, addressLimit: configuration.signInsPerMinutePerAddress),
            plays: LivePlays(), logger: logger,
            openAPIDocument: Array(
                FileManager.default.contents(
                    atPath: (configuration.webDirectory as NSString).appendingPathComponent("openapi.json"))
                    ?? Data(
                        "{}".utf8)))
        let router = Router(context: WebContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger))
        router.add(middleware: SecurityHeadersMiddleware(secure: configuration.secureCookies))
        router.add(
            middleware: FileMiddleware(
                (configuration.webDirectory as NSString).appendingPathComponent("static"), urlBasePath: "/static",
                cacheControl: .init([(MediaType(type: .any), [.maxAge(300)])]), searchForIndexHtml: false,
                logger: logger))
        router.add(middleware: ErrorPageMiddleware(pages: pages, logger: logger))
        router.add(middleware: SessionMiddleware(accounts: routes.services.accounts, configuration: configuration))
        routes.addPublicRoutes(to: router)
        routes.addAccountRoutes(to: router)
        routes.addHomeRoutes(to: router)
        routes.addExamRoutes(to: router)
        routes.addScenarioRoutes(to: router)
        routes.addVerifyRoutes(to: router)
        routes.addMentorRoutes(to: router)
        routes.addTeamRoutes(to: router)
        routes.addQARoutes(to: router)
        return router
    }

    /// The application listening on the configured address.
    public static func application(
        environment: KefuEnvironment, configuration: WebConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (String) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let router = try await router(environment: environment, configuration: configuration, logger: logger)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?")
            },
            logger: logger)
    }

    /// Serves until SIGTERM or SIGINT, then finishes the requests in flight and stops (swift-service-lifecycle).
    public static func serve(
        environment: KefuEnvironment, configuration: WebConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (String) async -> Void = { _ in }
    ) async throws {
        let app = try await application(
            environment: environment, configuration: configuration, logger: logger, onServerRunning: onServerRunning)
        var services: [any Service] = [app]
        if let webhook = configuration.mentorWebhook {
            logger.info(
                "mentor webhook: \(webhook.kind.rawValue) robot at \(URL(string: webhook.url)?.host ?? "?"), a look every \(webhook.intervalSeconds) s"
            )
            let watcher = MentorWorkWatcher(
                settings: webhook, transport: URLSessionTransport(), logger: logger,
                look: { try await MentorWorkWatcher.waitingItems(environment) })
            services.append(MentorWebhookService(watcher: watcher, interval: webhook.intervalSeconds))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension WebApp {
    /// Runs the server on the configured address while `body` runs with its `host:port`, then shuts it down
    /// gracefully (benchmarks, end-to-end tests).
    public static func withRunningServer<T: Sendable>(
        environment: KefuEnvironment, configuration: WebConfiguration, logger: Logger,
        _ body: @escaping @Sendable (String) async throws -> T
    ) async throws -> T {
        let (addresses, continuation) = AsyncStream.makeStream(of: String.self)
        let app = try await application(
            environment: environment, configuration: configuration, logger: logger,
            onServerRunning: { continuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var iterator = addresses.makeAsyncIterator()
            guard let address = await iterator.next() else {
                throw WebError(.internalServerError, "the server did not start")
            }
            do {
                let value = try await body(address)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return value
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }
}
