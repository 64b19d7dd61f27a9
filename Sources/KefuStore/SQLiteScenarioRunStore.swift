import Foundation
import GRDB
import KefuCore
import KefuStorage

/// ScenarioRunStore on SQLite.
struct SQLiteScenarioRunStore: ScenarioRunStore {
    let database: KefuDatabase
}
