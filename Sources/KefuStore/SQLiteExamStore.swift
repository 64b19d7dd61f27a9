import Foundation
import GRDB
import KefuCore
import KefuStorage

/// ExamStore on SQLite: every statement in ``ExamSQL``, each method one transaction through GRDB's async access.
struct SQLiteExamStore: ExamStore {
    let database: KefuDatabase

    func startAttempt(
        person: PersonID, blueprint: BlueprintID, make: @escaping @Sendable (ExamHistory) throws -> ExamAttemptRecord
    ) async throws -> ExamAttemptRecord {
        try await ExamSQL.write(on: database) { db in
            try ExamSQL.start(person: person, blueprint: blueprint, make: make, db)
        }
    }

    func fixSeed(_ seed: FixedSeed) async throws {
        try await ExamSQL.write(on: database) { db in
            guard try KefuDatabase.exists(seed.person.rawValue, db) else {
                throw StorageError(.notFound, "no person `\(seed.person)`")
            }
            try db.execute(
                sql: "DELETE FROM exam_fixed_seed WHERE person_id = ? AND blueprint = ? AND used_by IS NULL",
                arguments: [seed.person.rawValue, seed.blueprint.rawValue])
            try db.execute(
                sql: "INSERT INTO exam_fixed_seed (person_id, blueprint, seed, fixed_by, at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    seed.person.rawValue, seed.blueprint.rawValue, Int64(bitPattern: seed.seed), seed.fixedBy, seed.at,
                ])
        }
    }

    func history(person: PersonID, blueprint: BlueprintID) async throws -> ExamHistory {
        try await ExamSQL.read(on: database) { db in try ExamSQL.history(person: person, blueprint: blueprint, db) }
    }

    func saveResponses(_ saves: [ResponseSave]) async throws -> [StorageError?] {
        try await ExamSQL.write(on: database) { db in try ExamSQL.saveResponses(saves, db) }
    }

    func savePosition(attempt: ExamAttemptID, position: Int) async throws {
        try await ExamSQL.write(on: database) { db in try ExamSQL.savePosition(attempt: attempt, position: position, db)
        }
    }

    func recordResult(_ write: ExamResultWrite) async throws -> ExamAttemptRecord {
        try await ExamSQL.write(on: database) { db in try ExamSQL.recordResult(write, db) }
    }

    func attempt(_ id: ExamAttemptID) async throws -> ExamAttemptRecord? {
        // A short indexed read on every answer save: on the caller's thread (see KefuDatabase.readingNow).
        try database.readingNow { db in try ExamSQL.attempt(id, db) }
    }

    func attempts(
        person: PersonID?, blueprint: BlueprintID?, status: ExamAttemptStatus?
    ) async throws -> [ExamAttemptRecord] {
        try await ExamSQL.read(on: database) { db in
            try ExamSQL.attempts(person: person, blueprint: blueprint, status: status, db)
        }
    }

    func responses(attempt: ExamAttemptID) async throws -> [StoredResponse] {
        try database.readingNow { db in try ExamSQL.responses(attempt: attempt, db) }
    }

    func manualGrades(attempt: ExamAttemptID) async throws -> [ManualGrade] {
        try await ExamSQL.read(on: database) { db in try ExamSQL.manualGrades(attempt: attempt, db) }
    }

    func addManualGrade(attempt: ExamAttemptID, _ grade: ManualGrade) async throws -> [ManualGrade] {
        try await ExamSQL.write(on: database) { db in
            try ExamSQL.addManualGrade(attempt: attempt, grade, db)
            return try ExamSQL.manualGrades(attempt: attempt, db)
        }
    }

    func clearRetraining(
        person: PersonID, blueprint: BlueprintID, by supervisor: PersonID, at time: String, note: String
    ) async throws -> Bool {
        try await ExamSQL.write(on: database) { db in
            try ExamSQL.clearRetraining(person: person, blueprint: blueprint, by: supervisor, at: time, note: note, db)
        }
    }

    func openRetrainingFlags() async throws -> [RetrainingFlag] {
        try await ExamSQL.read(on: database) { db in try ExamSQL.openRetrainingFlags(db) }
    }
}
