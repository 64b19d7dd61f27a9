public import KefuCore

/// A new hire waiting for a mentor.
public struct Apprentice: Sendable, Hashable {
    /// Person id.
    public var id: String
    /// Languages spoken.
    public var languages: [String]
    /// Channels served.
    public var channels: [Channel]
    /// Site.
    public var site: String
    /// Team.
    public var team: String
    /// Line manager, when known.
    public var managerID: String?

    /// Creates an apprentice.
    public init(
        id: String, languages: [String], channels: [Channel], site: String = "", team: String = "",
        managerID: String? = nil
    ) {
        self.id = id
        self.languages = languages
        self.channels = channels
        self.site = site
        self.team = team
        self.managerID = managerID
    }
}

/// A person who may take apprentices.
public struct Mentor: Sendable, Hashable {
    /// Person id.
    public var id: String
    /// Languages spoken.
    public var languages: [String]
    /// Channels served.
    public var channels: [Channel]
    /// Site.
    public var site: String
    /// Team.
    public var team: String
    /// Apprentices they may have at once.
    public var capacity: Int
    /// Apprentices they already have.
    public var load: Int
    /// Why they may not mentor at all (level, missing certification), or nil when eligible.
    public var ineligibility: String?

    /// Creates a mentor.
    public init(
        id: String, languages: [String], channels: [Channel], site: String = "", team: String = "", capacity: Int,
        load: Int = 0,
        ineligibility: String? = nil
    ) {
        self.id = id
        self.languages = languages
        self.channels = channels
        self.site = site
        self.team = team
        self.capacity = capacity
        self.load = load
        self.ineligibility = ineligibility
    }

    /// Free places.
    public var free: Int { max(0, capacity - load) }
}

/// How the line-manager preference applies.
public enum LineManagerRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// A line manager never mentors their own report.
    case forbid
    /// Allowed, but other mentors are preferred by the `notLineManager` weight.
    case penalty
    /// No preference.
    case allow
}

/// Preference weights (higher = more preferred).
public struct MatchWeights: Sendable, Hashable, Codable {
    /// Same site.
    public var sameSite: Double
    /// Same team.
    public var sameTeam: Double
    /// The mentor is not the apprentice's line manager.
    public var notLineManager: Double
    /// Per channel shared beyond the first.
    public var sharedChannels: Double
    /// Cost of each apprentice a mentor already has (balances load: the k-th apprentice costs k × load).
    public var load: Double

    /// Creates weights.
    public init(
        sameSite: Double = 3, sameTeam: Double = 2, notLineManager: Double = 2, sharedChannels: Double = 1,
        load: Double = 1
    ) {
        self.sameSite = sameSite
        self.sameTeam = sameTeam
        self.notLineManager = notLineManager
        self.sharedChannels = sharedChannels
        self.load = load
    }
}

/// One chosen pair, with the reasons for its score.
public struct Pairing: Sendable, Hashable {
    /// Apprentice id.
    public var apprentice: String
    /// Mentor id.
    public var mentor: String
    /// Preference score of the pair (before load).
    public var score: Double
    /// The mentor's load including this apprentice.
    public var load: Int
    /// Each term of the score, e.g. `same site 上海 +3`.
    public var reasons: [String]
}

/// Someone no mentor could take, and the constraint that blocked them.
public struct Unmatched: Sendable, Hashable {
    /// Apprentice id.
    public var apprentice: String
    /// Why.
    public var reason: String
}

/// The result of an assignment.
public struct AssignmentPlan: Sendable, Hashable {
    /// Pairs, sorted by apprentice.
    public var pairs: [Pairing]
    /// Apprentices left without a mentor.
    public var unmatched: [Unmatched]
    /// Sum of pair scores minus load costs: what the assignment maximises.
    public var objective: Double
}

/// Mentor assignment (导师带徒, TRAIN-MENTOR): hard constraints first (eligibility, capacity, a shared language and a
/// shared channel, optionally never the line manager), then the weighted preferences. The assignment matches as many
/// apprentices as the constraints allow and, among those assignments, maximises the total score — globally, by the
/// Hungarian method over mentor places (the k-th place of a mentor carries the load cost k × `load`), not greedily.
/// Apprentices and mentors are taken in id order, so the result is deterministic.
public struct MentorMatcher: Sendable {
    /// Preference weights.
    public var weights: MatchWeights
    /// Line-manager rule.
    public var lineManager: LineManagerRule

