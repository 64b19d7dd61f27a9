import Foundation
import KefuCore
import Testing

@testable import KefuExams

func close(_ a: Double?, _ b: Double, _ tolerance: Double = 0.001) -> Bool {
    a.map { abs($0 - b) <= tolerance } ?? false
}

@Suite("grading per question type")
struct GradingTests {
    let grader = try! Grader(questions: [])

    @Test("single and multiple choice: fractions, negative marks stop at 0 unless allowed")
    func choices() throws {
        var single = Question(
            id: "s", name: "s", type: .single, text: "?",
            answers: [
                Answer(text: "a", fraction: 100, feedback: "yes"), Answer(text: "b", fraction: 50),
                Answer(text: "c", fraction: -50),
            ])
        #expect(grader.grade(single, .choices([0])) == Grade(state: .correct, fraction: 1, feedback: ["yes"], rule: 0))
        #expect(grader.grade(single, .choices([1])).fraction == 0.5)
        #expect(grader.grade(single, .choices([2])).fraction == 0)
        #expect(grader.grade(single, .choices([0, 1])).state == .wrong)
        #expect(grader.grade(single, nil).state == .unanswered)
        single.allowsNegative = true
        #expect(grader.grade(single, .choices([2])).fraction == -0.5)

        var multiple = Question(
            id: "m", name: "m", type: .multiple, text: "?",
            answers: [
                Answer(text: "a", fraction: 50), Answer(text: "b", fraction: 50), Answer(text: "c", fraction: -100),
            ])
        #expect(grader.grade(multiple, .choices([0, 1])).state == .correct)
        #expect(grader.grade(multiple, .choices([1])).state == .partial)
        #expect(grader.grade(multiple, .choices([0, 1, 2])).fraction == 0)
        #expect(grader.grade(multiple, .choices([0, 2])).fraction == 0)
        #expect(grader.grade(multiple, .choices([0, 0, 1])).fraction == 1, "a choice counts once")
        multiple.allowsNegative = true
        #expect(grader.grade(multiple, .choices([0, 2])).fraction == -0.5)
        #expect(grader.grade(multiple, .text("a")).state == .wrong)
    }

