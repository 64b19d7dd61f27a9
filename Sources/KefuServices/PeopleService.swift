import Foundation
public import KefuCore
import KefuStorage
import Logging

/// People and their hand-entered evidence: add one, import a CSV all-or-nothing, list, show, mark as
/// left; record exam or scenario attempts and mentors' sign-offs.
public struct PeopleService: Sendable {
    /// The environment (storage, clock).
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// The CSV columns, in any order; `id`, `name` and `hire_date` are required.
    public static let columns = [
        "id", "name", "team", "site", "level", "hire_date", "languages", "channels", "status", "manager",
    ]

    /// Validates one person's fields; returns an error message or nil.
    public static func validate(_ person: Person) -> String? {
        if person.id.isEmpty { return "id is empty" }
        if person.name.isEmpty { return "name is empty" }
        if !isDate(person.hireDate) { return "hire_date `\(person.hireDate)` is not a date (YYYY-MM-DD)" }
        return nil
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let m = Int(parts[1]), let d = Int(parts[2]), Int(parts[0]) != nil
        else { return false }
        return (1...12).contains(m) && (1...31).contains(d)
    }

    // MARK: People

    /// Adds one person from form fields: the level and channels are checked here.
    public func add(_ input: PersonInput, by actor: Identity) async throws -> Person {
        try AccessPolicy.require(actor, .managePeople)
        let levelText = input.level.trimmingCharacters(in: .whitespaces)
        guard let level = levelText.isEmpty ? Level.specialist : Level(rawValue: levelText) else {
            throw ServiceError(
                .invalidInput,
                "unknown level `\(input.level)`; use \(Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let channels = try input.channels.map { name -> Channel in
            guard let channel = Channel(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ServiceError(
                    .invalidInput,
                    "unknown channel `\(name)`; use \(Channel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return channel
        }
        let person = Person(
            id: input.id.rawValue, name: input.name, team: input.team, site: input.site, level: level,
            hireDate: input.hireDate,
            languages: input.languages.filter { !$0.isEmpty }, channels: channels, managerID: input.manager?.rawValue)
        if let problem = Self.validate(person) { throw ServiceError(.invalidInput, problem) }
        try await translatingStorageErrors { try await environment.storage.people.add(person) }
        try await environment.audit(
            actor, "people.add", subject: "person \(person.id)", detail: ["level": level.rawValue])
        environment.logger.debug("person added", metadata: ["person": "\(person.id)", "actor": "\(actor.person)"])
        return person
    }

    /// Imports people from a CSV: every row or none. Problems name `source.label:line:col`.
    public func importCSV(_ source: InputSource, by actor: Identity) async throws -> PeopleImport {
        try AccessPolicy.require(actor, .managePeople)
        let people = try Self.parse(source)
        try await translatingStorageErrors { try await environment.storage.people.add(people) }
        try await environment.audit(
            actor, "people.import", subject: "people",
            detail: [
                "source": source.label, "count": String(people.count), "ids": people.map(\.id).joined(separator: ","),
            ])
        environment.logger.debug("people imported", metadata: ["count": "\(people.count)", "actor": "\(actor.person)"])
        return PeopleImport(source: source.label, imported: people.count)
    }

    /// Reads and parses a people CSV (UTF-8, an optional byte-order mark) from `source`.
    public static func parse(_ source: InputSource) throws -> [Person] {
        let bytes = try source.readAll()
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ServiceError(
                .invalidInput,
                "\(source.label):1:1: the file is not UTF-8; convert it first (e.g. with iconv from GB18030)")
        }
        return try parseCSV(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, file: source.label)
    }

    /// Everyone, by id.
    public func list() async throws -> [Person] {
        try await translatingStorageErrors { try await environment.storage.people.people() }
    }

    /// One person with their evidence and ledger entries.
    public func show(_ id: PersonID) async throws -> PersonRecord {
        let storage = try environment.storage
        return try await translatingStorageErrors {
            guard let person = try await storage.people.person(id) else { throw ServiceError.notFound(id) }
            let evidence = try await storage.people.evidence(of: id)
            let entries = try await storage.ledger.entries(person: id)
            return PersonRecord(
                person: person, attempts: evidence.attempts, signOffs: evidence.signOffs,
                ledger: entries.map(LedgerEntryView.init))
        }
    }

    /// Marks a person as having left (their history is kept; mentoring re-matches their apprentices).
    public func leave(_ id: PersonID, by actor: Identity) async throws {
        try AccessPolicy.require(actor, .managePeople)
        try await translatingStorageErrors { try await environment.storage.people.setActive(false, person: id) }
        try await environment.audit(actor, "people.leave", subject: "person \(id)")
        environment.logger.debug("person left", metadata: ["person": "\(id)", "actor": "\(actor.person)"])
    }

    // MARK: Evidence

    /// Records a hand-entered exam or scenario attempt; returns its number. Only an administrator may,
    /// never about themselves, and only with a reason: it is recorded with the actor and marked manual
    /// wherever it counts (the certification's ledger evidence, `certify`, the credential).
    public func recordAttempt(_ input: AttemptInput, by actor: Identity) async throws -> AttemptID {
        try AccessPolicy.require(actor, .enterManualEvidence, on: .person(input.person))
        let manual = try Self.manualEntry(input.reason, by: actor)
        guard (0...100).contains(input.score) else {
            throw ServiceError(.invalidInput, "the score must be between 0 and 100, not \(Figure(input.score))")
        }
        let now = environment.clock.now()
        var completedAt = LedgerService.timestamp(now)
        if let text = input.completedAt {
            guard let date = Timestamp.parse(text) else {
                throw ServiceError(
                    .invalidInput, "`\(text)` is not a timestamp; write it as ISO-8601, e.g. 2026-11-20T10:00:00Z")
            }
            guard date <= now else {
                throw ServiceError(
                    .invalidInput, "the attempt's completion time \(text) is in the future; evidence records the past")
            }
            completedAt = LedgerService.timestamp(date)
        }
        let attempt = Attempt(
            personID: input.person.rawValue, kind: input.kind.rawValue, reference: input.reference,
            contentVersion: input.contentVersion,
            mode: input.mode.rawValue, score: input.score, passed: input.result == .pass, completedAt: completedAt,
            manual: manual)
        let id = try await translatingStorageErrors { try await environment.storage.people.addAttempt(attempt) }
        try await environment.audit(
            actor, "evidence.attempt", subject: "attempt \(id)",
            detail: ["person": input.person.rawValue, "reference": input.reference, "reason": manual.reason])
        return id
    }

    /// Records a hand-entered mentor's sign-off; returns its number. Only an administrator may, never
    /// about themselves, and only with a reason (recorded and marked manual like a hand-entered attempt).
    public func recordSignOff(_ input: SignOffInput, by actor: Identity) async throws -> Int64 {
        try AccessPolicy.require(actor, .enterManualEvidence, on: .person(input.person))
        let manual = try Self.manualEntry(input.reason, by: actor)
        guard !input.certification.isEmpty else {
            throw ServiceError(.invalidInput, "name the certification signed off")
        }
        guard input.mentor != input.person else {
            throw ServiceError(.forbidden, "nobody signs off their own work: the mentor must be someone else")
        }
        let signOff = SignOff(
            personID: input.person.rawValue, mentorID: input.mentor.rawValue,
            certification: input.certification.rawValue,
            signedAt: LedgerService.timestamp(environment.clock.now()), note: input.note, manual: manual)
        let id = try await translatingStorageErrors { try await environment.storage.people.addSignOff(signOff) }
        try await environment.audit(
            actor, "evidence.sign-off", subject: "sign-off \(id)",
            detail: ["person": input.person.rawValue, "mentor": input.mentor.rawValue, "reason": manual.reason])
        return id
    }

    /// The hand-entry record for `reason`, refused when there is no reason.
    static func manualEntry(_ reason: String, by actor: Identity) throws -> ManualEntry {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw ServiceError(
                .invalidInput,
                "evidence entered by hand needs a reason (why it was not recorded by Kefu itself); it is kept with the evidence"
            )
        }
        return ManualEntry(reason: reason, enteredBy: actor.auditName)
    }

    // MARK: CSV

    /// Parses a people CSV (header row, RFC 4180 quoting). Every problem is reported as
    /// `file:line:col: message`; nothing is returned unless the whole file is valid.
    public static func parseCSV(_ text: String, file: String) throws -> [Person] {
        let rows = try CSV.parse(text, file: file)
        guard let header = rows.first else {
            throw ServiceError(
                .invalidInput,
                "\(file):1:1: the file is empty; it needs a header row: \(columns.joined(separator: ","))")
        }
        let index = try columnIndex(header, file: file)
        var people: [Person] = []
        var errors: [String] = []
        var seen: [String: Int] = [:]
        for row in rows.dropFirst() {
            guard
                let person = parsePerson(
                    row, index: index, columnCount: header.fields.count, file: file, seen: &seen, errors: &errors)
            else { continue }
            people.append(person)
        }
        if !errors.isEmpty {
            throw ServiceError(.invalidInput, errors.joined(separator: "\n") + "\nnothing was imported")
        }
        return people
    }

    /// The header row: each known column's position. Throws on an unknown column or a missing required one
    /// (`id`, `name`, `hire_date`).
    static func columnIndex(_ header: CSV.Row, file: String) throws -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, name) in header.fields.enumerated() {
            let key = name.value.trimmingCharacters(in: .whitespaces).lowercased()
            guard columns.contains(key) else {
                throw ServiceError(
                    .invalidInput,
                    "\(file):\(header.line):\(name.column): unknown column `\(name.value)`; columns: \(columns.joined(separator: ", "))"
                )
            }
            index[key] = i
        }
        for required in ["id", "name", "hire_date"] where index[required] == nil {
            throw ServiceError(.invalidInput, "\(file):1:1: the header lacks the required column `\(required)`")
        }
        return index
    }

    /// One data row: the person, or nil with the row's problem added to `errors` (wrong field count, unknown level
    /// or channel, bad status, an invalid person, or an id already seen; `seen` maps ids to their first line).
    static func parsePerson(
        _ row: CSV.Row, index: [String: Int], columnCount: Int, file: String, seen: inout [String: Int],
        errors: inout [String]
    ) -> Person? {
        func field(_ key: String) -> (String, Int) {
            guard let i = index[key], i < row.fields.count else { return ("", 1) }
            return (row.fields[i].value.trimmingCharacters(in: .whitespaces), row.fields[i].column)
        }
        if row.fields.count != columnCount {
            errors.append(
                "\(file):\(row.line):1: \(row.fields.count) fields, the header has \(columnCount)")
            return nil
        }
        let (levelText, levelColumn) = field("level")
        let level = levelText.isEmpty ? Level.specialist : Level(rawValue: levelText)
        if level == nil {
            errors.append(
                "\(file):\(row.line):\(levelColumn): unknown level `\(levelText)`; use \(Level.allCases.map(\.rawValue).joined(separator: ", "))"
            )
            return nil
        }
        let (channelText, channelColumn) = field("channels")
        let channelNames = channelText.split(separator: ";").flatMap { $0.split(separator: "|") }.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let channels = channelNames.compactMap(Channel.init(rawValue:))
        if channels.count != channelNames.count {
            errors.append(
                "\(file):\(row.line):\(channelColumn): unknown channel in `\(channelText)`; use phone, chat, wechat, email separated by ;"
            )
            return nil
        }
        let (status, statusColumn) = field("status")
        if !["", "active", "left"].contains(status) {
            errors.append("\(file):\(row.line):\(statusColumn): status must be active or left")
            return nil
        }
        let person = Person(
            id: field("id").0, name: field("name").0, team: field("team").0, site: field("site").0, level: level!,
            hireDate: field("hire_date").0,
            languages: field("languages").0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) },
            channels: channels, isActive: status != "left",
            managerID: field("manager").0.isEmpty ? nil : field("manager").0)
        if let problem = validate(person) {
            errors.append("\(file):\(row.line):1: \(problem)")
            return nil
        }
        if let first = seen[person.id] {
            errors.append(
                "\(file):\(row.line):\(field("id").1): id `\(person.id)` appears again (first on line \(first))")
            return nil
        }
        seen[person.id] = row.line
        return person
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
                if !field.isEmpty || quotedField {
                    throw ServiceError(
                        .invalidInput,
                        "\(file):\(line):\(column): a quote inside an unquoted field; quote the whole field and double inner quotes"
                    )
                }
                inQuotes = true
                quotedField = true
            case ",":
                endField()
                fieldColumn = column + 1
            case "\r":
                break
            case "\n":
                endField()
                if !(fields.count == 1 && fields[0].value.isEmpty && !quotedField) {
                    rows.append(Row(line: rowLine, fields: fields))
                }
                fields = []
                line += 1
                column = 0
                rowLine = line
                fieldColumn = 1
            default:
                if quotedField {
                    throw ServiceError(.invalidInput, "\(file):\(line):\(column): text after a closing quote")
                }
                field.unicodeScalars.append(c)
            }
            i += 1
            column += 1
        }
        if inQuotes {
            throw ServiceError(.invalidInput, "\(file):\(rowLine):\(fieldColumn): a quoted field is never closed")
        }
        return rows
    }
}
