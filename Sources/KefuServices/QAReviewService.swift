import Foundation
import GRDB
import KefuCore
import KefuRubrics
import KefuStore

/// Human review of automatic QA scores, agents' disputes and the supervisor's decision on them.
///
/// The automatic verdict is never overwritten: a review stores it next to the human verdict, and every
/// change (review submitted, item overridden, dispute opened, accepted or rejected) is appended to the
/// audit log with who, when, before and after.
public struct QAReviewService: Sendable {
    /// The database.
    public let database: KefuDatabase

    /// Creates the service.
    public init(database: KefuDatabase) { self.database = database }

    /// An interaction ready to be reviewed: the masked transcript and its pinned automatic score.
    public struct Draft: Sendable {
        /// The interaction (masked at import).
        public var interaction: Interaction
        /// The automatic score this review confirms or overrides.
        public var automatic: ScoreResult
        /// The reviewer.
        public var reviewer: String
        /// Calibration session name, or `""` for an ordinary review.
        public var calibration: String
    }

    /// A reviewer's decision on one item.
    public struct Decision: Sendable, Hashable {
        /// Rubric item id.
        public var item: String
        /// The reviewer's verdict.
        public var verdict: Verdict
        /// Why (required when the verdict differs from the automatic one).
        public var comment: String

        /// Creates a decision.
        public init(item: String, verdict: Verdict, comment: String = "") {
            self.item = item
            self.verdict = verdict
            self.comment = comment
        }
    }

    // MARK: Reviewing

