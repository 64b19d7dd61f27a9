import Foundation
import GRDB
import KefuCore
import KefuStorage

/// ExamStore on SQLite.
struct SQLiteExamStore: ExamStore {
    let database: KefuDatabase
}
