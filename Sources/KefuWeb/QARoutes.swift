import Foundation
import HTTPTypes
import Hummingbird
import KefuCore
import KefuServices
import KefuStorage

/// The QA services the routes call.
extension WebRoutes {
    /// The QA web listings.
    var qaWeb: QAWebService { QAWebService(environment: services.environment) }
    /// Reviews and disputes.
    var qaReviews: QAReviewService { QAReviewService(environment: services.environment) }

    /// The largest interaction file accepted by `POST /qa/import` (the CLI takes any size).
    static let maxImportBytes = 16 << 20

    /// QA: the home page, import, samples, reviews, results and disputes, calibration and the report.
    func addQARoutes(to router: Router<WebContext>) {
        router.get("/qa") { _, context -> Response in
            let identity = try context.signedIn()
            // Agents have no QA home; their own reviewed interactions are on /qa/mine.
            guard AccessPolicy.decide(identity, .viewQA).allowed else { return Pages.redirect("/qa/mine") }
            return try await qaHome(identity, context)
        }
        router.get("/qa/import") { _, context -> Response in
            let identity = try context.signedIn()
            try AccessPolicy.require(identity, .importInteractions)
            return try pages.render("qa_import", qaImportPage(context), context: context)
        }
        router.post("/qa/import") { request, context -> Response in
            try await qaImport(request, try context.signedIn())
        }
        router.get("/qa/samples") { _, context -> Response in
            let identity = try context.signedIn()
            return try await qaSamples(identity, context, error: nil, form: Form(""))
        }
        router.post("/qa/samples") { request, context -> Response in
            let identity = try context.signedIn()
            let form = try await readForm(request)
            do { return try await qaDraw(form, identity) } catch let error as ServiceError
                where error.code == .invalidInput || error.code == .conflict || error.code == .precondition
            {
                return try await qaSamples(identity, context, error: error.message, form: form)
            }
        }
        router.get("/qa/samples/{sample}") { request, context -> Response in
            let identity = try context.signedIn()
            return try await qaSample(request, context, identity)
        }
        router.post("/qa/samples/{sample}/score") { request, context -> Response in
            let identity = try context.signedIn()
            let name = SampleID(try context.parameters.require("sample"))
            let form = try await readForm(request)
            let rubric = form["rubric"] ?? ""
            _ = try await QAScoreService(environment: services.environment).score(
                rubric: rubric, sample: name, by: identity)
            return Pages.redirect("/qa/samples/\(Self.pathEncode(name.rawValue))?rubric=\(Self.pathEncode(rubric))")
        }
        addQAReviewRoutes(to: router)
        addQACalibrationRoutes(to: router)
        addQAReportRoutes(to: router)
    }

    /// `text` percent-encoded for a path segment or query value.
    static func pathEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A localized string of the request's language.
    func qaText(_ key: String, _ context: WebContext, _ values: [String: String] = [:]) -> String {
        pages.locales.text(key, context.locale, values)
    }

    /// The QA home page: counts, recent imports, samples, links to the queues.
    func qaHome(_ identity: Identity, _ context: WebContext) async throws -> Response {
        let (counts, batches, samples) = try await qaWeb.overview(by: identity)
        let data: [String: Any] = [
            "title": qaText("qa_home_title", context),
            "counts": [
                [
                    "label": qaText("qa_count_interactions", context), "value": counts.interactions,
                    "id": "interactions",
                ],
                ["label": qaText("qa_count_batches", context), "value": counts.batches, "id": "batches"],
                ["label": qaText("qa_count_samples", context), "value": counts.samples, "id": "samples"],
                ["label": qaText("qa_count_scored", context), "value": counts.scored, "id": "scored"],
                ["label": qaText("qa_count_reviews", context), "value": counts.reviews, "id": "reviews"],
                ["label": qaText("qa_count_open_disputes", context), "value": counts.openDisputes, "id": "disputes"],
                [
                    "label": qaText("qa_count_open_calibrations", context), "value": counts.openCalibrations,
                    "id": "calibrations",
                ],
            ] as [[String: Any]],
            "batches": batches.map { b -> [String: Any] in
                [
                    "name": b.name.rawValue, "source": b.source, "importedAt": b.importedAt, "count": b.count,
                    "masked": b.masked,
                ]
            },
            "hasBatches": !batches.isEmpty,
            "samples": samples.prefix(10).map { sampleRow($0, context) },
            "hasSamples": !samples.isEmpty,
            "mayImport": AccessPolicy.decide(identity, .importInteractions).allowed,
            "mayDecide": AccessPolicy.decide(identity, .decideDispute).allowed,
        ]
        return try pages.render("qa_home", data, context: context)
    }

    /// One sample as the lists show it.
    func sampleRow(_ s: QASampleSummary, _ context: WebContext) -> [String: Any] {
        [
            "name": s.name.rawValue, "href": "/qa/samples/\(Self.pathEncode(s.name.rawValue))",
            "parameters": QAView.parameters(s.parameters) { key, value in qaText(key, context, ["v": value]) },
            "members": s.members, "population": s.populationSize,
            "createdAt": s.createdAt,
        ]
    }

