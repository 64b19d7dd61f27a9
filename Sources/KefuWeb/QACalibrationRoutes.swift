import Foundation
import HTTPTypes
import Hummingbird
import KefuCore
import KefuServices
import KefuStorage

extension WebRoutes {
    /// Blind calibration sessions: list and open one, each reviewer's blind queue, close, the agreement report.
    func addQACalibrationRoutes(to router: Router<WebContext>) {
        router.get("/qa/calibrations") { _, context -> Response in
            try await qaCalibrations(try context.signedIn(), context, error: nil, form: Form(""))
        }
        router.post("/qa/calibrations") { request, context -> Response in
            let identity = try context.signedIn()
            let form = try await readForm(request)
            let name = CalibrationID((form["name"] ?? "").trimmingCharacters(in: .whitespaces))
            let reviewers = (form["reviewers"] ?? "").split(whereSeparator: { ", ，\n\r\t".contains($0) })
                .map { PersonID(String($0)) }
            do {
                try await QACalibrationService(environment: services.environment).create(
                    name, sample: SampleID(form["sample"] ?? ""), rubric: form["rubric"] ?? "", reviewers: reviewers,
                    by: identity)
            } catch let error as ServiceError where error.code != .forbidden {
                return try await qaCalibrations(identity, context, error: error.message, form: form)
            }
            return Pages.redirect("/qa/calibrations/\(Self.pathEncode(name.rawValue))")
        }
        router.get("/qa/calibrations/{name}") { _, context -> Response in
            let identity = try context.signedIn()
            return try await qaCalibration(CalibrationID(try context.parameters.require("name")), identity, context)
        }
        router.post("/qa/calibrations/{name}/close") { _, context -> Response in
            let identity = try context.signedIn()
            let name = CalibrationID(try context.parameters.require("name"))
            try await qaWeb.closeCalibration(name, by: identity)
            return Pages.redirect("/qa/calibrations/\(Self.pathEncode(name.rawValue))")
        }
    }

    /// The sessions and the form that opens one.
    func qaCalibrations(
        _ identity: Identity, _ context: WebContext, error: String?, form: Form
    ) async throws
        -> Response
    {
        let sessions = try await qaWeb.calibrations(by: identity)
        let samples = try await qaWeb.samples(by: identity)
        let rubrics = try await qaWeb.scoredRubrics(by: identity)
        var data: [String: Any] = [
            "title": qaText("qa_calibrations_title", context),
            "sessions": sessions.map { s -> [String: Any] in
                [
                    "name": s.session.name.rawValue,
                    "href": "/qa/calibrations/\(Self.pathEncode(s.session.name.rawValue))",
                    "sample": s.session.sample.rawValue, "rubric": s.session.rubric.rawValue,
                    "reviewers": s.session.reviewers.map(\.rawValue).joined(separator: ", "),
                    "createdAt": s.session.createdAt, "closed": s.closedAt != nil,
                    "state": qaText(s.closedAt == nil ? "qa_calibration_open" : "qa_calibration_closed", context),
                ]
            },
            "hasSessions": !sessions.isEmpty, "mayCreate": AccessPolicy.decide(identity, .calibrate).allowed,
            "samples": samples.map { x -> [String: Any] in
                ["name": x.name.rawValue, "selected": form["sample"] == x.name.rawValue]
            },
            "rubrics": rubrics.map { x -> [String: Any] in ["id": x.rawValue, "selected": form["rubric"] == x.rawValue]
            },
            "name": form["name"] ?? "", "reviewers": form["reviewers"] ?? "",
        ]
        if let error { data["error"] = error }
        return try pages.render(
            "qa_calibrations", data, context: context, status: error == nil ? .ok : .unprocessableContent)
    }

