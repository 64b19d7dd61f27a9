import Foundation
public import KefuCore
public import KefuLedger
import KefuQA
import KefuRegex
public import KefuStorage
import Logging

extension KefuEnvironment {
    /// Records a state change in the audit log: who (`actor`, named as ``Identity/auditName``), what
    /// (`action`, dotted like `exam.grade`), on what (`subject`, e.g. `attempt 12`), with `detail`
    /// (short values; every value is masked like QA text — ID-card, bank-card, mobile numbers and
    /// e-mail addresses — before it is stored, so free text typed by staff cannot leak personal data
    /// into a log that can never be edited).
    ///
    /// Call it after the change has been stored.
    public func audit(
        _ actor: Identity, _ action: String, subject: String, detail: [String: String] = [:]
    ) async throws {
        let at = Timestamp.format(clock.now())
        let masked = AuditMasking.mask(detail)
        let person = actor.person.rawValue
        let actorName = actor.auditName
        let subjectText = AuditMasking.mask(["s": subject])["s"] ?? subject
        try await translatingStorageErrors {
            try await self.storage.audit.append { sequence, previous in
                AuditEvent(
                    sequence: sequence, at: at, actor: actorName, person: person, action: action, subject: subjectText,
                    detail: masked, previousHash: previous)
            }
        }
        logger.debug("audit", metadata: ["action": "\(action)", "subject": "\(subjectText)", "actor": "\(actorName)"])
    }
}

/// Masks personal data in audit details and staff free text with the QA masker (all kinds). Fails
/// closed: a value whose masking fails is withheld from the audit log, and free text is refused.
enum AuditMasking {
    static let masker: Masker? = try? Masker()

    static func mask(_ detail: [String: String]) -> [String: String] {
        let scratch = MatchScratch()
        return detail.mapValues { value in
            guard let masker, let masked = try? masker.mask(value, scratch: scratch) else {
                return "(text withheld: it could not be masked)"
            }
            return masked.text
        }
    }

    /// `text` typed by staff (`what`: e.g. "the dispute reason") masked before it is stored; throws
    /// ``ServiceError`` when it cannot be masked, so unmasked text is never stored.
    static func maskFreeText(_ text: String, what: String) throws -> String {
        guard let masker, let masked = try? masker.mask(text, scratch: MatchScratch()) else {
            throw ServiceError(
                .invalidInput, "\(what) could not be checked for personal data; shorten or simplify it and try again")
        }
        return masked.text
    }
}

/// Reading and verifying the audit log.
public struct AuditService: Sendable {
    let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// Events matching `filter`; supervisors, managers and administrators only.
    public func events(_ filter: AuditFilter, by actor: Identity) async throws -> [AuditEvent] {
        try AccessPolicy.require(actor, .viewAudit)
        return try await translatingStorageErrors { try await environment.storage.audit.events(filter) }
    }

    /// Verifies the chain and, given heads kept outside the database, that nothing was removed or rewritten.
    public func verify(heads: [AuditHead] = []) async throws -> AuditVerification {
        let stored = try await translatingStorageErrors { try await environment.storage.audit.stored() }
        return AuditVerifier.verify(stored, heads: heads)
    }

    /// The current head, to keep outside the database (a file elsewhere, a witness, a print-out).
    public func head() async throws -> AuditHead {
        let verification = try await verify()
        if let problem = verification.problem {
            throw ServiceError(
                .precondition, "the audit log does not verify (\(problem.message)); investigate before recording a head"
            )
        }
        return verification.head
    }

    /// Reads a head file written by ``encode(_:)``.
    public static func decodeHead(_ text: String, file: String) throws -> AuditHead {
        guard let head = try? JSONDecoder().decode(AuditHead.self, from: Data(text.utf8)), head.size >= 0,
            head.hash.count == 64
        else {
            throw ServiceError(
                .invalidInput, "\(file):1:1: not an audit head (expected {\"size\": N, \"hash\": \"…\"})")
        }
        return head
    }

    /// A head as the JSON text kept outside the database.
    public static func encode(_ head: AuditHead) -> String {
        "{\"hash\":\"\(head.hash)\",\"size\":\(head.size)}\n"
    }
}