    @Test("true/false, numerical, matching")
    func otherTypes() throws {
        let tf = Question(
            id: "t", name: "t", type: .truefalse, text: "?", correct: false, trueFeedback: "no", falseFeedback: "right")
        #expect(grader.grade(tf, .truth(false)) == Grade(state: .correct, fraction: 1, feedback: ["right"]))
        #expect(grader.grade(tf, .truth(true)) == Grade(state: .wrong, fraction: 0, feedback: ["no"]))

        let number = Question(
            id: "n", name: "n", type: .numerical, text: "?",
            answers: [
                Answer(value: 1822, tolerance: 0, fraction: 100),
                Answer(value: 1822, tolerance: 2, fraction: 50, feedback: "close"),
                Answer(text: "*", fraction: 0, feedback: "read again"),
            ])
        #expect(grader.grade(number, .number(1822)).fraction == 1)
        #expect(
            grader.grade(number, .number(1824)) == Grade(state: .partial, fraction: 0.5, feedback: ["close"], rule: 1))
        #expect(
            grader.grade(number, .number(1830)) == Grade(state: .wrong, fraction: 0, feedback: ["read again"], rule: 2))
        let range = Question(
            id: "r", name: "r", type: .numerical, text: "?", answers: [Answer(min: 3.141, max: 3.142, fraction: 100)])
        #expect(grader.grade(range, .number(3.1415)).state == .correct)
        #expect(grader.grade(range, .number(3.15)).state == .wrong)

        let match = Question(
            id: "x", name: "x", type: .matching, text: "?",
            pairs: [
                MatchPair(question: "fatal", answer: "now"), MatchPair(question: "urgent", answer: "today"),
                MatchPair(question: "non-urgent", answer: "3 days"), MatchPair(question: "", answer: "never"),
            ])
        #expect(grader.grade(match, .matches(["now", "today", "3 days"])).state == .correct)
        #expect(close(grader.grade(match, .matches(["now", "3 days", "3 days"])).fraction, 2.0 / 3))
        #expect(grader.grade(match, .matches(["today", "now", "never"])).state == .wrong)
        #expect(close(grader.grade(match, .matches(["now", "today", nil])).fraction, 2.0 / 3))
        #expect(grader.grade(match, .matches([nil, nil, nil])).state == .unanswered)
    }

    @Test(
        "short answer: ordered rules, literal model answers, anchored positive patterns, absent rules, normalization, case"
    )
    func shortAnswers() throws {
        let question = Question(
            id: "defer", name: "defer", type: .short, text: "?",
            answers: [
                Answer(pattern: "保证|一定", fraction: 0, feedback: "never promise"),
                Answer(text: "首问负责制", fraction: 100),
                Answer(
                    pattern: "(?:核实|确认)后.{0,6}(?:\\d+|[一二三两])\\s*(?:小时|天)内?(?:回复|答复)您?", absent: ["大概|可能"],
                    fraction: 100, feedback: "time stated"),
                Answer(pattern: "(?:核实|确认)后.{0,6}(?:回复|答复)您?", fraction: 50, feedback: "no time"),
                Answer(text: "*", fraction: 0, feedback: "see the deferral rule"),
            ])
        let grader = try Grader(questions: [question])
        #expect(grader.grade(question, .text("首问负责制")).state == .correct)
        #expect(grader.grade(question, .text("  首問負責制 ")).state == .correct, "traditional input grades like simplified")
        #expect(grader.grade(question, .text("首问负责制度")).state == .wrong, "a literal answer matches the whole answer")
        #expect(
            grader.grade(question, .text("核实后2小时内回复您"))
                == Grade(state: .correct, fraction: 1, feedback: ["time stated"], rule: 2))
        #expect(grader.grade(question, .text("核实后２小时内回复您")).state == .correct, "full-width digits are normalized")
        #expect(
            grader.grade(question, .text("核实后大概2小时内回复您")).fraction == 0.5, "an absent pattern present skips the rule")
        #expect(
            grader.grade(question, .text("我保证核实后2小时内回复您")).feedback == ["never promise"],
            "a zero-credit pattern matches anywhere, first")
        #expect(grader.grade(question, .text("好的")).feedback == ["see the deferral rule"])
        #expect(
            grader.grade(question, .text("核实后2小时内回复您，谢谢")).fraction == 0,
            "positive patterns are anchored to the whole answer")
        #expect(grader.grade(question, .text("   ")).state == .unanswered)

        let cased = Question(
            id: "c", name: "c", type: .short, text: "?", answers: [Answer(text: "WeChat", fraction: 100)],
            caseSensitive: true)
        let uncased = Question(
            id: "u", name: "u", type: .short, text: "?", answers: [Answer(text: "WeChat", fraction: 100)])
        let both = try Grader(questions: [cased, uncased])
        #expect(both.grade(cased, .text("wechat")).state == .wrong)
        #expect(both.grade(uncased, .text("wechat")).state == .correct)
        #expect(both.grade(uncased, .text("ＷｅＣｈａｔ")).state == .correct)
        #expect(both.grade(uncased, .text("We.Chat")).state == .wrong, "literal dots are not wildcards")
        let wildcard = Question(
            id: "w", name: "w", type: .short, text: "?", answers: [Answer(text: "three*rings", fraction: 100)])
        #expect(try Grader(questions: [wildcard]).grade(wildcard, .text("three short rings")).state == .correct)
    }

    @Test("a pattern that does not compile is reported with its question; a runaway match goes to a person")
    func badPatterns() throws {
        let broken = Question(
            id: "broken", name: "b", type: .short, text: "?", answers: [Answer(pattern: "(abc", fraction: 100)])
        #expect(throws: ExamError.self) { try Grader(questions: [broken]) }
        do {
            _ = try Grader(questions: [broken])
        } catch {
            #expect(error.description.contains("question `broken`, answer 1"))
        }
        let runaway = Question(
            id: "r", name: "r", type: .short, text: "?",
            answers: [Answer(pattern: "(\\w+\\s?)+$", fraction: 0), Answer(text: "x", fraction: 100)])
        let grade = try Grader(questions: [runaway]).grade(runaway, .text(String(repeating: "a", count: 40) + "!"))
        #expect(grade.state == .needsGrading && grade.fraction == nil)
    }

    @Test("essays wait for a person; manual marks complete the attempt")
    func essays() throws {
        let essay = Question(id: "e", name: "e", type: .essay, text: "Describe.")
        let tf = Question(id: "t", name: "t", type: .truefalse, text: "?", correct: true)
        let paper = Paper(
            blueprint: "b", language: "en", seed: 1,
            items: [
                PaperItem(slot: 1, section: 0, bank: "k", question: essay, mark: 2, choiceOrder: []),
                PaperItem(slot: 2, section: 0, bank: "k", question: tf, mark: 1, choiceOrder: []),
            ])
        let grader = try Grader(questions: [essay, tf])
        let marking = Marking.grade(paper, responses: [.text("First contact owns it."), .truth(true)], grader: grader)
        #expect(marking.pending == 1 && marking.total == 1 && marking.maximum == 3)
        let graded = Marking.grade(
            paper, responses: [.text("First contact owns it."), .truth(true)], grader: grader, manual: [0: 0.5])
        #expect(graded.pending == 0 && graded.total == 2 && close(graded.percent, 66.667))
    }
}

