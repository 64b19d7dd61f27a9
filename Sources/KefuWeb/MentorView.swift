import Foundation
import KefuCore
import KefuScenarios
import KefuServices
import KefuStorage

/// Template data of the mentor's pages.
enum MentorView {
    /// The mentor's home: apprentices with their progress, then the transcripts and essays waiting.
    static func home(
        apprentices: [ApprenticeProgress], queue: MentorQueue, locale: String, locales: Locales
    ) -> [String: Any] {
        let essays: [MentorQueueEssay] = queue.items.compactMap { item in
            guard case .essay(let essay) = item else { return nil }
            return essay
        }
        let runs: [[String: Any]] = queue.items.compactMap { item in
            guard case .transcript(let run) = item else { return nil }
            return [
                "run": run.run.rawValue, "person": run.person.rawValue,
                "scenario": "\(run.scenario.rawValue).\(run.language)",
                "mode": locales.text(run.mode == "exam" ? "exam_mode" : "practice", locale),
                "status": locales.text("run_status_" + run.status.replacingOccurrences(of: "-", with: "_"), locale),
                "score": run.score.description, "startedAt": run.startedAt,
            ]
        }
        return [
            "title": locales.text("mentor_title", locale),
            "apprentices": apprentices.map { summary($0, locale: locale, locales: locales) },
            "hasApprentices": !apprentices.isEmpty, "runs": runs, "hasRuns": !runs.isEmpty,
            "essays": essays.map { essay in
                [
                    "attempt": essay.attempt.rawValue, "n": essay.position + 1, "person": essay.person.rawValue,
                    "blueprint": essay.blueprint.rawValue,
                ] as [String: Any]
            },
            "hasEssays": !essays.isEmpty, "waiting": runs.count + essays.count,
        ]
    }

    /// One apprentice as a row of the home page.
    static func summary(_ progress: ApprenticeProgress, locale: String, locales: Locales) -> [String: Any] {
        [
            "person": progress.person.rawValue, "name": progress.name, "team": progress.team,
            "since": String(progress.since.prefix(10)),
            "certifications": progress.certifications.map { c in
                [
                    "certification": c.certification, "title": c.title, "met": c.met, "total": c.checks.count,
                    "state": c.state, "stateText": locales.text("mentor_state_" + c.state, locale), "ready": c.ready,
                ] as [String: Any]
            },
        ]
    }

    /// One apprentice's progress page: every certification, every requirement met or unmet with what the records
    /// show, and (for those who may certify) the button that issues a certification they are ready for.
    static func apprentice(
        _ progress: ApprenticeProgress, canCertify: Bool, locale: String, locales: Locales
    ) -> [String: Any] {
        var data = summary(progress, locale: locale, locales: locales)
        data["title"] = "\(progress.name) (\(progress.person))"
        data["level"] = progress.level
        data["certifications"] = progress.certifications.map { c -> [String: Any] in
            [
                "certification": c.certification, "title": c.title, "state": c.state,
                "stateText": locales.text("mentor_state_" + c.state, locale), "validUntil": c.validUntil ?? false,
                "ready": c.ready, "canIssue": c.ready && canCertify, "met": c.met, "total": c.checks.count,
                "checks": c.checks.map {
                    [
                        "requirement": RequirementText.localized($0.requirement, locale), "met": $0.met,
                        "actual": RequirementText.localized($0.actual, locale),
                    ]
                },
            ]
        }
        return data
    }

