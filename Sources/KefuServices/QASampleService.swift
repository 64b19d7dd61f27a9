import Crypto
import Foundation
public import KefuCore
import KefuLedger
import KefuQA
import KefuRubrics
import KefuStorage
import Logging

/// Draws stratified, seeded samples of imported interactions and records everything needed to
/// re-derive them; verifying re-derives a sample and says whether it is identical or what changed.
public struct QASampleService: Sendable {
    /// The environment.
    public let environment: KefuEnvironment

    /// Creates the service.
    public init(environment: KefuEnvironment) { self.environment = environment }

    /// What a sample may be stratified by.
    public enum Strata: String, Sendable, Hashable, Codable, CaseIterable {
        /// One stratum per channel.
        case channel
    }

    /// The fields a sample may be filtered on.
    public enum FilterField: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable {
        /// The channel.
        case channel
        /// The agent.
        case agent
    }

    /// What defines a sample.
    public struct Parameters: Sendable, Hashable, Codable {
        /// `YYYY-MM`, or nil for all periods.
        public var period: String?
        /// Interactions per agent (and per stratum).
        public var perAgent: Int
        /// Stratification, or nil.
        public var strata: Strata?
        /// Filters on channel or agent.
        public var filters: [FilterField: String]
        /// The seed.
        public var seed: UInt64
        /// Extra interactions per agent (and stratum) drawn from those that failed automatic scoring.
        public var oversampleFailed: Int
        /// The rubric version whose automatic scores decide "failed" (with `oversampleFailed`).
        public var rubricVersion: String?

        /// Creates parameters.
        public init(
            period: String?, perAgent: Int, strata: Strata? = nil, filters: [FilterField: String] = [:], seed: UInt64,
            oversampleFailed: Int = 0, rubricVersion: String? = nil
        ) {
            self.period = period
            self.perAgent = perAgent
            self.strata = strata
            self.filters = filters
            self.seed = seed
            self.oversampleFailed = oversampleFailed
            self.rubricVersion = rubricVersion
        }

        /// Parses filters written `field=value` (`channel=wechat`, `agent=E001`).
        public static func filters(_ texts: [String]) throws -> [FilterField: String] {
            var out: [FilterField: String] = [:]
            for text in texts {
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else {
                    throw ServiceError(.invalidInput, "a filter is written field=value, not `\(text)`")
                }
                guard let field = FilterField(rawValue: parts[0]) else {
                    throw ServiceError(.invalidInput, "samples can be filtered on channel and agent, not `\(parts[0])`")
                }
                out[field] = parts[1]
            }
            return out
        }

        /// The stored form (canonical JSON; its text is part of what was recorded, never change it).
        var json: JSONValue {
            var m: [String: JSONValue] = [
                "per_agent": .int(Int64(perAgent)), "seed": .string(String(seed)),
                "filters": .object(
                    Dictionary(uniqueKeysWithValues: filters.map { ($0.key.rawValue, JSONValue.string($0.value)) })),
            ]
            if let period { m["period"] = .string(period) }
            if let strata { m["strata"] = .string(strata.rawValue) }
            if oversampleFailed > 0 { m["oversample_failed"] = .int(Int64(oversampleFailed)) }
            if let rubricVersion { m["rubric_version"] = .string(rubricVersion) }
            return .object(m)
        }

        init(json: JSONValue) throws {
            let damaged = ServiceError(.unavailable, "the stored sample parameters are damaged")
            guard let per = json["per_agent"]?.intValue, let seedText = json["seed"]?.stringValue,
                let seed = UInt64(seedText)
            else { throw damaged }
            var filters: [FilterField: String] = [:]
            if case .object(let m)? = json["filters"] {
                for (k, v) in m {
                    guard let field = FilterField(rawValue: k) else { throw damaged }
                    filters[field] = v.stringValue ?? ""
                }
            }
            var strata: Strata?
            if let text = json["strata"]?.stringValue {
                guard let s = Strata(rawValue: text) else { throw damaged }
                strata = s
            }
            self.init(
                period: json["period"]?.stringValue, perAgent: Int(per), strata: strata, filters: filters, seed: seed,
                oversampleFailed: Int(json["oversample_failed"]?.intValue ?? 0),
                rubricVersion: json["rubric_version"]?.stringValue)
        }
    }

