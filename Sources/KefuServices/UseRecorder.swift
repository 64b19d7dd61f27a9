public import KefuCore
public import KefuStorage
public import Logging

/// Collects the uses of API tokens and sessions and writes them together about once a second, in one transaction,
/// off the request's path. A use not yet written when the process stops is lost (the last-use time is then up to a
/// second older than the truth; nothing else depends on it being exact to the second).
public actor UseRecorder {
    private var tokens: [APITokenID: String] = [:]
    private var sessions: [SessionID: String] = [:]
    private var scheduled = false

    /// Creates an empty recorder.
    public init() {}

    /// Notes a token's use.
    func note(token id: APITokenID, at time: String, store: any AccountStore, logger: Logger) {
        tokens[id] = time
        schedule(store, logger)
    }

    /// Notes a session's use.
    func note(session id: SessionID, at time: String, store: any AccountStore, logger: Logger) {
        sessions[id] = time
        schedule(store, logger)
    }

    private func schedule(_ store: any AccountStore, _ logger: Logger) {
        guard !scheduled else { return }
        scheduled = true
        Task {
            try? await Task.sleep(for: .seconds(1))
            await self.flush(store, logger)
        }
    }

    /// Writes what was noted (also called by tests).
    func flush(_ store: any AccountStore, _ logger: Logger) async {
        let (t, s) = (tokens, sessions)
        tokens = [:]
        sessions = [:]
        scheduled = false
        do { try await store.recordUses(tokens: t, sessions: s) } catch {
            logger.warning("could not record \(t.count + s.count) uses of tokens and sessions: \(type(of: error))")
        }
    }
}
