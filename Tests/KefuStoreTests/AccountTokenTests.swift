import Foundation
import KefuCore
import KefuServices
import KefuStorage
import KefuStore
import Testing

@Suite("accounts: API tokens and role grants")
struct AccountTokenTests {
    @Test("an API token acts as its person; scopes limit the roles; revoked and expired tokens are refused")
    func apiTokens() async throws {
        let f = try AccountFixture()
        try await f.service.grant(.qaReviewer, to: "Q001", by: AccountFixture.admin)
        let q001 = Identity(person: "Q001", roles: [.trainee, .mentor, .qaReviewer], channel: .session)
        let all = try await f.service.createToken(for: "Q001", name: "everything", by: q001)
        #expect(all.token.hasPrefix("kefu_\(all.info.id)_"))
        #expect(try await f.service.authenticate(token: all.token).roles == [.trainee, .mentor, .qaReviewer])
        #expect(try await f.service.authenticate(token: all.token).channel == .token)

        let scoped = try await f.service.createToken(
            for: "Q001", name: "nightly QA", scopes: [.qaReviewer], expiresInDays: 1, by: q001)
        #expect(try await f.service.authenticate(token: scoped.token).roles == [.qaReviewer])
        let listed = try await f.service.tokens(of: "Q001", by: q001)
        #expect(listed.map(\.name) == ["everything", "nightly QA"])
        let json = try OutputJSON.string(listed)
        #expect(!json.contains(String(all.token.split(separator: "_").last!)), "a listing never shows a secret")

        #expect(
            await serviceError {
                _ = try await f.service.createToken(for: "Q001", name: "too much", scopes: [.admin], by: q001)
            }?.code == .invalidInput)
        #expect(
            await serviceError { _ = try await f.service.createToken(for: "E001", name: "not mine", by: q001) }?.code
                == .forbidden)
        let viaToken = try await f.service.authenticate(token: all.token)
        #expect(
            await serviceError { _ = try await f.service.createToken(for: "Q001", name: "more", by: viaToken) }?.code
                == .forbidden)

        f.clock.advance(minutes: 24 * 60)
        let expired = await serviceError { _ = try await f.service.authenticate(token: scoped.token) }
        #expect(expired?.code == .unauthenticated)
        #expect(expired?.message.contains("expired") == true)

        try await f.service.revokeToken(all.info.id, by: q001)
        let revoked = await serviceError { _ = try await f.service.authenticate(token: all.token) }
        #expect(revoked?.message.contains("revoked") == true)
        #expect(await serviceError { try await f.service.revokeToken(all.info.id, by: q001) }?.code == .conflict)

        let tampered = try await f.service.createToken(for: "Q001", name: "third", by: AccountFixture.admin)
        #expect(
            await serviceError { _ = try await f.service.authenticate(token: tampered.token + "x") }?.code
                == .unauthenticated)
        #expect(
            await serviceError { _ = try await f.service.authenticate(token: "not a token") }?.code == .unauthenticated)
        try await f.base.storage.people.setActive(false, person: "Q001")
        #expect(
            await serviceError { _ = try await f.service.authenticate(token: tampered.token) }?.code == .unauthenticated
        )
    }

    @Test("grants add roles to the level's; withdrawing removes them, also from unscoped tokens")
    func grants() async throws {
        let f = try AccountFixture()
        #expect(try await f.service.roles(of: "Q001") == [.trainee, .mentor])
        try await f.service.grant(.qaReviewer, to: "Q001", by: AccountFixture.admin)
        #expect(try await f.service.roles(of: "Q001") == [.trainee, .mentor, .qaReviewer])
        let environment = f.service.environment
        #expect(try await environment.operatorIdentity(as: "Q001", osUser: "t").roles.contains(.qaReviewer))
        let token = try await f.service.createToken(for: "Q001", name: "script", by: AccountFixture.admin)
        #expect(try await f.service.authenticate(token: token.token).has(.qaReviewer))

        #expect(
            await serviceError { _ = try await f.service.grant(.qaReviewer, to: "Q001", by: AccountFixture.admin) }?
                .code == .conflict)
        #expect(
            await serviceError { _ = try await f.service.grant(.mentor, to: "Q001", by: AccountFixture.admin) }?.code
                == .conflict)
        try await f.service.withdraw(.qaReviewer, from: "Q001", by: AccountFixture.admin)
        #expect(try await f.service.roles(of: "Q001") == [.trainee, .mentor])
        #expect(try await !f.service.authenticate(token: token.token).has(.qaReviewer))
        #expect(
            await serviceError {
                _ = try await f.service.withdraw(.qaReviewer, from: "Q001", by: AccountFixture.admin)
            }?.code == .notFound)
        let listing = try await f.service.roleListing(of: "Q001", includingWithdrawn: true)
        #expect(listing.grants.count == 1 && listing.grants[0].withdrawnBy == "root")
    }

    @Test("nobody grants roles to themselves; only administrators grant")
    func grantRules() async throws {
        let f = try AccountFixture()
        try await f.service.grant(.admin, to: "S001", by: AccountFixture.admin)
        let s001 = try await f.service.environment.operatorIdentity(as: "S001", osUser: "t")
        #expect(s001.has(.admin) && s001.has(.supervisor))
        let own = await serviceError { _ = try await f.service.grant(.manager, to: "S001", by: s001) }
        #expect(own?.code == .forbidden)
        #expect(own?.message.contains("themselves") == true)
        try await f.service.grant(.qaReviewer, to: "Q002", by: s001)
        let lead = Identity(person: "L001", roles: Role.implied(by: .teamLead), channel: .session)
        #expect(
            await serviceError { _ = try await f.service.grant(.qaReviewer, to: "Q003", by: lead) }?.code == .forbidden)
        #expect(
            await serviceError { _ = try await f.service.withdraw(.qaReviewer, from: "Q002", by: lead) }?.code
                == .forbidden)
        #expect(throws: ServiceError.self) { try AccountService.role(named: "boss") }
        #expect(try AccountService.role(named: "QA-Reviewer") == .qaReviewer)
    }
}

@Suite("accounts: password hashing cost")
struct PasswordCostTests {
    @Test("one bcrypt hash at Kefu's cost takes at least 50 ms")
    func cost() {
        let elapsed = AccountService.measureHashing(rounds: 1)
        #expect(AccountSettings.standard.bcryptCost >= 11)
        #expect(elapsed >= .milliseconds(50), "cost \(AccountSettings.standard.bcryptCost) took \(elapsed)")
    }
}
