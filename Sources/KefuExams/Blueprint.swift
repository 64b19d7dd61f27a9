public import Foundation
import KefuCore

/// How the grades of several attempts make one result (Moodle's quiz grading methods).
public enum GradingMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// The best attempt counts.
    case highest
    /// The latest attempt counts.
    case last
    /// The first attempt counts.
    case first
    /// The mean of all attempts.
    case average

    /// The result of `percents` (in attempt order), or nil when there are none.
    public func combine(_ percents: [Double]) -> Double? {
        guard !percents.isEmpty else { return nil }
        switch self {
        case .highest: return percents.max()
        case .last: return percents.last
        case .first: return percents.first
        case .average: return percents.reduce(0, +) / Double(percents.count)
        }
    }
}

/// What a candidate sees once an attempt is submitted.
public struct ReviewOptions: Sendable, Hashable, Codable {
    /// The score and pass/fail.
    public var score: Bool
    /// Which answers were right or wrong.
    public var correctness: Bool
    /// Per-answer and general feedback.
    public var feedback: Bool
    /// The right answers.
    public var correctAnswers: Bool

    /// Creates review options (by default: score and correctness).
    public init(score: Bool = true, correctness: Bool = true, feedback: Bool = false, correctAnswers: Bool = false) {
        self.score = score
        self.correctness = correctness
        self.feedback = feedback
        self.correctAnswers = correctAnswers
    }
}

/// How the web app lays an exam paper out.
public enum PageLayout: String, Sendable, Hashable, Codable, CaseIterable {
    /// One question per page, with navigation between them (the default).
    case onePerPage = "one-per-page"
    /// Every question on one page.
    case allOnOnePage = "all-on-one-page"
}

/// An exam definition: which questions to draw and the rules of taking it.
public struct Blueprint: Sendable, Hashable, Codable {
    /// One part of the draw.
    public struct Section: Sendable, Hashable, Codable {
        /// Bank id (the language version is chosen when the exam is taken).
        public var bank: String
        /// Category paths; a question qualifies when its category equals one or lies under one. Empty: any.
        public var categories: [String]
        /// Tags; a question qualifies when it has any of them. Empty: any.
        public var tags: [String]
        /// Question types allowed. Empty: any except descriptions.
        public var types: [QuestionType]
        /// How many questions to draw.
        public var count: Int
        /// Marks per question.
        public var mark: Double
        /// How many of `count` must be of each difficulty (the rest: any).
        public var difficulty: [Difficulty: Int]

        /// Creates a section.
        public init(
            bank: String, categories: [String] = [], tags: [String] = [], types: [QuestionType] = [], count: Int,
            mark: Double = 1,
            difficulty: [Difficulty: Int] = [:]
        ) {
            self.bank = bank
            self.categories = categories
            self.tags = tags
            self.types = types
            self.count = count
            self.mark = mark
            self.difficulty = difficulty
        }

        /// Whether `question` may be drawn for this section.
        public func admits(_ question: Question) -> Bool {
            if question.type == .description { return false }
            if !types.isEmpty, !types.contains(question.type) { return false }
            if !categories.isEmpty,
                !categories.contains(where: { question.category == $0 || question.category.hasPrefix($0 + "/") })
            {
                return false
            }
            if !tags.isEmpty, !tags.contains(where: question.tags.contains) { return false }
            return true
        }
    }

    /// Blueprint id (certification rules name it).
    public var id: String
    /// Title.
    public var title: String
    /// Policy clauses the exam assesses.
    public var sources: [String]
    /// Languages it can be taken in.
    public var languages: [String]
    /// The draw.
    public var sections: [Section]
    /// Shuffle the order of questions.
    public var shuffleQuestions: Bool
    /// Shuffle choices (and matching answers) within questions.
    public var shuffleChoices: Bool
    /// Time allowed in seconds; nil: no limit.
    public var timeLimit: Int?
    /// Pass mark in percent.
    public var passMark: Double
    /// Attempts allowed (counted since the last retraining clearance); nil: unlimited.
    public var attemptsAllowed: Int?
    /// Seconds to wait after an attempt before the next.
    public var delayBetweenAttempts: Int
    /// How attempts combine into the result.
    public var gradingMethod: GradingMethod
    /// What the candidate sees afterwards.
    public var review: ReviewOptions
    /// Retake rule: after this many failed attempts in a row the person is flagged for retraining and cannot
    /// retake until a supervisor clears it. nil: no flag.
    public var retrainAfterFailures: Int?
    /// Prefer questions the person has not seen in earlier attempts.
    public var avoidSeen: Bool
    /// How the web app lays the paper out (nil: one question per page).
    public var layout: PageLayout?
    /// The layout to use.
    public var pageLayout: PageLayout { layout ?? .onePerPage }

