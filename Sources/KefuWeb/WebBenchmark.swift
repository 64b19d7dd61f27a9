import Foundation
import KefuCore
import KefuExams
public import KefuServices

/// Sets up `kefu bench web`: candidates with API tokens and exam attempts in progress, written to a file the load
/// script reads.
public enum WebBenchmark {
    /// One simulated candidate as the load script sees it.
    public struct Candidate: Codable, Sendable {
        /// One question: enough to send a valid answer.
        public struct Question: Codable, Sendable {
            /// Position on the paper.
            public var position: Int
            /// Question type.
            public var type: String
            /// Choice values (single, multiple).
            public var choices: [Int]
            /// Matching: how many items.
            public var items: Int
            /// Matching: the choices' texts.
            public var matchingChoices: [String]
        }
        /// The candidate's API token.
        public var token: String
        /// Their attempt in progress.
        public var attempt: Int64
        /// Its questions.
        public var questions: [Question]
    }

    /// Adds `count` candidates (ids `W0001`…), gives each an API token and starts an attempt of `blueprint`.
    public static func prepare(
        environment: KefuEnvironment, count: Int, blueprint: String, language: String = "zh"
    ) async throws -> [Candidate] {
        let admin = Identity(person: "bench", roles: [.admin], channel: .system)
        let people = PeopleService(environment: environment)
        let accounts = AccountService(environment: environment)
        let exams = ExamService(environment: environment)
        var candidates: [Candidate] = []
        for n in 1...count {
            let id = PersonID(String(format: "W%04d", n))
            _ = try await people.add(
                PersonInput(
                    id: id, name: "Candidate \(n)", team: "bench", site: "bench", level: "specialist",
                    hireDate: "2026-11-01", languages: [language], channels: ["chat"], manager: nil),
                by: admin)
            let token = try await accounts.createToken(for: id, name: "bench web", by: admin)
            let run = try await exams.start(
                BlueprintID(blueprint), language: language,
                by: Identity(person: id, roles: [.trainee], channel: .token))
            candidates.append(
                Candidate(
                    token: token.token, attempt: run.record.id.rawValue,
                    questions: run.session.paper.items.enumerated().map { position, item in
                        let q = item.question
                        return Candidate.Question(
                            position: position, type: q.type.rawValue,
                            choices: q.type == .single || q.type == .multiple ? item.choiceOrder : [],
                            items: q.matchingItems.count, matchingChoices: q.type == .matching ? q.matchingChoices : [])
                    }))
        }
        return candidates
    }
}
