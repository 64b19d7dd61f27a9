import Foundation
import KefuCore
import KefuStorage
import Logging
import PostgresNIO

/// The exam tables' reads and shared statements on PostgreSQL, each inside the caller's transaction (`conn`).
enum PostgresExamRows {
    /// The `exam_attempt` columns ``record(_:)`` decodes, in order (moments rendered by `kefu_time`, documents as text).
    static let columns = """
        id, person_id, blueprint, content_version, language, attempt_number, cycle, seed, status, submit_reason,
        kefu_time(started_at), kefu_time(deadline), kefu_time(submitted_at), kefu_time(graded_at), position,
        paper::text, total, maximum, percent, passed, marking::text, attempt_id
        """

    /// The column types of ``columns``.
    typealias Columns = (
        Int64, String, String, String, String, Int, Int, Int64, String, String?, String, String?, String?, String?, Int,
        String, Double, Double, Double, Bool?, String?, Int64?
    )

    /// Decodes one row selected with ``columns``.
    static func record(_ row: PostgresRow) throws -> ExamAttemptRecord {
        let (
            id, person, blueprint, contentVersion, language, attemptNumber, cycle, seed, status, submitReason,
            startedAt, deadline, submittedAt, gradedAt, position, paper, total, maximum, percent, passed, marking,
            attemptID
        ) = try row.decode(Columns.self)
        return ExamAttemptRecord(
            id: ExamAttemptID(id), personID: PersonID(person), blueprint: BlueprintID(blueprint),
            contentVersion: contentVersion, language: language, attemptNumber: attemptNumber, cycle: cycle,
            seed: UInt64(bitPattern: seed), status: ExamAttemptStatus(rawValue: status) ?? .inProgress,
            submitReason: submitReason.flatMap(ExamSubmitReason.init(rawValue:)), startedAt: startedAt,
            deadline: deadline, submittedAt: submittedAt, gradedAt: gradedAt, position: position, paper: paper,
            total: total, maximum: maximum, percent: percent, passed: passed, marking: marking,
            attemptID: attemptID.map { AttemptID(rawValue: $0) })
    }

    /// Every row of `rows` decoded as an attempt.
    static func records(_ rows: PostgresRowSequence) async throws -> [ExamAttemptRecord] {
        var records: [ExamAttemptRecord] = []
        for try await row in rows { records.append(try record(row)) }
        return records
    }

    /// One attempt, or nil.
    static func attempt(
        _ id: ExamAttemptID, _ conn: PostgresConnection, _ logger: Logger
    ) async throws
        -> ExamAttemptRecord?
    {
        let rows = try await conn.query(
            "SELECT \(unescaped: columns) FROM exam_attempt WHERE id = \(id.rawValue)", logger: logger)
        for try await row in rows { return try record(row) }
        return nil
    }

    /// Attempts, oldest first, of a person, a blueprint and in a status when given.
    static func attempts(
        person: PersonID?, blueprint: BlueprintID?, status: ExamAttemptStatus?, _ conn: PostgresConnection,
        _ logger: Logger
    ) async throws -> [ExamAttemptRecord] {
        let rows = try await conn.query(
            """
            SELECT \(unescaped: columns) FROM exam_attempt
            WHERE (\(person?.rawValue)::text IS NULL OR person_id = \(person?.rawValue))
            AND (\(blueprint?.rawValue)::text IS NULL OR blueprint = \(blueprint?.rawValue))
            AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
            ORDER BY id
            """, logger: logger)
        return try await records(rows)
    }

    /// The person's history of a blueprint, and whether the person exists (two statements).
    static func history(
        person: PersonID, blueprint: BlueprintID, _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> (history: ExamHistory, personExists: Bool) {
        let attempts = try await records(
            conn.query(
                """
                SELECT \(unescaped: columns) FROM exam_attempt WHERE person_id = \(person.rawValue)
                AND blueprint = \(blueprint.rawValue) ORDER BY id
                """, logger: logger))
        let facts = try await conn.query(
            """
            SELECT EXISTS (SELECT 1 FROM person WHERE id = \(person.rawValue)),
                (SELECT count(*) FROM exam_retraining WHERE person_id = \(person.rawValue)
                    AND blueprint = \(blueprint.rawValue) AND cleared_at IS NOT NULL),
                (SELECT count(*) FROM exam_retraining WHERE person_id = \(person.rawValue)
                    AND blueprint = \(blueprint.rawValue) AND cleared_at IS NULL),
                f.seed, f.fixed_by, kefu_time(f.at)
            FROM (SELECT 1) AS one LEFT JOIN LATERAL (
                SELECT seed, fixed_by, at FROM exam_fixed_seed WHERE person_id = \(person.rawValue)
                AND blueprint = \(blueprint.rawValue) AND used_by IS NULL ORDER BY id LIMIT 1) AS f ON true
            """, logger: logger
        ).first((Bool, Int, Int, Int64?, String?, String?).self)
        guard let facts else { return (ExamHistory(attempts: attempts, cycle: 0, isFlagged: false), false) }
        let (exists, cleared, open, seed, fixedBy, at) = facts
        var fixed: FixedSeed?
        if let seed, let fixedBy, let at {
            fixed = FixedSeed(
                person: person, blueprint: blueprint, seed: UInt64(bitPattern: seed), fixedBy: fixedBy, at: at)
        }
        return (ExamHistory(attempts: attempts, cycle: cleared, isFlagged: open > 0, fixedSeed: fixed), exists)
    }

    /// Inserts a new in-progress attempt (numbered and in the cycle `record` carries) and returns it as stored.
    static func insert(
        _ record: ExamAttemptRecord, _ conn: PostgresConnection, _ logger: Logger
    ) async throws
        -> ExamAttemptRecord
    {
        let rows = try await conn.query(
            """
            INSERT INTO exam_attempt (person_id, blueprint, content_version, language, attempt_number, cycle, seed,
                status, started_at, deadline, position, paper, maximum)
            VALUES (\(record.personID.rawValue), \(record.blueprint.rawValue), \(record.contentVersion),
                \(record.language), \(record.attemptNumber), \(record.cycle), \(Int64(bitPattern: record.seed)),
                'in-progress', \(record.startedAt)::timestamptz, \(record.deadline)::timestamptz, 0,
                \(record.paper)::jsonb, \(record.maximum))
            RETURNING \(unescaped: columns)
            """, logger: logger)
        for try await row in rows { return try Self.record(row) }
        throw StorageError(.unavailable, "the new exam attempt was not returned; try again")
    }

    /// Decodes `exam_manual_grade` rows (position, grader, fraction, comment, graded_at).
    static func manualGrades(
        attempt: ExamAttemptID, _ conn: PostgresConnection, _ logger: Logger
    ) async throws -> [ManualGrade] {
        try await conn.query(
            """
            SELECT position, grader_id, fraction, comment, kefu_time(graded_at) FROM exam_manual_grade
            WHERE attempt_id = \(attempt.rawValue) ORDER BY position
            """, logger: logger
        ).all((Int, String, Double, String, String).self).map {
            ManualGrade(position: $0.0, graderID: PersonID($0.1), fraction: $0.2, comment: $0.3, gradedAt: $0.4)
        }
    }
}
