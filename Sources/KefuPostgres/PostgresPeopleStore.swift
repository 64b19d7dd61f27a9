import Foundation
import KefuCore
import KefuLedger
import KefuStorage
import Logging
import PostgresNIO

/// PeopleStore on PostgreSQL: `person` (languages and channels as `text[]`, the hire date a `date`), `attempt` and
/// `signoff`. The static functions are the building blocks other stores use inside their own transactions.
struct PostgresPeopleStore: PeopleStore {
    let database: PostgresDatabase

    func person(_ id: PersonID) async throws -> Person? {
        try await database.read { connection in try await Self.person(id.rawValue, connection, database.logger) }
    }

    func people() async throws -> [Person] {
        try await database.read { connection in
            try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM person ORDER BY id", logger: database.logger
            ).all(Self.Row.self).map(Self.person)
        }
    }

    func add(_ person: Person) async throws {
        try await database.write { connection in
            if try await Self.exists(person.id, connection, database.logger) {
                throw StorageError(.conflict, "a person with id `\(person.id)` already exists")
            }
            try await Self.insert([person], connection, database.logger)
        }
    }

    func add(_ people: [Person]) async throws {
        try await database.write { connection in
            let ids = people.map(\.id)
            let existing = try await connection.query(
                "SELECT id FROM person WHERE id = ANY(\(ids)) ORDER BY id", logger: database.logger
            ).all(String.self)
            if let first = ids.first(where: Set(existing).contains) {
                throw StorageError(.conflict, "a person with id `\(first)` already exists; nothing was imported")
            }
            if let duplicate = Self.firstDuplicate(ids) {
                throw StorageError(.conflict, "a person with id `\(duplicate)` already exists; nothing was imported")
            }
            try await Self.insert(people, connection, database.logger)
        }
    }

    func setActive(_ active: Bool, person: PersonID) async throws {
        try await database.write { connection in
            let status = active ? "active" : "left"
            let changed = try await connection.query(
                "UPDATE person SET status = \(status) WHERE id = \(person.rawValue) RETURNING id",
                logger: database.logger
            ).all(String.self)
            guard !changed.isEmpty else { throw StorageError(.notFound, "no person with id `\(person)`") }
        }
    }

    func setLevel(_ level: Level, person: PersonID) async throws {
        try await database.write { connection in
            let changed = try await connection.query(
                "UPDATE person SET level = \(level.rawValue) WHERE id = \(person.rawValue) RETURNING id",
                logger: database.logger
            ).all(String.self)
            guard !changed.isEmpty else { throw StorageError(.notFound, "no person with id `\(person)`") }
        }
    }

    func addAttempt(_ attempt: Attempt) async throws -> AttemptID {
        AttemptID(
            try await database.write { connection in
                try await Self.insertAttempt(attempt, connection, database.logger)
            })
    }

    func addSignOff(_ signOff: SignOff) async throws -> Int64 {
        try await database.write { connection in try await Self.insertSignOff(signOff, connection, database.logger) }
    }

    func evidence(of person: PersonID) async throws -> PersonEvidence {
        try await database.read { connection in
            try await Self.evidence(of: person.rawValue, connection, database.logger)
        }
    }
}

extension PostgresPeopleStore {
    /// The columns of `person`, in the order of ``Row``.
    static let columns =
        "id, name, team, site, level, hire_date::text, languages, channels, status, manager_id"
    /// A `person` row as selected with ``columns``.
    typealias Row = (String, String, String, String, String, String, [String], [String], String, String?)

    /// The person of a row.
    static func person(_ row: Row) -> Person {
        Person(
            id: row.0, name: row.1, team: row.2, site: row.3, level: Level(rawValue: row.4) ?? .specialist,
            hireDate: row.5, languages: row.6, channels: row.7.compactMap(Channel.init(rawValue:)),
            isActive: row.8 == "active", managerID: row.9)
    }

    /// The first id that appears twice in `ids`.
    static func firstDuplicate(_ ids: [String]) -> String? {
        var seen: Set<String> = []
        return ids.first { !seen.insert($0).inserted }
    }

