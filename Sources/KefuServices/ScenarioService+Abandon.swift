import Foundation
public import KefuCore
import KefuScenarios
public import KefuStorage

extension ScenarioService {
    /// Ends a stored run that is still in progress but whose play is gone (the web server restarted, the terminal
    /// was killed): it is recorded incomplete — never certification evidence — from its saved partial transcript and
    /// report, with `reason` as its outcome. Only the run's trainee may do this; a run the actor may not read is
    /// reported as not found, and a run that has already ended is a conflict.
    @discardableResult
    public func abandon(run id: RunID, reason: String, by actor: Identity) async throws -> ScenarioRunRecord {
        let store = try self.store
        let missing = ServiceError(.notFound, "no transcript \(id)", hint: .init("transcript.list"))
        guard let run = try await translatingStorageErrors({ try await store.run(id) }) else { throw missing }
        guard AccessPolicy.decide(actor, .viewTranscript, on: try await environment.subject(run.personID)).allowed
        else { throw missing }
        try Self.requirePlayer(run, actor)
        guard run.status == .inProgress else {
            throw ServiceError(.conflict, "scenario run \(id) has already ended (\(run.status.rawValue))")
        }
        let stored = ScenarioTranscript(run)
        var report = stored.report
        report?.status = .incomplete
        report?.outcome = reason
        report?.passed = false
        let end = ScenarioRunEnd(
            run: id, status: .incomplete, outcome: reason,
            finishedAt: LedgerService.timestamp(environment.clock.now()), score: report?.score ?? 0, passed: false,
            transcript: try canonicalJSON(stored.interaction),
            report: try report.map { try canonicalJSON($0) } ?? run.report)
        let finished = try await translatingStorageErrors { try await store.finish(end) }
        try await environment.audit(
            actor, "scenario.finish", subject: "run \(id)",
            detail: ["status": end.status.rawValue, "outcome": reason, "passed": "no"])
        return finished
    }
}