func bank(_ count: Int, id: String = "b") -> Bank {
    Bank(
        id: id, language: "en",
        questions: (0..<count).map { n in
            Question(
                id: String(format: "q%02d", n), name: "q\(n)", category: n % 2 == 0 ? "even" : "odd",
                tags: n % 3 == 0 ? ["three"] : [],
                type: .single, text: "Question \(n)?",
                answers: [
                    Answer(text: "right", fraction: 100), Answer(text: "wrong", fraction: 0),
                    Answer(text: "other", fraction: 0),
                ],
                difficulty: n < 4 ? .hard : .easy)
        })
}

@Suite("blueprints: seeded draws, retake rules")
struct DrawTests {
    let blueprint = Blueprint(
        id: "exam",
        sections: [
            Blueprint.Section(bank: "b", categories: ["even"], count: 3, difficulty: [.hard: 1]),
            Blueprint.Section(bank: "b", count: 4, mark: 2),
        ])

    @Test("the same seed draws the same paper; another seed another; choices shuffled reproducibly")
    func reproducible() throws {
        let banks = ["b": bank(20)]
        let a = try Draw.paper(blueprint, language: "en", banks: banks, seed: 42)
        let b = try Draw.paper(blueprint, language: "en", banks: banks, seed: 42)
        let c = try Draw.paper(blueprint, language: "en", banks: banks, seed: 43)
        #expect(a == b)
        #expect(a.items.map(\.key) != c.items.map(\.key))
        #expect(a.items.count == 7 && Set(a.items.map(\.key)).count == 7, "no question twice")
        #expect(a.maximum == 3 + 8)
        let first = a.items.filter { $0.section == 0 }
        #expect(first.allSatisfy { $0.question.category == "even" })
        #expect(first.filter { $0.question.difficulty == .hard }.count >= 1)
        #expect(Set(a.items.map(\.slot)) == Set(1...7))
        #expect(a.items.allSatisfy { Set($0.choiceOrder) == [0, 1, 2] })
        #expect(a.items.contains { $0.choiceOrder != [0, 1, 2] }, "choices are shuffled")
    }

    @Test("questions seen before are avoided while the bank has others")
    func avoidsSeen() throws {
        let banks = ["b": bank(20)]
        let first = try Draw.paper(blueprint, language: "en", banks: banks, seed: 1)
        let second = try Draw.paper(blueprint, language: "en", banks: banks, seed: 2, seen: Set(first.items.map(\.key)))
        #expect(Set(first.items.map(\.key)).isDisjoint(with: second.items.map(\.key)))
        // A bank of 8 cannot avoid repeats of 7 seen questions: the draw still succeeds.
        let small = ["b": bank(8)]
        let seen = try Draw.paper(blueprint, language: "en", banks: small, seed: 1)
        let again = try Draw.paper(blueprint, language: "en", banks: small, seed: 2, seen: Set(seen.items.map(\.key)))
        #expect(again.items.count == 7)
    }

