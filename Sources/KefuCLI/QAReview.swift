import ArgumentParser
import Foundation
import KefuCore
import KefuServices

extension Kefu.QA {
    /// `kefu qa review`.
    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Review a sample's automatic scores: confirm or override each item with a comment, then submit.",
            discussion: """
                In the terminal each transcript is shown with the automatic evidence marked, then each item: Enter confirms, \
                p/f/n sets pass/fail/n-a (an override asks for a reason), s skips the interaction, q stops. With --calibration \
                the review is blind: automatic verdicts are hidden and every item needs your verdict. \
                --decisions FILE takes CSV rows interaction_id,item,verdict,comment instead (items not listed are confirmed).
                  kefu qa review nov --as Q001 --rubric conduct.zh
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Sample name.") var sample: String
        @Option(name: .customLong("as"), help: "Reviewer (person id).") var reviewer: String
        @Option(help: "Rubric id or path (the scores pinned to its current version are reviewed).") var rubric: String
        @Option(help: "Calibration session (blind review).") var calibration: String?
        @Option(help: "CSV of decisions: interaction_id,item,verdict,comment.") var decisions: String?
        @Option(help: "Review at most this many interactions now.") var limit: Int?

        func run() async throws {
            try await Edge.run {
                let env = try Edge.environment(global: global, store: store, access: .readWrite)
                let actor = try await Edge.identity(reviewer, in: env)
                let service = QAReviewService(environment: env)
                let session = calibration.map(CalibrationID.init(rawValue:))
                let queue = try await service.queue(
                    sample: SampleID(sample), rubric: rubric, calibration: session, reviewer: actor.person
                ).interactions
                guard !queue.isEmpty else {
                    print(
                        "nothing to review: \(reviewer) has reviewed every interaction of sample \(sample) with \(rubric)"
                    )
                    return
                }
                let fromFile = try decisions.map { try QAReviewService.readDecisions(from: .path($0)) }
                var submitted = 0
                for id in queue.prefix(limit ?? queue.count) {
                    let draft = try await service.draft(
                        interaction: id, rubric: rubric, calibration: session, by: actor)
                    let chosen: [QAReviewService.Decision]
                    var comment = ""
                    if let fromFile {
                        guard let list = fromFile[id] else { continue }
                        chosen = list
                    } else {
                        guard let result = try interactive(draft, blind: session != nil) else { break }
                        guard let (list, c) = result else { continue }
                        chosen = list
                        comment = c
                    }
                    let r = try await service.submit(draft, decisions: chosen, comment: comment, by: actor)
                    print(
                        "review \(r.id): \(id) automatic \(String(format: "%.2f", r.automaticScore.value)) → final \(String(format: "%.2f", r.finalScore.value)) (\(r.overrides) override(s))"
                    )
                    submitted += 1
                }
                print(
                    "\(submitted) review(s) submitted by \(reviewer); \(queue.count - submitted) left in sample \(sample)"
                )
            }
        }

        /// Terminal review of one interaction. nil: stop; .some(nil): skip.
        func interactive(_ draft: QAReviewService.Draft, blind: Bool) throws -> ([QAReviewService.Decision], String)?? {
            let color = Edge.useColor
            print(
                "\n══ \(draft.interaction.id) · \(draft.interaction.channel.rawValue) · agent \(draft.interaction.agent)\(blind ? " · blind calibration review" : "")"
            )
            var marks: [Int: [(Int, Int)]] = [:]
            if !blind {
                for item in draft.automatic.items {
                    for e in item.evidence { marks[e.turn, default: []].append((e.start, e.end)) }
                }
            }
            for (i, turn) in draft.interaction.turns.enumerated() {
                let who = turn.speaker == .agent ? "客服 agent   " : "客户 customer"
                let time = turn.at.map { String(format: "%6.0fs ", $0) } ?? ""
                print("[\(i)] \(time)\(who) \(Self.highlight(turn.text, marks[i] ?? [], color: color))")
            }
            if !blind {
                print(
                    "automatic score \(String(format: "%.2f", draft.automatic.score))\(draft.automatic.passed ? " (pass)" : " (fail)")"
                )
            }
            var chosen: [QAReviewService.Decision] = []
            for item in draft.automatic.items {
                if blind {
                    print("\n• \(item.id) [\(item.category)]")
                } else {
                    print(
                        "\n• \(item.id) [\(item.category)] automatic: \(item.verdict.rawValue.uppercased()) — \(item.message)"
                    )
                    for e in item.evidence.prefix(3) { print("    turn \(e.turn): “\(e.text)”") }
                }
                while true {
                    print(
                        blind
                            ? "  verdict p pass · f fail · n n/a · s skip · q quit > "
                            : "  Enter confirm · p pass · f fail · n n/a · s skip · q quit > ", terminator: "")
                    guard let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() else { return nil }
                    if answer == "q" { return nil }
                    if answer == "s" { return .some(nil) }
                    let verdict: HumanVerdict?
                    switch answer {
                    case "": verdict = blind ? nil : HumanVerdict(rawValue: item.verdict.rawValue)
                    case "p", "pass": verdict = .pass
                    case "f", "fail": verdict = .fail
                    case "n", "na": verdict = .na
                    default: verdict = nil
                    }
                    guard let verdict else {
                        print("  please answer \(blind ? "" : "Enter, ")p, f, n, s or q")
                        continue
                    }
                    var comment = ""
                    while verdict.rawValue != item.verdict.rawValue && !blind
                        && comment.trimmingCharacters(in: .whitespaces).isEmpty
                    {
                        print(
                            "  reason for overriding \(item.verdict.rawValue) → \(verdict.rawValue): ", terminator: "")
                        guard let line = readLine() else { return nil }
                        comment = line
                        if comment.trimmingCharacters(in: .whitespaces).isEmpty {
                            print("  an override needs a reason")
                        }
                    }
                    chosen.append(.init(item: item.id, verdict: verdict, comment: comment))
                    break
                }
            }
            print("comment on the whole interaction (optional): ", terminator: "")
            return .some((chosen, readLine() ?? ""))
        }

        /// `text` with code-point ranges marked (reverse video on a terminal, «…» otherwise).
        static func highlight(_ text: String, _ ranges: [(Int, Int)], color: Bool) -> String {
            guard !ranges.isEmpty else { return text }
            let scalars = Array(text.unicodeScalars)
            var inside = [Bool](repeating: false, count: scalars.count)
            for (s, e) in ranges { for i in max(0, s)..<min(e, scalars.count) { inside[i] = true } }
            var out = ""
            var on = false
            for (i, scalar) in scalars.enumerated() {
                if inside[i] != on {
                    out += inside[i] ? (color ? "\u{1B}[7m" : "«") : (color ? "\u{1B}[0m" : "»")
                    on = inside[i]
                }
                out.unicodeScalars.append(scalar)
            }
            if on { out += color ? "\u{1B}[0m" : "»" }
            return out
        }
    }

    /// `kefu qa dispute`.
    struct Dispute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "As the agent who handled the interaction, dispute one item of a review.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Review id.") var review: Int64
        @Argument(help: "Rubric item id.") var item: String
        @Option(name: .customLong("as"), help: "The agent (person id).") var agent: String
        @Option(help: "Why the verdict is wrong.") var reason: String

        func run() async throws {
            try await Edge.run {
                let env = try Edge.environment(global: global, store: store, access: .readWrite)
                let actor = try await Edge.identity(agent, in: env)
                let id = try await QAReviewService(environment: env).openDispute(
                    review: ReviewID(review), item: item, reason: reason, by: actor)
                print(
                    "dispute \(id) opened on review \(review) item \(item); a team lead or above decides it with `kefu qa resolve \(id)`"
                )
            }
        }
    }

    /// `kefu qa resolve`.
    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "As a team lead or above, accept (the verdict and score change) or reject (the item is locked) a dispute."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Argument(help: "Dispute id.") var dispute: Int64
        @Option(name: .customLong("as"), help: "The supervisor (person id).") var supervisor: String
        @Flag(help: "Accept the dispute.") var accept = false
        @Flag(help: "Reject the dispute.") var reject = false
        @Option(help: "The new verdict when accepting (default: pass↔fail).") var verdict: HumanVerdict?
        @Option(help: "The decision's reason.") var comment: String

        func validate() throws {
            guard accept != reject else { throw ValidationError("give exactly one of --accept and --reject") }
        }

        func run() async throws {
            try await Edge.run {
                let env = try Edge.environment(global: global, store: store, access: .readWrite)
                let actor = try await Edge.identity(supervisor, in: env)
                let d = try await QAReviewService(environment: env).resolveDispute(
                    DisputeID(dispute), decision: accept ? .accept : .reject, verdict: verdict, comment: comment,
                    by: actor)
                print("dispute \(d.id) \(d.status.rawValue) by \(supervisor): review \(d.review) item \(d.item)")
            }
        }
    }

    /// `kefu qa disputes`.
    struct Disputes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List disputes (newest first).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Option(help: "Only disputes in this state.") var status: DisputeStatus?
        @Option(help: "Output format.") var format: QAListFormat = .text

        func run() async throws {
            try await Edge.run {
                let env = try Edge.environment(global: global, store: store, access: .readOnly)
                let list = try await QAReviewService(environment: env).disputes(status: status)
                if format == .json {
                    print(try OutputJSON.string(list))
                    return
                }
                if list.isEmpty { print("no disputes") }
                for d in list {
                    print(
                        "\(d.id)\t\(d.status.rawValue)\treview \(d.review)\t\(d.interaction)\t\(d.item)\tby \(d.agent): \(d.reason)\(d.resolver.map { "\t→ \($0): \(d.resolution ?? "")" } ?? "")"
                    )
                }
            }
        }
    }

    /// `kefu qa audit`.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The QA audit log: who changed what, when, before and after (append-only).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var store: StoreOptions
        @Option(help: "Only entries whose subject contains this text (e.g. `review 3`).") var subject: String?
        @Option(help: "Output format.") var format: QAListFormat = .text

        func run() async throws {
            try await Edge.run {
                let env = try Edge.environment(global: global, store: store, access: .readOnly)
                let log = try await QAReviewService(environment: env).auditLog(containing: subject)
                if format == .json {
                    print(try OutputJSON.string(log))
                    return
                }
                for e in log {
                    print(
                        "\(e.id)\t\(e.at)\t\(e.actor)\t\(e.action)\t\(e.subject)\t\(e.before ?? "–") → \(e.after ?? "–")"
                    )
                }
            }
        }
    }
}
