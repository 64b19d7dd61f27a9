import Foundation
import KefuCore
public import KefuStorage

extension StorageConformance {
    /// The people store: add one and many (all or nothing), read back, leave and level changes,
    /// evidence that needs real people.
    public static func people(_ make: StorageFactory) async throws {
        let storage = try await make()
        let people = storage.people
        try await awaitCheck(try await people.person("E1") == nil, "an unknown id reads nil")
        try await awaitCheck(try await people.people().isEmpty, "fresh storage has nobody")

        let ana = Person(
            id: "E1", name: "王小明", team: "A", site: "上海", level: .specialist, hireDate: "2026-09-01",
            languages: ["zh", "en"], channels: [.phone, .wechat], managerID: "L1")
        try await people.add(ana)
        try await awaitCheck(try await people.person("E1") == ana, "a stored person reads back field for field")
        try await expect(.conflict, "adding an existing id") {
            try await people.add(Person(id: "E1", name: "x", hireDate: "2026-01-01"))
        }

        let batch = [
            Person(id: "E3", name: "C", hireDate: "2026-01-03"),
            Person(id: "E2", name: "B", level: .expert, hireDate: "2026-01-02"),
        ]
        try await expect(.conflict, "a batch holding an existing id") {
            try await people.add(batch + [Person(id: "E1", name: "dup", hireDate: "2026-01-01")])
        }
        try await awaitCheck(try await people.people().map(\.id) == ["E1"], "a refused batch adds nobody")
        try await people.add(batch)
        try await awaitCheck(try await people.people().map(\.id) == ["E1", "E2", "E3"], "people list by id")

        try await people.setActive(false, person: "E2")
        try await awaitCheck(try await people.person("E2")?.isActive == false, "a person who left reads as left")
        try await people.setLevel(.teamLead, person: "E3")
        try await awaitCheck(try await people.person("E3")?.level == .teamLead, "a level change reads back")
        try await expect(.notFound, "leave for an unknown id") { try await people.setActive(false, person: "ghost") }
        try await expect(.notFound, "a level for an unknown id") { try await people.setLevel(.expert, person: "ghost") }

        let first = try await people.addAttempt(
            Attempt(
                personID: "E1", kind: "exam", reference: "onboarding-theory", contentVersion: "v1", score: 86.5,
                passed: true, completedAt: "2026-11-20T10:00:00.000Z"))
        let second = try await people.addAttempt(
            Attempt(
                personID: "E1", kind: "scenario", reference: "p2p", contentVersion: "v2", mode: "practice", score: 40,
                passed: false, completedAt: "2026-11-21T10:00:00.000Z"))
        try check(second.rawValue > first.rawValue, "attempt numbers increase")
        try await expect(.notFound, "an attempt for an unknown person") {
            _ = try await people.addAttempt(
                Attempt(
                    personID: "ghost", kind: "exam", reference: "x", contentVersion: "v", score: 1, passed: false,
                    completedAt: "t"))
        }
        let signOff = try await people.addSignOff(
            SignOff(
                personID: "E1", mentorID: "E2", certification: "onboarding", signedAt: "2026-11-21T11:00:00.000Z",
                note: "好"
            ))
        try await expect(.notFound, "a sign-off by an unknown mentor") {
            _ = try await people.addSignOff(
                SignOff(personID: "E1", mentorID: "ghost", certification: "onboarding", signedAt: "t"))
        }
        let evidence = try await people.evidence(of: "E1")
        try check(evidence.attempts.map(\.id) == [first.rawValue, second.rawValue], "attempts read back oldest first")
        try check(
            evidence.attempts[0].score == 86.5 && evidence.attempts[1].mode == "practice"
                && !evidence.attempts[1].passed, "attempt fields read back")
        try check(
            evidence.signOffs.map(\.id) == [signOff] && evidence.signOffs[0].note == "好"
                && evidence.signOffs[0].mentorID == "E2", "sign-offs read back")
        try await awaitCheck(try await people.evidence(of: "E2") == PersonEvidence(), "another person has no evidence")
    }

    /// Runs `body` and checks it fails with a storage error of `code`.
    static func expect(
        _ code: StorageError.Code, _ what: String, file: StaticString = #filePath, line: UInt = #line,
        _ body: () async throws -> Void
    ) async throws {
        do {
            try await body()
        } catch let error as StorageError {
            try check(
                error.code == code, "\(what): expected \(code), got \(error.code): \(error)", file: file, line: line)
            return
        }
        throw CheckFailure("\(what): expected a \(code) storage error, got success", file: file, line: line)
    }
}

/// ``check(_:_:file:line:)`` for a condition that awaits.
private func awaitCheck(
    _ condition: @autoclosure () async throws -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #filePath, line: UInt = #line
) async throws {
    if try await !condition() { throw CheckFailure(message(), file: file, line: line) }
}
