import Foundation
import KefuCore
public import KefuLedger
public import KefuStorage

extension StorageConformance {
    /// ``AuditStore``: appends number events from 1 and hand `make` the previous hash; bodies and query columns
    /// read back as written; filters by action prefix, person, subject, time and limit (newest last); the stored
    /// log verifies.
    public static func audit(_ make: StorageFactory) async throws {
        let storage = try await make()
        let store = storage.audit
        let empty = try await store.stored().isEmpty
        try check(empty, "a new log is empty")
        let plan: [(String, String, String, String)] = [
            ("2026-12-01T09:00:00.000Z", "E001", "exam.start", "attempt 1"),
            ("2026-12-01T09:30:00.000Z", "E001", "exam.submit", "attempt 1"),
            ("2026-12-01T10:00:00.000Z", "L001", "exam.grade", "attempt 1"),
            ("2026-12-02T08:00:00.000Z", "S001", "qa.dispute.decide", "dispute 4"),
        ]
        var written: [AuditEvent] = []
        for (at, person, action, subject) in plan {
            let event = try await store.append { sequence, previous in
                AuditEvent(
                    sequence: sequence, at: at, actor: "operator test acting as \(person)", person: person,
                    action: action, subject: subject, detail: ["note": "n\(sequence)"], previousHash: previous)
            }
            written.append(event)
        }
        try check(written.map(\.sequence) == [1, 2, 3, 4], "sequence numbers run from 1: \(written.map(\.sequence))")
        try check(written[0].previousHash == AuditEvent.genesisHash, "the first event links to the genesis hash")
        try check(written[2].previousHash == written[1].chainHash, "each event links to the one before")
        let all = try await store.events(AuditFilter())
        try check(all == written, "events read back as written, in order")
        let exams = try await store.events(AuditFilter(actionPrefix: "exam."))
        try check(exams.map(\.sequence) == [1, 2, 3], "action prefix filter: \(exams.map(\.sequence))")
        let lead = try await store.events(AuditFilter(person: "L001"))
        try check(lead.map(\.sequence) == [3], "person filter: \(lead.map(\.sequence))")
        let dispute = try await store.events(AuditFilter(subjectContaining: "dispute"))
        try check(dispute.map(\.sequence) == [4], "subject filter: \(dispute.map(\.sequence))")
        let since = try await store.events(AuditFilter(since: "2026-12-02"))
        try check(since.map(\.sequence) == [4], "since filter: \(since.map(\.sequence))")
        let newest = try await store.events(AuditFilter(limit: 2))
        try check(newest.map(\.sequence) == [3, 4], "limit keeps the newest, oldest first: \(newest.map(\.sequence))")
        let stored = try await store.stored()
        try check(stored.map(\.hash) == written.map(\.chainHash), "stored hashes are the chain hashes")
        try check(AuditVerifier.verify(stored).isValid, "the stored log verifies")
    }
}
