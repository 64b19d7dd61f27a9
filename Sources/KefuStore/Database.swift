import Foundation
public import GRDB
import KefuStorage

/// Kefu's SQLite database: one WAL-mode `DatabasePool` per process, `synchronous=FULL` (ledger writes
/// must survive a crash), append-only named migrations, one transaction per use case.
public final class KefuDatabase: Sendable {
    /// The pool.
    public let pool: DatabasePool
    /// The file.
    public let path: String

    /// How long a connection waits for another connection's write lock (e.g. a running `kefu qa import`, or a
    /// second `kefu` process) before a write fails with "database is locked". SQLite retries the lock with
    /// short sleeps during this time; a write that still cannot start is retried once by ``writeRetryingOnce(_:)``.
    public static let busyTimeout: Double = 10

    /// The environment variable that overrides the default database path.
    public static let environmentKey = "KEFU_DB"
    /// The default file name, in the working directory.
    public static let defaultFileName = "kefu.sqlite"

    /// True when opened read-only (writes fail; nothing is created or migrated).
    public let isReadOnly: Bool

    /// Opens (creating and migrating on first use) the database at `path`. A database written by a
    /// newer Kefu is refused untouched. With `readOnly`, a missing file is an error, nothing is
    /// created or migrated, and every write fails.
    public init(path: String, readOnly: Bool = false) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.readonly = readOnly
        // Wait for a writer in another process (WAL allows one writer at a time) instead of failing at once.
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.prepareDatabase { db in
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA synchronous = FULL") }
            // 32 MiB of page cache per connection: large imports touch fewer pages twice.
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        if readOnly, !FileManager.default.fileExists(atPath: path) {
            throw StorageError(
                .notFound,
                "there is no database at \(path); check the database location, or create it by recording something first (e.g. importing people)"
            )
        }
        if !readOnly { try Self.createPrivately(path) }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StorageError(
                .unavailable,
                "cannot open the database \(path): \(Self.describe(error)); check the path and its permissions")
        }
        self.path = path
        self.isReadOnly = readOnly
        let migrator = Self.migrator
        let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
        if superseded {
            throw StorageError(
                .tooNew,
                "\(path) was written by a newer Kefu (it has migrations this version does not know); upgrade Kefu to open it — this version will not touch it"
            )
        }
        if readOnly {
            let current = try pool.read { db in try migrator.hasCompletedMigrations(db) }
            if !current {
                throw StorageError(
                    .unavailable,
                    "\(path) was written by an older Kefu and needs upgrading; run a command that records something once to migrate it"
                )
            }
            return
        }
        do {
            try migrator.migrate(pool)
        } catch {
            throw StorageError(.unavailable, "cannot migrate \(path): \(Self.describe(error))")
        }
    }

    /// Creates a new database file readable and writable by its owner only, from its first byte (its
    /// folder, when missing, by its owner only too). SQLite gives the WAL and shared-memory files the
    /// database file's mode. An existing file is left as it is.
    static func createPrivately(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StorageError(.unavailable, "cannot create the database folder \(folder); check its permissions")
            }
        }
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw StorageError(.unavailable, "cannot create the database \(path); check that its folder is writable")
        }
    }

    /// True for SQLite's "database is locked" (another connection held the write lock past the busy timeout).
    static func isBusy(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }

    /// Runs the write `body` (one transaction), and runs it once more when SQLite still reports the database busy
    /// after ``busyTimeout``: a write never fails at once because another process is writing.
    func writeRetryingOnce<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch  where Self.isBusy(error) { return try body() }
    }

    /// The asynchronous form of ``writeRetryingOnce(_:)``.
    func writeRetryingOnce<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch  where Self.isBusy(error) { return try await body() }
    }

    /// A database error's message without bound values (which may be customer data).
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "SQLite error \(error.resultCode.rawValue)" }
        return "\(error)"
    }

    /// The migrations. Never edit a released migration: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11 people, evidence and ledger") { db in
            try db.create(table: "person") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("team", .text).notNull().defaults(to: "")
                t.column("site", .text).notNull().defaults(to: "")
                t.column("level", .text).notNull()
                t.column("hire_date", .text).notNull()
                t.column("languages", .text).notNull().defaults(to: "")
                t.column("channels", .text).notNull().defaults(to: "")
                t.column("status", .text).notNull().defaults(to: "active")
                t.column("manager_id", .text)
            }
            // Evidence that certification rules are evaluated against. Exams and scenarios add rows here.
            try db.create(table: "attempt") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("person_id", .text).notNull().references("person").indexed()
                t.column("kind", .text).notNull()  // exam | scenario
                t.column("reference", .text).notNull()  // blueprint or scenario id
                t.column("content_version", .text).notNull()
                t.column("mode", .text).notNull().defaults(to: "exam")
                t.column("score", .double).notNull()
                t.column("passed", .boolean).notNull()
                t.column("completed_at", .text).notNull()
            }
            try db.create(table: "signoff") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("person_id", .text).notNull().references("person").indexed()
                t.column("mentor_id", .text).notNull().references("person")
                t.column("certification", .text).notNull()
                t.column("signed_at", .text).notNull()
                t.column("note", .text).notNull().defaults(to: "")
            }
            try db.create(table: "ledger_entry") { t in
                t.primaryKey("seq", .integer)
                t.column("kind", .text).notNull()
                t.column("person_id", .text).notNull().indexed()
                t.column("subject", .text).notNull()
                t.column("recorded_at", .text).notNull()
                t.column("valid_until", .text)
                t.column("refers_to", .integer)
                t.column("body", .text).notNull()
                t.column("hash", .text).notNull()
            }
            try db.create(table: "checkpoint") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("size", .integer).notNull()
                t.column("root", .text).notNull()
                t.column("created_at", .text).notNull()
                t.column("text", .text).notNull()
            }
        }
        migrator.registerMigration("2026-11 QA interactions, samples and scores") { db in
            try db.create(table: "qa_batch") { t in
                t.primaryKey("name", .text)
                t.column("source", .text).notNull()
                t.column("imported_at", .text).notNull()
                t.column("count", .integer).notNull()
            }
            // Turns are stored masked: ID-card, bank-card and mobile numbers never reach the database.
            try db.create(table: "qa_interaction") { t in
                t.primaryKey("id", .text)
                t.column("batch", .text).notNull().references("qa_batch")
                t.column("channel", .text).notNull()
                t.column("agent", .text).notNull()
                t.column("started_at", .text)
                t.column("period", .text)
                t.column("turns", .text).notNull()
                t.column("content_hash", .text).notNull()
                t.column("masked_count", .integer).notNull()
            }
            // Sampling and reports select by period, then agent.
            try db.create(index: "qa_interaction_period_agent", on: "qa_interaction", columns: ["period", "agent"])
            try db.create(table: "qa_sample") { t in
                t.primaryKey("name", .text)
                t.column("parameters", .text).notNull()
                t.column("population_hash", .text).notNull()
                t.column("population_size", .integer).notNull()
                t.column("members_hash", .text).notNull()
                t.column("created_at", .text).notNull()
            }
            try db.create(table: "qa_sample_member") { t in
                t.column("sample", .text).notNull().references("qa_sample")
                t.column("interaction_id", .text).notNull().references("qa_interaction")
                t.column("stratum", .text).notNull()
                t.primaryKey(["sample", "interaction_id"])
            }
            // One row per interaction and rubric version: re-scoring with a new version keeps the old scores.
            try db.create(table: "qa_score") { t in
                t.column("interaction_id", .text).notNull().references("qa_interaction")
                t.column("rubric", .text).notNull()
                t.column("rubric_version", .text).notNull()
                t.column("score", .double).notNull()
                t.column("passed", .boolean).notNull()
                t.column("critical_failed", .boolean).notNull()
                t.column("items", .text).notNull()
                t.column("scored_at", .text).notNull()
                t.primaryKey(["interaction_id", "rubric_version"])
            }
        }
        migrator.registerMigration("2026-11 QA reviews, disputes, calibration and audit log") { db in
            try db.create(table: "qa_calibration") { t in
                t.primaryKey("name", .text)
                t.column("sample", .text).notNull().references("qa_sample")
                t.column("rubric", .text).notNull()
                t.column("rubric_version", .text).notNull()
                t.column("reviewers", .text).notNull()  // comma-separated person ids
                t.column("created_by", .text).notNull()
                t.column("created_at", .text).notNull()
            }
            // A reviewer's verdicts on one interaction's automatic score (rubric version pinned).
            // `calibration` is '' for ordinary reviews and the session name for blind calibration reviews.
            try db.create(table: "qa_review") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("interaction_id", .text).notNull().references("qa_interaction")
                t.column("reviewer", .text).notNull().references("person")
                t.column("rubric", .text).notNull()
                t.column("rubric_version", .text).notNull()
                t.column("calibration", .text).notNull().defaults(to: "")
                t.column("automatic_score", .double).notNull()
                t.column("final_score", .double).notNull()
                t.column("final_passed", .boolean).notNull()
                t.column("comment", .text).notNull().defaults(to: "")
                t.column("submitted_at", .text).notNull()
                t.uniqueKey(["interaction_id", "reviewer", "rubric_version", "calibration"])
            }
            // The automatic verdict is never overwritten: `verdict` is the human (or dispute) verdict.
            try db.create(table: "qa_review_item") { t in
                t.column("review_id", .integer).notNull().references("qa_review")
                t.column("item_id", .text).notNull()
                t.column("automatic", .text).notNull()
                t.column("verdict", .text).notNull()
                t.column("comment", .text).notNull().defaults(to: "")
                t.column("locked", .boolean).notNull().defaults(to: false)
                t.primaryKey(["review_id", "item_id"])
            }
            try db.create(table: "qa_dispute") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("review_id", .integer).notNull().references("qa_review")
                t.column("item_id", .text).notNull()
                t.column("agent", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("status", .text).notNull()  // open | accepted | rejected
                t.column("resolver", .text)
                t.column("resolution", .text)
                t.column("opened_at", .text).notNull()
                t.column("resolved_at", .text)
            }
            // Who changed what, when, before and after. Append-only: updates and deletes are refused.
            try db.create(table: "qa_audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("before", .text)
                t.column("after", .text)
            }
            try db.execute(
                sql: """
                    CREATE TRIGGER qa_audit_no_update BEFORE UPDATE ON qa_audit BEGIN SELECT RAISE(ABORT, 'the QA audit log is append-only'); END;
                    CREATE TRIGGER qa_audit_no_delete BEFORE DELETE ON qa_audit BEGIN SELECT RAISE(ABORT, 'the QA audit log is append-only'); END;
                    """)
        }
        migrator.registerMigration("2026-11 scenario runs") { db in
            // One row per play of a scenario, saved after every reply: a killed process leaves an
            // `in-progress` row with every reply given so far. Complete runs also add an `attempt` row.
            try db.create(table: "scenario_run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("person_id", .text).notNull().references("person")
                t.column("scenario", .text).notNull()
                t.column("language", .text).notNull()
                t.column("content_version", .text).notNull()
                t.column("mode", .text).notNull()  // exam | practice
                t.column("attempt_number", .integer).notNull()
                t.column("seed", .integer).notNull()
                t.column("status", .text).notNull()  // in-progress | complete | incomplete
                t.column("outcome", .text)
                t.column("started_at", .text).notNull()
                t.column("finished_at", .text)
                t.column("score", .double).notNull().defaults(to: 0)
                t.column("passed", .boolean).notNull().defaults(to: false)
                t.column("transcript", .text).notNull()  // Interaction JSON (Kefu's interaction format)
                t.column("report", .text).notNull()  // RunReport JSON
                t.column("attempt_id", .integer).references("attempt")
            }
            try db.create(index: "scenario_run_person", on: "scenario_run", columns: ["person_id", "scenario"])
        }
        migrator.registerMigration("2026-11 exams") { db in
            // One row per exam attempt. The drawn paper is a snapshot (later bank edits never change a taken
            // exam); the deadline is absolute, so time keeps running while the candidate is away.
            try db.create(table: "exam_attempt") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("person_id", .text).notNull().references("person")
                t.column("blueprint", .text).notNull()
                t.column("content_version", .text).notNull()
                t.column("language", .text).notNull()
                t.column("attempt_number", .integer).notNull()
                t.column("cycle", .integer).notNull()  // retraining clearances before this attempt
                t.column("seed", .integer).notNull()
                t.column("status", .text).notNull()  // in-progress | submitted (essays to grade) | graded
                t.column("submit_reason", .text)  // candidate | deadline
                t.column("started_at", .text).notNull()
                t.column("deadline", .text)
                t.column("submitted_at", .text)
                t.column("graded_at", .text)
                t.column("position", .integer).notNull().defaults(to: 0)
                t.column("paper", .text).notNull()  // Paper JSON
                t.column("total", .double).notNull().defaults(to: 0)
                t.column("maximum", .double).notNull().defaults(to: 0)
                t.column("percent", .double).notNull().defaults(to: 0)
                t.column("passed", .boolean)
                t.column("marking", .text)  // Marking JSON
                t.column("attempt_id", .integer).references("attempt")
            }
            try db.create(index: "exam_attempt_person", on: "exam_attempt", columns: ["person_id", "blueprint"])
            try db.create(index: "exam_attempt_status", on: "exam_attempt", columns: ["status"])
            // Every answer, saved the moment it is given (one row per question of the paper).
            try db.create(table: "exam_response") { t in
                t.column("attempt_id", .integer).notNull().references("exam_attempt")
                t.column("position", .integer).notNull()
                t.column("response", .text)  // Response JSON, NULL when cleared
                t.column("flagged", .boolean).notNull().defaults(to: false)
                t.column("saved_at", .text).notNull()
                t.primaryKey(["attempt_id", "position"])
            }
            // Marks given by a person (essays, answers automatic grading could not decide).
            try db.create(table: "exam_manual_grade") { t in
                t.column("attempt_id", .integer).notNull().references("exam_attempt")
                t.column("position", .integer).notNull()
                t.column("grader_id", .text).notNull().references("person")
                t.column("fraction", .double).notNull()
                t.column("comment", .text).notNull().defaults(to: "")
                t.column("graded_at", .text).notNull()
                t.primaryKey(["attempt_id", "position"])
            }
            // "Retake or retrain until passed": flags raised after repeated failures, cleared by a supervisor.
            try db.create(table: "exam_retraining") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("person_id", .text).notNull().references("person")
                t.column("blueprint", .text).notNull()
                t.column("flagged_at", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("cleared_by", .text).references("person")
                t.column("cleared_at", .text)
                t.column("note", .text)
            }
            try db.create(index: "exam_retraining_person", on: "exam_retraining", columns: ["person_id", "blueprint"])
        }
        migrator.registerMigration("2026-11 mentoring") { db in
            // 导师带徒: one row per pairing; ended pairs stay as history. At most one active mentor per apprentice.
            try db.create(table: "mentorship") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("apprentice_id", .text).notNull().references("person")
                t.column("mentor_id", .text).notNull().references("person").indexed()
                t.column("assigned_at", .text).notNull()
                t.column("score", .double).notNull()
                t.column("reasons", .text).notNull()  // JSON array of the score's terms
                t.column("ended_at", .text)
                t.column("end_reason", .text)
            }
            try db.execute(
                sql: "CREATE UNIQUE INDEX mentorship_active ON mentorship(apprentice_id) WHERE ended_at IS NULL")
        }
        migrator.registerMigration("2026-11 mentor review") { db in
            // A mentor's notes on turns of an apprentice's transcript.
            try db.create(table: "transcript_annotation") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .integer).notNull().references("scenario_run").indexed()
                t.column("turn", .integer).notNull()
                t.column("mentor_id", .text).notNull().references("person")
                t.column("note", .text).notNull()
                t.column("at", .text).notNull()
            }
            // A mentor's verdict on a check of one reply; the automatic verdict stays in the run report and here.
            try db.create(table: "transcript_override") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .integer).notNull().references("scenario_run").indexed()
                t.column("turn", .integer).notNull()
                t.column("check_id", .text).notNull()
                t.column("automatic", .text).notNull()
                t.column("verdict", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("mentor_id", .text).notNull().references("person")
                t.column("at", .text).notNull()
            }
            // A transcript a mentor has signed off (it leaves the queue; the sign-off row is certification evidence).
            try db.create(table: "transcript_signoff") { t in
                t.primaryKey("run_id", .integer).references("scenario_run")
                t.column("mentor_id", .text).notNull().references("person")
                t.column("signoff_id", .integer).notNull().references("signoff")
                t.column("at", .text).notNull()
            }
        }
        migrator.registerMigration("2026-11 performance reviews") { db in
            // KPI inputs imported from CSV: satisfaction surveys, complaints, resolutions, teamwork ratings.
            try db.create(table: "kpi_feedback") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("date", .text).notNull()
                t.column("person_id", .text).notNull().references("person")
                t.column("kind", .text).notNull()
                t.column("value", .double).notNull()
                t.column("source", .text).notNull()
            }
            try db.create(index: "kpi_feedback_person", on: "kpi_feedback", columns: ["person_id", "date"])
            // A stored review cycle and its scorecards (the definition's hash shows which targets applied).
            try db.create(table: "review_cycle") { t in
                t.primaryKey("period", .text)
                t.column("kind", .text).notNull()
                t.column("start", .text).notNull()
                t.column("end", .text).notNull()
                t.column("run_at", .text).notNull()
                t.column("definition", .text).notNull()
            }
            try db.create(table: "review_scorecard") { t in
                t.column("period", .text).notNull().references("review_cycle", onDelete: .cascade)
                t.column("person_id", .text).notNull().references("person")
                t.column("total", .double).notNull()
                t.column("rating", .text).notNull()
                t.column("kpis", .text).notNull()
                t.primaryKey(["period", "person_id"])
            }
        }
        migrator.registerMigration("2026-11 accounts, sessions, API tokens and role grants") { db in
            try registerAccounts(db)
        }
        migrator.registerMigration("2026-12 fixed exam seeds") { db in
            // The system draws each paper's seed; an administrator may fix the seed of a person's next attempt.
            try db.create(table: "exam_fixed_seed") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("person_id", .text).notNull().references("person")
                t.column("blueprint", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("fixed_by", .text).notNull()
                t.column("at", .text).notNull()
                t.column("used_by", .integer).references("exam_attempt")
            }
        }
        migrator.registerMigration("2026-12 audit log") { db in
            // Every state change, hash-chained in the ledger's canonical JSON (the body); the other columns
            // repeat body fields for queries, and verification compares them with the body.
            try db.create(table: "audit_event") { t in
                t.primaryKey("seq", .integer)
                t.column("at", .text).notNull()
                t.column("person", .text).notNull()
                t.column("action", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("body", .text).notNull()
                t.column("hash", .text).notNull()
            }
            try db.create(index: "audit_event_action", on: "audit_event", columns: ["action"])
            try db.execute(
                sql: """
                    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    """)
        }
        migrator.registerMigration("2026-12 signed ledger entries and hand-entered evidence") { db in
            // Every entry's Ed25519 signature over its canonical body, and the id of the key that made it.
            try db.alter(table: "ledger_entry") { t in
                t.add(column: "kid", .text)
                t.add(column: "signature", .text)
            }
            // The ledger is append-only through Kefu; whoever drops these can still not sign (verify checks).
            try db.execute(
                sql: """
                    CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
                    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
                    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    """)
            // Evidence entered by hand: why, and by whom (NULL: recorded by Kefu itself).
            for table in ["attempt", "signoff"] {
                try db.alter(table: table) { t in
                    t.add(column: "manual_reason", .text)
                    t.add(column: "entered_by", .text)
                }
            }
        }
        migrator.registerMigration("2026-12 ledger Merkle tree nodes") { db in
            // Every complete subtree hash of the ledger's RFC 6962 tree (level 0: the leaves), written as entries
            // are appended, so inclusion and consistency proofs read O(log n) rows. A cache: verification
            // recomputes the tree from the bodies and never trusts it.
            try db.execute(
                sql: """
                    CREATE TABLE ledger_merkle_node (
                        level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)
                    ) WITHOUT ROWID
                    """)
            try backfillMerkleNodes(db)
        }
        migrator.registerMigration("2026-12 QA erasure index") { db in
            // Keyed digests (HMAC-SHA256 under a key kept outside the database) of the phone, card and ID numbers
            // and e-mail addresses masked out of each interaction, so one customer's interactions can be found and
            // erased by their number without the number being stored anywhere.
            try db.execute(
                sql: """
                    CREATE TABLE qa_identifier (
                        digest TEXT NOT NULL, interaction_id TEXT NOT NULL REFERENCES qa_interaction(id),
                        PRIMARY KEY (digest, interaction_id)
                    ) WITHOUT ROWID
                    """)
            try db.execute(sql: "CREATE INDEX qa_identifier_interaction ON qa_identifier(interaction_id)")
        }
        migrator.registerMigration("2026-12 QA calibration sessions closed") { db in
            try SQLiteQAStore.migrateCalibrationClosing(db)
        }
        migrator.registerMigration("2026-12 QA review item order") { db in
            // The order items were reviewed in (1, 2, …), explicit (it was the rowid order), so PostgreSQL keeps it too.
            try db.execute(sql: "ALTER TABLE qa_review_item ADD COLUMN position INTEGER NOT NULL DEFAULT 0")
            try db.execute(
                sql: """
                    UPDATE qa_review_item SET position = (
                        SELECT count(*) + 1 FROM qa_review_item AS earlier
                        WHERE earlier.review_id = qa_review_item.review_id AND earlier.rowid < qa_review_item.rowid)
                    """)
        }
        return migrator
    }
}

extension KefuDatabase {
    /// Checkpoints the WAL from a connection of its own about once a second (PASSIVE: never waits for, nor blocks,
    /// writers and readers), after turning the writer's automatic checkpoint off. Runs until the process ends.
    public func startBackgroundCheckpoints(everySeconds interval: Double = 1) throws {
        guard !isReadOnly else { return }
        try pool.barrierWriteWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        let checkpointer = try DatabaseQueue(path: path, configuration: configuration)
        let queue = DispatchQueue(label: "kefu.checkpoint", qos: .utility)
        @Sendable func tick() {
            _ = try? checkpointer.writeWithoutTransaction { db in
                try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            }
            queue.asyncAfter(deadline: .now() + interval) { tick() }
        }
        queue.asyncAfter(deadline: .now() + interval) { tick() }
    }
}