    /// A sampled interaction.
    public struct Member: Sendable, Hashable, Codable {
        /// Interaction id.
        public var id: InteractionID
        /// Agent.
        public var agent: PersonID
        /// Stratum (`""` without strata).
        public var stratum: String
    }

    /// A group with fewer interactions than asked for.
    public struct Shortfall: Sendable, Hashable, Codable {
        /// Agent.
        public var agent: PersonID
        /// Stratum (`""` without strata).
        public var stratum: String
        /// How many there were.
        public var available: Int
        /// How many were asked for.
        public var wanted: Int
    }

    /// A drawn (or re-derived) sample.
    public struct Drawn: Sendable, Hashable, Codable {
        /// The sample's name.
        public var name: SampleID
        /// The parameters.
        public var parameters: Parameters
        /// Members.
        public var members: [Member]
        /// Groups short of units.
        public var shortfalls: [Shortfall]
        /// Population size.
        public var populationSize: Int
        /// SHA-256 over the population's ids and content hashes.
        public var populationHash: String
        /// SHA-256 over the members' ids.
        public var membersHash: String
        /// Interactions whose stored turns no longer match the hash recorded when they were imported.
        public var edited: [InteractionID]
    }

    static func sha(_ text: String) -> String { hexString(SHA256.hash(data: Array(text.utf8))) }

    /// Draws without storing.
    static func derive(_ name: SampleID, _ p: Parameters, _ population: any QAPopulation) throws -> Drawn {
        // The population hash covers what is stored now, recomputed from the turns themselves.
        var edited: [InteractionID] = []
        var units: [Sampler.Unit] = []
        var hasher = SHA256()
        try population.forEachInteraction(period: p.period) { unit, turns in
            if let c = p.filters[.channel], c != unit.channel { return }
            if let a = p.filters[.agent], a != unit.agent.rawValue { return }
            let hash = hexString(SHA256.hash(data: turns))
            if hash != unit.contentHash { edited.append(unit.id) }
            hasher.update(data: Array("\(unit.id)\t\(hash)\n".utf8))
            units.append(
                Sampler.Unit(
                    id: unit.id.rawValue, agent: unit.agent.rawValue, stratum: p.strata == .channel ? unit.channel : "")
            )
        }
        let populationHash = hexString(hasher.finalize())
        var failed = Set<String>()
        if p.oversampleFailed > 0 {
            guard let version = p.rubricVersion else {
                throw ServiceError(
                    .invalidInput, "over-sampling failed conversations needs the rubric whose automatic scores decide")
            }
            guard try population.hasScores(rubricVersion: version) else {
                throw ServiceError(
                    .precondition,
                    "no automatic scores with that rubric version; score the interactions before over-sampling failures",
                    hint: .init("qa.score", [:]))
            }
            failed = Set(try population.failedInteractions(rubricVersion: version).map(\.rawValue))
        }
        let (members, shortfalls) = Sampler.draw(
            units, perGroup: p.perAgent, seed: p.seed, extraFailed: p.oversampleFailed, failed: failed)
        return Drawn(
            name: name, parameters: p,
            members: members.map { Member(id: InteractionID($0.id), agent: PersonID($0.agent), stratum: $0.stratum) },
            shortfalls: shortfalls.map {
                Shortfall(agent: PersonID($0.agent), stratum: $0.stratum, available: $0.available, wanted: $0.wanted)
            },
            populationSize: units.count, populationHash: populationHash,
            membersHash: sha(members.map { $0.id + "\n" }.joined()), edited: edited)
    }

