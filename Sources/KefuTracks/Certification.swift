import Foundation
public import KefuCore
public import KefuLedger

/// A certification's rules (from `Tracks/certifications.yaml`).
public struct CertificationRule: Sendable, Hashable {
    /// Id, e.g. `onboarding`.
    public var id: String
    /// Bilingual title.
    public var title: String
    /// Description.
    public var description: String
    /// Policy clauses.
    public var sources: [String]
    /// Months of validity after issue or renewal.
    public var validityMonths: Int
    /// Renewal may happen this many days before expiry (or any time after it).
    public var renewalWindowDays: Int
    /// Exams to pass: blueprint id and minimum score.
    public var exams: [(blueprint: String, minScore: Double)]
    /// Scenarios to pass in exam mode: scenario id and minimum score.
    public var scenarios: [(scenario: String, minScore: Double)]
    /// Whether a mentor's sign-off for this certification is required.
    public var requiresMentorSignOff: Bool
    /// Certifications that must be valid.
    public var prerequisites: [String]

    /// Creates a rule.
    public init(
        id: String, title: String, description: String, sources: [String], validityMonths: Int, renewalWindowDays: Int,
        exams: [(blueprint: String, minScore: Double)], scenarios: [(scenario: String, minScore: Double)],
        requiresMentorSignOff: Bool, prerequisites: [String]
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.sources = sources
        self.validityMonths = validityMonths
        self.renewalWindowDays = renewalWindowDays
        self.exams = exams
        self.scenarios = scenarios
        self.requiresMentorSignOff = requiresMentorSignOff
        self.prerequisites = prerequisites
    }

    public static func == (a: CertificationRule, b: CertificationRule) -> Bool { a.id == b.id && a.title == b.title }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// The requirements as a sentence (the credential's criteria narrative).
    public var narrative: String {
        var parts: [String] = []
        for exam in exams { parts.append("pass exam `\(exam.blueprint)` with at least \(format(exam.minScore))") }
        for scenario in scenarios {
            parts.append("pass scenario `\(scenario.scenario)` in exam mode with at least \(format(scenario.minScore))")
        }
        if requiresMentorSignOff { parts.append("a mentor's sign-off") }
        for p in prerequisites { parts.append("a valid `\(p)` certification") }
        return parts.isEmpty ? "no requirements" : parts.joined(separator: "; ")
    }
}

