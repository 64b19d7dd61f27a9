import KefuServices
import KefuStore

/// Seeds people into a test database synchronously (fixtures that are not async): parsed by the service's CSV
/// reader, stored by the SQLite store in one transaction. Returns how many were added.
@discardableResult
func seedPeople(_ database: KefuDatabase, csv path: String) throws -> Int {
    let people = try PeopleService.parse(.file(path))
    try database.addPeople(people)
    return people.count
}
