import KefuStorage
import GRDB
import KefuCore

/// A mentor's note on a transcript turn.
public struct TranscriptAnnotation: Sendable, Hashable, Codable {
    /// Row id.
    public var id: Int64
    /// The run.
    public var runID: Int64
    /// Turn index in the transcript.
    public var turn: Int
    /// Who wrote it.
    public var mentorID: String
    /// The note.
    public var note: String
    /// When.
    public var at: String
}

/// A mentor's verdict replacing an automatic one (the automatic verdict is kept).
public struct TranscriptOverride: Sendable, Hashable, Codable {
    /// Row id.
    public var id: Int64
    /// The run.
    public var runID: Int64
    /// Turn index of the reply.
    public var turn: Int
    /// Check id.
    public var checkID: String
    /// The automatic verdict.
    public var automatic: String
    /// The mentor's verdict.
    public var verdict: String
    /// Why.
    public var reason: String
    /// Who.
    public var mentorID: String
    /// When.
    public var at: String
}

extension KefuDatabase {
    /// Adds a note to a turn.
    public func addAnnotation(run: Int64, turn: Int, mentor: String, note: String, at: String) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO transcript_annotation (run_id, turn, mentor_id, note, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [run, turn, mentor, note, at])
        }
    }

    /// Records a mentor's verdict for a check of one reply.
    public func addOverride(run: Int64, turn: Int, check: String, automatic: String, verdict: String, reason: String, mentor: String, at: String) throws {
        try write { db in
            try db.execute(
                sql: "INSERT INTO transcript_override (run_id, turn, check_id, automatic, verdict, reason, mentor_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [run, turn, check, automatic, verdict, reason, mentor, at])
        }
    }

    /// Notes and overrides of a run, oldest first.
    public func review(of run: Int64) throws -> (annotations: [TranscriptAnnotation], overrides: [TranscriptOverride]) {
        try read { db in
            let notes = try Row.fetchAll(db, sql: "SELECT * FROM transcript_annotation WHERE run_id = ? ORDER BY id", arguments: [run]).map {
                TranscriptAnnotation(id: $0["id"], runID: $0["run_id"], turn: $0["turn"], mentorID: $0["mentor_id"], note: $0["note"], at: $0["at"])
            }
            let overrides = try Row.fetchAll(db, sql: "SELECT * FROM transcript_override WHERE run_id = ? ORDER BY id", arguments: [run]).map {
                TranscriptOverride(id: $0["id"], runID: $0["run_id"], turn: $0["turn"], checkID: $0["check_id"], automatic: $0["automatic"],
                                   verdict: $0["verdict"], reason: $0["reason"], mentorID: $0["mentor_id"], at: $0["at"])
            }
            return (notes, overrides)
        }
    }

    /// Runs already signed off.
    public func signedOffRuns() throws -> Set<Int64> {
        try read { db in Set(try Int64.fetchAll(db, sql: "SELECT run_id FROM transcript_signoff")) }
    }

    /// Signs off a transcript: a `signoff` row (certification evidence) and the transcript's sign-off, in one transaction.
    public func signOffTranscript(run: Int64, _ signOff: SignOff) throws -> Int64 {
        try write { db in
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transcript_signoff WHERE run_id = ?", arguments: [run]) ?? 0 > 0 {
                throw StorageError(.conflict, "transcript \(run) is already signed off")
            }
            try db.execute(
                sql: "INSERT INTO signoff (person_id, mentor_id, certification, signed_at, note) VALUES (?, ?, ?, ?, ?)",
                arguments: [signOff.personID, signOff.mentorID, signOff.certification, signOff.signedAt, signOff.note])
            let id = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO transcript_signoff (run_id, mentor_id, signoff_id, at) VALUES (?, ?, ?, ?)",
                           arguments: [run, signOff.mentorID, id, signOff.signedAt])
            return id
        }
    }
}