    /// One session: progress per reviewer (counts only while open: reviews are blind), the signed-in reviewer's
    /// queue, the close button; once closed, the agreement report.
    func qaCalibration(_ name: CalibrationID, _ identity: Identity, _ context: WebContext) async throws -> Response {
        let calibration = try await qaWeb.calibration(name, by: identity)
        let session = calibration.session
        let members = try await qaWeb.samples(by: identity).first { $0.name == session.sample }?.members ?? 0
        let open = calibration.closedAt == nil
        var data: [String: Any] = [
            "title": qaText("qa_calibration_title", context, ["name": name.rawValue]), "name": name.rawValue,
            "path": Self.pathEncode(name.rawValue),
            "sample": session.sample.rawValue, "rubric": session.rubric.rawValue,
            "createdBy": session.createdBy.rawValue,
            "createdAt": session.createdAt, "open": open,
            "state": qaText(open ? "qa_calibration_open" : "qa_calibration_closed", context),
            "progress": session.reviewers.map { r -> [String: Any] in
                ["reviewer": r.rawValue, "done": calibration.progress[r] ?? 0, "of": members]
            },
            "mayClose": open && AccessPolicy.decide(identity, .calibrate).allowed,
            "isReviewer": session.reviewers.contains(identity.person),
        ]
        if open, session.reviewers.contains(identity.person) {
            let queue = try await qaReviews.queue(
                sample: session.sample, rubric: session.rubric.rawValue, calibration: name, reviewer: identity.person)
            data["queue"] = queue.interactions.map { id -> [String: Any] in
                [
                    "id": id.rawValue,
                    "href":
                        "/qa/review/\(Self.pathEncode(id.rawValue))?rubric=\(Self.pathEncode(session.rubric.rawValue))&sample=\(Self.pathEncode(session.sample.rawValue))&calibration=\(Self.pathEncode(name.rawValue))",
                ]
            }
            data["queueDone"] = queue.interactions.isEmpty
        }
        if let closedAt = calibration.closedAt { data["closedAt"] = closedAt }
        if let report = calibration.report { data["report"] = qaCalibrationReport(report, context) }
        return try pages.render("qa_calibration", data, context: context)
    }

    /// The agreement report's template data, with a bar chart of agreement per item.
    func qaCalibrationReport(_ r: QACalibrationService.Report, _ context: WebContext) -> [String: Any] {
        [
            "facts": [
                ["label": qaText("qa_cal_units", context), "value": String(r.units)],
                ["label": qaText("qa_cal_agreement", context), "value": QAView.percent(r.agreement)],
                ["label": "Cohen κ", "value": QAView.coefficient(r.cohenKappa)],
                ["label": "Fleiss κ", "value": QAView.coefficient(r.fleissKappa)],
                ["label": "Krippendorff α", "value": QAView.coefficient(r.krippendorffAlpha)],
                ["label": qaText("qa_cal_auto_agreement", context), "value": QAView.percent(r.automaticAgreement)],
                ["label": qaText("qa_cal_auto_kappa", context), "value": QAView.coefficient(r.automaticKappa)],
            ],
            "items": r.items.map { i -> [String: Any] in
                [
                    "item": i.item, "units": i.units, "agreement": QAView.percent(i.agreement),
                    "alpha": QAView.coefficient(i.alpha), "auto": QAView.percent(i.automaticAgreement),
                ]
            },
            "deviations": r.deviations.map { d -> [String: Any] in
                [
                    "reviewer": d.reviewer.rawValue, "reviewed": d.reviewed,
                    "agreement": QAView.percent(d.agreementWithConsensus),
                    "delta": d.failRateDelta.map { String(format: "%+.1f", $0) } ?? "–",
                    "lean": qaText("qa_lean_\(d.lean.rawValue.replacingOccurrences(of: " ", with: "_"))", context),
                ]
            },
            "chart": ChartView.bars(
                title: qaText("qa_cal_chart_title", context), description: qaText("qa_cal_chart_desc", context),
                unit: "%", bars: r.items.map { (label: $0.item, value: ($0.agreement ?? 0) * 100) }),
        ]
    }
}
