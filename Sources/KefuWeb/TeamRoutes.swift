import Foundation
import Hummingbird
import KefuCore
import KefuServices
import KefuTracks

extension WebRoutes {
    /// The pages of team leads, supervisors, managers and administrators: the team dashboard and printable
    /// scorecards, review cycles, promotion, retraining, certifications, mentor assignment (`/team…`), people and
    /// accounts (`/people…`) and the audit log (`/audit`).
    func addTeamRoutes(to router: Router<WebContext>) {
        router.get("/team") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let team = request.uri.queryParameters.get("team").flatMap { $0.isEmpty ? nil : $0 }
            let board = try await dashboard(team: team, identity)
            if let format = Export.requested(request) {
                return Export.file(
                    format, filename: "kefu-scorecards", sheet: "scorecards", header: board.header, rows: board.rows)
            }
            return try pages.render("team_dashboard", board.page(context, pages.locales), context: context)
        }
        router.get("/team/scorecards/{person}/{period}") { _, context -> Response in
            let identity = try Self.teamIdentity(context)
            let person = PersonID(try context.parameters.require("person"))
            let period = try context.parameters.require("period")
            let cards = try await ReviewService(environment: services.environment).report(
                person: person, period: period, by: identity)
            guard let card = cards.first else { throw WebError.notFound }
            let who = try await services.environment.storage.people.person(person)
            var data = TeamView.scorecard(card, titles: try kpiTitles(), locale: context.locale)
            data["name"] = who?.name ?? person.rawValue
            data["team"] = who?.team ?? ""
            data["title"] = pages.locales.text("team_scorecard_title", context.locale)
            data["scripts"] = ["team.js"]
            return try pages.render("team_scorecard", data, context: context)
        }
        addTeamCycleRoutes(to: router)
        addTeamPromotionRoutes(to: router)
        addTeamRetrainingRoutes(to: router)
        addTeamCertificationRoutes(to: router)
        addTeamMentorRoutes(to: router)
        addPeopleRoutes(to: router)
        addAuditRoutes(to: router)
    }

    /// The signed-in person when they may use the team pages (team leads, supervisors, managers, administrators:
    /// those who may read anybody's performance records); 403 with the reason otherwise.
    static func teamIdentity(_ context: WebContext) throws -> Identity {
        let identity = try context.signedIn()
        try AccessPolicy.require(identity, .viewPerformance)
        return identity
    }

    /// KPI id → title from `Tracks/reviews.yaml`.
    func kpiTitles() throws -> [String: String] {
        let definition = try services.environment.content.reviewDefinition()
        return Dictionary(definition.kpis.map { ($0.id, $0.title) }, uniquingKeysWith: { first, _ in first })
    }

    /// People by id (for names and teams on the team pages).
    func peopleByID(_ identity: Identity) async throws -> [String: Person] {
        let people = try await PeopleService(environment: services.environment).directory(by: identity)
        return Dictionary(people.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The dashboard's scorecards (every stored cycle, or one team's), with names.
    func dashboard(team: String?, _ identity: Identity) async throws -> TeamBoard {
        let cards = try await ReviewService(environment: services.environment).report(team: team, by: identity)
        let people = try await peopleByID(identity)
        let teams = Set(people.values.map(\.team).filter { !$0.isEmpty }).sorted()
        return TeamBoard(cards: cards, people: people, team: team, teams: teams)
    }
}

/// The team dashboard: scorecards per person and cycle, the trend chart, the export.
struct TeamBoard {
    /// Every visible scorecard, by period then person.
    let cards: [Scorecard]
    /// People by id.
    let people: [String: Person]
    /// The team shown (nil: everyone).
    let team: String?
    /// Every team, for the filter.
    let teams: [String]

    /// The cycles, in order.
    var periods: [String] {
        var seen: [String] = []
        for card in cards where !seen.contains(card.period) { seen.append(card.period) }
        return seen
    }

