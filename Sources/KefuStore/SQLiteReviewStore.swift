import Foundation
import GRDB
import KefuCore
import KefuStorage

/// ReviewStore on SQLite.
struct SQLiteReviewStore: ReviewStore {
    let database: KefuDatabase
}