/// A number without a trailing `.0`; with `decimals`, rounded to at most that many decimals.
func format(_ value: Double, decimals: Int? = nil) -> String {
    if value == value.rounded() { return String(Int(value)) }
    guard let decimals else { return String(value) }
    var text = String(format: "%.\(decimals)f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}

/// One requirement, evaluated.
public struct RequirementCheck: Sendable, Hashable, Codable {
    /// What is required.
    public var requirement: String
    /// Whether it is met.
    public var isMet: Bool
    /// What the records show (the actual value).
    public var actual: String
}

/// A certification's state for one person, from the ledger.
public enum CertificationState: Sendable, Hashable {
    /// Valid until the date, issued or renewed by the entry.
    case valid(entry: Int, until: String)
    /// Was issued; expired on the date.
    case expired(entry: Int, on: String)
    /// Was issued; revoked.
    case revoked(entry: Int, reason: String)
    /// Never issued.
    case none
}

/// Evaluates certification rules against stored evidence and the ledger. Pure: the date is passed in.
public enum CertificationEvaluator {
    /// The state of `certification` for `person` as of `date` (ISO date `YYYY-MM-DD`).
    public static func state(
        of certification: String, person: String, entries: [LedgerEntry], asOf date: String
    ) -> CertificationState {
        let mine = entries.filter { $0.person == person }
        guard
            let latest = mine.last(where: { ($0.kind == .issued || $0.kind == .renewed) && $0.subject == certification }
            )
        else { return .none }
        if let revocation = mine.first(where: { $0.kind == .revoked && $0.refersTo == latest.sequence }) {
            return .revoked(entry: latest.sequence, reason: revocation.reason ?? "")
        }
        let until = latest.validUntil ?? "9999-12-31"
        if mine.contains(where: { $0.kind == .expired && $0.refersTo == latest.sequence }) || until < date {
            return .expired(entry: latest.sequence, on: until)
        }
        return .valid(entry: latest.sequence, until: until)
    }

    /// Checks every requirement of `rule` for `person` as of `date`; returns the checks and the evidence
    /// to record when all are met.
    public static func evaluate(
        _ rule: CertificationRule, person: Person, attempts: [Attempt], signOffs: [SignOff], entries: [LedgerEntry],
        asOf date: String
    ) -> (checks: [RequirementCheck], evidence: JSONValue) {
        var checks: [RequirementCheck] = []
        var evidence: [String: JSONValue] = [:]
        var attemptEvidence: [JSONValue] = []
        if !person.isActive {
            checks.append(RequirementCheck(requirement: "the person is active", isMet: false, actual: "status: left"))
        }
        // Exams and scenarios alike: the best exam-mode attempt must be a pass at or above the mark.
        let attemptRequirements =
            rule.exams.map {
                (kind: "exam", reference: $0.blueprint, minScore: $0.minScore, label: "exam `\($0.blueprint)`")
            }
            + rule.scenarios.map {
                (
                    kind: "scenario", reference: $0.scenario, minScore: $0.minScore,
                    label: "scenario `\($0.scenario)` in exam mode"
                )
            }
        for requirement in attemptRequirements {
            let found = attempts.filter {
                $0.kind == requirement.kind && $0.reference == requirement.reference && $0.mode == "exam"
            }
            .max { ($0.score, $0.id) < ($1.score, $1.id) }
            let met = found.map { $0.passed && $0.score >= requirement.minScore } ?? false
            let actual =
                found.map {
                    "best \(format($0.score)) (attempt \($0.id), \($0.completedAt)\($0.passed ? "" : ", not passed"))"
                        + manualNote($0.manual)
                }
                ?? "no exam-mode attempt recorded"
            checks.append(
                RequirementCheck(
                    requirement: "\(requirement.label) ≥ \(format(requirement.minScore))", isMet: met, actual: actual))
            if met, let a = found { attemptEvidence.append(attemptJSON(a)) }
        }
        if rule.requiresMentorSignOff {
            let signOff = signOffs.last { $0.certification == rule.id }
            checks.append(
                RequirementCheck(
                    requirement: "mentor sign-off for `\(rule.id)`", isMet: signOff != nil,
                    actual: signOff.map { "signed by \($0.mentorID) on \($0.signedAt)" + manualNote($0.manual) }
                        ?? "no sign-off recorded"))
            if let s = signOff {
                evidence["signoff"] = withManual(
                    [
                        "id": .int(s.id), "mentor": .string(s.mentorID), "signed_at": .string(s.signedAt),
                    ], s.manual)
            }
        }
        var prerequisites: [JSONValue] = []
        for prerequisite in rule.prerequisites {
            let state = self.state(of: prerequisite, person: person.id, entries: entries, asOf: date)
            let actual: String
            var met = false
            switch state {
            case .valid(let entry, let until):
                met = true
                actual = "valid until \(until) (ledger entry \(entry))"
                prerequisites.append(.object(["certification": .string(prerequisite), "entry": .int(Int64(entry))]))
            case .expired(let entry, let on): actual = "expired on \(on) (ledger entry \(entry))"
            case .revoked(let entry, let reason): actual = "revoked (ledger entry \(entry)): \(reason)"
            case .none: actual = "never issued"
            }
            checks.append(
                RequirementCheck(requirement: "valid `\(prerequisite)` certification", isMet: met, actual: actual))
        }
        if !attemptEvidence.isEmpty { evidence["attempts"] = .array(attemptEvidence) }
        if !prerequisites.isEmpty { evidence["prerequisites"] = .array(prerequisites) }
        return (checks, .object(evidence))
    }

    static func attemptJSON(_ a: Attempt) -> JSONValue {
        withManual(
            [
                "id": .int(a.id), "kind": .string(a.kind), "reference": .string(a.reference),
                "score": .string(format(a.score)), "content_version": .string(a.contentVersion),
                "completed_at": .string(a.completedAt),
            ], a.manual)
    }

    /// Evidence entered by hand is marked in the ledger: `"manual": true`, with the reason and who entered it.
    static func withManual(_ members: [String: JSONValue], _ manual: ManualEntry?) -> JSONValue {
        var members = members
        if let manual {
            members["manual"] = .bool(true)
            members["reason"] = .string(manual.reason)
            members["entered_by"] = .string(manual.enteredBy)
        }
        return .object(members)
    }

    /// The words `certify` shows after evidence entered by hand.
    static func manualNote(_ manual: ManualEntry?) -> String {
        manual.map { " — entered by hand by \($0.enteredBy): \($0.reason)" } ?? ""
    }

    /// `date` plus `months` (ISO dates), clamped to the month's last day.
    public static func addMonths(_ months: Int, to date: String) -> String {
        let parts = date.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return date }
        var year = parts[0]
        var month = parts[1] + months
        while month > 12 {
            month -= 12
            year += 1
        }
        while month < 1 {
            month += 12
            year -= 1
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        let day = min(parts[2], days)
        func pad(_ n: Int, _ width: Int) -> String {
            String(repeating: "0", count: max(0, width - String(n).count)) + String(n)
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}
