import Foundation
import GRDB
import KefuCore
import KefuStorage

/// PeopleStore on SQLite.
struct SQLitePeopleStore: PeopleStore {
    let database: KefuDatabase

    func person(_ id: PersonID) async throws -> Person? {
        try await database.reading { db in try database.person(id.rawValue, db) }
    }

    func people() async throws -> [Person] {
        try await database.reading { db in
            try Row.fetchAll(db, sql: "SELECT * FROM person ORDER BY id").map(KefuDatabase.person)
        }
    }

    func add(_ person: Person) async throws {
        try await database.writing { db in
            if try KefuDatabase.exists(person.id, db) {
                throw StorageError(.conflict, "a person with id `\(person.id)` already exists")
            }
            try KefuDatabase.insert(person, db)
        }
    }

    func add(_ people: [Person]) async throws {
        try await database.writing { db in
            for person in people {
                if try KefuDatabase.exists(person.id, db) {
                    throw StorageError(
                        .conflict, "a person with id `\(person.id)` already exists; nothing was imported")
                }
                try KefuDatabase.insert(person, db)
            }
        }
    }

    func setActive(_ active: Bool, person: PersonID) async throws {
        try await database.writing { db in
            try db.execute(
                sql: "UPDATE person SET status = ? WHERE id = ?",
                arguments: [active ? "active" : "left", person.rawValue])
            guard db.changesCount > 0 else { throw StorageError(.notFound, "no person with id `\(person)`") }
        }
    }

    func setLevel(_ level: Level, person: PersonID) async throws {
        try await database.writing { db in
            try database.setLevel(level, for: person.rawValue, db)
            guard db.changesCount > 0 else { throw StorageError(.notFound, "no person with id `\(person)`") }
        }
    }

    func addAttempt(_ attempt: Attempt) async throws -> AttemptID {
        AttemptID(try await database.writing { db in try KefuDatabase.insertAttempt(attempt, db) })
    }

    func addSignOff(_ signOff: SignOff) async throws -> Int64 {
        try await database.writing { db in try KefuDatabase.insertSignOff(signOff, db) }
    }

    func evidence(of person: PersonID) async throws -> PersonEvidence {
        try await database.reading { db in
            PersonEvidence(
                attempts: try database.attempts(of: person.rawValue, db),
                signOffs: try database.signOffs(of: person.rawValue, db))
        }
    }
}

extension KefuDatabase {
    /// Runs `body` in one asynchronous write transaction, translating database errors into ``StorageError``.
    func writing<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if isReadOnly { throw StorageError(.readOnly, "\(path) is open read-only; nothing can be recorded") }
        do {
            return try await writeRetryingOnce { try await pool.write(body) }
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw Self.storageError(error)
        }
    }

    /// Runs `body` on the caller's thread, for the short indexed reads every web request makes (the credential, the
    /// attempt): a WAL read never waits for writers, and running it here saves two thread hops per read, which
    /// dominate such reads' cost. Without a wrapping transaction (each statement reads its own snapshot), so only for
    /// reads whose statements need not agree with each other. Everything else reads asynchronously (``reading(_:)``).
    func readingNow<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.unsafeRead(body)
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw Self.storageError(error)
        }
    }

    /// Runs `body` in one asynchronous read transaction, translating database errors into ``StorageError``.
    func reading<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw Self.storageError(error)
        }
    }

    /// A database error as a storage error: constraint failures are conflicts, the rest unavailability.
    static func storageError(_ error: DatabaseError) -> StorageError {
        let text = error.message ?? "SQLite error \(error.resultCode.rawValue)"
        if error.resultCode == .SQLITE_CONSTRAINT {
            return StorageError(.conflict, "the database refused the change: \(text)")
        }
        return StorageError(.unavailable, "the database cannot be used: \(text)")
    }
}
