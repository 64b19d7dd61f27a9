import KefuCore

/// Stratified random sampling per agent (and per stratum), reproducible from a seed.
///
/// Each (agent, stratum) group is drawn with its own generator, seeded from the sample's seed and the
/// group's name, so one agent's draw does not depend on how many interactions other agents have.
public enum Sampler {
    /// One member of the population.
    public struct Unit: Sendable, Hashable {
        /// Interaction id.
        public var id: String
        /// Agent id.
        public var agent: String
        /// Stratum value (`""` without strata).
        public var stratum: String

        /// Creates a unit.
        public init(id: String, agent: String, stratum: String) {
            self.id = id
            self.agent = agent
            self.stratum = stratum
        }
    }

    /// A group that had fewer units than asked for.
    public struct Shortfall: Sendable, Hashable {
        /// Agent.
        public var agent: String
        /// Stratum.
        public var stratum: String
        /// How many there were.
        public var available: Int
        /// How many were asked for.
        public var wanted: Int
    }

    /// Draws `perGroup` units from every (agent, stratum) group; smaller groups give all they have and
    /// are reported. With `extraFailed` > 0, up to that many more units per group are drawn from those
    /// not yet chosen whose ids are in `failed` (conversations that failed automatic scoring).
    /// Members come back sorted by id.
    public static func draw(
        _ population: [Unit], perGroup: Int, seed: UInt64, extraFailed: Int = 0, failed: Set<String> = []
    ) -> (members: [Unit], shortfalls: [Shortfall]) {
        var groups: [String: [Unit]] = [:]
        for unit in population { groups[unit.agent + "\u{1F}" + unit.stratum, default: []].append(unit) }
        var members: [Unit] = []
        var shortfalls: [Shortfall] = []
        for key in groups.keys.sorted() {
            var units = groups[key]!.sorted { $0.id < $1.id }
            if units.count <= perGroup {
                members += units
                if units.count < perGroup {
                    shortfalls.append(
                        Shortfall(
                            agent: units[0].agent, stratum: units[0].stratum, available: units.count, wanted: perGroup))
                }
                continue
            }
            var rng = SplitMix64(seed: seed ^ fnv1a64(key))
            shuffle(&units, first: perGroup, using: &rng)
            members += units.prefix(perGroup)
            if extraFailed > 0 {
                var rest = units.dropFirst(perGroup).filter { failed.contains($0.id) }.sorted { $0.id < $1.id }
                let take = min(extraFailed, rest.count)
                shuffle(&rest, first: take, using: &rng)
                members += rest.prefix(take)
            }
        }
        return (members.sorted { $0.id < $1.id }, shortfalls)
    }

    /// Partial Fisher–Yates: afterwards the first `first` positions are a uniform random sample.
    static func shuffle(_ units: inout [Unit], first: Int, using rng: inout SplitMix64) {
        for i in 0..<min(first, units.count) {
            let j = i + Int(rng.next() % UInt64(units.count - i))
            units.swapAt(i, j)
        }
    }

}
