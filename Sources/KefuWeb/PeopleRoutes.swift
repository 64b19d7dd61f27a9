import Foundation
import HTTPTypes
import Hummingbird
import KefuCore
import KefuServices
import KefuStorage

extension WebRoutes {
    /// People and accounts (administrators): the list with account states and roles, a CSV import, one person's
    /// account (invite or reset: the one-time link shown once; lock, unlock) and role grants (grant, withdraw).
    func addPeopleRoutes(to router: Router<WebContext>) {
        router.get("/people") { request, context -> Response in
            let identity = try Self.peopleIdentity(context)
            var data = try await peoplePage(identity, context)
            data["imported"] = request.uri.queryParameters.get("imported")
            return try pages.render("people_list", data, context: context)
        }
        router.post("/people/import") { request, context -> Response in
            let identity = try Self.peopleIdentity(context)
            let form = try await readForm(request)
            let text = form["csv"] ?? ""
            do {
                let label = (form["filename"] ?? "").isEmpty ? "upload.csv" : (form["filename"] ?? "upload.csv")
                let result = try await PeopleService(environment: services.environment).importCSV(
                    .bytes(Array(text.utf8), label: label), by: identity)
                return Pages.redirect("/people?imported=\(result.imported)")
            } catch let error as ServiceError {
                var data = try await peoplePage(identity, context)
                data["error"] = error.message
                data["csv"] = text
                return try pages.render("people_list", data, context: context, status: Self.status(of: error))
            }
        }
        router.get("/people/{person}") { request, context -> Response in
            let identity = try Self.peopleIdentity(context)
            var data = try await personPage(try Self.personID(context), identity, context)
            data["done"] = request.uri.queryParameters.get("done").map {
                pages.locales.text("people_done_" + $0, context.locale)
            }
            return try pages.render("people_person", data, context: context)
        }
        router.post("/people/{person}/{action}") { request, context -> Response in
            let identity = try Self.peopleIdentity(context)
            let person = try Self.personID(context)
            let action = try context.parameters.require("action")
            let form = try await readForm(request)
            guard try await services.environment.storage.people.person(person) != nil else { throw WebError.notFound }
            do {
                return try await accountAction(action, person, form: form, identity, context)
            } catch let error as ServiceError where error.code != .notFound {
                var data = try await personPage(person, identity, context)
                data["error"] = error.message
                return try pages.render("people_person", data, context: context, status: Self.status(of: error))
            }
        }
    }

    /// The signed-in administrator (who may manage accounts); 403 with the reason for anyone else.
    static func peopleIdentity(_ context: WebContext) throws -> Identity {
        let identity = try context.signedIn()
        try AccessPolicy.require(identity, .manageAccounts)
        return identity
    }

    /// The person in the path.
    static func personID(_ context: WebContext) throws -> PersonID {
        PersonID(try context.parameters.require("person"))
    }

    /// Invite, reset, lock, unlock, grant, withdraw: a link page for invitations and resets, else back to the person.
    func accountAction(
        _ action: String, _ person: PersonID, form: Form, _ identity: Identity, _ context: WebContext
    ) async throws -> Response {
        let accounts = services.accounts
        switch action {
        case "invite", "reset":
            let link =
                action == "invite"
                ? try await accounts.invite(person, by: identity)
                : try await accounts.resetPassword(person, by: identity)
            let data: [String: Any] = [
                "title": pages.locales.text("people_link_title", context.locale), "person": person.rawValue,
                "link": link.link, "expiresAt": link.expiresAt, "invitation": action == "invite",
            ]
            return try pages.render("people_link", data, context: context)
        case "lock": try await accounts.lock(person, by: identity)
        case "unlock": try await accounts.unlock(person, by: identity)
        case "grant":
            try await accounts.grant(try AccountService.role(named: form["role"] ?? ""), to: person, by: identity)
        case "withdraw":
            try await accounts.withdraw(try AccountService.role(named: form["role"] ?? ""), from: person, by: identity)
        default: throw WebError.notFound
        }
        return Pages.redirect("/people/\(TeamBoard.encode(person.rawValue))?done=\(action)")
    }

    /// Everyone with their account state and roles.
    func peoplePage(_ identity: Identity, _ context: WebContext) async throws -> [String: Any] {
        let people = try await PeopleService(environment: services.environment).list()
        let accounts = Dictionary(
            try await services.accounts.overview(by: identity).map { ($0.person.rawValue, $0) },
            uniquingKeysWith: { first, _ in first })
        let rows = people.map { person -> [String: Any] in
            let account = accounts[person.id]
            return [
                "id": person.id, "name": person.name, "team": person.team, "level": person.level.rawValue,
                "active": person.isActive, "state": account?.state ?? "none",
                "stateText": pages.locales.text("people_state_" + (account?.state ?? "none"), context.locale),
                "roles": (account?.roles ?? []).map(\.rawValue).joined(separator: ", "),
            ]
        }
        return [
            "title": pages.locales.text("people_title", context.locale), "people": rows,
            "columns": PeopleService.columns.joined(separator: ","), "scripts": ["team.js"],
        ]
    }

    /// One person's account: state, lockout, sessions, roles and grants, and the forms that change them.
    func personPage(_ person: PersonID, _ identity: Identity, _ context: WebContext) async throws -> [String: Any] {
        guard let found = try await services.environment.storage.people.person(person) else { throw WebError.notFound }
        let status = try await services.accounts.status(of: person, by: identity)
        let grantable = Role.allCases.filter { !status.roles.contains($0) }
        return [
            "title": pages.locales.text("people_person_title", context.locale, ["name": found.name]),
            "person": found.id, "name": found.name, "team": found.team, "site": found.site,
            "level": found.level.rawValue, "hireDate": found.hireDate, "active": found.isActive,
            "state": status.state, "stateText": pages.locales.text("people_state_" + status.state, context.locale),
            "lockedUntil": status.lockedUntil ?? "", "failedAttempts": status.failedAttempts,
            "pendingUntil": status.pendingTokenExpiresAt ?? "", "sessions": status.activeSessions,
            "roles": status.roles.map(\.rawValue).joined(separator: ", "),
            "grants": status.grants.map {
                [
                    "role": $0.role.rawValue, "grantedBy": $0.grantedBy.rawValue,
                    "grantedAt": String($0.grantedAt.prefix(10)),
                ]
            },
            "grantable": grantable.map { ["role": $0.rawValue] },
            "hasPassword": status.state != "none" && status.state != "invited",
            "disabled": status.state == "disabled", "self": found.id == identity.person.rawValue,
        ]
    }
}
