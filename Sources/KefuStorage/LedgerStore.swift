public import KefuCore

/// The certification ledger: entries, checkpoints.
public protocol LedgerStore: Sendable {
}