    /// Interactions of `sample` that `reviewer` has not yet reviewed with this rubric version (in this
    /// calibration session, when given), in id order.
    public func queue(sample: String, reviewer: String, rubricVersion: String, calibration: String = "") throws -> [String] {
        try database.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM qa_sample WHERE name = ?)", arguments: [sample]) == true else {
                throw ServiceError("no sample named `\(sample)`; draw one with `kefu qa sample`")
            }
            if !calibration.isEmpty {
                guard let sessionSample = try String.fetchOne(db, sql: "SELECT sample FROM qa_calibration WHERE name = ?", arguments: [calibration]) else {
                    throw ServiceError("no calibration session `\(calibration)`")
                }
                guard sessionSample == sample else {
                    throw ServiceError("calibration session `\(calibration)` is on sample `\(sessionSample)`, not `\(sample)`")
                }
            }
            return try String.fetchAll(db, sql: """
                SELECT m.interaction_id FROM qa_sample_member m
                WHERE m.sample = ? AND NOT EXISTS (
                    SELECT 1 FROM qa_review r WHERE r.interaction_id = m.interaction_id AND r.reviewer = ?
                    AND r.rubric_version = ? AND r.calibration = ?)
                ORDER BY m.interaction_id
                """, arguments: [sample, reviewer, rubricVersion, calibration])
        }
    }

    /// Prepares the review of `interactionID` by `reviewer` against the automatic score pinned to
    /// `scorer`'s rubric version.
    public func draft(interactionID: String, reviewer: String, scorer: Scorer, calibration: String = "") throws -> Draft {
        try database.read { db in
            try Self.requirePerson(reviewer, role: "reviewer", db)
            guard let interaction = try database.qaInteraction(interactionID, db) else {
                throw ServiceError("no imported interaction `\(interactionID)`")
            }
            if interaction.agent == reviewer {
                throw ServiceError("\(reviewer) handled interaction \(interactionID) and cannot review it; ask another reviewer")
            }
            if !calibration.isEmpty {
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM qa_calibration WHERE name = ?", arguments: [calibration]) else {
                    throw ServiceError("no calibration session `\(calibration)`")
                }
                let reviewers = (row["reviewers"] as String).split(separator: ",").map(String.init)
                guard reviewers.contains(reviewer) else {
                    throw ServiceError("\(reviewer) is not a reviewer of calibration session `\(calibration)` (reviewers: \(reviewers.joined(separator: ", ")))")
                }
                guard (row["rubric_version"] as String) == scorer.rubric.sourceHash else {
                    throw ServiceError("calibration session `\(calibration)` uses another version of rubric \(scorer.rubric.id); it cannot be reviewed with the current one")
                }
            }
            let automatic = try Self.automaticScore(interactionID, version: scorer.rubric.sourceHash, db)
            guard let automatic else {
                throw ServiceError("interaction \(interactionID) has no automatic score with rubric \(scorer.rubric.id) version \(scorer.rubric.sourceHash.prefix(12)); run `kefu qa score --rubric \(scorer.rubric.id) --sample …` first")
            }
            return Draft(interaction: interaction, automatic: automatic, reviewer: reviewer, calibration: calibration)
        }
    }

    /// Stores the review: items without a decision confirm the automatic verdict (ordinary reviews) or
    /// are an error (calibration reviews are blind, so every item needs the reviewer's own verdict).
    /// Returns the review id.
    @discardableResult
    public func submit(_ draft: Draft, decisions: [Decision], comment: String, scorer: Scorer, now: Date) throws -> Int64 {
        var verdicts: [String: Decision] = [:]
        let itemIDs = Set(draft.automatic.items.map(\.id))
        for d in decisions {
            guard itemIDs.contains(d.item) else {
                throw ServiceError("rubric \(scorer.rubric.id) has no item `\(d.item)` (items: \(draft.automatic.items.map(\.id).joined(separator: ", ")))")
            }
            verdicts[d.item] = d
        }
        if !draft.calibration.isEmpty {
            let missing = draft.automatic.items.map(\.id).filter { verdicts[$0] == nil }
            if !missing.isEmpty {
                throw ServiceError("calibration reviews are blind: give a verdict for every item of \(draft.interaction.id); missing: \(missing.joined(separator: ", "))")
            }
        }
        for item in draft.automatic.items {
            if let d = verdicts[item.id], d.verdict != item.verdict, draft.calibration.isEmpty,
                d.comment.trimmingCharacters(in: .whitespaces).isEmpty
            {
                throw ServiceError("overriding \(item.id) on \(draft.interaction.id) (automatic: \(item.verdict.rawValue), yours: \(d.verdict.rawValue)) needs a comment saying why")
            }
        }
        let final = scorer.rescore(draft.automatic, verdicts: verdicts.mapValues(\.verdict))
        let at = LedgerService.timestamp(now)
        return try database.write { db in
            try Self.requirePerson(draft.reviewer, role: "reviewer", db)
            do {
                try db.execute(sql: """
                    INSERT INTO qa_review (interaction_id, reviewer, rubric, rubric_version, calibration, automatic_score, final_score, final_passed, comment, submitted_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [draft.interaction.id, draft.reviewer, scorer.rubric.id, scorer.rubric.sourceHash, draft.calibration,
                                     draft.automatic.score, final.score, final.passed, comment, at])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw ServiceError("\(draft.reviewer) has already reviewed \(draft.interaction.id) with this rubric version; a submitted review changes only through a dispute")
            }
            let id = db.lastInsertedRowID
            for item in draft.automatic.items {
                let d = verdicts[item.id]
                let verdict = d?.verdict ?? item.verdict
                try db.execute(
                    sql: "INSERT INTO qa_review_item (review_id, item_id, automatic, verdict, comment) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, item.id, item.verdict.rawValue, verdict.rawValue, d?.comment ?? ""])
                if verdict != item.verdict {
                    try Self.audit(db, at: at, actor: draft.reviewer, action: "item.override", subject: "review \(id) \(item.id)",
                                   before: item.verdict.rawValue, after: verdict.rawValue + (d.map { $0.comment.isEmpty ? "" : ": \($0.comment)" } ?? ""))
                }
            }
            try Self.audit(db, at: at, actor: draft.reviewer, action: draft.calibration.isEmpty ? "review.submit" : "calibration.submit",
                           subject: "review \(id) \(draft.interaction.id)",
                           before: String(format: "%.2f", draft.automatic.score), after: String(format: "%.2f", final.score))
            return id
        }
    }

    /// Reads decisions from CSV (`interaction_id,item,verdict,comment`), grouped by interaction.
    public static func readDecisions(_ path: String) throws -> [String: [QAReviewService.Decision]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ServiceError("cannot read \(path)") }
        guard let text = String(validating: data, as: UTF8.self) else { throw ServiceError("\(path):1:1: the file is not UTF-8") }
        let label = (path as NSString).lastPathComponent
        let rows = try CSV.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, file: label)
        let expected = ["interaction_id", "item", "verdict", "comment"]
        guard let header = rows.first, header.fields.map({ $0.value.trimmingCharacters(in: .whitespaces) }) == expected else {
            throw ServiceError("\(label):1:1: the header must be \(expected.joined(separator: ","))")
        }
        var out: [String: [QAReviewService.Decision]] = [:]
        for row in rows.dropFirst() {
            guard row.fields.count == 4 else { throw ServiceError("\(label):\(row.line):1: \(row.fields.count) fields, expected 4") }
            guard let verdict = Verdict(rawValue: row.fields[2].value), verdict != .error else {
                throw ServiceError("\(label):\(row.line):\(row.fields[2].column): verdict must be pass, fail or na")
            }
            out[row.fields[0].value, default: []].append(.init(item: row.fields[1].value, verdict: verdict, comment: row.fields[3].value))
        }
        return out
    }

    // MARK: Disputes

    /// A dispute.
    public struct Dispute: Sendable, Hashable {
        /// Id.
        public var id: Int64
        /// Review id.
        public var review: Int64
        /// Interaction id.
        public var interaction: String
        /// Rubric item.
        public var item: String
        /// The agent who disputes.
        public var agent: String
        /// The agent's reason.
        public var reason: String
        /// open, accepted or rejected.
        public var status: String
        /// Who resolved it.
        public var resolver: String?
        /// The resolution comment.
        public var resolution: String?
    }

    /// The agent who handled the reviewed interaction disputes one item's verdict.
    @discardableResult
    public func openDispute(review: Int64, item: String, agent: String, reason: String, now: Date) throws -> Int64 {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ServiceError("a dispute needs a reason (--reason)") }
        return try database.write { db in
            let row = try Self.reviewItem(review, item, db)
            guard (row["calibration"] as String).isEmpty else {
                throw ServiceError("review \(review) is a calibration review; calibration reviews cannot be disputed")
            }
            guard (row["agent"] as String) == agent else {
                throw ServiceError("only the agent who handled \(row["interaction_id"] as String) (\(row["agent"] as String)) can dispute its review, not \(agent)")
            }
            if row["locked"] as Bool {
                throw ServiceError("item \(item) of review \(review) is locked: a supervisor rejected a dispute on it")
            }
            if try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM qa_dispute WHERE review_id = ? AND item_id = ? AND status = 'open')", arguments: [review, item]) == true {
                throw ServiceError("item \(item) of review \(review) already has an open dispute")
            }
            let at = LedgerService.timestamp(now)
            try db.execute(
                sql: "INSERT INTO qa_dispute (review_id, item_id, agent, reason, status, opened_at) VALUES (?, ?, ?, ?, 'open', ?)",
                arguments: [review, item, agent, reason, at])
            let id = db.lastInsertedRowID
            try Self.audit(db, at: at, actor: agent, action: "dispute.open", subject: "dispute \(id) review \(review) \(item)",
                           before: row["verdict"] as String, after: reason)
            return id
        }
    }

    /// A supervisor (team lead or above, not the agent) accepts a dispute — the item's verdict changes
    /// to `verdict` (default: pass↔fail) and the review's final score is recomputed — or rejects it,
    /// which locks the item against further disputes.
    public func resolveDispute(id: Int64, supervisor: String, accept: Bool, verdict: Verdict?, comment: String, scorer: Scorer, now: Date) throws -> Dispute {
        guard !comment.trimmingCharacters(in: .whitespaces).isEmpty else { throw ServiceError("a decision on a dispute needs a comment (--comment)") }
        return try database.write { db in
            guard let dispute = try Row.fetchOne(db, sql: "SELECT * FROM qa_dispute WHERE id = ?", arguments: [id]) else {
                throw ServiceError("no dispute \(id)")
            }
            guard (dispute["status"] as String) == "open" else {
                throw ServiceError("dispute \(id) is already \(dispute["status"] as String)")
            }
            guard let person = try database.person(supervisor, db) else { throw ServiceError("no person with id `\(supervisor)`") }
            guard [.teamLead, .supervisor, .manager].contains(person.level) else {
                throw ServiceError("\(supervisor) is a \(person.level.rawValue); disputes are decided by a team lead, supervisor or manager")
            }
            guard supervisor != (dispute["agent"] as String) else { throw ServiceError("\(supervisor) cannot decide their own dispute") }
            let review: Int64 = dispute["review_id"]
            let item: String = dispute["item_id"]
            let row = try Self.reviewItem(review, item, db)
            let at = LedgerService.timestamp(now)
            let current = Verdict(rawValue: row["verdict"]) ?? .fail
            if accept {
                let newVerdict = verdict ?? (current == .pass ? .fail : current == .fail ? .pass : nil)
                guard let newVerdict, newVerdict != current else {
                    throw ServiceError("accepting dispute \(id) must change the verdict (now \(current.rawValue)); give --verdict pass, fail or na")
                }
                guard (row["rubric_version"] as String) == scorer.rubric.sourceHash else {
                    throw ServiceError("review \(review) was made with another version of rubric \(row["rubric"] as String); the score cannot be recomputed with the current one")
                }
                try db.execute(sql: "UPDATE qa_review_item SET verdict = ? WHERE review_id = ? AND item_id = ?", arguments: [newVerdict.rawValue, review, item])
                // Recompute the final score from the automatic result and all current verdicts.
                let interactionID: String = row["interaction_id"]
                guard let automatic = try Self.automaticScore(interactionID, version: scorer.rubric.sourceHash, db) else {
                    throw ServiceError("the automatic score of \(interactionID) is missing")
                }
                var verdicts: [String: Verdict] = [:]
                for r in try Row.fetchAll(db, sql: "SELECT item_id, verdict FROM qa_review_item WHERE review_id = ?", arguments: [review]) {
                    verdicts[r["item_id"]] = Verdict(rawValue: r["verdict"])
                }
                let final = scorer.rescore(automatic, verdicts: verdicts)
                let before: Double = try Double.fetchOne(db, sql: "SELECT final_score FROM qa_review WHERE id = ?", arguments: [review]) ?? 0
                try db.execute(sql: "UPDATE qa_review SET final_score = ?, final_passed = ? WHERE id = ?", arguments: [final.score, final.passed, review])
                try db.execute(sql: "UPDATE qa_dispute SET status = 'accepted', resolver = ?, resolution = ?, resolved_at = ? WHERE id = ?", arguments: [supervisor, comment, at, id])
                try Self.audit(db, at: at, actor: supervisor, action: "dispute.accept", subject: "dispute \(id) review \(review) \(item)",
                               before: "\(current.rawValue) (score \(String(format: "%.2f", before)))",
                               after: "\(newVerdict.rawValue) (score \(String(format: "%.2f", final.score))): \(comment)")
            } else {
                try db.execute(sql: "UPDATE qa_review_item SET locked = 1 WHERE review_id = ? AND item_id = ?", arguments: [review, item])
                try db.execute(sql: "UPDATE qa_dispute SET status = 'rejected', resolver = ?, resolution = ?, resolved_at = ? WHERE id = ?", arguments: [supervisor, comment, at, id])
                try Self.audit(db, at: at, actor: supervisor, action: "dispute.reject", subject: "dispute \(id) review \(review) \(item)",
                               before: current.rawValue, after: "\(current.rawValue), locked: \(comment)")
            }
            return try Self.disputes(where: "d.id = ?", [id], db)[0]
        }
    }

    /// Disputes, newest first; `status` filters (open, accepted, rejected).
    public func disputes(status: String? = nil) throws -> [Dispute] {
        try database.read { db in
            if let status { return try Self.disputes(where: "d.status = ?", [status], db) }
            return try Self.disputes(where: "1", [], db)
        }
    }

    static func disputes(where condition: String, _ arguments: [any DatabaseValueConvertible], _ db: Database) throws -> [Dispute] {
        try Row.fetchAll(db, sql: """
            SELECT d.*, r.interaction_id FROM qa_dispute d JOIN qa_review r ON r.id = d.review_id
            WHERE \(condition) ORDER BY d.id DESC
            """, arguments: StatementArguments(arguments)).map { r in
            Dispute(id: r["id"], review: r["review_id"], interaction: r["interaction_id"], item: r["item_id"], agent: r["agent"],
                    reason: r["reason"], status: r["status"], resolver: r["resolver"], resolution: r["resolution"])
        }
    }

    // MARK: Audit log

    /// One audit-log entry.
    public struct AuditEntry: Sendable, Hashable {
        /// Sequence number.
        public var id: Int64
        /// When (UTC, ISO 8601).
        public var at: String
        /// Who.
        public var actor: String
        /// What (`review.submit`, `item.override`, `calibration.submit`, `dispute.open|accept|reject`).
        public var action: String
        /// On what.
        public var subject: String
        /// Before.
        public var before: String?
        /// After.
        public var after: String?
    }

    /// The audit log in order; `containing` filters subjects.
    public func auditLog(containing: String? = nil) throws -> [AuditEntry] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM qa_audit WHERE subject LIKE ? ORDER BY id", arguments: ["%\(containing ?? "")%"]).map { r in
                AuditEntry(id: r["id"], at: r["at"], actor: r["actor"], action: r["action"], subject: r["subject"], before: r["before"], after: r["after"])
            }
        }
    }

    // MARK: Helpers

    static func audit(_ db: Database, at: String, actor: String, action: String, subject: String, before: String?, after: String?) throws {
        try db.execute(sql: "INSERT INTO qa_audit (at, actor, action, subject, before, after) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [at, actor, action, subject, before, after])
    }

    static func requirePerson(_ id: String, role: String, _ db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM person WHERE id = ?)", arguments: [id]) == true else {
            throw ServiceError("no person with id `\(id)` (the \(role)); add them with `kefu people add` or `kefu people import`")
        }
    }

    /// The automatic score of an interaction pinned to a rubric version.
    static func automaticScore(_ interactionID: String, version: String, _ db: Database) throws -> ScoreResult? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM qa_score WHERE interaction_id = ? AND rubric_version = ?", arguments: [interactionID, version]) else {
            return nil
        }
        let items = try JSONDecoder().decode([ItemResult].self, from: Data((row["items"] as String).utf8))
        return ScoreResult(interaction: interactionID, rubric: row["rubric"], rubricVersion: version, score: row["score"],
                           passed: row["passed"], criticalFailed: row["critical_failed"], items: items)
    }

    /// One review item joined with its review and interaction.
    static func reviewItem(_ review: Int64, _ item: String, _ db: Database) throws -> Row {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT i.*, r.interaction_id, r.calibration, r.rubric, r.rubric_version, q.agent FROM qa_review_item i
            JOIN qa_review r ON r.id = i.review_id JOIN qa_interaction q ON q.id = r.interaction_id
            WHERE i.review_id = ? AND i.item_id = ?
            """, arguments: [review, item]) else {
            throw ServiceError("review \(review) has no item `\(item)`")
        }
        return row
    }
}