    /// The export's header: period, person, name, team, total, rating, then each KPI's value.
    var header: [String] {
        ["period", "person", "name", "team", "total", "rating"] + (cards.first?.kpis.map(\.id) ?? [])
    }

    /// The export's rows.
    var rows: [[String]] {
        cards.map { card in
            let who = people[card.person]
            return [
                card.period, card.person, who?.name ?? "", who?.team ?? "", TeamView.number(card.total), card.rating,
            ] + card.kpis.map { $0.actual.map(TeamView.number) ?? "" }
        }
    }

    /// The page data.
    func page(_ context: WebContext, _ locales: Locales) -> [String: Any] {
        let periods = self.periods
        let byPerson = Dictionary(grouping: cards, by: \.person)
        let rows: [[String: Any]] = byPerson.keys.sorted().map { id in
            let list = byPerson[id] ?? []
            let who = people[id]
            let cells: [[String: Any]] = periods.map { period in
                guard let card = list.first(where: { $0.period == period }) else { return ["empty": true] }
                return [
                    "total": TeamView.number(card.total), "rating": card.rating, "period": period,
                    "good": card.rating == "A" || card.rating == "B",
                ]
            }
            var row: [String: Any] = [
                "person": id, "name": who?.name ?? id, "team": who?.team ?? "", "level": who?.level.rawValue ?? "",
                "cells": cells,
            ]
            if let latest = list.last {
                row["latest"] = [
                    "period": latest.period, "total": TeamView.number(latest.total), "rating": latest.rating,
                ]
            }
            return row
        }
        let series = byPerson.keys.sorted().map { id in
            ChartView.Series(
                name: "\(people[id]?.name ?? id) (\(id))",
                points: (byPerson[id] ?? []).map { (x: $0.period, y: $0.total) })
        }
        var data: [String: Any] = [
            "title": locales.text("team_dashboard_title", context.locale), "periods": periods, "rows": rows,
            "hasRows": !rows.isEmpty, "teams": teams.map { ["name": $0, "selected": $0 == team] },
            "team": team ?? "", "query": team.map { "team=" + (Self.encode($0)) + "&" } ?? "",
        ]
        if !cards.isEmpty {
            data["chart"] = ChartView.line(
                title: locales.text("team_chart_title", context.locale),
                description: locales.text(
                    "team_chart_description", context.locale,
                    ["people": String(byPerson.count), "cycles": String(periods.count)]),
                xLabel: locales.text("team_cycle", context.locale), yLabel: locales.text("team_total", context.locale),
                series: series)
        }
        return data
    }

    /// `text` for a query string.
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// Template data shared by the team pages.
enum TeamView {
    /// A figure with one decimal.
    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A scorecard's page data: total, rating and every KPI with its title, value, target, score, weight and basis.
    static func scorecard(_ card: Scorecard, titles: [String: String], locale: String) -> [String: Any] {
        [
            "person": card.person, "period": card.period, "total": number(card.total), "rating": card.rating,
            "kpis": card.kpis.map { kpi -> [String: Any] in
                [
                    "id": kpi.id, "title": titles[kpi.id] ?? kpi.id, "actual": kpi.actual.map(number) ?? "–",
                    "target": String(format: "%g", kpi.target), "score": kpi.score.map(number) ?? "–",
                    "weight": String(format: "%g", kpi.weight), "basis": kpi.basis, "noData": kpi.actual == nil,
                ]
            },
        ]
    }

    /// Requirement checks (promotion, certification) as rows: requirement, met, actual.
    static func checks(_ checks: [(requirement: String, met: Bool, actual: String)], locale: String) -> [[String: Any]]
    {
        checks.map {
            [
                "requirement": RequirementText.localized($0.requirement, locale), "met": $0.met,
                "actual": RequirementText.localized($0.actual, locale),
            ]
        }
    }

    /// A person's display name, `name (id)`.
    static func label(_ id: String, _ people: [String: Person]) -> String {
        people[id].map { "\($0.name) (\(id))" } ?? id
    }
}
