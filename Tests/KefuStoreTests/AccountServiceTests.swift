import Foundation
import KefuCore
import KefuServices
import KefuStorage
import KefuStore
import Testing

/// A calendar clock the test moves by hand.
final class SteppingClock: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date

    init(_ start: String = "2026-11-23T09:00:00Z") { date = Timestamp.parse(start)! }

    var wallClock: WallClock { WallClock { [self] in lock.withLock { date } } }

    func advance(minutes: Double) { lock.withLock { date = date.addingTimeInterval(minutes * 60) } }
}

/// The sample team, an account service at bcrypt's smallest cost, and a clock the test moves.
struct AccountFixture {
    let base: Fixture
    let clock = SteppingClock()
    let service: AccountService
    static let password = "correct horse battery"

    init() throws {
        base = try Fixture()
        try seedPeople(base.database, csv: repositoryRoot.appendingPathComponent("Samples/people.csv").path)
        var settings = AccountSettings()
        settings.bcryptCost = 4
        let environment = KefuEnvironment(
            configuration: Configuration(root: repositoryRoot.path, database: base.database.path),
            storage: base.storage, clock: clock.wallClock)
        service = AccountService(environment: environment, settings: settings)
    }

    /// An administrator acting through the command line.
    static let admin = Identity(person: "root", roles: [.admin], channel: .operator(osUser: "root"))

    /// Invites `person` and sets their password; returns the token used.
    @discardableResult
    func enrol(_ person: PersonID, password: String = AccountFixture.password) async throws -> String {
        let link = try await service.invite(person, by: Self.admin)
        try await service.setPassword(token: link.token, password: password)
        return link.token
    }
}

/// Runs `body` and returns the service error it throws (failing the test when it throws none).
func serviceError(_ body: () async throws -> Void) async -> ServiceError? {
    do {
        try await body()
        Issue.record("expected a service error, got success")
        return nil
    } catch let error as ServiceError {
        return error
    } catch {
        Issue.record("expected a service error, got \(error)")
        return nil
    }
}

@Suite("accounts: invitations, passwords, sign-in, lockout, sessions")
struct AccountServiceTests {
    @Test("invite → set password → login → authenticate as a session identity with the level's roles")
    func invitationToSession() async throws {
        let f = try AccountFixture()
        let link = try await f.service.invite("E001", by: AccountFixture.admin)
        #expect(link.link == "http://127.0.0.1:8080/account/setup?token=\(link.token)")
        #expect(link.token.count == 43)
        #expect(link.expiresAt == "2026-11-30T09:00:00.000Z")
        let custom = try await f.service.invite("E002", baseURL: "https://kefu.example/", by: AccountFixture.admin)
        #expect(custom.link.hasPrefix("https://kefu.example/account/setup?token="))
        #expect(try await f.service.setPassword(token: link.token, password: AccountFixture.password) == "E001")
        let stored = try await f.base.storage.accounts.account("E001")
        #expect(stored?.passwordHash?.hasPrefix("$2b$04$") == true)
        #expect(stored?.passwordHash?.contains(AccountFixture.password) == false)

        let signIn = try await f.service.login(person: "E001", password: AccountFixture.password, userAgent: "test")
        #expect(signIn.session.expiresAt == "2026-11-23T21:00:00.000Z")
        #expect(signIn.identity.channel == .session)
        let identity = try await f.service.authenticate(session: signIn.secret)
        #expect(identity == Identity(person: "E001", roles: [.trainee], channel: .session))
        let sessions = try await f.base.storage.accounts.sessions(of: "E001")
        #expect(sessions.map(\.secretHash).allSatisfy { $0.count == 64 && $0 != signIn.secret })
    }

