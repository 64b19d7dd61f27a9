import Foundation
import KefuCore
import Testing

@testable import KefuExams

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
/// Moodle's own GIFT test files (GPL test data, read in place and never copied into the repository).
let moodleGIFT = packageRoot.appendingPathComponent("../shared/external/moodle-gift").standardizedFileURL
let hasMoodleGIFT = FileManager.default.fileExists(atPath: moodleGIFT.appendingPathComponent("examples.txt").path)

func parseOK(
    _ text: String, file: String = "t.gift", sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> [Question] {
    let parsed = GIFT.parse(text, file: file)
    #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics.map(\.description))", sourceLocation: sourceLocation)
    return parsed.questions
}

func errors(_ text: String) -> [Diagnostic] {
    GIFT.parse(text, file: "bad.gift").diagnostics.filter { $0.severity == .error }
}

/// Our own fixture: one question per GIFT construct.
let everyConstruct = ##"""
    // A comment that is not attached to anything

    $CATEGORY: onboarding/response-standards

    // [id:rings] [tag:phone] [tag:basics] [source:CH-PHONE] [difficulty:easy]
    ::Three rings::[html]Phone calls are answered within how many rings?{
        ~one#Too strict.
        =three#Right: three rings.
        ~five#Too slow.
        ####The express policy sets three rings.
    }

    // [id:kpi-multi] [source:KPI-WX]
    ::WeChat targets::Which are WeChat review targets? {
        ~%50%satisfaction ≥ 90%#yes
        ~%50%resolution ≥ 90%#yes
        ~%-100%reply within 5 minutes#no: one minute
    }

    // [id:tf] [source:CH-WECHAT-60S]
    WeChat enquiries get a reply within one minute.{TRUE#Wrong: the rule is one minute.#Right.####WX rules.}

    // [id:short-apology] [case:sensitive]
    ::Apology::The apology line starts with {=很抱歉#Yes =%50%抱歉#Shorter than the script. =%0%*#No}.

    // [id:num] [source:CALLBACK-RULES]
    Callbacks happen within how many days? {#
        =3:0#Exactly.
        =%50%3:1#Close.
        ~#Read the callback rules.
    }

    // [id:range]
    A number from 1 to 5? {#1..5}

    // [id:match]
    ::Levels::Match the severity to its handling. {
        =fatal -> notify the lead at once
        =urgent -> solve the same day
        =[plain]non-urgent -> within 3 working days
        = -> ignore it
    }

    // [id:essay]
    ::Describe::Describe first-contact responsibility.{}

    // [id:intro]
    ::Intro::The following questions are about callbacks.

    // [id:escapes]
    Which is not a GIFT control character? {
        ~ \~ #\~ is one.
        ~ \= # \= is one.
        ~ \# # \# is one.
        ~ \{ \} \: # they are.
        = \\ # Right.\nA backslash only escapes.
    }

    // [id:missing]
    Grant is {~buried =entombed ~living} in Grant's tomb.
    """##

@Suite("GIFT parser and writer")
struct GIFTTests {
    @Test("every construct parses to the documented model")
    func constructs() throws {
        let questions = parseOK(everyConstruct)
        #expect(
            questions.map(\.id) == [
                "rings", "kpi-multi", "tf", "short-apology", "num", "range", "match", "essay", "intro", "escapes",
                "missing",
            ])
        #expect(
            questions.map(\.type) == [
                .single, .multiple, .truefalse, .short, .numerical, .numerical, .matching, .essay, .description,
                .single, .single,
            ])
        let rings = questions[0]
        #expect(rings.name == "Three rings")
        #expect(rings.category == "onboarding/response-standards")
        #expect(rings.tags == ["phone", "basics"])
        #expect(rings.sources == ["CH-PHONE"])
        #expect(rings.difficulty == .easy)
        #expect(rings.textFormat == .html)
        #expect(rings.answers.map(\.fraction) == [0, 100, 0])
        #expect(rings.answers[1].feedback == "Right: three rings.")
        #expect(rings.generalFeedback == "The express policy sets three rings.")
        let multi = questions[1]
        #expect(multi.answers.map(\.fraction) == [50, 50, -100])
        #expect(multi.answers[0].text == "satisfaction ≥ 90%")
        let tf = questions[2]
        #expect(tf.correct == true)
        #expect(tf.trueFeedback == "Right.")
        #expect(tf.falseFeedback == "Wrong: the rule is one minute.")
        #expect(tf.generalFeedback == "WX rules.")
        let short = questions[3]
        #expect(short.caseSensitive)
        #expect(short.answers.map(\.text) == ["很抱歉", "抱歉", "*"])
        #expect(short.answers.map(\.fraction) == [100, 50, 0])
        #expect(short.text == "The apology line starts with _____.")
        let num = questions[4]
        #expect(num.answers.count == 3)
        #expect(num.answers[0].value == 3 && num.answers[0].tolerance == 0)
        #expect(num.answers[1].fraction == 50 && num.answers[1].tolerance == 1)
        #expect(num.answers[2].isWildcard && num.answers[2].feedback == "Read the callback rules.")
        #expect(questions[5].answers[0].min == 1 && questions[5].answers[0].max == 5)
        let match = questions[6]
        #expect(match.pairs.count == 4)
        #expect(match.matchingItems.count == 3)
        #expect(match.pairs[2].format == .plain && match.pairs[2].question == "non-urgent")
        #expect(match.matchingChoices.last == "ignore it")
        let escapes = questions[9]
        #expect(escapes.answers.map(\.text) == ["~", "=", "#", "{ } :", "\\"])
        #expect(escapes.answers[4].feedback == "Right.\nA backslash only escapes.")
        #expect(questions[10].text == "Grant is _____ in Grant's tomb.")
    }

    @Test("export then import is the identity", arguments: [everyConstruct])
    func roundTrip(_ source: String) throws {
        let questions = parseOK(source)
        let written = GIFT.write(questions)
        let again = parseOK(written, file: "written.gift")
        #expect(again == questions)
        // And writing is stable.
        #expect(GIFT.write(again) == written)
    }

    @Test("PCRE2 short-answer rules ride in kefu-rule comments and survive the round trip")
    func patternRules() throws {
        let question = Question(
            id: "defer", name: "Deferral", type: .short, text: "What do you say when you must check first?",
            answers: [
                Answer(
                    pattern: "(?:核实|确认).*(?:\\d+|[一二三两])\\s*(?:小时|天|分钟).*(?:回复|答复)", absent: ["保证"], fraction: 100,
                    feedback: "States a time."),
                Answer(text: "我核实后回复您", fraction: 50),
                Answer(pattern: "不知道", fraction: 0, feedback: "Never say you do not know."),
            ], sources: ["CONSULT-DEFER"])
        let text = GIFT.write([question])
        #expect(text.contains("// kefu-rule: "))
        let again = parseOK(text)
        #expect(again == [question])
    }

    @Test("errors name the line and column and reject the whole file")
    func errorLocations() throws {
        let unclosed = errors("::A::Question one {=yes ~no}\n\n::B::Question two {=yes ~no\n")
        #expect(unclosed.count == 1)
        #expect(unclosed[0].location.line == 3 && unclosed[0].location.column == 19)
        #expect(unclosed[0].message.contains("not closed"))
        #expect(
            GIFT.parse("::A::Question one {=yes ~no}\n\n::B::Question two {=yes ~no\n", file: "x").questions.isEmpty)

        let weight = errors("Pick.{\n  ~%33%a\n  ~%33%b\n  ~%33%c\n}")
        #expect(weight.count == 3)
        #expect(weight[0].location.line == 2 && weight[0].location.column == 4)
        #expect(weight[0].message.contains("not a grade Moodle accepts"))

        let sum = errors("Pick.{~%50%a ~%30%b ~%-50%c}")
        #expect(sum.count == 1 && sum[0].message.contains("add up to 100%"))

        let noFull = errors("Pick.{~%50%a =%50%b ~c}")
        #expect(noFull.count == 1 && noFull[0].message.contains("worth 100%"))

        let title = errors("::No end title {=x}")
        #expect(title.count == 1 && title[0].location.column == 1 && title[0].message.contains("`::`"))

        let stray = errors("A closing } alone")
        #expect(stray.count == 1 && stray[0].location.column == 11)

        let twoBlocks = errors("One {=a} and two {=b}")
        #expect(twoBlocks.count == 1 && twoBlocks[0].message.contains("one answer block"))

        let matchingFeedback = errors("M {=a -> b#fb =c -> d = -> e}")
        #expect(matchingFeedback.count == 1 && matchingFeedback[0].message.contains("no feedback"))

        let number = errors("N {#abc}")
        #expect(number.count == 1 && number[0].message.contains("not a number"))

        let duplicate = errors("// [id:x]\nA {T}\n\n// [id:x]\nB {F}")
        #expect(
            duplicate.count == 1 && duplicate[0].location.line == 4 && duplicate[0].message.contains("duplicate id"))

        let short = errors("Name a colour {=red ~%0%blue =green}")
        #expect(short.isEmpty, "a ~ makes it multiple choice, which is valid")
    }

    @Test("questions without an id get a stable one; identical questions are told apart")
    func derivedIDs() throws {
        let questions = parseOK("Who? {=no one}\n\nWho? {=no one}\n\nOther {T}")
        #expect(questions.count == 3)
        #expect(questions[0].id.hasPrefix("q-"))
        #expect(questions[1].id == questions[0].id + "-2")
        #expect(parseOK("Who? {=no one}")[0].id == questions[0].id)
    }

    @Test(
        "Moodle's GIFT examples and fixtures parse as Moodle imports them",
        .enabled(if: hasMoodleGIFT, "../shared/external/moodle-gift is absent"))
    func moodleFixtures() throws {
        func read(_ path: String) throws -> String {
            try String(contentsOf: moodleGIFT.appendingPathComponent(path), encoding: .utf8)
        }
        let examples = parseOK(try read("examples.txt"), file: "examples.txt")
        #expect(examples.count == 43)
        #expect(Set(examples.map(\.type)) == [.single, .multiple, .truefalse, .short, .numerical, .matching])
        let hometown = try #require(examples.first { $0.name == "Jesus' hometown" && $0.type == .single })
        #expect(hometown.answers.map(\.fraction) == [0, 25, 50, 100])
        let control = try #require(examples.first { $0.name == "GIFT Control Characters" })
        #expect(control.answers.map(\.text) == ["~", "=", "#", "{", "}", "\\"])
        let grant = try #require(examples.first { $0.name == "Numerical example" })
        #expect(grant.answers.map(\.fraction) == [100, 50])
        #expect(grant.answers[1].feedback?.contains("50% credit") == true)
        // Round trip over Moodle's own examples.
        #expect(parseOK(GIFT.write(examples), file: "written.gift") == examples)

        let fixtures = parseOK(try read("tests/fixtures/questions.gift.txt"), file: "questions.gift.txt")
        #expect(fixtures.count == 9)
        #expect(fixtures.filter { $0.type == .essay }.count == 1)
        let tf = try #require(fixtures.first { $0.name == "Q1" })
        #expect(
            tf.correct == false && tf.falseFeedback == "You gave the right answer."
                && tf.trueFeedback == "42 is the Ultimate Answer.")
        #expect(tf.generalFeedback == "This is, of course, a Hitchiker's Guide to the Galaxy reference.")
        let activities = try #require(fixtures.first { $0.name == "Moodle activities" })
        #expect(
            activities.textFormat == .html && activities.matchingItems.count == 4
                && activities.matchingChoices.count == 5)
        #expect(activities.pairs[1].format == .moodle)
        #expect(parseOK(GIFT.write(fixtures), file: "written.gift") == fixtures)
        let inCategory = parseOK(
            try read("tests/fixtures/questions_in_category.gift.txt"), file: "questions_in_category.gift.txt")
        #expect(inCategory.count == 4)
        #expect(inCategory.allSatisfy { $0.category == "$course$/Default for New Features" })
        #expect(inCategory[1].text.contains("href=\"http://demo.moodle.net"))
        #expect(parseOK(try read("simpletest/fixtures/questions.gift.txt"), file: "old.gift").count >= 8)

        let sums = GIFT.parse(try read("from-forks/error_invalid_fraction_sum.gift.txt"), file: "sum.gift")
        #expect(sums.questions.isEmpty)
        #expect(sums.diagnostics.filter { $0.severity == .error }.map(\.location.line) == [2, 9])
        let invalid = GIFT.parse(try read("from-forks/invalid_import.gift.txt"), file: "invalid.gift")
        #expect(invalid.diagnostics.count == 1 && invalid.diagnostics[0].location.line == 4)

        let cp1252 = try Data(
            contentsOf: moodleGIFT.appendingPathComponent("tests/fixtures/questions_encoding_windows-1252.gift.txt"))
        #expect(
            String(validating: cp1252, as: UTF8.self) == nil,
            "the windows-1252 fixture is not UTF-8: importers must refuse it")
    }
}
