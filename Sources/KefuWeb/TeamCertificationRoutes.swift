import Foundation
import HTTPTypes
import Hummingbird
import KefuCore
import KefuLedger
import KefuServices
import KefuTracks

extension WebRoutes {
    /// Certifications: every issued certification with its state, issuing one (the requirements explained when some
    /// are unmet), revoking with a reason, expiring those past their validity, and a printable certificate.
    func addTeamCertificationRoutes(to router: Router<WebContext>) {
        router.get("/team/certifications") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            var data = try await certificationsPage(identity, context)
            data["done"] = request.uri.queryParameters.get("done").map {
                pages.locales.text(
                    "team_done_" + $0, context.locale, ["count": request.uri.queryParameters.get("n") ?? ""])
            }
            return try pages.render("team_certifications", data, context: context)
        }
        router.post("/team/certifications/issue") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let form = try await readForm(request)
            let person = PersonID(form["person"] ?? "")
            do {
                let outcome = try await services.ledger.certify(
                    person: person, certification: CertificationID(form["certification"] ?? ""), by: identity)
                var data: [String: Any] = [
                    "title": pages.locales.text("team_issue_title", context.locale), "person": person.rawValue,
                    "certification": outcome.certification.rawValue, "certTitle": outcome.title,
                    "issued": outcome.isIssued,
                    "checks": TeamView.checks(
                        outcome.checks.map { ($0.requirement, $0.met, $0.actual) }, locale: context.locale),
                ]
                if let entry = outcome.entry { data["entry"] = entry.sequence.rawValue }
                return try pages.render(
                    "team_certification_outcome", data, context: context,
                    status: outcome.isIssued ? .ok : .unprocessableContent)
            } catch let error as ServiceError {
                return try await certificationsError(error, identity, context)
            }
        }
        router.post("/team/certifications/expire") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let form = try await readForm(request)
            let asOf = (form["asOf"] ?? "").trimmingCharacters(in: .whitespaces)
            do {
                let outcome = try await services.ledger.expire(asOf: asOf.isEmpty ? nil : asOf, by: identity)
                return Pages.redirect("/team/certifications?done=expired&n=\(outcome.expired.count)")
            } catch let error as ServiceError { return try await certificationsError(error, identity, context) }
        }
        router.post("/team/certifications/{entry}/revoke") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let id = try Self.entryID(context)
            let form = try await readForm(request)
            do {
                _ = try await services.ledger.revoke(entry: id, reason: form["reason"] ?? "", by: identity)
                return Pages.redirect("/team/certifications?done=revoked")
            } catch let error as ServiceError where error.code != .notFound {
                return try await certificationsError(error, identity, context)
            }
        }
        router.get("/team/certifications/{entry}") { _, context -> Response in
            let identity = try Self.teamIdentity(context)
            return try pages.render(
                "team_certificate", try await certificatePage(try Self.entryID(context), identity, context),
                context: context)
        }
    }

    /// The entry number in the path; anything else is not found.
    static func entryID(_ context: WebContext) throws -> EntryID {
        guard let id = EntryID(try context.parameters.require("entry")) else { throw WebError.notFound }
        return id
    }

    /// The certifications page again with a refusal.
    func certificationsError(
        _ error: ServiceError, _ identity: Identity, _ context: WebContext
    ) async throws -> Response {
        var data = try await certificationsPage(identity, context)
        data["error"] = error.message
        return try pages.render("team_certifications", data, context: context, status: Self.status(of: error))
    }

    /// Every issued or renewed entry with its state today, the issue form's people and certifications.
    func certificationsPage(_ identity: Identity, _ context: WebContext) async throws -> [String: Any] {
        let entries = try await services.ledger.entries(by: identity)
        let people = try await peopleByID(identity)
        let rules = try services.environment.content.certificationRules()
        let today = LedgerService.day(services.environment.clock.now())
        let rows = entries.filter { $0.kind == .issued || $0.kind == .renewed }.reversed().map {
            entry -> [String: Any] in
            let state = Self.state(of: entry, in: entries, today: today)
            let mayRevoke = AccessPolicy.decide(identity, .revokeCertification, on: .person(entry.person)).allowed
            return [
                "entry": entry.sequence.rawValue, "person": entry.person.rawValue,
                "name": people[entry.person.rawValue]?.name ?? entry.person.rawValue, "certification": entry.subject,
                "kind": entry.kind.rawValue, "recordedAt": String(entry.recordedAt.prefix(10)),
                "validUntil": entry.validUntil ?? "", "state": state, "valid": state == "valid",
                "canRevoke": mayRevoke && (state == "valid" || state == "expired-due"),
            ]
        }
        return [
            "title": pages.locales.text("team_certifications_title", context.locale), "rows": rows,
            "hasRows": !rows.isEmpty, "today": today,
            "people": people.values.filter(\.isActive).sorted { $0.id < $1.id }.map { ["id": $0.id, "name": $0.name] },
            "rules": rules.map { ["id": $0.id, "title": $0.title] },
            "canIssue": AccessPolicy.decide(identity, .certify).allowed,
            "canExpire": AccessPolicy.decide(identity, .expireCertifications).allowed,
        ]
    }

    /// `valid`, `revoked`, `expired` (recorded), `expired-due` (past its validity, not yet recorded) or `renewed`.
    static func state(of entry: LedgerEntryView, in entries: [LedgerEntryView], today: String) -> String {
        let later = entries.filter { $0.refersTo == entry.sequence }
        if later.contains(where: { $0.kind == .revoked }) { return "revoked" }
        if later.contains(where: { $0.kind == .renewed }) { return "renewed" }
        if later.contains(where: { $0.kind == .expired }) { return "expired" }
        if let until = entry.validUntil, until < today { return "expired-due" }
        return "valid"
    }

    /// A printable certificate for an issued or renewed entry the actor may see.
    func certificatePage(_ id: EntryID, _ identity: Identity, _ context: WebContext) async throws -> [String: Any] {
        let entry = try await services.ledger.entryView(id, by: identity)
        guard entry.kind == .issued || entry.kind == .renewed else { throw WebError.notFound }
        let entries = try await services.ledger.entries(by: identity)
        let today = LedgerService.day(services.environment.clock.now())
        let person = try await services.environment.storage.people.person(entry.person)
        let rule = try services.environment.content.certificationRules().first { $0.id == entry.subject }
        let state = Self.state(of: entry, in: entries, today: today)
        return [
            "title": pages.locales.text("team_certificate_title", context.locale), "entry": entry.sequence.rawValue,
            "person": entry.person.rawValue, "name": person?.name ?? entry.person.rawValue,
            "certification": entry.subject, "certTitle": rule?.title ?? entry.subject,
            "recordedAt": String(entry.recordedAt.prefix(10)), "validUntil": entry.validUntil ?? "",
            "hash": entry.chainHash, "state": state, "valid": state == "valid", "scripts": ["team.js"],
        ]
    }
}
