/// One stored value as a backend hands it over for a copy to another backend (`kefu db copy`).
public enum CopyValue: Sendable, Hashable {
    /// SQL NULL.
    case null
    /// An integer (also booleans, 0 or 1).
    case integer(Int64)
    /// A floating-point number.
    case real(Double)
    /// Text (also moments, days, JSON documents and comma-joined lists, as the embedded backend keeps them).
    case text(String)
    /// Bytes.
    case blob([UInt8])
}

/// A page of one table's rows, in primary-key order.
public struct CopyPage: Sendable {
    /// The table's column names, in the order of each row's values.
    public var columns: [String]
    /// The rows.
    public var rows: [[CopyValue]]
    /// The primary key of the last row, to ask for the next page (nil when this page is empty).
    public var lastKey: [CopyValue]?

    /// Creates a page.
    public init(columns: [String], rows: [[CopyValue]], lastKey: [CopyValue]?) {
        self.columns = columns
        self.rows = rows
        self.lastKey = lastKey
    }
}

/// A database a copy reads from (the embedded SQLite database): its tables and their rows page by page.
public protocol CopySource: Sendable {
    /// Kefu's tables (without the migration bookkeeping).
    func copyTables() throws -> [String]
    /// The number of rows of `table`.
    func copyCount(_ table: String) throws -> Int
    /// Up to `limit` rows of `table` after primary key `after` (from the start when nil), in primary-key order.
    func copyPage(_ table: String, after: [CopyValue]?, limit: Int) throws -> CopyPage
}

/// What a copy did, table by table.
public struct CopyReport: Sendable, Hashable {
    /// One table's figures.
    public struct Table: Sendable, Hashable {
        /// The table.
        public var name: String
        /// Rows read from the source.
        public var sourceRows: Int
        /// Rows found in the target after the copy.
        public var targetRows: Int
        /// SHA-256 (hex) over the table's exactly kept columns, row by row, on the source.
        public var sourceChecksum: String
        /// The same over what the target holds.
        public var targetChecksum: String

        /// Creates the figures.
        public init(name: String, sourceRows: Int, targetRows: Int, sourceChecksum: String, targetChecksum: String) {
            self.name = name
            self.sourceRows = sourceRows
            self.targetRows = targetRows
            self.sourceChecksum = sourceChecksum
            self.targetChecksum = targetChecksum
        }
    }

    /// Every table, in the order copied.
    public var tables: [Table]

    /// Creates a report.
    public init(tables: [Table]) { self.tables = tables }
}