    /// The person with `id`, read on `connection` (inside the caller's transaction).
    public static func person(_ id: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> Person?
    {
        try await connection.query(
            "SELECT \(unescaped: columns) FROM person WHERE id = \(id)", logger: logger
        ).first(Row.self).map(person)
    }

    /// True when a person with `id` exists.
    public static func exists(_ id: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> Bool {
        try await connection.query("SELECT EXISTS(SELECT 1 FROM person WHERE id = \(id))", logger: logger)
            .first(Bool.self) ?? false
    }

    /// Inserts `people` with one statement (arrays unnested; the list columns travel as `;`-joined text, a missing
    /// manager as empty text).
    static func insert(_ people: [Person], _ connection: PostgresConnection, _ logger: Logger) async throws {
        guard !people.isEmpty else { return }
        let languages = people.map { $0.languages.joined(separator: ";") }
        let channels = people.map { $0.channels.map(\.rawValue).joined(separator: ";") }
        try await connection.query(
            """
            INSERT INTO person (id, name, team, site, level, hire_date, languages, channels, status, manager_id)
            SELECT id, name, team, site, level, hire::date,
                   COALESCE(string_to_array(NULLIF(langs, ''), ';'), '{}'),
                   COALESCE(string_to_array(NULLIF(chans, ''), ';'), '{}'), status, NULLIF(manager, '')
            FROM unnest(\(people.map(\.id)), \(people.map(\.name)), \(people.map(\.team)), \(people.map(\.site)),
                        \(people.map(\.level.rawValue)), \(people.map(\.hireDate)), \(languages), \(channels),
                        \(people.map { $0.isActive ? "active" : "left" }), \(people.map { $0.managerID ?? "" }))
                 AS p(id, name, team, site, level, hire, langs, chans, status, manager)
            """, logger: logger)
    }

    /// Stores an attempt (its person must exist); returns its id.
    public static func insertAttempt(
        _ attempt: Attempt, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> Int64 {
        guard try await exists(attempt.personID, connection, logger) else {
            throw StorageError(.notFound, "no person with id `\(attempt.personID)`")
        }
        let id = try await connection.query(
            """
            INSERT INTO attempt (person_id, kind, reference, content_version, mode, score, passed, completed_at,
                                 manual_reason, entered_by)
            VALUES (\(attempt.personID), \(attempt.kind), \(attempt.reference), \(attempt.contentVersion),
                    \(attempt.mode), \(attempt.score), \(attempt.passed), \(attempt.completedAt)::timestamptz,
                    \(attempt.manual?.reason), \(attempt.manual?.enteredBy))
            RETURNING id
            """, logger: logger
        ).first(Int64.self)
        return id ?? 0
    }

    /// Stores a mentor's sign-off (both people must exist); returns its id.
    public static func insertSignOff(
        _ signOff: SignOff, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> Int64 {
        for id in [signOff.personID, signOff.mentorID] where try await !exists(id, connection, logger) {
            throw StorageError(.notFound, "no person with id `\(id)`")
        }
        let id = try await connection.query(
            """
            INSERT INTO signoff (person_id, mentor_id, certification, signed_at, note, manual_reason, entered_by)
            VALUES (\(signOff.personID), \(signOff.mentorID), \(signOff.certification),
                    \(signOff.signedAt)::timestamptz, \(signOff.note), \(signOff.manual?.reason),
                    \(signOff.manual?.enteredBy))
            RETURNING id
            """, logger: logger
        ).first(Int64.self)
        return id ?? 0
    }

    /// A person's attempts and sign-offs, in the order they were recorded.
    public static func evidence(
        of person: String, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> PersonEvidence {
        let attempts = try await connection.query(
            """
            SELECT id, person_id, kind, reference, content_version, mode, score, passed, kefu_time(completed_at),
                   manual_reason, entered_by
            FROM attempt WHERE person_id = \(person) ORDER BY id
            """, logger: logger
        ).all((Int64, String, String, String, String, String, Double, Bool, String, String?, String?).self).map {
            Attempt(
                id: $0.0, personID: $0.1, kind: $0.2, reference: $0.3, contentVersion: $0.4, mode: $0.5, score: $0.6,
                passed: $0.7, completedAt: $0.8, manual: manual($0.9, $0.10))
        }
        let signOffs = try await connection.query(
            """
            SELECT id, person_id, mentor_id, certification, kefu_time(signed_at), note, manual_reason, entered_by
            FROM signoff WHERE person_id = \(person) ORDER BY id
            """, logger: logger
        ).all((Int64, String, String, String, String, String, String?, String?).self).map {
            SignOff(
                id: $0.0, personID: $0.1, mentorID: $0.2, certification: $0.3, signedAt: $0.4, note: $0.5,
                manual: manual($0.6, $0.7))
        }
        return PersonEvidence(attempts: attempts, signOffs: signOffs)
    }

    /// The manual-entry note of a row, when it has a reason.
    static func manual(_ reason: String?, _ enteredBy: String?) -> ManualEntry? {
        reason.map { ManualEntry(reason: $0, enteredBy: enteredBy ?? "") }
    }
}