    /// Creates a blueprint.
    public init(
        id: String, title: String = "", sources: [String] = [], languages: [String] = ["zh", "en"], sections: [Section],
        shuffleQuestions: Bool = true, shuffleChoices: Bool = true, timeLimit: Int? = nil, passMark: Double = 80,
        attemptsAllowed: Int? = nil, delayBetweenAttempts: Int = 0, gradingMethod: GradingMethod = .highest,
        review: ReviewOptions = ReviewOptions(), retrainAfterFailures: Int? = nil, avoidSeen: Bool = true
    ) {
        self.id = id
        self.title = title
        self.sources = sources
        self.languages = languages
        self.sections = sections
        self.shuffleQuestions = shuffleQuestions
        self.shuffleChoices = shuffleChoices
        self.timeLimit = timeLimit
        self.passMark = passMark
        self.attemptsAllowed = attemptsAllowed
        self.delayBetweenAttempts = delayBetweenAttempts
        self.gradingMethod = gradingMethod
        self.review = review
        self.retrainAfterFailures = retrainAfterFailures
        self.avoidSeen = avoidSeen
    }

    /// Total questions drawn.
    public var questionCount: Int { sections.map(\.count).reduce(0, +) }
}

/// One drawn question of an attempt: a snapshot of the question (later bank edits do not change a taken exam),
/// its slot in the blueprint and the order its choices are shown in.
public struct PaperItem: Sendable, Hashable, Codable {
    /// 1-based position in the blueprint's draw (before shuffling): statistics per slot use it.
    public var slot: Int
    /// Blueprint section index.
    public var section: Int
    /// Bank the question came from.
    public var bank: String
    /// The question as drawn.
    public var question: Question
    /// Marks it is worth.
    public var mark: Double
    /// Display order: indices into the answers (choices) or into `matchingChoices` (matching).
    public var choiceOrder: [Int]

    /// Creates an item.
    public init(slot: Int, section: Int, bank: String, question: Question, mark: Double, choiceOrder: [Int]) {
        self.slot = slot
        self.section = section
        self.bank = bank
        self.question = question
        self.mark = mark
        self.choiceOrder = choiceOrder
    }

    /// `bank/id`: the key of the question across attempts.
    public var key: String { "\(bank)/\(question.id)" }
}

/// The questions of one attempt, in the order the candidate sees them.
public struct Paper: Sendable, Hashable, Codable {
    /// Blueprint id.
    public var blueprint: String
    /// Language of the banks drawn from.
    public var language: String
    /// The seed of the draw.
    public var seed: UInt64
    /// The questions.
    public var items: [PaperItem]

    /// Creates a paper.
    public init(blueprint: String, language: String, seed: UInt64, items: [PaperItem]) {
        self.blueprint = blueprint
        self.language = language
        self.seed = seed
        self.items = items
    }

    /// Sum of the marks of graded questions.
    public var maximum: Double { items.filter { $0.question.type != .description }.map(\.mark).reduce(0, +) }
}

