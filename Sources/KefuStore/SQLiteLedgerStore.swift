import Foundation
import GRDB
import KefuCore
import KefuStorage

/// LedgerStore on SQLite.
struct SQLiteLedgerStore: LedgerStore {
    let database: KefuDatabase
}
