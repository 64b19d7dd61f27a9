import Foundation
import KefuCore
import KefuStorage
import Logging
import PostgresNIO

/// Submitting, regrading and marking exam attempts on PostgreSQL, inside the caller's transaction.
enum PostgresExamResults {
    /// Checks the stored status, adds the evidence row, stores the result and opens a retraining flag when
    /// `write.flagRetraining` gives a reason; returns the attempt as stored.
    static func record(
        _ write: ExamResultWrite, _ conn: PostgresConnection, _ logger: Logger
    ) async throws
        -> ExamAttemptRecord
    {
        let record = write.record
        guard
            let status = try await conn.query(
                "SELECT status FROM exam_attempt WHERE id = \(record.id.rawValue)", logger: logger
            ).first(String.self)
        else {
            throw StorageError(.notFound, "no exam attempt \(record.id)")
        }
        guard status == write.expectedStatus.rawValue else {
            throw StorageError(
                .conflict, "exam attempt \(record.id) is \(status), not \(write.expectedStatus.rawValue)")
        }
        var attemptID = record.attemptID?.rawValue
        if let evidence = write.evidence {
            let row = Attempt(
                personID: evidence.personID, kind: "exam", reference: evidence.reference,
                contentVersion: evidence.contentVersion, mode: "exam", score: evidence.score, passed: evidence.passed,
                completedAt: evidence.completedAt)
            attemptID = try await PostgresPeopleStore.insertAttempt(row, conn, logger)
        }
        let rows = try await conn.query(
            """
            UPDATE exam_attempt SET status = \(record.status.rawValue), submit_reason = \(record.submitReason?.rawValue),
                submitted_at = \(record.submittedAt)::timestamptz, graded_at = \(record.gradedAt)::timestamptz,
                total = \(record.total), maximum = \(record.maximum), percent = \(record.percent),
                passed = \(record.passed), marking = \(record.marking)::jsonb, attempt_id = \(attemptID)
            WHERE id = \(record.id.rawValue)
            RETURNING \(unescaped: PostgresExamRows.columns)
            """, logger: logger)
        var stored: ExamAttemptRecord?
        for try await row in rows { stored = try PostgresExamRows.record(row) }
        guard let stored else { throw StorageError(.notFound, "no exam attempt \(record.id)") }
        let (history, _) = try await PostgresExamRows.history(
            person: stored.personID, blueprint: stored.blueprint, conn, logger)
        if let reason = try write.flagRetraining(history) {
            try await conn.query(
                """
                INSERT INTO exam_retraining (person_id, blueprint, flagged_at, reason)
                VALUES (\(stored.personID.rawValue), \(stored.blueprint.rawValue), \(write.at)::timestamptz, \(reason))
                """, logger: logger)
        }
        return stored
    }

    /// Stores a mark (replacing an earlier one of the same position); an unknown grader or attempt is not found.
    static func addManualGrade(
        attempt: ExamAttemptID, _ grade: ManualGrade, _ conn: PostgresConnection, _ logger: Logger
    ) async throws {
        let known = try await conn.query(
            """
            SELECT EXISTS (SELECT 1 FROM person WHERE id = \(grade.graderID.rawValue)),
                EXISTS (SELECT 1 FROM exam_attempt WHERE id = \(attempt.rawValue))
            """, logger: logger
        ).first((Bool, Bool).self)
        guard known?.0 == true else { throw StorageError(.notFound, "no person `\(grade.graderID)`") }
        guard known?.1 == true else { throw StorageError(.notFound, "no exam attempt \(attempt)") }
        try await conn.query(
            """
            INSERT INTO exam_manual_grade (attempt_id, position, grader_id, fraction, comment, graded_at)
            VALUES (\(attempt.rawValue), \(grade.position), \(grade.graderID.rawValue), \(grade.fraction),
                \(grade.comment), \(grade.gradedAt)::timestamptz)
            ON CONFLICT (attempt_id, position) DO UPDATE SET grader_id = excluded.grader_id,
                fraction = excluded.fraction, comment = excluded.comment, graded_at = excluded.graded_at
            """, logger: logger)
    }
}
