import Foundation
import GRDB
import KefuCore
import KefuStorage

extension KefuDatabase {
    /// Marks a person as having left (or active again). Used by `people leave` (people slice); mentorships of
    /// people who left are ended by the next mentor assignment.
    public func setActive(_ active: Bool, person: String) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE person SET status = ? WHERE id = ?", arguments: [active ? "active" : "left", person])
            guard db.changesCount > 0 else { throw StorageError(.notFound, "no person with id `\(person)`") }
        }
    }
}