/// Draws papers: seeded, reproducible, avoiding questions already seen where the bank allows.
public enum Draw {
    /// Draws a paper for `blueprint` from `banks` (by bank id, in one language). `seen` holds `bank/id` keys the
    /// person met in earlier attempts: they are drawn only when there are not enough others.
    public static func paper(
        _ blueprint: Blueprint, language: String, banks: [String: Bank], seed: UInt64, seen: Set<String> = []
    ) throws(ExamError) -> Paper {
        var items: [PaperItem] = []
        var taken = Set<String>()
        for (index, section) in blueprint.sections.enumerated() {
            guard let bank = banks[section.bank] else {
                throw ExamError(
                    "blueprint `\(blueprint.id)` draws from bank `\(section.bank)`, which has no `\(language)` version; add QuestionBanks/\(section.bank).\(language).yaml or take the exam in another language"
                )
            }
            var generator = SplitMix64(seed: seed ^ fnv1a64("section/\(index)"))
            var pool = bank.questions.filter { section.admits($0) && !taken.contains("\(bank.id)/\($0.id)") }.sorted {
                $0.id < $1.id
            }
            pool.shuffle(using: &generator)
            if blueprint.avoidSeen {
                // Stable partition: unseen first, each group in shuffled order.
                pool =
                    pool.filter { !seen.contains("\(bank.id)/\($0.id)") }
                    + pool.filter { seen.contains("\(bank.id)/\($0.id)") }
            }
            var chosen: [Question] = []
            for difficulty in Difficulty.allCases {
                let wanted = section.difficulty[difficulty] ?? 0
                guard wanted > 0 else { continue }
                let matching = pool.filter { $0.difficulty == difficulty }
                guard matching.count >= wanted else {
                    throw ExamError(
                        "blueprint `\(blueprint.id)`, section \(index + 1): needs \(wanted) \(difficulty.rawValue) questions from bank `\(bank.id)` (\(language)) but only \(matching.count) qualify; add questions or lower the count"
                    )
                }
                chosen += matching.prefix(wanted)
            }
            let chosenIDs = Set(chosen.map(\.id))
            let rest = section.count - chosen.count
            let others = pool.filter { !chosenIDs.contains($0.id) }
            guard rest >= 0, others.count >= rest else {
                throw ExamError(
                    "blueprint `\(blueprint.id)`, section \(index + 1): needs \(section.count) questions from bank `\(bank.id)` (\(language)) but only \(pool.count) qualify; add questions or lower the count"
                )
            }
            chosen += others.prefix(rest)
            // Keep the draw order of the pool (unseen first) for slots.
            let order = Dictionary(uniqueKeysWithValues: pool.enumerated().map { ($0.element.id, $0.offset) })
            chosen.sort { order[$0.id]! < order[$1.id]! }
            for question in chosen {
                taken.insert("\(bank.id)/\(question.id)")
                var choiceOrder: [Int] = []
                switch question.type {
                case .single, .multiple: choiceOrder = Array(question.answers.indices)
                case .matching: choiceOrder = Array(question.matchingChoices.indices)
                default: break
                }
                if blueprint.shuffleChoices, choiceOrder.count > 1 {
                    var choiceGenerator = SplitMix64(seed: seed ^ fnv1a64("choices/\(bank.id)/\(question.id)"))
                    choiceOrder.shuffle(using: &choiceGenerator)
                }
                items.append(
                    PaperItem(
                        slot: items.count + 1, section: index, bank: bank.id, question: question, mark: section.mark,
                        choiceOrder: choiceOrder))
            }
        }
        if blueprint.shuffleQuestions {
            var generator = SplitMix64(seed: seed ^ fnv1a64("order"))
            items.shuffle(using: &generator)
        }
        return Paper(blueprint: blueprint.id, language: language, seed: seed, items: items)
    }
}

/// A finished or running attempt, as the retake rules see it.
public struct AttemptHistory: Sendable, Hashable {
    /// Attempt number (1-based).
    public var number: Int
    /// When it was submitted; nil while in progress.
    public var submittedAt: Date?
    /// Percent, once graded.
    public var percent: Double?
    /// Pass or fail, once graded (nil while essays wait for a grader).
    public var passed: Bool?

    /// Creates an entry.
    public init(number: Int, submittedAt: Date?, percent: Double?, passed: Bool?) {
        self.number = number
        self.submittedAt = submittedAt
        self.percent = percent
        self.passed = passed
    }
}

/// Whether a person may start an attempt now.
public enum Eligibility: Sendable, Hashable {
    /// Yes: this will be attempt `number`.
    case allowed(number: Int)
    /// No, and why; `until` when waiting is enough.
    case refused(String, until: Date?)
}

/// The retake rules of a blueprint (pure).
public enum RetakePolicy {
    /// May the person start an attempt at `now`? `history` lists the attempts since the last retraining clearance,
    /// oldest first; `allAttempts` counts every attempt ever (for numbering); `flagged` is an open retraining flag.
    public static func eligibility(
        _ blueprint: Blueprint, history: [AttemptHistory], allAttempts: Int, flagged: Bool, now: Date
    ) -> Eligibility {
        if flagged {
            return .refused(
                "flagged for retraining after \(blueprint.retrainAfterFailures ?? 0) failed attempts of `\(blueprint.id)`: retrain, then a supervisor clears the flag",
                until: nil)
        }
        if history.contains(where: { $0.submittedAt == nil }) {
            return .refused(
                "an attempt of `\(blueprint.id)` is in progress: continue it with `kefu exam resume`", until: nil)
        }
        if let allowed = blueprint.attemptsAllowed, history.count >= allowed {
            return .refused("all \(allowed) attempts of `\(blueprint.id)` are used", until: nil)
        }
        if blueprint.delayBetweenAttempts > 0, let last = history.compactMap(\.submittedAt).max() {
            let next = last.addingTimeInterval(TimeInterval(blueprint.delayBetweenAttempts))
            if now < next {
                return .refused(
                    "the next attempt of `\(blueprint.id)` opens after the delay between attempts", until: next)
            }
        }
        return .allowed(number: allAttempts + 1)
    }

    /// True when the failures at the end of `history` reach the blueprint's retraining threshold.
    public static func needsRetraining(_ blueprint: Blueprint, history: [AttemptHistory]) -> Bool {
        guard let threshold = blueprint.retrainAfterFailures, threshold > 0 else { return false }
        var failures = 0
        for attempt in history.reversed() {
            guard attempt.passed == false else { break }
            failures += 1
        }
        return failures >= threshold
    }
}
