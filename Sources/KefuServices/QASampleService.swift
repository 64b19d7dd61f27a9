import Crypto
import Foundation
import GRDB
import KefuCore
import KefuLedger
import KefuQA
import KefuStore

/// `kefu qa sample`: draws a stratified, seeded sample and records everything needed to re-derive it;
/// `--verify` re-derives it and says whether it is identical or what changed.
public struct QASampleService: Sendable {
    /// The database.
    public let database: KefuDatabase

    /// Creates the service.
    public init(database: KefuDatabase) { self.database = database }

    /// What defines a sample.
    public struct Parameters: Sendable, Hashable {
        /// `YYYY-MM`, or nil for all periods.
        public var period: String?
        /// Interactions per agent (and per stratum).
        public var perAgent: Int
        /// Stratify by `channel`, or nil.
        public var strata: String?
        /// Filters `field=value` on channel or agent.
        public var filters: [String: String]
        /// The seed.
        public var seed: UInt64
        /// Extra interactions per agent (and stratum) drawn from those that failed automatic scoring.
        public var oversampleFailed: Int
        /// The rubric version whose automatic scores decide "failed" (with `oversampleFailed`).
        public var rubricVersion: String?

        /// Creates parameters.
        public init(period: String?, perAgent: Int, strata: String?, filters: [String: String], seed: UInt64,
                    oversampleFailed: Int = 0, rubricVersion: String? = nil) {
            self.period = period
            self.perAgent = perAgent
            self.strata = strata
            self.filters = filters
            self.seed = seed
            self.oversampleFailed = oversampleFailed
            self.rubricVersion = rubricVersion
        }

        var json: JSONValue {
            var m: [String: JSONValue] = [
                "per_agent": .int(Int64(perAgent)), "seed": .string(String(seed)),
                "filters": .object(filters.mapValues(JSONValue.string)),
            ]
            if let period { m["period"] = .string(period) }
            if let strata { m["strata"] = .string(strata) }
            if oversampleFailed > 0 { m["oversample_failed"] = .int(Int64(oversampleFailed)) }
            if let rubricVersion { m["rubric_version"] = .string(rubricVersion) }
            return .object(m)
        }

        init(json: JSONValue) throws {
            guard let per = json["per_agent"]?.intValue, let seedText = json["seed"]?.stringValue, let seed = UInt64(seedText) else {
                throw ServiceError("the stored sample parameters are damaged")
            }
            var filters: [String: String] = [:]
            if case .object(let m)? = json["filters"] { for (k, v) in m { filters[k] = v.stringValue ?? "" } }
            self.init(period: json["period"]?.stringValue, perAgent: Int(per), strata: json["strata"]?.stringValue, filters: filters, seed: seed,
                      oversampleFailed: Int(json["oversample_failed"]?.intValue ?? 0), rubricVersion: json["rubric_version"]?.stringValue)
        }
    }

    /// A drawn (or re-derived) sample.
    public struct Drawn: Sendable {
        /// Members.
        public var members: [Sampler.Unit]
        /// Groups short of units.
        public var shortfalls: [Sampler.Shortfall]
        /// Population size.
        public var populationSize: Int
        /// SHA-256 over the population's ids and content hashes.
        public var populationHash: String
        /// SHA-256 over the members' ids.
        public var membersHash: String
        /// Interactions whose stored turns no longer match the hash recorded when they were imported.
        public var edited: [String]
    }

