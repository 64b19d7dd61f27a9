import Foundation
import GRDB
import KefuCore
import KefuStorage

/// QAStore on SQLite.
struct SQLiteQAStore: QAStore {
    let database: KefuDatabase
}
