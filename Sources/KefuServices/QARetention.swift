import Crypto
import Foundation
public import KefuCore
import KefuQA
import KefuStorage

extension QAImportService {
    /// Retention: deletes the interactions that started before `date` (`YYYY-MM-DD`) with their scores,
    /// sample memberships, reviews and disputes, in one transaction; the audit log records the date and
    /// the count. Interactions without a start time are kept. Returns the count.
    public func purge(before date: String, by actor: Identity) async throws -> Int {
        try AccessPolicy.require(actor, .importInteractions)
        let parts = date.split(separator: "-").map { Int($0) }
        guard date.count == 10, parts.count == 3, let year = parts[0], let month = parts[1], let day = parts[2],
            (1900...2999).contains(year), (1...12).contains(month), (1...31).contains(day)
        else {
            throw ServiceError(.invalidInput, "`\(date)` is not a date; write YYYY-MM-DD (e.g. 2025-12-01)")
        }
        let store = try environment.qaStore
        let count = try await translatingStorageErrors { try await store.deleteInteractions(.startedBefore(date)) }
        try await environment.audit(
            actor, "qa.purge", subject: "interactions before \(date)", detail: ["deleted": String(count)])
        return count
    }

    /// Erasure (one customer's request): deletes the interactions whose id or stored turns contain `term`
    /// — stored text is masked, so search by what survives masking (an order number, the interaction id,
    /// the last four digits with their mask) — with everything that hangs off them, in one transaction.
    /// The audit log records the count and a SHA-256 of the term, never the term. Returns the count.
    public func erase(term: String, by actor: Identity) async throws -> Int {
        try AccessPolicy.require(actor, .importInteractions)
        let term = term.trimmingCharacters(in: .whitespacesAndNewlines)
        guard term.count >= 4 else {
            throw ServiceError(
                .invalidInput, "the search term is too short to pick one customer's interactions (4 characters or more)"
            )
        }
        let store = try environment.qaStore
        let count = try await translatingStorageErrors { try await store.deleteInteractions(.containing(term)) }
        let hash = SHA256.hash(data: Data(term.utf8)).map { String(format: "%02x", $0) }.joined()
        try await environment.audit(
            actor, "qa.erase", subject: "interactions matching a search term",
            detail: ["deleted": String(count), "term_sha256": hash])
        return count
    }

    /// Erasure by a customer's identifier — a mobile, bank-card or resident-ID number or an e-mail address, written
    /// any way (separators, `+86`, full width): deletes the interactions from which that identifier was masked on
    /// import (found through the keyed erasure index; the numbers themselves are never stored), with everything that
    /// hangs off them, in one transaction. The audit log records the count and a SHA-256 of the identifier's
    /// canonical form. Returns the count.
    public func erase(identifier: String, by actor: Identity) async throws -> Int {
        try AccessPolicy.require(actor, .importInteractions)
        let candidates = PersonalDataKind.allCases.compactMap { Masker.identifier(identifier, kind: $0) }
        guard !candidates.isEmpty else {
            throw ServiceError(
                .invalidInput,
                "not an identifier the import masks: give a mobile, bank-card or resident-ID number (11 digits or more) or an e-mail address"
            )
        }
        guard let key = try environment.keys.indexKey(create: false) else {
            throw ServiceError(
                .precondition,
                "there is no erasure index key (\(environment.keys.indexKeyPath)): nothing was imported with an index yet, or the key directory is not this database's; search with --term instead"
            )
        }
        let digests = candidates.map { IdentifierDigest.digest($0, key: key) }
        let store = try environment.qaStore
        let count = try await translatingStorageErrors { try await store.deleteInteractions(.identifiedBy(digests)) }
        let hash = SHA256.hash(data: Data(candidates.joined(separator: "\n").utf8)).map { String(format: "%02x", $0) }
            .joined()
        try await environment.audit(
            actor, "qa.erase", subject: "interactions of one customer's identifier",
            detail: ["deleted": String(count), "identifier_sha256": hash])
        return count
    }
}