    /// Creates a matcher.
    public init(weights: MatchWeights = MatchWeights(), lineManager: LineManagerRule = .penalty) {
        self.weights = weights
        self.lineManager = lineManager
    }

    /// Why `mentor` cannot take `apprentice`, or nil.
    public func blocker(_ apprentice: Apprentice, _ mentor: Mentor) -> String? {
        if mentor.id == apprentice.id { return "cannot mentor themselves" }
        if let reason = mentor.ineligibility { return reason }
        if Set(apprentice.languages).isDisjoint(with: mentor.languages) { return "no shared language" }
        if Set(apprentice.channels).isDisjoint(with: mentor.channels) { return "no shared channel" }
        if lineManager == .forbid, apprentice.managerID == mentor.id { return "is the line manager" }
        return nil
    }

    /// The preference score of a compatible pair and its terms.
    public func score(_ apprentice: Apprentice, _ mentor: Mentor) -> (Double, [String]) {
        var score = 0.0
        var reasons: [String] = []
        let languages = Set(apprentice.languages).intersection(mentor.languages).sorted()
        let channels = Set(apprentice.channels).intersection(mentor.channels).map(\.rawValue).sorted()
        reasons.append("shares \(languages.joined(separator: "/")) and \(channels.joined(separator: "/"))")
        if !apprentice.site.isEmpty, apprentice.site == mentor.site, weights.sameSite != 0 {
            score += weights.sameSite
            reasons.append("same site \(mentor.site) +\(number(weights.sameSite))")
        }
        if !apprentice.team.isEmpty, apprentice.team == mentor.team, weights.sameTeam != 0 {
            score += weights.sameTeam
            reasons.append("same team \(mentor.team) +\(number(weights.sameTeam))")
        }
        if lineManager == .penalty, weights.notLineManager != 0 {
            if apprentice.managerID != mentor.id {
                score += weights.notLineManager
                reasons.append("not the line manager +\(number(weights.notLineManager))")
            } else {
                reasons.append("is the line manager +0")
            }
        }
        if channels.count > 1, weights.sharedChannels != 0 {
            let extra = Double(channels.count - 1) * weights.sharedChannels
            score += extra
            reasons.append("\(channels.count) shared channels +\(number(extra))")
        }
        return (score, reasons)
    }

    /// Assigns `apprentices` to `mentors`.
    public func assign(apprentices: [Apprentice], mentors: [Mentor]) -> AssignmentPlan {
        let people = apprentices.sorted { $0.id < $1.id }
        let staff = mentors.sorted { $0.id < $1.id }
        // Places: one column per free place; the k-th place of a mentor (counting current apprentices) costs k × load.
        var places: [(mentor: Int, rank: Int)] = []
        for (m, mentor) in staff.enumerated() where mentor.ineligibility == nil {
            for k in 0..<mentor.free { places.append((m, mentor.load + k)) }
        }
        let n = people.count
        guard n > 0 else { return AssignmentPlan(pairs: [], unmatched: [], objective: 0) }
        // Leaving someone unmatched costs more than any score difference, so the number matched is maximised first.
        let maxScore =
            weights.sameSite + weights.sameTeam + weights.notLineManager + weights.sharedChannels
            * Double(Channel.allCases.count)
            + weights.load * Double((staff.map(\.capacity).max() ?? 0) + 1)
        let unmatchedCost = 2 * (abs(maxScore) + 1) * Double(n + 1)
        let forbidden = unmatchedCost * 4
        let columns = places.count + n  // n "nobody" columns: everyone can always be left unmatched
        var cost = [[Double]](repeating: [Double](repeating: unmatchedCost, count: columns), count: n)
        var scores: [[(Double, [String])?]] = Array(repeating: Array(repeating: nil, count: staff.count), count: n)
        for (a, apprentice) in people.enumerated() {
            for (m, mentor) in staff.enumerated() where blocker(apprentice, mentor) == nil {
                scores[a][m] = score(apprentice, mentor)
            }
            for (p, place) in places.enumerated() {
                if let (value, _) = scores[a][place.mentor] {
                    cost[a][p] = -value + weights.load * Double(place.rank)
                } else {
                    cost[a][p] = forbidden
                }
            }
        }
        let chosen = Hungarian.solve(cost)
        var pairs: [Pairing] = []
        var unmatched: [Unmatched] = []
        var objective = 0.0
        // Places of one mentor are interchangeable: give loads in apprentice order.
        var taken: [Int: Int] = [:]
        for (a, column) in chosen.enumerated() {
            let apprentice = people[a]
            if column < places.count, cost[a][column] < forbidden {
                let m = places[column].mentor
                let (value, reasons) = scores[a][m]!
                let load = staff[m].load + taken[m, default: 0] + 1
                taken[m, default: 0] += 1
                objective += value - weights.load * Double(load - 1)
                pairs.append(
                    Pairing(
                        apprentice: apprentice.id, mentor: staff[m].id, score: value, load: load,
                        reasons: reasons + (weights.load != 0 ? ["load \(load)/\(staff[m].capacity)"] : [])))
            } else {
                unmatched.append(Unmatched(apprentice: apprentice.id, reason: explain(apprentice, staff)))
            }
        }
        return AssignmentPlan(pairs: pairs, unmatched: unmatched, objective: objective)
    }

