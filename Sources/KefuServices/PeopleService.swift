import Foundation
import KefuCore
import KefuStore

/// People: add one, import a CSV all-or-nothing, list, show.
public struct PeopleService: Sendable {
    /// The database.
    public let database: KefuDatabase

    /// Creates the service.
    public init(database: KefuDatabase) { self.database = database }

    /// The CSV columns, in any order; `id`, `name` and `hire_date` are required.
    public static let columns = ["id", "name", "team", "site", "level", "hire_date", "languages", "channels", "status", "manager"]

    /// Validates one person's fields; returns an error message or nil.
    public static func validate(_ person: Person) -> String? {
        if person.id.isEmpty { return "id is empty" }
        if person.name.isEmpty { return "name is empty" }
        if !isDate(person.hireDate) { return "hire_date `\(person.hireDate)` is not a date (YYYY-MM-DD)" }
        return nil
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let m = Int(parts[1]), let d = Int(parts[2]), Int(parts[0]) != nil else { return false }
        return (1...12).contains(m) && (1...31).contains(d)
    }

    /// Parses a people CSV (header row, RFC 4180 quoting). Every problem is reported as
    /// `file:line:col: message`; nothing is returned unless the whole file is valid.
    public static func parseCSV(_ text: String, file: String) throws -> [Person] {
        let rows = try CSV.parse(text, file: file)
        guard let header = rows.first else { throw ServiceError("\(file):1:1: the file is empty; it needs a header row: \(columns.joined(separator: ","))") }
        var index: [String: Int] = [:]
        for (i, name) in header.fields.enumerated() {
            let key = name.value.trimmingCharacters(in: .whitespaces).lowercased()
            guard columns.contains(key) else {
                throw ServiceError("\(file):\(header.line):\(name.column): unknown column `\(name.value)`; columns: \(columns.joined(separator: ", "))")
            }
            index[key] = i
        }
        for required in ["id", "name", "hire_date"] where index[required] == nil {
            throw ServiceError("\(file):1:1: the header lacks the required column `\(required)`")
        }
        var people: [Person] = []
        var errors: [String] = []
        var seen: [String: Int] = [:]
        for row in rows.dropFirst() {
            func field(_ key: String) -> (String, Int) {
                guard let i = index[key], i < row.fields.count else { return ("", 1) }
                return (row.fields[i].value.trimmingCharacters(in: .whitespaces), row.fields[i].column)
            }
            if row.fields.count != header.fields.count {
                errors.append("\(file):\(row.line):1: \(row.fields.count) fields, the header has \(header.fields.count)")
                continue
            }
            let (levelText, levelColumn) = field("level")
            let level = levelText.isEmpty ? Level.specialist : Level(rawValue: levelText)
            if level == nil {
                errors.append("\(file):\(row.line):\(levelColumn): unknown level `\(levelText)`; use \(Level.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            let (channelText, channelColumn) = field("channels")
            let channelNames = channelText.split(separator: ";").flatMap { $0.split(separator: "|") }.map { $0.trimmingCharacters(in: .whitespaces) }
            let channels = channelNames.compactMap(Channel.init(rawValue:))
            if channels.count != channelNames.count {
                errors.append("\(file):\(row.line):\(channelColumn): unknown channel in `\(channelText)`; use phone, chat, wechat, email separated by ;")
                continue
            }
            let (status, statusColumn) = field("status")
            if !["", "active", "left"].contains(status) {
                errors.append("\(file):\(row.line):\(statusColumn): status must be active or left")
                continue
            }
            let person = Person(
                id: field("id").0, name: field("name").0, team: field("team").0, site: field("site").0, level: level!,
                hireDate: field("hire_date").0, languages: field("languages").0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) },
                channels: channels, isActive: status != "left", managerID: field("manager").0.isEmpty ? nil : field("manager").0)
            if let problem = validate(person) {
                errors.append("\(file):\(row.line):1: \(problem)")
                continue
            }
            if let first = seen[person.id] {
                errors.append("\(file):\(row.line):\(field("id").1): id `\(person.id)` appears again (first on line \(first))")
                continue
            }
            seen[person.id] = row.line
            people.append(person)
        }
        if !errors.isEmpty { throw ServiceError(errors.joined(separator: "\n") + "\nnothing was imported") }
        return people
    }

    /// Imports a CSV file: all rows or none.
    public func importCSV(at path: String) throws -> Int {
        guard let data = FileManager.default.contents(atPath: path) else { throw ServiceError("cannot read \(path)") }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ServiceError("\(path):1:1: the file is not UTF-8; convert it (e.g. `iconv -f GB18030 -t UTF-8`)")
        }
        let people = try Self.parseCSV(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, file: path)
        try database.addPeople(people)
        return people.count
    }
}

/// A small RFC 4180 CSV reader that remembers where each field starts.
enum CSV {
    struct Field {
        var value: String
        var column: Int
    }

    struct Row {
        var line: Int
        var fields: [Field]
    }

    static func parse(_ text: String, file: String) throws -> [Row] {
        var rows: [Row] = []
        var fields: [Field] = []
        var field = ""
        var fieldColumn = 1
        var line = 1
        var column = 1
        var rowLine = 1
        var inQuotes = false
        var quotedField = false
        var iterator = Array(text.unicodeScalars)
        iterator.append("\n")
        var i = 0
        func endField() {
            fields.append(Field(value: field, column: fieldColumn))
            field = ""
            quotedField = false
        }
        while i < iterator.count {
            let c = iterator[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < iterator.count, iterator[i + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        i += 2
                        column += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    field.unicodeScalars.append(c)
                    if c == "\n" {
                        line += 1
                        column = 0
                    }
                }
                i += 1
                column += 1
                continue
            }
            switch c {
            case "\"":
                if !field.isEmpty || quotedField { throw ServiceError("\(file):\(line):\(column): a quote inside an unquoted field; quote the whole field and double inner quotes") }
                inQuotes = true
                quotedField = true
            case ",":
                endField()
                fieldColumn = column + 1
            case "\r":
                break
            case "\n":
                endField()
                if !(fields.count == 1 && fields[0].value.isEmpty && !quotedField) { rows.append(Row(line: rowLine, fields: fields)) }
                fields = []
                line += 1
                column = 0
                rowLine = line
                fieldColumn = 1
            default:
                if quotedField { throw ServiceError("\(file):\(line):\(column): text after a closing quote") }
                field.unicodeScalars.append(c)
            }
            i += 1
            column += 1
        }
        if inQuotes { throw ServiceError("\(file):\(rowLine):\(fieldColumn): a quoted field is never closed") }
        return rows
    }
}