    @Test("a one-time token works once; expired, replaced and unknown tokens are refused")
    func oneTimeTokens() async throws {
        let f = try AccountFixture()
        let token = try await f.enrol("E001")
        let reused = await serviceError {
            try await f.service.setPassword(token: token, password: "another long password")
        }
        #expect(reused?.code == .conflict)
        #expect(reused?.message.contains("already used") == true)
        #expect(reused?.message.contains(token) == false)

        let old = try await f.service.invite("E002", by: AccountFixture.admin)
        let new = try await f.service.invite("E002", by: AccountFixture.admin)
        #expect(
            await serviceError { try await f.service.setPassword(token: old.token, password: "long enough pw") }?.code
                == .conflict)
        f.clock.advance(minutes: 7 * 24 * 60)
        let expired = await serviceError {
            try await f.service.setPassword(token: new.token, password: "long enough pw")
        }
        #expect(expired?.code == .precondition)
        #expect(expired?.message.contains("expired") == true)
        #expect(
            await serviceError { try await f.service.setPassword(token: "nonsense", password: "long enough pw") }?.code
                == .notFound)

        let reset = try await f.service.resetPassword("E001", by: AccountFixture.admin)
        #expect(reset.expiresAt == "2026-12-01T09:00:00.000Z")
        try await f.service.setPassword(token: reset.token, password: "a brand new password")
        #expect(
            await serviceError { _ = try await f.service.login(person: "E001", password: AccountFixture.password) }?
                .code == .unauthenticated)
        _ = try await f.service.login(person: "E001", password: "a brand new password")
        #expect(
            await serviceError { _ = try await f.service.resetPassword("E003", by: AccountFixture.admin) }?.code
                == .precondition)
    }

    @Test("passwords: at least 12 characters, at most 72 bytes, not the person id")
    func passwordRules() async throws {
        let f = try AccountFixture()
        let link = try await f.service.invite("E001", by: AccountFixture.admin)
        for bad in ["short", String(repeating: "密", count: 25), "e001", "E001"] {
            let error = await serviceError { try await f.service.setPassword(token: link.token, password: bad) }
            #expect(error?.code == .invalidInput, "\(bad)")
        }
        #expect(throws: ServiceError.self) { try f.service.checkPassword("QA-REVIEWER1", person: "qa-reviewer1") }
        try f.service.checkPassword(String(repeating: "a", count: 72), person: "E001")
        #expect(throws: ServiceError.self) {
            try f.service.checkPassword(String(repeating: "a", count: 73), person: "E001")
        }
        try await f.service.setPassword(token: link.token, password: String(repeating: "密", count: 24))
    }

    @Test("the same message for an unknown person, no account, a person who left and a wrong password")
    func sameMessage() async throws {
        let f = try AccountFixture()
        try await f.enrol("E001")
        try await f.enrol("E002")
        try await f.base.storage.people.setActive(false, person: "E002")
        _ = try await f.service.invite("E003", by: AccountFixture.admin)
        var messages: Set<String> = []
        for (person, password) in [
            ("ghost", AccountFixture.password), ("E004", AccountFixture.password), ("E003", AccountFixture.password),
            ("E002", AccountFixture.password), ("E001", "wrong password here"),
        ] {
            let error = await serviceError {
                _ = try await f.service.login(person: PersonID(person), password: password)
            }
            #expect(error?.code == .unauthenticated, "\(person)")
            messages.insert(error?.message ?? "")
        }
        #expect(messages == ["person id or password is wrong"])
    }

    @Test("five failures in a row lock the account for 15 minutes, then 30; the lock lifts by itself")
    func lockout() async throws {
        let f = try AccountFixture()
        try await f.enrol("E001")
        for attempt in 1...5 {
            let error = await serviceError {
                _ = try await f.service.login(person: "E001", password: "not the password")
            }
            #expect(error?.code == .unauthenticated)
            #expect(error?.message.contains("locked until 2026-11-23T09:15:00.000Z") == (attempt == 5))
        }
        let locked = await serviceError {
            _ = try await f.service.login(person: "E001", password: AccountFixture.password)
        }
        #expect(locked?.code == .forbidden)
        #expect(
            locked?.message.contains("locked after repeated failed sign-ins until 2026-11-23T09:15:00.000Z") == true)
        #expect(try await f.service.status(of: "E001", by: AccountFixture.admin).state == "locked")

        f.clock.advance(minutes: 15)
        for _ in 1...5 {
            _ = await serviceError { _ = try await f.service.login(person: "E001", password: "nope nope nope") }
        }
        let second = await serviceError {
            _ = try await f.service.login(person: "E001", password: AccountFixture.password)
        }
        #expect(
            second?.message.contains("until 2026-11-23T09:45:00.000Z") == true, "the second lockout lasts twice as long"
        )
        f.clock.advance(minutes: 30)
        _ = try await f.service.login(person: "E001", password: AccountFixture.password)
        let status = try await f.service.status(of: "E001", by: AccountFixture.admin)
        #expect(status.state == "active" && status.failedAttempts == 0 && status.lockouts == 0)
    }

    @Test("an administrator's lock refuses sign-in and ends sessions; unlock clears it and a lockout")
    func adminLock() async throws {
        let f = try AccountFixture()
        try await f.enrol("E001")
        let signIn = try await f.service.login(person: "E001", password: AccountFixture.password)
        try await f.service.lock("E001", by: AccountFixture.admin)
        #expect(
            await serviceError { _ = try await f.service.authenticate(session: signIn.secret) }?.code
                == .unauthenticated)
        #expect(
            await serviceError { _ = try await f.service.login(person: "E001", password: AccountFixture.password) }?
                .code == .forbidden)
        #expect(try await f.service.status(of: "E001", by: AccountFixture.admin).state == "disabled")
        try await f.service.unlock("E001", by: AccountFixture.admin)
        _ = try await f.service.login(person: "E001", password: AccountFixture.password)
        let trainee = Identity(person: "E002", roles: [.trainee], channel: .session)
        #expect(await serviceError { try await f.service.lock("E001", by: trainee) }?.code == .forbidden)
    }

    @Test("sessions expire after 12 hours, after 30 idle minutes, and when revoked or signed out")
    func sessionLifetime() async throws {
        let f = try AccountFixture()
        try await f.enrol("E001")
        let first = try await f.service.login(person: "E001", password: AccountFixture.password)
        for _ in 0..<28 {
            f.clock.advance(minutes: 25)
            _ = try await f.service.authenticate(session: first.secret)
        }
        f.clock.advance(minutes: 25)
        let expired = await serviceError { _ = try await f.service.authenticate(session: first.secret) }
        #expect(expired?.message.contains("expired") == true)

        let idle = try await f.service.login(person: "E001", password: AccountFixture.password)
        f.clock.advance(minutes: 31)
        #expect(
            await serviceError { _ = try await f.service.authenticate(session: idle.secret) }?.code == .unauthenticated)

        let a = try await f.service.login(person: "E001", password: AccountFixture.password)
        let b = try await f.service.login(person: "E001", password: AccountFixture.password)
        let c = try await f.service.login(person: "E001", password: AccountFixture.password)
        try await f.service.logout(session: a.secret)
        #expect(
            await serviceError { _ = try await f.service.authenticate(session: a.secret) }?.code == .unauthenticated)
        let own = Identity(person: "E001", roles: [.trainee], channel: .session)
        try await f.service.revokeSession(b.session.id, by: own)
        #expect(
            await serviceError { _ = try await f.service.authenticate(session: b.secret) }?.code == .unauthenticated)
        _ = try await f.service.authenticate(session: c.secret)
        let other = Identity(person: "E002", roles: [.trainee], channel: .session)
        #expect(await serviceError { try await f.service.revokeSession(c.session.id, by: other) }?.code == .forbidden)
        // c, and the idle session (ended for use, not yet in storage).
        #expect(try await f.service.revokeAllSessions(of: "E001", by: AccountFixture.admin) == 2)
        #expect(
            await serviceError { _ = try await f.service.authenticate(session: c.secret) }?.code == .unauthenticated)
        let listed = try await f.service.sessions(of: "E001", by: own)
        #expect(listed.count == 5 && listed.allSatisfy { !$0.isActive })
        #expect(
            await serviceError { _ = try await f.service.authenticate(session: "made up") }?.code == .unauthenticated)
    }

    @Test("a person who left can neither sign in nor use a session")
    func leaver() async throws {
        let f = try AccountFixture()
        try await f.enrol("E001")
        let signIn = try await f.service.login(person: "E001", password: AccountFixture.password)
        try await f.base.storage.people.setActive(false, person: "E001")
        #expect(
            await serviceError { _ = try await f.service.authenticate(session: signIn.secret) }?.code
                == .unauthenticated)
        let error = await serviceError {
            _ = try await f.service.login(person: "E001", password: AccountFixture.password)
        }
        #expect(error?.message == "person id or password is wrong")
        #expect(
            await serviceError { _ = try await f.service.invite("E001", by: AccountFixture.admin) }?.code
                == .precondition)
    }

    @Test("only administrators invite, reset, lock and see others' accounts")
    func onlyAdmins() async throws {
        let f = try AccountFixture()
        let lead = Identity(person: "L001", roles: Role.implied(by: .teamLead), channel: .session)
        #expect(await serviceError { _ = try await f.service.invite("E001", by: lead) }?.code == .forbidden)
        #expect(await serviceError { _ = try await f.service.resetPassword("E001", by: lead) }?.code == .forbidden)
        #expect(await serviceError { _ = try await f.service.status(of: "E001", by: lead) }?.code == .forbidden)
        #expect(
            await serviceError { _ = try await f.service.invite("nobody", by: AccountFixture.admin) }?.code == .notFound
        )
        #expect(try await f.service.status(of: "L001", by: lead).state == "none")
    }
}