    @Test("a blueprint the bank cannot satisfy is refused with what is missing")
    func shortage() throws {
        let greedy = Blueprint(
            id: "greedy",
            sections: [Blueprint.Section(bank: "b", categories: ["even"], count: 3, difficulty: [.hard: 3])])
        #expect {
            try Draw.paper(greedy, language: "en", banks: ["b": bank(20)], seed: 1)
        } throws: { error in
            (error as? ExamError)?.description.contains("needs 3 hard questions from bank `b` (en) but only 2 qualify")
                == true
        }
        #expect(throws: ExamError.self) { try Draw.paper(greedy, language: "zh", banks: [:], seed: 1) }
    }

    @Test("attempts allowed, delay between attempts, retraining after failures")
    func retakes() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let rules = Blueprint(
            id: "x", sections: [], attemptsAllowed: 3, delayBetweenAttempts: 3600, retrainAfterFailures: 2)
        let failed = AttemptHistory(number: 1, submittedAt: now.addingTimeInterval(-7200), percent: 40, passed: false)
        #expect(
            RetakePolicy.eligibility(rules, history: [], allAttempts: 0, flagged: false, now: now)
                == .allowed(number: 1))
        #expect(
            RetakePolicy.eligibility(rules, history: [failed], allAttempts: 1, flagged: false, now: now)
                == .allowed(number: 2))
        let recent = AttemptHistory(number: 2, submittedAt: now.addingTimeInterval(-600), percent: 40, passed: false)
        guard
            case .refused(_, let until) = RetakePolicy.eligibility(
                rules, history: [failed, recent], allAttempts: 2, flagged: false, now: now)
        else {
            Issue.record("a retake inside the delay must be refused")
            return
        }
        #expect(until == now.addingTimeInterval(3000))
        #expect(RetakePolicy.needsRetraining(rules, history: [failed, recent]))
        let passed = AttemptHistory(number: 2, submittedAt: now, percent: 90, passed: true)
        #expect(!RetakePolicy.needsRetraining(rules, history: [failed, passed]))
        #expect(!RetakePolicy.needsRetraining(rules, history: [failed]))
        if case .allowed = RetakePolicy.eligibility(rules, history: [failed], allAttempts: 1, flagged: true, now: now) {
            Issue.record("a flagged person cannot retake")
        }
        let three = [
            failed, passed,
            AttemptHistory(number: 3, submittedAt: now.addingTimeInterval(-4000), percent: 90, passed: true),
        ]
        if case .allowed = RetakePolicy.eligibility(
            rules, history: three, allAttempts: 3, flagged: false, now: now.addingTimeInterval(4000))
        {
            Issue.record("attempts beyond the allowance are refused")
        }
        let running = AttemptHistory(number: 1, submittedAt: nil, percent: nil, passed: nil)
        if case .allowed = RetakePolicy.eligibility(rules, history: [running], allAttempts: 1, flagged: false, now: now)
        {
            Issue.record("an attempt in progress must be resumed, not doubled")
        }
        #expect(GradingMethod.highest.combine([40, 90, 70]) == 90)
        #expect(GradingMethod.last.combine([40, 90, 70]) == 70)
        #expect(GradingMethod.first.combine([40, 90, 70]) == 40)
        #expect(GradingMethod.average.combine([40, 90, 70]) == 200.0 / 3)
        #expect(GradingMethod.average.combine([]) == nil)
    }
}

@Suite("exam session: navigation, autosave actions, deadline")
struct SessionTests {
    func paper() throws -> Paper {
        try Draw.paper(
            Blueprint(id: "e", sections: [Blueprint.Section(bank: "b", count: 3)]), language: "en",
            banks: ["b": bank(5)], seed: 7)
    }

