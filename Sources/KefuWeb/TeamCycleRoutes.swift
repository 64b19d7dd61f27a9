import Foundation
import HTTPTypes
import Hummingbird
import KefuCore
import KefuServices
import KefuTracks

extension WebRoutes {
    /// Review cycles: the stored cycles, running one (`kefu review-cycle run`), one cycle's scorecards, two compared.
    func addTeamCycleRoutes(to router: Router<WebContext>) {
        router.get("/team/cycles") { _, context -> Response in
            let identity = try Self.teamIdentity(context)
            return try pages.render("team_cycles", try await cyclesPage(identity, context), context: context)
        }
        router.post("/team/cycles") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let form = try await readForm(request)
            let period = (form["period"] ?? "").trimmingCharacters(in: .whitespaces)
            do {
                let result = try await ReviewService(environment: services.environment).runCycle(
                    period, replace: form["replace"] == "yes", by: identity)
                return Pages.redirect("/team/cycles/\(TeamBoard.encode(result.period))?ran=1")
            } catch let error as ServiceError where error.code != .forbidden {
                var data = try await cyclesPage(identity, context)
                data["error"] = error.message
                data["period"] = period
                data["offerReplace"] = error.code == .conflict
                let status: HTTPResponse.Status = error.code == .conflict ? .conflict : .unprocessableContent
                return try pages.render("team_cycles", data, context: context, status: status)
            }
        }
        router.get("/team/cycles/compare") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let a = request.uri.queryParameters.get("a") ?? ""
            let b = request.uri.queryParameters.get("b") ?? ""
            return try pages.render("team_compare", try await comparison(a, b, identity, context), context: context)
        }
        router.get("/team/cycles/{period}") { request, context -> Response in
            let identity = try Self.teamIdentity(context)
            let period = try context.parameters.require("period")
            let cards = try await ReviewService(environment: services.environment).report(period: period, by: identity)
            guard !cards.isEmpty else { throw WebError.notFound }
            let people = try await peopleByID(identity)
            if let format = Export.requested(request) {
                let board = TeamBoard(cards: cards, people: people, team: nil, teams: [])
                return Export.file(
                    format, filename: "kefu-cycle-\(period)", sheet: period, header: board.header, rows: board.rows)
            }
            let rows = cards.map { card -> [String: Any] in
                [
                    "person": card.person, "name": people[card.person]?.name ?? card.person,
                    "team": people[card.person]?.team ?? "", "total": TeamView.number(card.total),
                    "rating": card.rating, "good": card.rating == "A" || card.rating == "B",
                    "scores": card.kpis.map { ["score": $0.score.map(TeamView.number) ?? "–"] },
                ]
            }
            let locale = context.locale
            let chart = ChartView.bars(
                title: pages.locales.text("team_cycle_chart_title", locale, ["period": period]),
                description: pages.locales.text("team_cycle_chart_description", locale, ["count": String(cards.count)]),
                unit: pages.locales.text("team_points", locale),
                bars: cards.map { (label: people[$0.person]?.name ?? $0.person, value: $0.total) })
            let data: [String: Any] = [
                "title": pages.locales.text("team_cycle_title", locale, ["period": period]), "period": period,
                "rows": rows, "kpis": (cards.first?.kpis ?? []).map { ["id": $0.id] }, "chart": chart,
                "ran": request.uri.queryParameters.get("ran") == "1",
            ]
            return try pages.render("team_cycle", data, context: context)
        }
    }

    /// The cycles page: every stored cycle with its scorecard count, mean and ratings; the run form when allowed.
    func cyclesPage(_ identity: Identity, _ context: WebContext) async throws -> [String: Any] {
        let cards = try await ReviewService(environment: services.environment).report(by: identity)
        let board = TeamBoard(cards: cards, people: [:], team: nil, teams: [])
        let cycles = board.periods.reversed().map { period -> [String: Any] in
            let list = cards.filter { $0.period == period }
            let mean = list.map(\.total).reduce(0, +) / Double(max(1, list.count))
            let ratings = Dictionary(grouping: list, by: \.rating).sorted { $0.key < $1.key }
                .map { "\($0.key) × \($0.value.count)" }.joined(separator: " · ")
            return ["period": period, "count": list.count, "mean": TeamView.number(mean), "ratings": ratings]
        }
        return [
            "title": pages.locales.text("team_cycles_title", context.locale), "cycles": cycles,
            "hasCycles": !cycles.isEmpty, "periods": board.periods,
            "canRun": AccessPolicy.decide(identity, .runReviews).allowed,
        ]
    }

    /// Two cycles side by side: per person the total and rating in each, and the change.
    func comparison(_ a: String, _ b: String, _ identity: Identity, _ context: WebContext) async throws -> [String: Any]
    {
        let service = ReviewService(environment: services.environment)
        let all = try await service.report(by: identity)
        let periods = TeamBoard(cards: all, people: [:], team: nil, teams: []).periods
        var data: [String: Any] = [
            "title": pages.locales.text("team_compare_title", context.locale),
            "periodsA": periods.map { ["period": $0, "selected": $0 == a] },
            "periodsB": periods.map { ["period": $0, "selected": $0 == b] }, "a": a, "b": b,
        ]
        guard !a.isEmpty, !b.isEmpty else { return data }
        let first = Dictionary(all.filter { $0.period == a }.map { ($0.person, $0) }, uniquingKeysWith: { x, _ in x })
        let second = Dictionary(all.filter { $0.period == b }.map { ($0.person, $0) }, uniquingKeysWith: { x, _ in x })
        guard !first.isEmpty, !second.isEmpty else { throw WebError.notFound }
        let people = try await peopleByID(identity)
        data["rows"] = Set(first.keys).union(second.keys).sorted().map { id -> [String: Any] in
            var row: [String: Any] = ["person": id, "name": people[id]?.name ?? id]
            if let x = first[id] { row["first"] = ["total": TeamView.number(x.total), "rating": x.rating] }
            if let y = second[id] { row["second"] = ["total": TeamView.number(y.total), "rating": y.rating] }
            if let x = first[id], let y = second[id] {
                let delta = y.total - x.total
                row["delta"] = (delta >= 0 ? "+" : "") + TeamView.number(delta)
                row["up"] = delta > 0
                row["down"] = delta < 0
            }
            return row
        }
        data["compared"] = true
        return data
    }
}
