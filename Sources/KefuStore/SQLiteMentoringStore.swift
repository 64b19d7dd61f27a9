import Foundation
import GRDB
import KefuCore
import KefuStorage

/// MentoringStore on SQLite.
struct SQLiteMentoringStore: MentoringStore {
    let database: KefuDatabase
}
