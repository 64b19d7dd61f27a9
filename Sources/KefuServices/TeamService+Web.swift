import Foundation
public import KefuCore
public import KefuLedger
public import KefuStorage

/// An open retraining flag as the team pages list it.
public struct RetrainingFlagView: Sendable, Hashable, Codable {
    /// Who is flagged.
    public var person: PersonID
    /// For which blueprint.
    public var blueprint: BlueprintID
    /// Since when (ISO-8601).
    public var since: String
    /// Why (e.g. "failed 2 attempts in a row").
    public var reason: String
}

extension ExamService {
    /// Every open retraining flag, by person then blueprint; team leads, supervisors, managers and administrators
    /// only (those who may read anybody's exam results).
    public func openRetrainingFlags(by actor: Identity) async throws -> [RetrainingFlagView] {
        try AccessPolicy.require(actor, .viewExamResult)
        let flags = try await translatingStorageErrors { try await environment.storage.exams.openRetrainingFlags() }
        return flags.map {
            RetrainingFlagView(person: $0.person, blueprint: $0.blueprint, since: $0.since, reason: $0.reason)
        }
        .sorted { ($0.person, $0.blueprint) < ($1.person, $1.blueprint) }
    }
}

extension PeopleService {
    /// Everyone, by id, for the team pages: team leads, supervisors, managers and administrators only (those who may
    /// read anybody's performance records).
    public func directory(by actor: Identity) async throws -> [Person] {
        try AccessPolicy.require(actor, .viewPerformance)
        return try await list()
    }
}

extension LedgerService {
    /// Every ledger entry, for the certification pages: those who may read anybody's performance records only.
    public func entries(by actor: Identity) async throws -> [LedgerEntryView] {
        try AccessPolicy.require(actor, .viewPerformance)
        return try await list()
    }

    /// One ledger entry as shown, or not found when `actor` may not read `person`'s records (the same answer as a
    /// missing entry).
    public func entryView(_ id: EntryID, by actor: Identity) async throws -> LedgerEntryView {
        let found: LedgerEntry
        do { found = try await entry(id) } catch let error as ServiceError where error.code == .notFound {
            throw ServiceError(.notFound, "no ledger entry \(id)")
        }
        try AccessPolicy.requireVisible(
            actor, .viewPerformance, on: try await environment.subject(PersonID(found.person)),
            notFound: "no ledger entry \(id)")
        return LedgerEntryView(found)
    }
}

extension AuditService {
    /// Events matching `filter`, then those up to `until` (ISO date, inclusive) whose action, subject, actor or detail
    /// contains `text` (case-insensitive); supervisors, managers and administrators only.
    public func search(
        _ filter: AuditFilter, until: String?, text: String?, by actor: Identity
    ) async throws -> [AuditEvent] {
        let events = try await events(filter, by: actor)
        let needle = text?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return events.filter { event in
            if let until, !until.isEmpty, String(event.at.prefix(10)) > until { return false }
            guard !needle.isEmpty else { return true }
            let haystack =
                ([event.action, event.subject, event.actor, event.person] + event.detail.map { "\($0)=\($1)" })
                .joined(separator: " ").lowercased()
            return haystack.contains(needle)
        }
    }
}

extension AccountService {
    /// Everyone's account state (`none`, `invited`, `active`, `locked`, `disabled`) and roles, by person;
    /// administrators only.
    public func overview(by actor: Identity) async throws -> [AccountStatus] {
        try AccessPolicy.require(actor, .manageAccounts)
        let people = try await translatingStorageErrors { try await environment.storage.people.people() }
        var result: [AccountStatus] = []
        for person in people { result.append(try await status(of: PersonID(person.id), by: actor)) }
        return result
    }
}
