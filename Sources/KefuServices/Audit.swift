public import KefuCore
import Logging

extension KefuEnvironment {
    /// Records a state change in the audit log: who (`actor`, named as ``Identity/auditName``), what
    /// (`action`, dotted like `exam.grade`), on what (`subject`, e.g. `attempt 12`), with `detail`
    /// (short values; free text is masked like QA text before it is stored).
    ///
    /// Call it after the change has been stored.
    public func audit(
        _ actor: Identity, _ action: String, subject: String, detail: [String: String] = [:]
    ) async throws {
        logger.debug(
            "audit", metadata: ["action": "\(action)", "subject": "\(subject)", "actor": "\(actor.auditName)"])
    }
}
