import Foundation
import HTTPTypes
import Hummingbird
import KefuCore
import KefuServices

extension WebRoutes {
    /// `GET /qa/report`: quality per agent, team, category or item with the trend, charts, frequent failures,
    /// automatic versus human verdicts and coverage; `?format=csv|xlsx` downloads the rows.
    func addQAReportRoutes(to router: Router<WebContext>) {
        router.get("/qa/report") { request, context -> Response in
            try await qaReport(request, try context.signedIn(), context)
        }
    }

    /// The report page (or its download).
    func qaReport(_ request: Request, _ identity: Identity, _ context: WebContext) async throws -> Response {
        let query = request.uri.queryParameters
        let rubrics = try await qaWeb.scoredRubrics(by: identity)
        let period = query.get("period").flatMap { $0.isEmpty ? nil : $0 } ?? Self.previousMonth(services.environment)
        let rubric = query.get("rubric").flatMap { $0.isEmpty ? nil : $0 } ?? rubrics.first?.rawValue ?? "conduct.zh"
        let grouping = query.get("by").flatMap(QAReportService.Grouping.init(rawValue:)) ?? .agent
        let trend = min(max(query.get("trend").flatMap(Int.init) ?? 2, 0), 12)
        var data: [String: Any] = [
            "title": qaText("qa_report_title", context), "period": period, "rubric": rubric,
            "rubrics": rubrics.map { x -> [String: Any] in ["id": x.rawValue, "selected": x.rawValue == rubric] },
            "groupings": QAReportService.Grouping.allCases.map { g -> [String: Any] in
                ["value": g.rawValue, "label": qaText("qa_by_\(g.rawValue)", context), "selected": g == grouping]
            },
            "trend": trend,
        ]
        let report: QAReportService.Report
        do {
            report = try await QAReportService(environment: services.environment).report(
                period: period, rubric: RubricID(rubric), by: grouping, trend: trend, actor: identity)
        } catch let error as ServiceError where error.code == .precondition || error.code == .invalidInput {
            data["error"] = error.message
            return try pages.render("qa_report", data, context: context)
        }
        let (header, rows) = Self.reportRows(report)
        if let format = Export.requested(request) {
            return Export.file(
                format, filename: "qa-report-\(period)-\(rubric)-\(grouping.rawValue)", sheet: "QA \(period)",
                header: header, rows: rows)
        }
        for (key, value) in qaReportData(report, header: header, rows: rows, context) { data[key] = value }
        return try pages.render("qa_report", data, context: context)
    }

    /// The month before now (`YYYY-MM`), the report's default period.
    static func previousMonth(_ environment: KefuEnvironment) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let date = calendar.date(byAdding: .month, value: -1, to: environment.clock.now()) ?? environment.clock.now()
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year ?? 2026, parts.month ?? 1)
    }

    /// The report's lines as a table (the page's table and the downloads).
    static func reportRows(_ report: QAReportService.Report) -> (header: [String], rows: [[String]]) {
        let header =
            [
                report.by.rawValue, "count", report.by.isPeople ? "score" : "pass_rate_percent", "pass_rate_percent",
                "reviewed",
            ] + report.trendPeriods
        let rows = report.lines.map { line in
            [
                line.key, String(line.count), QAView.score(line.score.value), QAView.score(line.passRate.value),
                String(line.reviewed),
            ] + line.trend.map { $0.map { QAView.score($0.value) } ?? "" }
        }
        return (header, rows)
    }

    /// The page data of a report: tables, two charts (this period's scores; the trend), failures, agreement, coverage.
    func qaReportData(
        _ report: QAReportService.Report, header: [String], rows: [[String]], _ context: WebContext
    ) -> [String: Any] {
        let unit = report.by.isPeople ? qaText("qa_unit_score", context) : "%"
        let periods = report.trendPeriods + [report.period]
        let series = report.lines.map { line in
            ChartView.Series(
                name: line.key,
                points: zip(periods, line.trend.map { $0?.value } + [line.score.value]).compactMap { period, value in
                    value.map { (x: period, y: $0) }
                })
        }
        let base =
            "/qa/report?period=\(Self.pathEncode(report.period))&rubric=\(Self.pathEncode(report.rubric.rawValue))&by=\(report.by.rawValue)"
        return [
            "header": header, "rows": rows.map { x -> [String: Any] in ["key": x[0], "cells": Array(x.dropFirst())] },
            "hasReport": true,
            "csvHref": base + "&format=csv", "xlsxHref": base + "&format=xlsx",
            "barChart": ChartView.bars(
                title: qaText("qa_report_chart_bars", context, ["period": report.period]),
                description: qaText("qa_report_chart_bars_desc", context), unit: unit,
                bars: report.lines.map { (label: $0.key, value: $0.score.value) }),
            "trendChart": ChartView.line(
                title: qaText("qa_report_chart_trend", context),
                description: qaText("qa_report_chart_trend_desc", context),
                xLabel: qaText("qa_period", context), yLabel: unit, series: series),
            "failures": report.failures.map { f -> [String: Any] in
                ["item": f.item, "category": f.category, "count": f.count, "example": f.example]
            },
            "agreement": [
                "items": report.automaticVsHuman.items, "agreement": QAView.percent(report.automaticVsHuman.agreement),
                "kappa": QAView.coefficient(report.automaticVsHuman.kappa),
                "byItem": report.automaticVsHuman.byItem.map { i -> [String: Any] in
                    [
                        "item": i.item, "compared": i.compared, "overridden": i.overridden,
                        "agreement": QAView.percent(i.agreement), "kappa": QAView.coefficient(i.kappa),
                    ]
                },
            ] as [String: Any],
            "coverage": report.coverage.map { c -> [String: Any] in
                ["agent": c.agent.rawValue, "population": c.population, "sampled": c.sampled, "reviewed": c.reviewed]
            },
        ]
    }
}
