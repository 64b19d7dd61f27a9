public import Foundation

/// One attempt being taken: navigation, flags, answers and the deadline, as a pure state machine.
///
/// The driver (terminal, answers file, web) calls the mutating methods with the current time and performs the
/// returned actions: `save` must be persisted before the next input is taken (that is what makes a killed
/// process lose nothing), `submit` ends the attempt. The deadline is absolute, so a session rebuilt from storage
/// after a crash (``init(paper:deadline:responses:flagged:position:)``) keeps counting the time spent away; the
/// first call at or after the deadline submits the attempt instead of accepting input.
public struct ExamSession: Sendable {
    /// Why an attempt ended.
    public enum SubmitReason: String, Sendable, Hashable, Codable {
        /// The candidate submitted.
        case candidate
        /// Time ran out.
        case deadline
    }

    /// What the driver must do.
    public enum Action: Sendable, Hashable {
        /// Persist the answer and flag of this position.
        case save(position: Int)
        /// Show this position.
        case show(position: Int)
        /// The input was not accepted, and why (the candidate is told).
        case refuse(String)
        /// Grade and store the attempt as submitted.
        case submit(SubmitReason)
    }

    /// The questions.
    public let paper: Paper
    /// When time runs out (nil: no limit).
    public let deadline: Date?
    /// Answers by position (nil: not answered).
    public private(set) var responses: [Response?]
    /// Flagged positions.
    public private(set) var flagged: Set<Int>
    /// The position shown.
    public private(set) var position: Int
    /// Set once submitted.
    public private(set) var submitted: SubmitReason?

    /// Creates a session (new, or rebuilt from storage).
    public init(paper: Paper, deadline: Date?, responses: [Response?]? = nil, flagged: Set<Int> = [], position: Int = 0)
    {
        self.paper = paper
        self.deadline = deadline
        self.responses = responses ?? Array(repeating: nil, count: paper.items.count)
        if self.responses.count < paper.items.count {
            self.responses += Array(repeating: nil, count: paper.items.count - self.responses.count)
        }
        self.flagged = flagged
        self.position = min(max(0, position), max(0, paper.items.count - 1))
    }

    /// Seconds left at `now` (nil: no limit; never negative).
    public func remaining(at now: Date) -> TimeInterval? {
        deadline.map { max(0, $0.timeIntervalSince(now)) }
    }

    /// Submits when the deadline has passed. Call before acting on any input.
    public mutating func tick(now: Date) -> [Action] {
        guard submitted == nil, let deadline, now >= deadline else { return [] }
        submitted = .deadline
        return [.submit(.deadline)]
    }

    /// Answers the question at `position` (the current one by default); nil clears the answer.
    public mutating func answer(_ response: Response?, at position: Int? = nil, now: Date) -> [Action] {
        if submitted != nil { return [.refuse("the attempt is already submitted")] }
        let late = tick(now: now)
        if !late.isEmpty { return [.refuse("time is up: the answer was not accepted")] + late }
        let target = position ?? self.position
        guard paper.items.indices.contains(target) else { return [.refuse("there is no question \(target + 1)")] }
        let question = paper.items[target].question
        if let response {
            if let problem = Self.problem(response, question) { return [.refuse(problem)] }
        }
        responses[target] = response
        return [.save(position: target)]
    }

    /// Why `response` cannot answer `question`, or nil.
    public static func problem(_ response: Response, _ question: Question) -> String? {
        guard question.type != .description else { return "this is a description: there is nothing to answer" }
        guard response.fits(question.type) else {
            return "this \(question.type.rawValue) question takes a different kind of answer"
        }
        switch response {
        case .choices(let chosen):
            if chosen.contains(where: { !question.answers.indices.contains($0) }) { return "there is no such choice" }
            if question.type == .single, chosen.count > 1 { return "choose one answer" }
        case .matches(let chosen):
            if chosen.count != question.matchingItems.count {
                return "give one answer per item (\(question.matchingItems.count))"
            }
            let choices = Set(question.matchingChoices)
            if chosen.contains(where: { $0.map { !choices.contains($0) } ?? false }) {
                return "that answer is not one of the choices"
            }
        case .number(let value):
            if !value.isFinite { return "not a number" }
        default: break
        }
        return nil
    }