    @Test("answers are saved one by one; navigation and flags; invalid answers are refused")
    func navigation() throws {
        let start = Date(timeIntervalSince1970: 1_000)
        var session = ExamSession(paper: try paper(), deadline: start.addingTimeInterval(600))
        #expect(session.answer(.choices([0]), now: start) == [.save(position: 0)])
        #expect(session.next(now: start) == [.show(position: 1)])
        #expect(session.toggleFlag(now: start) == [.save(position: 1)])
        #expect(session.flagged == [1])
        #expect(session.answer(.choices([9]), now: start) == [.refuse("there is no such choice")])
        #expect(
            session.answer(.truth(true), now: start) == [
                .refuse("this single question takes a different kind of answer")
            ])
        #expect(session.previous(now: start) == [.show(position: 0)])
        #expect(session.previous(now: start) == [.refuse("this is the first question")])
        #expect(session.unanswered == [1, 2])
        #expect(session.remaining(at: start.addingTimeInterval(100)) == 500)
        #expect(session.submit(now: start.addingTimeInterval(100)) == [.submit(.candidate)])
        #expect(session.answer(.choices([0]), now: start) == [.refuse("the attempt is already submitted")])
    }

    @Test(
        "at the deadline input is refused and the attempt submitted; a rebuilt session keeps answers and counts the time away"
    )
    func deadline() throws {
        let start = Date(timeIntervalSince1970: 1_000)
        let deadline = start.addingTimeInterval(600)
        var session = ExamSession(paper: try paper(), deadline: deadline)
        _ = session.answer(.choices([1]), now: start.addingTimeInterval(10))
        _ = session.next(now: start.addingTimeInterval(20))
        _ = session.answer(.choices([0]), now: start.addingTimeInterval(30))
        // The process dies here; the stored answers, flags and position rebuild the session.
        var resumed = ExamSession(
            paper: session.paper, deadline: deadline, responses: session.responses, flagged: session.flagged,
            position: session.position)
        #expect(resumed.responses == session.responses && resumed.position == 1)
        #expect(resumed.remaining(at: start.addingTimeInterval(500)) == 100, "time kept running while away")
        #expect(resumed.tick(now: start.addingTimeInterval(599)).isEmpty)
        #expect(
            resumed.answer(.choices([2]), now: deadline) == [
                .refuse("time is up: the answer was not accepted"), .submit(.deadline),
            ])
        #expect(resumed.submitted == .deadline)
        #expect(resumed.responses[1] == .choices([0]), "the late answer was not taken")
    }
}

@Suite("item statistics (Moodle's formulas, checked by hand)")
struct StatisticsTests {
    func attempt(_ marks: [Double]) -> ItemAnalysis.Attempt {
        ItemAnalysis.Attempt(
            items: marks.enumerated().map {
                (key: "b/i\($0.offset + 1)", slot: $0.offset + 1, mark: $0.element, maximum: 1)
            })
    }

    @Test("facility, SD, discrimination, efficiency, test statistics")
    func fourAttempts() throws {
        let report = ItemAnalysis.analyse([
            attempt([1, 1, 1]), attempt([1, 1, 0]), attempt([1, 0, 0]), attempt([0, 0, 1]),
        ])
        #expect(report.attempts == 4)
        #expect(close(report.mean, 58.333) && close(report.median, 50))
        let i1 = report.items[0]
        let i2 = report.items[1]
        let i3 = report.items[2]
        #expect(close(i1.facility, 75) && close(i1.standardDeviation, 50))
        #expect(close(i1.discrimination, 0))
        #expect(close(i2.facility, 50) && close(i2.standardDeviation, 57.735))
        #expect(close(i2.discrimination, 57.735) && close(i2.efficiency, 100))
        #expect(close(i3.discrimination, -30.151) && close(i3.efficiency, -33.333))
        #expect(i3.flags.contains(.negativeDiscrimination) && !i2.flags.contains(.negativeDiscrimination))
        // Σ slot variances = V(T) = 11/12: CIC 0, error ratio 100, SE = SD.
        #expect(close(report.internalConsistency, 0) && close(report.errorRatio, 100))
        #expect(close(report.standardDeviation, 31.914) && close(report.standardError, 31.914))
    }

    @Test("Cronbach's alpha on a consistent test; extreme facility flagged")
    func alpha() throws {
        let report = ItemAnalysis.analyse([attempt([1, 1]), attempt([1, 0]), attempt([0, 0])])
        #expect(close(report.internalConsistency, 66.667))
        #expect(close(report.errorRatio, 57.735))
        #expect(close(report.standardDeviation, 50) && close(report.standardError, 28.868))
        let easy = ItemAnalysis.analyse([attempt([1, 1]), attempt([1, 0]), attempt([1, 1])])
        #expect(easy.items[0].flags.contains(.tooEasy))
        let hard = ItemAnalysis.analyse([attempt([0, 1]), attempt([0, 0]), attempt([0, 1])])
        #expect(hard.items[0].flags.contains(.tooHard))
    }
}
