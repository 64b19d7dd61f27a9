import Foundation
import Hummingbird
import KefuCore
import KefuServices

extension WebRoutes {
    /// The trainee's home page and its JSON twin.
    func addHomeRoutes(to router: Router<WebContext>) {
        router.get("/") { _, context -> Response in
            let identity = try context.signedIn()
            let home = try await services.home.home(by: identity)
            var data = HomeView.data(home, locale: context.locale, locales: pages.locales)
            data["mentorWork"] = try await mentorWork(identity, locale: context.locale)
            return try pages.render("home", data, context: context)
        }
        router.get("/api/me") { _, context -> Response in
            let identity = try context.signedIn()
            return try Pages.json(identity)
        }
        router.get("/api/me/home") { _, context -> Response in
            try Pages.json(try await services.home.home(by: try context.signedIn()))
        }
    }
}

extension WebRoutes {
    /// For a mentor, the line on the home page that counts the transcripts and essays waiting for them.
    func mentorWork(_ identity: Identity, locale: String) async throws -> Any {
        guard identity.has(.mentor) else { return false }
        let queue = try await services.mentoring.queue(mentor: identity.person, by: identity)
        let runs = queue.items.filter { if case .transcript = $0 { return true } else { return false } }.count
        let essays = queue.items.count - runs
        return [
            "text": pages.locales.text(
                "home_mentor_waiting", locale, ["runs": String(runs), "essays": String(essays)]),
            "waiting": runs + essays,
        ] as [String: Any]
    }
}

/// The home page's template data.
enum HomeView {
    static func data(_ home: TraineeHome, locale: String, locales: Locales) -> [String: Any] {
        let exams: [[String: Any]] = home.exams.map { exam in
            var row: [String: Any] = [
                "blueprint": exam.blueprint.rawValue, "title": exam.title, "questions": exam.questions,
                "passMark": exam.passMark.description, "canStart": exam.canStart,
                "attemptsUsed": exam.attempts.count,
                "attemptsAllowed": exam.attemptsAllowed.map(String.init) ?? "∞",
                "flagged": exam.flaggedForRetraining,
            ]
            if let limit = exam.timeLimit { row["minutes"] = (limit + 59) / 60 }
            if let id = exam.inProgress { row["inProgress"] = id.rawValue }
            if let deadline = exam.deadline { row["deadline"] = deadline }
            if let refusal = exam.refusal { row["refusal"] = refusal }
            if let opens = exam.opensAt { row["opensAt"] = opens }
            if let grade = exam.grade { row["grade"] = grade.description }
            if let passed = exam.passed { row["passed"] = passed }
            if exam.delayBetweenAttempts > 0 {
                row["waitHours"] = String(format: "%.1f", Double(exam.delayBetweenAttempts) / 3600)
            }
            row["attempts"] = exam.attempts.map { attempt -> [String: Any] in
                var a: [String: Any] = [
                    "id": attempt.id.rawValue, "number": attempt.number, "status": attempt.status.rawValue,
                    "percent": attempt.percent.description, "startedAt": attempt.startedAt,
                ]
                if let passed = attempt.passed { a["passed"] = passed }
                return a
            }
            return row
        }
        let scenarios: [[String: Any]] = home.scenarios.map { scenario in
            [
                "reference": scenario.reference, "title": scenario.title, "channel": scenario.channel,
                "language": scenario.language, "passMark": scenario.passMark.description,
                "runs": scenario.runs.map { run -> [String: Any] in
                    var r: [String: Any] = [
                        "id": run.run.rawValue, "mode": run.mode, "status": run.status, "startedAt": run.startedAt,
                    ]
                    if let score = run.score { r["score"] = score.description }
                    if let passed = run.passed { r["passed"] = passed }
                    return r
                },
            ]
        }
        let certifications: [[String: Any]] = home.certifications.map {
            [
                "entry": $0.entry.rawValue, "certification": $0.certification, "recordedAt": $0.recordedAt,
                "validUntil": $0.validUntil ?? "", "revoked": $0.revoked, "kind": $0.kind,
            ]
        }
        var data: [String: Any] = [
            "name": home.name, "person": home.person.rawValue, "exams": exams, "scenarios": scenarios,
            "certifications": certifications, "hasCertifications": !certifications.isEmpty,
        ]
        if let mentor = home.mentor {
            data["mentor"] = ["id": mentor.rawValue, "name": home.mentorName ?? mentor.rawValue]
        }
        return data
    }
}