    /// Moves to `position`.
    public mutating func go(to position: Int, now: Date) -> [Action] {
        if submitted != nil { return [.refuse("the attempt is already submitted")] }
        let late = tick(now: now)
        if !late.isEmpty { return late }
        guard paper.items.indices.contains(position) else { return [.refuse("there is no question \(position + 1)")] }
        self.position = position
        return [.show(position: position)]
    }

    /// Moves to the next question.
    public mutating func next(now: Date) -> [Action] {
        position + 1 < paper.items.count ? go(to: position + 1, now: now) : [.refuse("this is the last question")]
    }

    /// Moves to the previous question.
    public mutating func previous(now: Date) -> [Action] {
        position > 0 ? go(to: position - 1, now: now) : [.refuse("this is the first question")]
    }

    /// Flags or unflags the current question for review.
    public mutating func toggleFlag(now: Date) -> [Action] {
        if submitted != nil { return [.refuse("the attempt is already submitted")] }
        let late = tick(now: now)
        if !late.isEmpty { return late }
        if flagged.contains(position) { flagged.remove(position) } else { flagged.insert(position) }
        return [.save(position: position)]
    }

    /// Submits the attempt (at the deadline or after it, the submission counts as a deadline one).
    public mutating func submit(now: Date) -> [Action] {
        if submitted != nil { return [.refuse("the attempt is already submitted")] }
        let late = tick(now: now)
        if !late.isEmpty { return late }
        submitted = .candidate
        return [.submit(.candidate)]
    }

    /// Positions without an answer.
    public var unanswered: [Int] {
        paper.items.indices.filter { responses[$0] == nil && paper.items[$0].question.type != .description }
    }
}

/// A graded attempt.
public struct Marking: Sendable, Hashable, Codable {
    /// One question's result.
    public struct Item: Sendable, Hashable, Codable {
        /// Position in the paper.
        public var position: Int
        /// Slot in the blueprint.
        public var slot: Int
        /// `bank/id`.
        public var key: String
        /// Marks available.
        public var mark: Double
        /// The grade.
        public var grade: Grade
        /// Marks awarded (nil while a person has to grade).
        public var awarded: Double?
    }

    /// Per question.
    public var items: [Item]
    /// Marks awarded so far.
    public var total: Double
    /// Marks available.
    public var maximum: Double
    /// Questions waiting for a person.
    public var pending: Int

    /// Percent of the maximum (0 when nothing is graded).
    public var percent: Double { maximum > 0 ? total / maximum * 100 : 0 }

    /// Grades `responses` to `paper`. `manual` holds marks a grader gave (position → fraction 0…1); they replace
    /// the automatic grade of those positions.
    public static func grade(
        _ paper: Paper, responses: [Response?], grader: Grader, manual: [Int: Double] = [:]
    ) -> Marking {
        var items: [Item] = []
        var total = 0.0
        var pending = 0
        for (position, item) in paper.items.enumerated() {
            let response = position < responses.count ? responses[position] : nil
            var grade = grader.grade(item.question, response)
            if let fraction = manual[position] {
                grade = Grade.from(fraction: fraction, feedback: grade.feedback)
            }
            let awarded = grade.fraction.map { $0 * item.mark }
            if grade.state == .needsGrading { pending += 1 }
            total += awarded ?? 0
            items.append(
                Item(
                    position: position, slot: item.slot, key: item.key,
                    mark: item.question.type == .description ? 0 : item.mark,
                    grade: grade, awarded: awarded))
        }
        return Marking(items: items, total: total, maximum: paper.maximum, pending: pending)
    }
}
