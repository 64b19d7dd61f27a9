import Foundation
import KefuStorage
import Logging
import PostgresNIO

extension PostgresDatabase {
    /// Creates the login role `role` when missing (with `password` when given) and grants it what Kefu's server
    /// needs: SELECT and INSERT on every table, UPDATE and DELETE on every table except the append-only ones, the
    /// sequences, and EXECUTE on Kefu's functions; TRUNCATE on none. Returns the statements run (for the operator's
    /// record; the password is shown as `***`). The append-only tables then refuse changes twice over: their
    /// triggers, and the role's missing privileges.
    public func grantApplicationRole(_ role: String, password: String?) async throws -> [String] {
        let schema = location.schema
        let quotedPassword = password.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }
        let tables = try await read { connection in
            try await connection.query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = \(schema) ORDER BY 1", logger: self.logger
            ).all(String.self)
        }
        let changeable = tables.filter { !PostgresMigrations.appendOnlyTables.contains($0) && $0 != "kefu_migration" }
        var statements = [
            """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(role)') THEN
                    CREATE ROLE \(role) LOGIN\(quotedPassword.map { " PASSWORD \($0)" } ?? "");
                END IF;
            END $$
            """,
            "GRANT USAGE ON SCHEMA \(schema) TO \(role)",
            "REVOKE ALL ON ALL TABLES IN SCHEMA \(schema) FROM \(role)",
            "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA \(schema) TO \(role)",
            "GRANT UPDATE, DELETE ON \(changeable.map { "\(schema).\($0)" }.joined(separator: ", ")) TO \(role)",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA \(schema) TO \(role)",
            "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA \(schema) TO \(role)",
        ]
        if let quotedPassword { statements.append("ALTER ROLE \(role) PASSWORD \(quotedPassword)") }
        let toRun = statements
        try await write { connection in
            for statement in toRun { try await connection.run(statement, logger: self.logger) }
        }
        return statements.map { text in
            quotedPassword.map { text.replacingOccurrences(of: $0, with: "'***'") } ?? text
        }
    }
}

extension PostgresDatabase {
    /// Drops this database's schema with everything in it (benchmarks' and tests' scratch schemas only: refuses
    /// `public`).
    public func dropSchema() async throws {
        let schema = location.schema
        guard schema != "public" else {
            throw StorageError(.conflict, "refusing to drop the public schema; only scratch schemas are dropped")
        }
        try await client.withConnection { connection in
            try await connection.run("DROP SCHEMA IF EXISTS \(schema) CASCADE", logger: self.logger)
        }
    }
}