    /// The transcript review page: turns with reply times, the automatic verdicts with their evidence marked in the
    /// text as written, overrides beside the automatic verdict, notes per turn, and the forms.
    static func transcript(
        _ transcript: MentorTranscript, choices: [SignOffChoice], canReview: Bool, locale: String, locales: Locales
    ) -> [String: Any] {
        let run = transcript.run
        let replies = transcript.report?.replies ?? []
        let rubrics = transcript.report?.rubrics ?? []
        let spans = ScenarioView.marks(replies.flatMap(\.checks) + rubrics.flatMap(\.items))
        let byTurn = Dictionary(replies.map { ($0.turn, $0) }, uniquingKeysWith: { first, _ in first })
        let turns: [[String: Any]] = transcript.interaction.turns.enumerated().map { index, turn in
            let isCustomer = turn.speaker == .customer
            var data: [String: Any] = [
                "turn": index, "speaker": isCustomer ? "customer" : "agent",
                "who": locales.text(isCustomer ? "chat_customer" : "mentor_agent", locale),
                "at": ScenarioView.orFalse(turn.at.map(ScenarioView.number)),
                "segments": Highlight.segments(turn.text, marks: spans[index] ?? []),
                "notes": transcript.annotations.filter { $0.turn == index }.map {
                    ["mentor": $0.mentorID.rawValue, "note": $0.note, "at": $0.at]
                },
                "reply": false,
            ]
            if let reply = byTurn[index] {
                data["reply"] = Self.reply(reply, overrides: transcript.overrides)
            }
            return data
        }
        let complete = run.status == .complete
        return [
            "title": "\(run.scenario.rawValue).\(run.language) #\(run.id)", "run": run.id.rawValue,
            "person": run.personID.rawValue,
            "mode": locales.text(run.mode == .exam ? "exam_mode" : "practice", locale),
            "status": locales.text(
                "run_status_" + run.status.rawValue.replacingOccurrences(of: "-", with: "_"), locale),
            "score": ScenarioView.number(run.score), "passed": run.passed, "startedAt": run.startedAt,
            "lateReplies": replies.filter(\.isLate).count, "turns": turns, "canReview": canReview,
            "signedOff": transcript.isSignedOff, "canSignOff": canReview && complete && !transcript.isSignedOff,
            "notComplete": !complete,
            "choices": choices.map { ["certification": $0.certification, "title": $0.title] },
            "rubrics": rubrics.map { result -> [String: Any] in
                [
                    "rubric": result.rubric, "score": ScenarioView.number(result.score), "passed": result.passed,
                    "items": result.items.map(ScenarioView.check),
                ]
            },
            "overrideCount": transcript.overrides.count,
        ]
    }

    /// One checked reply: reply time and limit, and each check with its automatic verdict, evidence and the
    /// overrides recorded against it (the latest one counts).
    static func reply(_ reply: ReplyRecord, overrides: [TranscriptOverride]) -> [String: Any] {
        [
            "seconds": ScenarioView.number(reply.seconds),
            "limit": ScenarioView.orFalse(reply.limitSeconds.map(ScenarioView.number)), "late": reply.isLate,
            "checks": reply.checks.map { item -> [String: Any] in
                var check = ScenarioView.check(item)
                let mine = overrides.filter { $0.turn == reply.turn && $0.checkID == item.id }
                check["overrides"] = mine.map {
                    [
                        "verdict": $0.verdict, "pass": $0.verdict == "pass", "reason": $0.reason,
                        "mentor": $0.mentorID.rawValue, "at": $0.at,
                    ] as [String: Any]
                }
                check["overridden"] = !mine.isEmpty
                check["formId"] = "o-\(reply.turn)-\(item.id)"
                return check
            },
        ]
    }

    /// The essay grading page.
    static func essay(_ pending: PendingGrade, locale: String, locales: Locales) -> [String: Any] {
        [
            "title": locales.text("mentor_essay_title", locale), "attempt": pending.attempt.id.rawValue,
            "n": pending.position + 1, "person": pending.attempt.personID.rawValue,
            "blueprint": pending.attempt.blueprint.rawValue, "mark": pending.mark.description,
            "stem": RichText.content(pending.question.text, format: pending.question.textFormat.rawValue),
            "response": pending.response, "guidance": pending.question.generalFeedback ?? false,
        ]
    }
}
