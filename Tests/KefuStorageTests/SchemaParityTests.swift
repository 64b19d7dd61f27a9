import Foundation
import GRDB
import KefuCore
import KefuLedger
import KefuPostgres
import KefuStorage
import KefuStore
import KefuTesting
import PostgresNIO
import Testing

/// One table's shape as both backends must agree on it: column names, which may be NULL, the primary key, unique
/// constraints (with whether they are partial), and foreign keys with their delete rule. Types are left out: each
/// backend uses its own (text and REAL here, timestamptz, jsonb and arrays there).
struct TableShape: Hashable, CustomStringConvertible {
    var columns: Set<String> = []
    var nullable: Set<String> = []
    var primaryKey: [String] = []
    var uniques: Set<String> = []
    var foreignKeys: Set<String> = []

    var description: String {
        "columns \(columns.sorted()), nullable \(nullable.sorted()), primary key \(primaryKey), uniques "
            + "\(uniques.sorted()), foreign keys \(foreignKeys.sorted())"
    }
}

/// The migrations of the two backends are kept in step: after migrating a fresh database of each, the tables,
/// columns, NOT NULLs, keys, uniques, foreign keys, indexes' existence and append-only guards are the same.
@Suite("storage: SQLite and PostgreSQL schemas in step", .enabled(if: postgresAvailable))
struct SchemaParityTests {
    @Test("every table, column, key, unique and foreign key matches")
    func schemasMatch() async throws {
        let sqlite = try await Self.sqliteShapes()
        let postgres = try await Self.postgresShapes()
        #expect(sqlite.count >= 37, "SQLite has Kefu's tables")
        #expect(Set(sqlite.keys) == Set(postgres.keys), "the same tables")
        for (table, shape) in sqlite.sorted(by: { $0.key < $1.key }) {
            #expect(
                postgres[table] == shape,
                "table \(table): SQLite \(shape) vs PostgreSQL \(postgres[table].map(String.init(describing:)) ?? "missing")"
            )
        }
    }

    @Test("the append-only tables refuse UPDATE, DELETE and TRUNCATE in PostgreSQL itself")
    func appendOnly() async throws {
        let storage = try FreshStorage.postgres()
        try await storage.people.add(Person(id: "E1", name: "A", hireDate: "2026-01-01"))
        _ = try await storage.audit.append { sequence, previous in
            AuditEvent(
                sequence: sequence, at: "2026-11-01T09:00:00Z", actor: "operator", person: "E1", action: "x.y",
                subject: "s", detail: [:], previousHash: previous)
        }
        _ = try await storage.ledger.append(signer: try StorageConformance.testSigner()) { _ in
            [
                LedgerEntry(
                    sequence: 0, kind: .issued, person: "E1", subject: "onboarding", recordedAt: "2026-11-22T09:00:00Z",
                    validUntil: nil, refersTo: nil, previousHash: "")
            ]
        }
        try await storage.database.write { connection in
            try await connection.query(
                "INSERT INTO qa_audit (at, actor, action, subject) VALUES ('2026-11-01T09:00:00Z', 'E1', 'x', 's')",
                logger: storage.database.logger)
        }
        for table in PostgresMigrations.appendOnlyTables {
            for statement in ["UPDATE \(table) SET subject = 'x'", "DELETE FROM \(table)", "TRUNCATE \(table)"] {
                do {
                    try await storage.database.write { connection in
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: storage.database.logger)
                    }
                    Issue.record("\(statement) was allowed")
                } catch let error as StorageError {
                    #expect(error.description.contains("append-only"), "\(statement): \(error)")
                }
            }
        }
        #expect(try await storage.audit.stored().count == 1, "the event survives")
        #expect(try await storage.ledger.entries(person: nil).count == 1, "the entry survives")
    }

    static func sqliteShapes() async throws -> [String: TableShape] {
        let storage = try FreshStorage.sqlite()
        return try storage.database.read { db in
            let tables = try String.fetchAll(
                db,
                sql:
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'"
            )
            var shapes: [String: TableShape] = [:]
            for table in tables {
                var shape = TableShape()
                var keyed: [(Int, String)] = []
                for row in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))") {
                    let name: String = row["name"]
                    shape.columns.insert(name)
                    let pk: Int = row["pk"]
                    if pk > 0 { keyed.append((pk, name)) }
                    if (row["notnull"] as Int) == 0 && pk == 0 { shape.nullable.insert(name) }
                }
                shape.primaryKey = keyed.sorted { $0.0 < $1.0 }.map(\.1)
                for row in try Row.fetchAll(db, sql: "PRAGMA index_list(\(table))") where (row["unique"] as Int) == 1 {
                    guard (row["origin"] as String) != "pk" else { continue }
                    let columns = try String.fetchAll(
                        db, sql: "SELECT name FROM pragma_index_info(?)", arguments: [row["name"] as String])
                    shape.uniques.insert(
                        columns.joined(separator: ",") + ((row["partial"] as Int) == 1 ? " partial" : ""))
                }
                for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(\(table))") {
                    let rule = (row["on_delete"] as String).uppercased()
                    shape.foreignKeys.insert(
                        "\(row["from"] as String)->\(row["table"] as String).\(row["to"] as String) \(rule == "NONE" ? "NO ACTION" : rule)"
                    )
                }
                shapes[table] = shape
            }
            return shapes
        }
    }

    static func postgresShapes() async throws -> [String: TableShape] {
        let storage = try FreshStorage.postgres()
        _ = try await storage.people.people()  // migrates
        let schema = storage.database.location.schema
        return try await storage.database.read { connection in
            let logger = storage.database.logger
            var shapes: [String: TableShape] = [:]
            let columns = try await connection.query(
                """
                SELECT table_name::text, column_name::text, is_nullable::text FROM information_schema.columns
                WHERE table_schema = \(schema) AND table_name <> 'kefu_migration'
                """, logger: logger
            ).all((String, String, String).self)
            for (table, column, nullable) in columns {
                shapes[table, default: TableShape()].columns.insert(column)
                if nullable == "YES" { shapes[table, default: TableShape()].nullable.insert(column) }
            }
            let indexes = try await connection.query(
                """
                SELECT t.relname::text, i.indisprimary, i.indpred IS NOT NULL,
                       array_agg(a.attname::text ORDER BY k.ord)
                FROM pg_index i
                JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                WHERE n.nspname = \(schema) AND i.indisunique AND t.relname <> 'kefu_migration'
                GROUP BY i.indexrelid, t.relname, i.indisprimary, i.indpred
                """, logger: logger
            ).all((String, Bool, Bool, [String]).self)
            for (table, primary, partial, keyColumns) in indexes {
                if primary {
                    shapes[table, default: TableShape()].primaryKey = keyColumns
                } else {
                    shapes[table, default: TableShape()].uniques.insert(
                        keyColumns.joined(separator: ",") + (partial ? " partial" : ""))
                }
            }
            let foreign = try await connection.query(
                """
                SELECT c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text, fa.attname::text,
                       c.confdeltype::text
                FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
                WHERE c.contype = 'f' AND n.nspname = \(schema)
                """, logger: logger
            ).all((String, String, String, String, String).self)
            let rules = ["a": "NO ACTION", "c": "CASCADE", "r": "RESTRICT", "n": "SET NULL", "d": "SET DEFAULT"]
            for (table, column, target, targetColumn, rule) in foreign {
                let bare = { (name: String) in name.split(separator: ".").last.map(String.init) ?? name }
                shapes[bare(table), default: TableShape()].foreignKeys.insert(
                    "\(column)->\(bare(target)).\(targetColumn) \(rules[rule] ?? rule)")
            }
            return shapes
        }
    }
}
