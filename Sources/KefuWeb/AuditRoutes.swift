import Foundation
import Hummingbird
import KefuCore
import KefuLedger
import KefuServices
import KefuStorage

extension WebRoutes {
    /// The audit log (supervisors, managers, administrators): filters by actor, action, date range and text, newest
    /// first, 50 to a page; `?format=csv|xlsx` exports every matching event.
    func addAuditRoutes(to router: Router<WebContext>) {
        router.get("/audit") { request, context -> Response in
            let identity = try context.signedIn()
            let query = request.uri.queryParameters
            func value(_ name: String) -> String {
                (query.get(name) ?? "").trimmingCharacters(in: .whitespaces)
            }
            let (person, action, from, to, text) = (
                value("actor"), value("action"), value("from"), value("to"), value("q")
            )
            for date in [from, to] where !date.isEmpty && Timestamp.parse(date + "T00:00:00Z") == nil {
                throw WebError(.unprocessableContent, "`\(date)` is not a date (YYYY-MM-DD)")
            }
            let filter = AuditFilter(
                actionPrefix: action.isEmpty ? nil : action, person: person.isEmpty ? nil : person,
                since: from.isEmpty ? nil : from + "T00:00:00")
            let events = try await AuditService(environment: services.environment).search(
                filter, until: to.isEmpty ? nil : to, text: text, by: identity
            ).reversed()
            let header = ["sequence", "at", "actor", "person", "action", "subject", "detail"]
            let rows = events.map {
                [
                    String($0.sequence), $0.at, $0.actor, $0.person, $0.action, $0.subject,
                    $0.detail.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "),
                ]
            }
            if let format = Export.requested(request) {
                return Export.file(format, filename: "kefu-audit", sheet: "audit", header: header, rows: rows)
            }
            let perPage = 50
            let pageCount = max(1, (rows.count + perPage - 1) / perPage)
            let page = min(max(1, Int(value("page")) ?? 1), pageCount)
            let filters = [("actor", person), ("action", action), ("from", from), ("to", to), ("q", text)]
                .filter { !$0.1.isEmpty }.map { "\($0.0)=\(TeamBoard.encode($0.1))" }.joined(separator: "&")
            let shown = rows.dropFirst((page - 1) * perPage).prefix(perPage).map { row -> [String: Any] in
                [
                    "sequence": row[0], "at": String(row[1].prefix(19)).replacingOccurrences(of: "T", with: " "),
                    "actor": row[2], "action": row[4], "subject": row[5],
                    "detail": row[6],
                ]
            }
            var data: [String: Any] = [
                "title": pages.locales.text("audit_title", context.locale), "events": shown,
                "hasEvents": !shown.isEmpty,
                "actor": person, "action": action, "from": from, "to": to, "q": text, "total": rows.count,
                "page": page, "pages": pageCount, "filters": filters.isEmpty ? "" : filters + "&",
            ]
            if page > 1 { data["prev"] = page - 1 }
            if page < pageCount { data["next"] = page + 1 }
            return try pages.render("audit", data, context: context)
        }
    }
}
