import KefuCore
import Testing

@testable import KefuMentoring

/// Exhaustive search: the most apprentices matched, then the highest score minus load costs.
func bruteForce(
    _ matcher: MentorMatcher, _ apprentices: [Apprentice], _ mentors: [Mentor]
) -> (matched: Int, objective: Double) {
    var best = (matched: -1, objective: -Double.infinity)
    var used = [Int](repeating: 0, count: mentors.count)
    func go(_ i: Int, _ matched: Int, _ total: Double) {
        if i == apprentices.count {
            if matched > best.matched || (matched == best.matched && total > best.objective + 1e-9) {
                best = (matched, total)
            }
            return
        }
        go(i + 1, matched, total)
        for (m, mentor) in mentors.enumerated()
        where used[m] < mentor.free && matcher.blocker(apprentices[i], mentor) == nil {
            let load = Double(mentor.load + used[m])
            used[m] += 1
            go(i + 1, matched + 1, total + matcher.score(apprentices[i], mentor).0 - matcher.weights.load * load)
            used[m] -= 1
        }
    }
    go(0, 0, 0)
    return best
}

@Suite("mentor assignment")
struct MatchingTests {
    @Test("optimal against brute force on 300 random small cases, and deterministic")
    func optimality() throws {
        var random = SplitMix64(seed: 2026)
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        for _ in 0..<300 {
            let sites = ["上海", "北京"]
            let teams = ["A", "B", "C"]
            let apprentices = (0..<Int(1 + random.next() % 6)).map { i in
                Apprentice(
                    id: "A\(i)", languages: pick([["zh"], ["en"], ["zh", "en"]]),
                    channels: pick([[.wechat], [.phone], [.wechat, .phone], [.chat, .phone]]),
                    site: pick(sites), team: pick(teams), managerID: pick(["M0", "M1", "L9"]))
            }
            let mentors = (0..<Int(1 + random.next() % 3)).map { i in
                Mentor(
                    id: "M\(i)", languages: pick([["zh"], ["en"], ["zh", "en"]]),
                    channels: pick([[.wechat, .phone], [.phone], [.chat, .wechat]]),
                    site: pick(sites), team: pick(teams), capacity: Int(1 + random.next() % 3),
                    load: Int(random.next() % 2))
            }
            let matcher = MentorMatcher(
                weights: MatchWeights(
                    sameSite: Double(random.next() % 4), sameTeam: Double(random.next() % 3), notLineManager: 2,
                    sharedChannels: 1, load: Double(random.next() % 3) * 0.5),
                lineManager: pick([.forbid, .penalty, .allow]))
            let plan = matcher.assign(apprentices: apprentices, mentors: mentors)
            let best = bruteForce(matcher, apprentices, mentors)
            #expect(plan.pairs.count == best.matched)
            #expect(abs(plan.objective - best.objective) < 1e-9, "\(apprentices) \(mentors) \(plan)")
            // Capacity and constraints hold; the same input in another order gives the same plan.
            for mentor in mentors { #expect(plan.pairs.filter { $0.mentor == mentor.id }.count <= mentor.free) }
            for pair in plan.pairs {
                let a = apprentices.first { $0.id == pair.apprentice }!
                let m = mentors.first { $0.id == pair.mentor }!
                #expect(matcher.blocker(a, m) == nil)
            }
            #expect(matcher.assign(apprentices: apprentices.reversed(), mentors: mentors.reversed()) == plan)
        }
    }

    @Test("a greedy choice is not optimal: the matcher gives the contested mentor to the one who has no other")
    func notGreedy() throws {
        let matcher = MentorMatcher(
            weights: MatchWeights(sameSite: 5, sameTeam: 0, notLineManager: 0, sharedChannels: 0, load: 0))
        let apprentices = [
            // A1 would take M1 first (same site); only M1 speaks English, A2's language.
            Apprentice(id: "A1", languages: ["zh"], channels: [.wechat], site: "上海"),
            Apprentice(id: "A2", languages: ["en"], channels: [.wechat], site: "北京"),
        ]
        let mentors = [
            Mentor(id: "M1", languages: ["zh", "en"], channels: [.wechat], site: "上海", capacity: 1),
            Mentor(id: "M2", languages: ["zh"], channels: [.wechat], site: "北京", capacity: 1),
        ]
        let plan = matcher.assign(apprentices: apprentices, mentors: mentors)
        #expect(plan.pairs.map { "\($0.apprentice)→\($0.mentor)" } == ["A1→M2", "A2→M1"])
        #expect(plan.unmatched.isEmpty)
    }

    @Test("capacity, balanced load, reasons, and the constraint that blocked the unmatched")
    func constraints() throws {
        let matcher = MentorMatcher(
            weights: MatchWeights(sameSite: 3, sameTeam: 2, notLineManager: 2, sharedChannels: 1, load: 1),
            lineManager: .forbid)
        let apprentices =
            (1...4).map {
                Apprentice(id: "E\($0)", languages: ["zh"], channels: [.wechat], site: "上海", team: "A", managerID: "L1")
            }
            + [
                Apprentice(id: "E9", languages: ["fr"], channels: [.wechat]),
                Apprentice(id: "E8", languages: ["zh"], channels: [.wechat], managerID: "L1"),
            ]
        let mentors = [
            Mentor(id: "M1", languages: ["zh"], channels: [.wechat, .phone], site: "上海", team: "A", capacity: 2),
            Mentor(id: "M2", languages: ["zh"], channels: [.wechat], site: "上海", team: "B", capacity: 2, load: 1),
            Mentor(id: "L1", languages: ["zh"], channels: [.wechat], site: "上海", team: "A", capacity: 5),
            Mentor(
                id: "S1", languages: ["zh"], channels: [.wechat], capacity: 5,
                ineligibility: "level specialist is not a mentor level"),
        ]
        let plan = matcher.assign(apprentices: apprentices, mentors: mentors)
        #expect(
            plan.pairs.filter { $0.mentor == "M1" }.count == 2 && plan.pairs.filter { $0.mentor == "M2" }.count == 1)
        #expect(
            !plan.pairs.contains { $0.mentor == "L1" || $0.mentor == "S1" },
            "the line manager is forbidden, S1 ineligible")
        let e9 = try #require(plan.unmatched.first { $0.apprentice == "E9" })
        #expect(e9.reason.contains("no shared language") && e9.reason.contains("S1: level specialist"))
        #expect(plan.unmatched.count == 3)
        let full = try #require(plan.unmatched.first { $0.apprentice != "E9" })
        #expect(full.reason.contains("every compatible mentor is at capacity (M1 2, M2 2)"))
        let m1 = try #require(plan.pairs.first { $0.mentor == "M1" })
        #expect(
            m1.reasons.contains("same site 上海 +3") && m1.reasons.contains("same team A +2")
                && !m1.reasons.contains { $0.contains("line manager") }, "forbid: no preference term")
        #expect(m1.reasons.last?.hasPrefix("load ") == true)
    }

    @Test("Hungarian method on known matrices")
    func hungarian() throws {
        #expect(Hungarian.solve([[4, 1, 3], [2, 0, 5], [3, 2, 2]]) == [1, 0, 2])
        #expect(Hungarian.solve([[1, 2, 3, 0]]) == [3])
        #expect(Hungarian.solve([]) == [])
        let assignment = Hungarian.solve([[9, 2, 7, 8], [6, 4, 3, 7], [5, 8, 1, 8], [7, 6, 9, 4]])
        #expect(assignment == [1, 0, 2, 3])
    }
}
