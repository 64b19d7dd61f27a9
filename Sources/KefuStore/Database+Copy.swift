import Foundation
import GRDB
public import KefuStorage

/// The embedded database as the source of `kefu db copy`: its tables, and their rows page by page in primary-key
/// order (keyset paging on the primary key, so a million rows cost no more per page than ten).
extension KefuDatabase: CopySource {
    /// Kefu's tables (not GRDB's migration bookkeeping).
    public func copyTables() throws -> [String] {
        try pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master
                    WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations' ORDER BY name
                    """)
        }
    }

    /// The number of rows of `table`.
    public func copyCount(_ table: String) throws -> Int {
        try pool.read { db in
            try Self.requireTable(table, db)
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\"") ?? 0
        }
    }

    /// Up to `limit` rows of `table` after primary key `after`, in primary-key order.
    public func copyPage(_ table: String, after: [CopyValue]?, limit: Int) throws -> CopyPage {
        try pool.read { db in
            try Self.requireTable(table, db)
            let info = try Row.fetchAll(db, sql: "SELECT name, pk FROM pragma_table_info(?)", arguments: [table])
            let columns: [String] = info.map { $0["name"] }
            var key = info.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }
                .map { $0["name"] as String }
            if key.isEmpty { key = ["rowid"] }
            let keyList = key.map { "\"\($0)\"" }.joined(separator: ", ")
            var sql = "SELECT \(columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM \"\(table)\""
            var arguments = StatementArguments()
            if let after, after.count == key.count {
                sql += " WHERE (\(keyList)) > (\(Array(repeating: "?", count: key.count).joined(separator: ", ")))"
                arguments = StatementArguments(after.map(Self.databaseValue))
            }
            sql += " ORDER BY \(keyList) LIMIT \(max(1, limit))"
            let keyIndexes = key.compactMap { columns.firstIndex(of: $0) }
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                (0..<columns.count).map { Self.copyValue(row[$0] as DatabaseValue) }
            }
            return CopyPage(columns: columns, rows: rows, lastKey: rows.last.map { row in keyIndexes.map { row[$0] } })
        }
    }

    /// Refuses a name that is not one of the database's tables (names are spliced into SQL).
    static func requireTable(_ table: String, _ db: Database) throws {
        guard try db.tableExists(table), table.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw StorageError(.notFound, "no table `\(table)` in the database")
        }
    }

    /// A stored value as a copy value.
    static func copyValue(_ value: DatabaseValue) -> CopyValue {
        switch value.storage {
        case .null: .null
        case .int64(let number): .integer(number)
        case .double(let number): .real(number)
        case .string(let text): .text(text)
        case .blob(let data): .blob(Array(data))
        }
    }

    /// A copy value as a statement argument.
    static func databaseValue(_ value: CopyValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let number): number.databaseValue
        case .real(let number): number.databaseValue
        case .text(let text): text.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        }
    }
}
