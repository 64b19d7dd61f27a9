import Foundation
import GRDB
import KefuCore
import KefuStorage

/// PeopleStore on SQLite.
struct SQLitePeopleStore: PeopleStore {
    let database: KefuDatabase

    func person(_ id: PersonID) async throws -> Person? {
        try await database.pool.read { db in try database.person(id.rawValue, db) }
    }
}
