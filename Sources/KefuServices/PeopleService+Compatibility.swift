import Foundation
import KefuCore
public import KefuStore

// Compatibility for code not yet moved to the service boundary (other slices' tests import people
// this way). Remove once nothing calls it.
extension PeopleService {
    /// A service over an open database, with the current folder as content root.
    public init(database: KefuDatabase) {
        self.init(
            environment: KefuEnvironment(
                configuration: Configuration(root: FileManager.default.currentDirectoryPath, database: database.path),
                storage: SQLiteStorage(database: database)))
    }

    /// Imports a CSV file synchronously: all rows or none. Returns the number imported.
    public func importCSV(at path: String) throws -> Int {
        let people = try Self.parse(.file(path))
        guard let database = (try environment.storage as? SQLiteStorage)?.database else {
            throw ServiceError(.unavailable, "this import needs SQLite storage")
        }
        try database.addPeople(people)
        return people.count
    }
}
