import GRDB

extension KefuDatabase {
    /// The tables of the migration "2026-11 accounts, sessions, API tokens and role grants". Released:
    /// never edit it; change the schema with a new migration.
    ///
    /// No secret is stored: passwords as bcrypt hashes, one-time tokens, session secrets and API token
    /// secrets as their SHA-256 (lowercase hex).
    static func registerAccounts(_ db: Database) throws {
        try db.create(table: "account") { t in
            t.primaryKey("person_id", .text).references("person")
            t.column("password_hash", .text)
            t.column("created_at", .text).notNull()
            t.column("updated_at", .text).notNull()
            t.column("failed_attempts", .integer).notNull().defaults(to: 0)
            t.column("lockouts", .integer).notNull().defaults(to: 0)
            t.column("locked_until", .text)
            t.column("disabled", .boolean).notNull().defaults(to: false)
        }
        // Invitation and password-reset tokens (`created_by` may be an operator who is no person).
        try db.create(table: "account_token") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("person_id", .text).notNull().references("account").indexed()
            t.column("purpose", .text).notNull()  // invitation | reset
            t.column("token_hash", .text).notNull().unique()
            t.column("created_by", .text).notNull()
            t.column("created_at", .text).notNull()
            t.column("expires_at", .text).notNull()
            t.column("used_at", .text)
            t.column("revoked_at", .text)
        }
        try db.create(table: "session") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("person_id", .text).notNull().references("person").indexed()
            t.column("secret_hash", .text).notNull().unique()
            t.column("created_at", .text).notNull()
            t.column("expires_at", .text).notNull()
            t.column("last_seen_at", .text).notNull()
            t.column("revoked_at", .text)
            t.column("user_agent", .text)
        }
        try db.create(table: "api_token") { t in
            t.primaryKey("id", .text)
            t.column("name", .text).notNull()
            t.column("secret_hash", .text).notNull()
            t.column("person_id", .text).notNull().references("person").indexed()
            t.column("scopes", .text).notNull().defaults(to: "")  // comma-separated roles; empty = all
            t.column("created_by", .text).notNull()
            t.column("created_at", .text).notNull()
            t.column("expires_at", .text)
            t.column("last_used_at", .text)
            t.column("revoked_at", .text)
        }
        // Roles beyond the level's; withdrawn grants stay as history. One active grant per person and role.
        try db.create(table: "role_grant") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("person_id", .text).notNull().references("person").indexed()
            t.column("role", .text).notNull()
            t.column("granted_by", .text).notNull()
            t.column("granted_at", .text).notNull()
            t.column("withdrawn_at", .text)
            t.column("withdrawn_by", .text)
        }
        try db.execute(
            sql: "CREATE UNIQUE INDEX role_grant_active ON role_grant(person_id, role) WHERE withdrawn_at IS NULL")
    }
}