    /// The constraint that blocked `apprentice`.
    func explain(_ apprentice: Apprentice, _ mentors: [Mentor]) -> String {
        if mentors.isEmpty { return "there are no mentors" }
        let compatible = mentors.filter { blocker(apprentice, $0) == nil }
        if !compatible.isEmpty {
            return
                "every compatible mentor is at capacity (\(compatible.map { "\($0.id) \($0.capacity)" }.joined(separator: ", ")))"
        }
        var counts: [String: [String]] = [:]
        for mentor in mentors { counts[blocker(apprentice, mentor) ?? "", default: []].append(mentor.id) }
        let parts = counts.sorted { $0.key < $1.key }.map { "\($0.value.joined(separator: ", ")): \($0.key)" }
        let wanted =
            "speaks \(apprentice.languages.joined(separator: "/")), serves \(apprentice.channels.map(\.rawValue).joined(separator: "/"))"
        return "no compatible mentor (\(wanted)) — \(parts.joined(separator: "; "))"
    }

    func number(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
}

/// The Hungarian method (Kuhn–Munkres with potentials), O(n²m) for an n × m cost matrix with n ≤ m.
public enum Hungarian {
    /// For each row, the column it is assigned to, minimising the total cost. Requires rows ≤ columns.
    public static func solve(_ cost: [[Double]]) -> [Int] {
        let n = cost.count
        guard n > 0 else { return [] }
        let m = cost[0].count
        precondition(m >= n, "the Hungarian method here needs at least as many columns as rows")
        var u = [Double](repeating: 0, count: n + 1)
        var v = [Double](repeating: 0, count: m + 1)
        var p = [Int](repeating: 0, count: m + 1)  // p[j]: row (1-based) matched to column j
        var way = [Int](repeating: 0, count: m + 1)
        for i in 1...n {
            p[0] = i
            var j0 = 0
            var minv = [Double](repeating: .infinity, count: m + 1)
            var used = [Bool](repeating: false, count: m + 1)
            repeat {
                used[j0] = true
                let i0 = p[j0]
                var delta = Double.infinity
                var j1 = 0
                for j in 1...m where !used[j] {
                    let current = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if current < minv[j] {
                        minv[j] = current
                        way[j] = j0
                    }
                    if minv[j] < delta {
                        delta = minv[j]
                        j1 = j
                    }
                }
                for j in 0...m {
                    if used[j] {
                        u[p[j]] += delta
                        v[j] -= delta
                    } else {
                        minv[j] -= delta
                    }
                }
                j0 = j1
            } while p[j0] != 0
            repeat {
                let j1 = way[j0]
                p[j0] = p[j1]
                j0 = j1
            } while j0 != 0
        }
        var assignment = [Int](repeating: -1, count: n)
        for j in 1...m where p[j] != 0 { assignment[p[j] - 1] = j - 1 }
        return assignment
    }
}
