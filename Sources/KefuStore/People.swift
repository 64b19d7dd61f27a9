import Foundation
public import GRDB
public import KefuCore
import KefuStorage

extension KefuDatabase {
    /// A person from a `person` row.
    public static func person(_ row: Row) -> Person {
        Person(
            id: row["id"], name: row["name"], team: row["team"], site: row["site"],
            level: Level(rawValue: row["level"]) ?? .specialist, hireDate: row["hire_date"],
            languages: (row["languages"] as String).split(separator: ",").map(String.init),
            channels: (row["channels"] as String).split(separator: ",").compactMap { Channel(rawValue: String($0)) },
            isActive: (row["status"] as String) == "active", managerID: row["manager_id"])
    }

    static func insert(_ person: Person, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO person (id, name, team, site, level, hire_date, languages, channels, status, manager_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                person.id, person.name, person.team, person.site, person.level.rawValue, person.hireDate,
                person.languages.joined(separator: ","), person.channels.map(\.rawValue).joined(separator: ","),
                person.isActive ? "active" : "left", person.managerID,
            ])
    }

    /// Adds one person (one transaction). Fails when the id exists.
    public func addPerson(_ person: Person) throws {
        try write { db in
            if try Self.exists(person.id, db) {
                throw StorageError(.conflict, "a person with id `\(person.id)` already exists")
            }
            try Self.insert(person, db)
        }
    }

    /// Adds many people in one transaction: all or none.
    public func addPeople(_ people: [Person]) throws {
        try write { db in
            for person in people {
                if try Self.exists(person.id, db) {
                    throw StorageError(
                        .conflict, "a person with id `\(person.id)` already exists; nothing was imported")
                }
                try Self.insert(person, db)
            }
        }
    }

    static func exists(_ id: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM person WHERE id = ?)", arguments: [id]) ?? false
    }

    /// Everyone, by id.
    public func people() throws -> [Person] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM person ORDER BY id").map(Self.person) }
    }

    /// One person, or nil.
    public func person(_ id: String) throws -> Person? {
        try pool.read { db in try person(id, db) }
    }

    /// One person, or nil, inside a transaction.
    public func person(_ id: String, _ db: Database) throws -> Person? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM person WHERE id = ?"), arguments: [id]).map(Self.person)
    }

    /// Updates a person's level.
    public func setLevel(_ level: Level, for id: String, _ db: Database) throws {
        try db.execute(sql: "UPDATE person SET level = ? WHERE id = ?", arguments: [level.rawValue, id])
    }

    /// Runs `body` in one write transaction, translating database errors into ``StorageError``.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writeRetryingOnce { try pool.write(body) }
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw StorageError(
                .conflict,
                "the database refused the change: \(error.message ?? "SQLite error \(error.resultCode.rawValue)")")
        }
    }

    /// Runs `body` in one write transaction for a bulk load: the WAL is not checkpointed while the
    /// transaction commits; call ``checkpoint()`` afterwards (it copies the WAL into the database file).
    public func bulkWrite<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        defer { try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") } }
        return try write(body)
    }

    /// Copies the write-ahead log into the database file and truncates it.
    public func checkpoint() throws {
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// Runs `body` in a read transaction.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }
}

extension KefuDatabase {
    /// Records an attempt; returns its id.
    @discardableResult
    public func addAttempt(_ attempt: Attempt) throws -> Int64 {
        try write { db in try Self.insertAttempt(attempt, db) }
    }

    /// Records an attempt inside the caller's transaction; returns its id. Fails when the person does not exist.
    static func insertAttempt(_ attempt: Attempt, _ db: Database) throws -> Int64 {
        guard try exists(attempt.personID, db) else {
            throw StorageError(.notFound, "no person with id `\(attempt.personID)`")
        }
        try db.execute(
            sql: """
                INSERT INTO attempt (person_id, kind, reference, content_version, mode, score, passed, completed_at,
                                     manual_reason, entered_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                attempt.personID, attempt.kind, attempt.reference, attempt.contentVersion, attempt.mode, attempt.score,
                attempt.passed, attempt.completedAt, attempt.manual?.reason, attempt.manual?.enteredBy,
            ])
        return db.lastInsertedRowID
    }

    /// Records a mentor sign-off; returns its id.
    @discardableResult
    public func addSignOff(_ signOff: SignOff) throws -> Int64 {
        try write { db in try Self.insertSignOff(signOff, db) }
    }

    /// Records a mentor sign-off inside the caller's transaction; returns its id. Fails when either person does not exist.
    static func insertSignOff(_ signOff: SignOff, _ db: Database) throws -> Int64 {
        for id in [signOff.personID, signOff.mentorID] where try !exists(id, db) {
            throw StorageError(.notFound, "no person with id `\(id)`")
        }
        try db.execute(
            sql: """
                INSERT INTO signoff (person_id, mentor_id, certification, signed_at, note, manual_reason, entered_by)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                signOff.personID, signOff.mentorID, signOff.certification, signOff.signedAt, signOff.note,
                signOff.manual?.reason, signOff.manual?.enteredBy,
            ])
        return db.lastInsertedRowID
    }

    /// A person's attempts, oldest first.
    public func attempts(of person: String, _ db: Database) throws -> [Attempt] {
        try Row.fetchAll(db, sql: "SELECT * FROM attempt WHERE person_id = ? ORDER BY id", arguments: [person]).map {
            row in
            Attempt(
                id: row["id"], personID: row["person_id"], kind: row["kind"], reference: row["reference"],
                contentVersion: row["content_version"], mode: row["mode"], score: row["score"], passed: row["passed"],
                completedAt: row["completed_at"], manual: Self.manualEntry(row))
        }
    }

    /// A person's sign-offs.
    public func signOffs(of person: String, _ db: Database) throws -> [SignOff] {
        try Row.fetchAll(db, sql: "SELECT * FROM signoff WHERE person_id = ? ORDER BY id", arguments: [person]).map {
            row in
            SignOff(
                id: row["id"], personID: row["person_id"], mentorID: row["mentor_id"],
                certification: row["certification"], signedAt: row["signed_at"], note: row["note"],
                manual: Self.manualEntry(row))
        }
    }

    /// The hand-entry record of an attempt or sign-off row, when it was entered by hand.
    static func manualEntry(_ row: Row) -> ManualEntry? {
        guard let reason: String = row["manual_reason"] else { return nil }
        return ManualEntry(reason: reason, enteredBy: row["entered_by"] ?? "")
    }
}