    /// The import page's data.
    func qaImportPage(_ context: WebContext) -> [String: Any] {
        [
            "title": qaText("qa_import_title", context), "scripts": ["qa.js"],
            "kinds": QAImportService.MaskingPolicy.kindNames.map { kind in
                ["kind": kind, "label": qaText("qa_kind_\(kind)", context)]
            },
            "maxMB": Self.maxImportBytes >> 20,
        ]
    }

    /// `POST /qa/import`: the file is the body (sent by qa.js with its `Content-Type`, the CSRF header and the file
    /// name in `X-File-Name`); options in the query. Answers the import report as JSON; on bad input the error lists
    /// every bad line as `file:line:col: message` and nothing is stored.
    func qaImport(_ request: Request, _ identity: Identity) async throws -> Response {
        try AccessPolicy.require(identity, .importInteractions)
        let query = request.uri.queryParameters
        let name =
            request.headers[HTTPField.Name("X-File-Name")!].flatMap { $0.removingPercentEncoding }
            .map { ($0 as NSString).lastPathComponent } ?? "upload"
        var format: QAImportService.Format?
        if let text = query.get("format"), !text.isEmpty, text != "auto" {
            guard let chosen = QAImportService.Format(rawValue: text) else {
                throw WebError.badRequest("the format is jsonl or csv")
            }
            format = chosen
        } else if request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true {
            format = .csv
        }
        let kinds = query.get("mask").map { $0.split(separator: ",").map(String.init) }
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: Self.maxImportBytes) } catch {
            throw WebError(
                .contentTooLarge, "the file is larger than \(Self.maxImportBytes >> 20) MB; use `kefu qa import`")
        }
        let batch = query.get("batch").flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : BatchID($0) }
        let report = try await QAImportService(environment: services.environment).importInteractions(
            from: .bytes(Array(body.readableBytesView), label: name), format: format, batch: batch,
            masking: .init(kinds: kinds), by: identity)
        return try Pages.json(report)
    }

    /// The samples page: the list and the draw form (with the last form's values and error when a draw failed).
    func qaSamples(_ identity: Identity, _ context: WebContext, error: String?, form: Form) async throws -> Response {
        let samples = try await qaWeb.samples(by: identity)
        let rubrics = try await qaWeb.scoredRubrics(by: identity)
        var data: [String: Any] = [
            "title": qaText("qa_samples_title", context), "samples": samples.map { sampleRow($0, context) },
            "hasSamples": !samples.isEmpty,
            "mayDraw": AccessPolicy.decide(identity, .scoreInteractions).allowed,
            "seed": form["seed"] ?? String(UInt32.random(in: 1...UInt32.max)),
            "name": form["name"] ?? "", "period": form["period"] ?? "", "perAgent": form["per_agent"] ?? "3",
            "agent": form["agent"] ?? "", "oversample": form["oversample"] ?? "0",
            "strataChannel": form["strata"] == "channel",
            "channels": ["phone", "chat", "wechat", "email"].map { x -> [String: Any] in
                ["value": x, "selected": form["channel"] == x]
            },
            "rubrics": rubrics.map { x -> [String: Any] in ["id": x.rawValue, "selected": form["rubric"] == x.rawValue]
            },
        ]
        if let error { data["error"] = error }
        return try pages.render(
            "qa_samples", data, context: context, status: error == nil ? .ok : .unprocessableContent)
    }

    /// Draws a sample from the form, then shows it.
    func qaDraw(_ form: Form, _ identity: Identity) async throws -> Response {
        func number(_ field: String) throws -> Int {
            guard let value = Int((form[field] ?? "").trimmingCharacters(in: .whitespaces)) else {
                throw ServiceError(.invalidInput, "`\(field)` must be a whole number")
            }
            return value
        }
        guard let seed = UInt64((form["seed"] ?? "").trimmingCharacters(in: .whitespaces)) else {
            throw ServiceError(.invalidInput, "the seed must be a whole number ≥ 0")
        }
        var filters: [QASampleService.FilterField: String] = [:]
        if let channel = form["channel"], !channel.isEmpty { filters[.channel] = channel }
        if let agent = form["agent"]?.trimmingCharacters(in: .whitespaces), !agent.isEmpty { filters[.agent] = agent }
        let period = (form["period"] ?? "").trimmingCharacters(in: .whitespaces)
        let oversample = try number("oversample")
        let rubric = (form["rubric"] ?? "").isEmpty ? nil : form["rubric"]
        let parameters = QASampleService.Parameters(
            period: period.isEmpty ? nil : period, perAgent: try number("per_agent"),
            strata: form["strata"] == "channel" ? .channel : nil, filters: filters, seed: seed,
            oversampleFailed: oversample)
        let name = SampleID((form["name"] ?? "").trimmingCharacters(in: .whitespaces))
        _ = try await QASampleService(environment: services.environment).draw(
            name, parameters: parameters, oversampleRubric: oversample > 0 ? rubric : nil, by: identity)
        return Pages.redirect("/qa/samples/\(Self.pathEncode(name.rawValue))")
    }
}