    static func sha(_ text: String) -> String {
        QAImportService.hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// Draws without storing.
    public func derive(_ p: Parameters, _ db: Database) throws -> Drawn {
        for key in p.filters.keys where !["channel", "agent"].contains(key) {
            throw ServiceError("--where supports channel=… and agent=…, not `\(key)`")
        }
        if let strata = p.strata, strata != "channel" { throw ServiceError("--strata supports `channel`") }
        // The population hash covers what is stored now, recomputed from the turns themselves.
        var edited: [String] = []
        var units: [Sampler.Unit] = []
        var hasher = SHA256()
        try database.forEachQAInteraction(period: p.period, db) { id, agent, channel, recorded, turns in
            if let c = p.filters["channel"], c != channel { return }
            if let a = p.filters["agent"], a != agent { return }
            let hash = QAImportService.hex(SHA256.hash(data: turns))
            if hash != recorded { edited.append(id) }
            hasher.update(data: Array("\(id)\t\(hash)\n".utf8))
            units.append(Sampler.Unit(id: id, agent: agent, stratum: p.strata == "channel" ? channel : ""))
        }
        let populationHash = QAImportService.hex(hasher.finalize())
        var failed = Set<String>()
        if p.oversampleFailed > 0 {
            guard let version = p.rubricVersion else { throw ServiceError("over-sampling failed conversations needs --rubric (whose automatic scores decide)") }
            failed = Set(try String.fetchAll(db, sql: "SELECT interaction_id FROM qa_score WHERE rubric_version = ? AND passed = 0", arguments: [version]))
            if try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM qa_score WHERE rubric_version = ?)", arguments: [version]) != true {
                throw ServiceError("no automatic scores with that rubric version; run `kefu qa score --rubric …` before over-sampling failures")
            }
        }
        let (members, shortfalls) = Sampler.draw(units, perGroup: p.perAgent, seed: p.seed, extraFailed: p.oversampleFailed, failed: failed)
        return Drawn(
            members: members, shortfalls: shortfalls, populationSize: units.count, populationHash: populationHash,
            membersHash: Self.sha(members.map { $0.id + "\n" }.joined()), edited: edited)
    }

    /// Draws and stores a sample named `name` (names are never reused).
    public func draw(name: String, parameters p: Parameters, now: Date) throws -> Drawn {
        guard p.perAgent > 0 else { throw ServiceError("--per-agent must be at least 1") }
        return try database.write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM qa_sample WHERE name = ?)", arguments: [name]) == true {
                throw ServiceError("a sample named `\(name)` exists; samples are never redrawn under the same name (use `--verify \(name)`)")
            }
            let drawn = try derive(p, db)
            guard drawn.populationSize > 0 else { throw ServiceError("the population is empty for these filters (period \(p.period ?? "any")); import interactions first") }
            try db.execute(
                sql: "INSERT INTO qa_sample (name, parameters, population_hash, population_size, members_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [name, p.json.canonicalString, drawn.populationHash, drawn.populationSize, drawn.membersHash, LedgerService.timestamp(now)])
            for m in drawn.members {
                try db.execute(sql: "INSERT INTO qa_sample_member (sample, interaction_id, stratum) VALUES (?, ?, ?)", arguments: [name, m.id, m.stratum])
            }
            return drawn
        }
    }

    /// The outcome of `--verify`.
    public struct Verification: Sendable {
        /// True when the re-derived sample is identical and the population unchanged.
        public var isIdentical: Bool
        /// What changed, in sentences.
        public var changes: [String]
        /// The stored parameters.
        public var parameters: Parameters
    }

    /// Re-derives sample `name` from its stored parameters and compares.
    public func verify(name: String) throws -> Verification {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM qa_sample WHERE name = ?", arguments: [name]) else {
                throw ServiceError("no sample named `\(name)`")
            }
            let parameters = try Parameters(json: JSONValue.parse(row["parameters"]))
            let stored = Set(try String.fetchAll(db, sql: "SELECT interaction_id FROM qa_sample_member WHERE sample = ?", arguments: [name]))
            let drawn = try derive(parameters, db)
            var changes: [String] = []
            if !drawn.edited.isEmpty {
                changes.append("\(drawn.edited.count) interaction(s) were edited after import: \(drawn.edited.prefix(5).joined(separator: ", "))\(drawn.edited.count > 5 ? ", …" : "")")
            }
            if drawn.populationHash != (row["population_hash"] as String) {
                changes.append("the population changed: \(row["population_size"] as Int) interactions when drawn, \(drawn.populationSize) now (or their content changed)")
            }
            let now = Set(drawn.members.map(\.id))
            let added = now.subtracting(stored).sorted()
            let removed = stored.subtracting(now).sorted()
            if !added.isEmpty { changes.append("re-deriving now adds \(added.count): \(added.prefix(5).joined(separator: ", "))\(added.count > 5 ? ", …" : "")") }
            if !removed.isEmpty { changes.append("re-deriving now drops \(removed.count): \(removed.prefix(5).joined(separator: ", "))\(removed.count > 5 ? ", …" : "")") }
            if Self.sha(stored.sorted().map { $0 + "\n" }.joined()) != (row["members_hash"] as String) {
                changes.append("the stored member list was edited after the sample was drawn")
            }
            return Verification(isIdentical: changes.isEmpty, changes: changes, parameters: parameters)
        }
    }
}
