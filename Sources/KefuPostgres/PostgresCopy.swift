import Crypto
import Foundation
import KefuLedger
public import KefuStorage
import Logging
import PostgresNIO

/// `kefu db copy`: a whole embedded database into an empty PostgreSQL one, all or nothing (one transaction), tables in
/// foreign-key order, pages of rows turned into each column's PostgreSQL type by the server itself
/// (`json_populate_recordset`), identity sequences moved past the copied ids; then counts and checksums compared
/// inside the same transaction, so a mismatch commits nothing.
extension PostgresDatabase {
    /// One target column: its name, its PostgreSQL type (`udt_name`) and whether its value is kept byte for byte.
    struct CopyColumn {
        /// The column name.
        var name: String
        /// `text`, `int8`, `bool`, `timestamptz`, `jsonb`, `_text`, …
        var type: String
        /// True for types whose text is kept exactly (text, integers, booleans, json): the checksummed ones.
        var exact: Bool { ["text", "int8", "int4", "int2", "bool", "json"].contains(type) }
    }

    /// Copies every table of `source` into this (empty, migrated) database and returns the figures. Throws, with
    /// nothing written, when the target is not empty, a table or column is missing on either side, a value does not
    /// fit its column, or a count or checksum differs.
    public func copy(from source: any CopySource, pageSize: Int = 2000) async throws -> CopyReport {
        let sourceTables = try source.copyTables()
        return try await write { connection in
            let logger = self.logger
            let order = try await Self.tablesInKeyOrder(connection, logger, schema: self.location.schema)
            guard Set(order) == Set(sourceTables) else {
                let missing = Set(sourceTables).symmetricDifference(order).sorted()
                throw StorageError(
                    .conflict, "the two databases' tables differ (\(missing.joined(separator: ", "))); upgrade Kefu")
            }
            var report: [CopyReport.Table] = []
            for table in order {
                let columns = try await Self.columns(of: table, connection, logger, schema: self.location.schema)
                let existing =
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), logger: logger
                    ).first(Int.self) ?? 0
                guard existing == 0 else {
                    throw StorageError(
                        .conflict,
                        "\(self.location.redacted) already holds data (table \(table)); copy into an empty database only"
                    )
                }
                report.append(
                    try await Self.copyTable(
                        table, columns: columns, from: source, pageSize: pageSize, connection, logger))
            }
            for table in report
            where table.sourceRows != table.targetRows || table.sourceChecksum != table.targetChecksum {
                throw StorageError(
                    .conflict,
                    "table \(table.name) differs after the copy (rows \(table.sourceRows) → \(table.targetRows)); nothing was copied"
                )
            }
            return CopyReport(tables: report)
        }
    }

    /// Copies one table page by page, then reads back its count and checksum.
    static func copyTable(
        _ table: String, columns: [CopyColumn], from source: any CopySource, pageSize: Int,
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> CopyReport.Table {
        var checksum = SHA256()
        var copied = 0
        var after: [CopyValue]? = nil
        let byName = Dictionary(uniqueKeysWithValues: columns.map { ($0.name, $0) })
        while true {
            let page = try source.copyPage(table, after: after, limit: pageSize)
            guard !page.rows.isEmpty else { break }
            let targets = try page.columns.map { name in
                guard let column = byName[name] else {
                    throw StorageError(.conflict, "column \(table).\(name) has no place in PostgreSQL; upgrade Kefu")
                }
                return column
            }
            var json = "["
            for (number, row) in page.rows.enumerated() {
                json += number == 0 ? "{" : ",{"
                for (index, value) in row.enumerated() {
                    if index > 0 { json += "," }
                    json +=
                        quoted(targets[index].name) + ":" + (try jsonValue(value, for: targets[index], table: table))
                }
                json += "}"
                update(&checksum, row: row, columns: targets)
            }
            json += "]"
            let names = columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
            var binds = PostgresBindings()
            binds.append(json)
            try await connection.query(
                PostgresQuery(
                    unsafeSQL:
                        "INSERT INTO \(table) (\(names)) SELECT \(names) FROM json_populate_recordset(NULL::\(table), $1::json)",
                    binds: binds), logger: logger)
            copied += page.rows.count
            after = page.lastKey
            if page.rows.count < pageSize { break }
        }
        try await resetIdentity(table, columns: columns, connection, logger)
        let expected = try source.copyCount(table)
        let (count, target) = try await targetChecksum(table, columns: columns, connection, logger)
        return CopyReport.Table(
            name: table, sourceRows: max(expected, copied), targetRows: count,
            sourceChecksum: hex(checksum.finalize()), targetChecksum: target)
    }

    /// A source value as JSON for `json_populate_recordset` into `column`'s type.
    static func jsonValue(_ value: CopyValue, for column: CopyColumn, table: String) throws -> String {
        switch (value, column.type) {
        case (.null, _): return "null"
        case (.integer(let number), "bool"): return number == 0 ? "false" : "true"
        case (.integer(let number), _): return String(number)
        case (.real(let number), _):
            guard number.isFinite else {
                throw StorageError(.conflict, "table \(table), column \(column.name) holds a number that is not finite")
            }
            return "\(number)"
        case (.text(let text), "json"), (.text(let text), "jsonb"): return text.isEmpty ? "null" : text
        case (.text(let text), "_text"):
            let items = text.split(separator: ",").map { quoted(String($0)) }
            return "[" + items.joined(separator: ",") + "]"
        case (.text(let text), _): return quoted(text)
        case (.blob(let bytes), _): return quoted("\\x" + hex(bytes))
        }
    }

    /// Adds a source row's exactly kept columns to `checksum`.
    static func update(_ checksum: inout SHA256, row: [CopyValue], columns: [CopyColumn]) {
        var line = ""
        for (index, value) in row.enumerated() where columns[index].exact {
            switch value {
            case .null: line += "\u{0}"
            case .integer(let number): line += String(number)
            case .real(let number): line += "\(number)"
            case .text(let text): line += text
            case .blob(let bytes): line += hex(bytes)
            }
            line += "\u{1F}"
        }
        checksum.update(data: Array((line + "\u{1E}").utf8))
    }

    /// The target's row count and the checksum over its exactly kept columns, in the source's order (primary key,
    /// text compared byte by byte as SQLite does).
    static func targetChecksum(
        _ table: String, columns: [CopyColumn], _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> (Int, String) {
        let exact = columns.filter(\.exact)
        let key = try await primaryKey(of: table, connection, logger)
        let order = key.map { name in
            columns.first { $0.name == name }?.type == "text" ? "\"\(name)\" COLLATE \"C\"" : "\"\(name)\""
        }
        let values = exact.map { $0.type == "bool" ? "\"\($0.name)\"::int::text" : "\"\($0.name)\"::text" }
        let select =
            values.isEmpty
            ? "''" : "concat_ws(E'\\x1F', \(values.map { "COALESCE(\($0), E'\\x01')" }.joined(separator: ", ")))"
        var checksum = SHA256()
        var count = 0
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT \(select) FROM \(table) ORDER BY \(order.joined(separator: ", "))"),
            logger: logger)
        for try await row in rows {
            let text = try row.decode(String.self).replacingOccurrences(of: "\u{1}", with: "\u{0}")
            checksum.update(data: Array((text + (exact.isEmpty ? "" : "\u{1F}") + "\u{1E}").utf8))
            count += 1
        }
        return (count, hex(checksum.finalize()))
    }

    /// Moves an identity column's sequence past the largest copied id, so new rows do not collide.
    static func resetIdentity(
        _ table: String, columns: [CopyColumn], _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        let identity = try await connection.query(
            """
            SELECT column_name::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = \(table) AND is_identity = 'YES'
            """, logger: logger
        ).all(String.self)
        for column in identity {
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'),
                                      COALESCE((SELECT max(\(column)) FROM \(table)), 0) + 1, false)
                        """), logger: logger)
        }
    }

    /// The target's columns of `table`, in table order.
    static func columns(
        of table: String, _ connection: PostgresConnection, _ logger: Logger, schema: String
    ) async throws -> [CopyColumn] {
        try await connection.query(
            """
            SELECT column_name::text, udt_name::text FROM information_schema.columns
            WHERE table_schema = \(schema) AND table_name = \(table) ORDER BY ordinal_position
            """, logger: logger
        ).all((String, String).self).map { CopyColumn(name: $0.0, type: $0.1) }
    }

    /// The primary key columns of `table`, in key order.
    static func primaryKey(
        of table: String, _ connection: PostgresConnection, _ logger: Logger
    ) async throws
        -> [String]
    {
        try await connection.query(
            """
            SELECT a.attname::text FROM pg_index i
            JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = \(table)::regclass AND i.indisprimary ORDER BY k.ord
            """, logger: logger
        ).all(String.self)
    }

    /// Kefu's tables, each after the tables its foreign keys point to.
    static func tablesInKeyOrder(
        _ connection: PostgresConnection, _ logger: Logger, schema: String
    ) async throws -> [String] {
        let tables = try await connection.query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = \(schema) AND tablename <> 'kefu_migration' ORDER BY 1",
            logger: logger
        ).all(String.self)
        let edges = try await connection.query(
            """
            SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
            JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = \(schema)
            """, logger: logger
        ).all((String, String).self)
        let bare = { (name: String) in name.split(separator: ".").last.map(String.init) ?? name }
        var needs: [String: Set<String>] = [:]
        for (from, to) in edges where bare(from) != bare(to) { needs[bare(from), default: []].insert(bare(to)) }
        var ordered: [String] = []
        var placed: Set<String> = []
        while ordered.count < tables.count {
            let ready = tables.filter { !placed.contains($0) && (needs[$0] ?? []).isSubset(of: placed) }
            guard !ready.isEmpty else { throw StorageError(.unavailable, "the foreign keys form a cycle") }
            ordered += ready
            placed.formUnion(ready)
        }
        return ordered
    }

    /// `text` as a JSON string (the ledger's canonical escaping).
    static func quoted(_ text: String) -> String { JSONValue.string(text).canonicalString }

    /// Lower-case hex of `bytes`.
    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