    /// Draws and stores sample `name` (names are never reused). With `oversampleRubric` (a rubric id or
    /// path), its current version's automatic scores decide which interactions failed.
    public func draw(
        _ name: SampleID, parameters: Parameters, oversampleRubric: String? = nil, by actor: Identity
    ) async throws -> Drawn {
        try AccessPolicy.require(actor, .scoreInteractions)
        guard !name.isEmpty else { throw ServiceError(.invalidInput, "the sample needs a name") }
        guard parameters.perAgent > 0 else {
            throw ServiceError(.invalidInput, "draw at least 1 interaction per agent")
        }
        var p = parameters
        if let oversampleRubric { p.rubricVersion = try environment.qaScorer(oversampleRubric).rubric.sourceHash }
        let store = try environment.qaStore
        if try await translatingStorageErrors({ try await store.sampleExists(name) }) {
            throw ServiceError(
                .conflict, "a sample named `\(name)` exists; samples are never redrawn under the same name",
                hint: .init("qa.sample.verify", ["sample": name.rawValue]))
        }
        let createdAt = environment.qaTimestamp
        let frozen = p
        let box = ResultBox<Drawn>()
        _ = try await translatingStorageErrors {
            try await store.createSample(name) { population in
                let drawn = try Self.derive(name, frozen, population)
                guard drawn.populationSize > 0 else {
                    throw ServiceError(
                        .precondition,
                        "the population is empty for these filters (period \(frozen.period ?? "any")); import interactions first",
                        hint: .init("qa.import"))
                }
                box.value = drawn
                return QASampleRecord(
                    name: name, parameters: frozen.json.canonicalString, populationHash: drawn.populationHash,
                    populationSize: drawn.populationSize,
                    membersHash: drawn.membersHash, createdAt: createdAt,
                    members: drawn.members.map { QASampleMember(interaction: $0.id, stratum: $0.stratum) })
            }
        }
        guard let drawn = box.value else { throw ServiceError(.unavailable, "the sample was not drawn") }
        try await environment.audit(
            actor, "qa.sample", subject: "sample \(name)",
            detail: ["members": String(drawn.members.count), "members_hash": drawn.membersHash])
        environment.logger.debug("qa sample drawn", metadata: ["sample": "\(name)", "actor": "\(actor.auditName)"])
        return drawn
    }

    /// The outcome of verifying a sample.
    public struct Verification: Sendable, Hashable, Codable {
        /// The sample.
        public var sample: SampleID
        /// True when the re-derived sample is identical and the population unchanged.
        public var isIdentical: Bool
        /// What changed, in sentences.
        public var changes: [String]
        /// The stored parameters.
        public var parameters: Parameters
    }

    /// Re-derives sample `name` from its stored parameters and compares.
    public func verify(_ name: SampleID) async throws -> Verification {
        let store = try environment.qaStore
        let result = try await translatingStorageErrors {
            try await store.withSample(name) { record, population in try Self.compare(record, population) }
        }
        guard let result else { throw ServiceError.notFound(name) }
        return result
    }

    static func compare(_ record: QASampleRecord, _ population: any QAPopulation) throws -> Verification {
        let parameters = try Parameters(json: JSONValue.parse(record.parameters))
        let stored = Set(record.members.map(\.interaction.rawValue))
        let drawn = try derive(record.name, parameters, population)
        func some(_ ids: [String]) -> String { ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? ", …" : "") }
        var changes: [String] = []
        if !drawn.edited.isEmpty {
            changes.append(
                "\(drawn.edited.count) interaction(s) were edited after import: \(some(drawn.edited.map(\.rawValue)))")
        }
        if drawn.populationHash != record.populationHash {
            changes.append(
                "the population changed: \(record.populationSize) interactions when drawn, \(drawn.populationSize) now (or their content changed)"
            )
        }
        let now = Set(drawn.members.map(\.id.rawValue))
        let added = now.subtracting(stored).sorted()
        let removed = stored.subtracting(now).sorted()
        if !added.isEmpty { changes.append("re-deriving now adds \(added.count): \(some(added))") }
        if !removed.isEmpty { changes.append("re-deriving now drops \(removed.count): \(some(removed))") }
        if sha(stored.sorted().map { $0 + "\n" }.joined()) != record.membersHash {
            changes.append("the stored member list was edited after the sample was drawn")
        }
        return Verification(sample: record.name, isIdentical: changes.isEmpty, changes: changes, parameters: parameters)
    }
}

/// Carries a value out of a store closure that runs exactly once inside a transaction.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?

    var value: T? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
