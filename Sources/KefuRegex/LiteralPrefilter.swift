/// A multi-literal prefilter: for each pattern, a set of literal strings at least one of which must occur
/// in any text the pattern matches; one Aho–Corasick scan of a turn then tells which patterns can
/// possibly match, and PCRE2 runs only on those.
///
/// Conservative by construction: a pattern whose literals cannot be proven necessary (inline flags,
/// backreferences, `x*` around everything, …) is always a candidate.
public final class LiteralPrefilter: Sendable {
    /// The patterns' necessary literal sets (nil: always a candidate).
    public let literals: [Set<String>?]
    private let alwaysCandidate: [UInt64]
    private let wordCount: Int
    private let delta: [Int32]
    private let outputStart: [Int32]
    private let outputs: [Int32]

    /// Which patterns may match one scanned text.
    public struct Candidates: Sendable {
        var bits: [UInt64]

        /// True when pattern `index` may match (PCRE2 must decide); false when it certainly does not.
        @inline(__always) public func mayMatch(_ index: Int) -> Bool {
            bits[index >> 6] & (1 << UInt64(index & 63)) != 0
        }

        /// ORs these candidates into `union` (same pattern count).
        public func formUnion(into union: inout [UInt64]) {
            for i in bits.indices { union[i] |= bits[i] }
        }
    }

    /// Analyses the patterns and builds the automaton.
    public init(patterns: [Pattern]) {
        var literals: [Set<String>?] = []
        for pattern in patterns {
            literals.append(LiteralAnalysis.necessaryLiterals(of: pattern))
        }
        self.literals = literals
        wordCount = (patterns.count + 63) / 64
        var always = [UInt64](repeating: 0, count: wordCount)
        for (i, set) in literals.enumerated() where set == nil { always[i >> 6] |= 1 << UInt64(i & 63) }
        alwaysCandidate = always

        // Trie over bytes.
        var goto: [[Int32]] = [[Int32](repeating: -1, count: 256)]
        var out: [[Int32]] = [[]]
        for (patternIndex, set) in literals.enumerated() {
            guard let set else { continue }
            for literal in set {
                var state = 0
                for byte in literal.utf8 {
                    let next = goto[state][Int(byte)]
                    if next >= 0 {
                        state = Int(next)
                    } else {
                        goto.append([Int32](repeating: -1, count: 256))
                        out.append([])
                        goto[state][Int(byte)] = Int32(goto.count - 1)
                        state = goto.count - 1
                    }
                }
                if !out[state].contains(Int32(patternIndex)) { out[state].append(Int32(patternIndex)) }
            }
        }
        // Failure links, breadth first, folded into a dense transition table.
        let stateCount = goto.count
        var fail = [Int](repeating: 0, count: stateCount)
        var delta = [Int32](repeating: 0, count: stateCount * 256)
        var queue: [Int] = []
        for byte in 0..<256 {
            let next = goto[0][byte]
            if next >= 0 {
                delta[byte] = next
                fail[Int(next)] = 0
                queue.append(Int(next))
            } else {
                delta[byte] = 0
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            out[state] += out[fail[state]].filter { !out[state].contains($0) }
            for byte in 0..<256 {
                let next = goto[state][byte]
                if next >= 0 {
                    fail[Int(next)] = Int(delta[fail[state] * 256 + byte])
                    delta[state * 256 + byte] = next
                    queue.append(Int(next))
                } else {
                    delta[state * 256 + byte] = delta[fail[state] * 256 + byte]
                }
            }
        }
        var outputStart = [Int32](repeating: 0, count: stateCount + 1)
        var outputs: [Int32] = []
        for state in 0..<stateCount {
            outputStart[state] = Int32(outputs.count)
            outputs += out[state]
        }
        outputStart[stateCount] = Int32(outputs.count)
        self.delta = delta
        self.outputStart = outputStart
        self.outputs = outputs
    }

    /// Scans a normalized text once (ASCII letters folded to lower case) and returns the candidates.
    public func scan(_ bytes: [UInt8]) -> Candidates {
        var bits = alwaysCandidate
        var state = 0
        delta.withUnsafeBufferPointer { delta in
            outputStart.withUnsafeBufferPointer { starts in
                for byte in bytes {
                    let folded = byte &- 0x41 < 26 ? byte | 0x20 : byte
                    state = Int(delta[state &* 256 &+ Int(folded)])
                    let lower = Int(starts[state])
                    let upper = Int(starts[state &+ 1])
                    if lower != upper {
                        for i in lower..<upper {
                            let p = Int(outputs[i])
                            bits[p >> 6] |= 1 << UInt64(p & 63)
                        }
                    }
                }
            }
        }
        return Candidates(bits: bits)
    }
}

/// Derives necessary literals from a compiled PCRE2 pattern.
enum LiteralAnalysis {
    /// What is known about the strings a sub-pattern matches.
    enum Info: Equatable {
        /// Matches exactly one of these strings.
        case exact(Set<String>)
        /// Every match contains at least one of these strings.
        case any(Set<String>)
        /// Nothing useful is known.
        case unknown
    }

    static let maxSet = 64

    struct Unsupported: Error {}

    /// Necessary literals of `pattern` (ASCII letters lower-cased, as the scan folds them), or nil when none can be proven.
    static func necessaryLiterals(of pattern: Pattern) -> Set<String>? {
        var parser = Parser(
            scalars: Array(pattern.compiledSource.unicodeScalars), caseless: pattern.options.caseless,
            nfkc: pattern.options.normalization.nfkc)
        guard let info = try? parser.parseAlternation(), parser.position == parser.scalars.count else { return nil }
        switch info {
        case .exact(let set), .any(let set):
            if set.isEmpty || set.contains("") { return nil }
            return set
        case .unknown:
            return nil
        }
    }

    static func asAny(_ info: Info) -> Info {
        switch info {
        case .exact(let set): return set.contains("") || set.isEmpty ? .unknown : .any(set)
        default: return info
        }
    }

    /// The more selective of two necessary-literal sets: longest shortest literal, then fewest literals.
    static func best(_ a: Info, _ b: Info) -> Info {
        let a = asAny(a)
        let b = asAny(b)
        guard case .any(let sa) = a else { return b }
        guard case .any(let sb) = b else { return a }
        let la = sa.map { $0.utf8.count }.min() ?? 0
        let lb = sb.map { $0.utf8.count }.min() ?? 0
        if la != lb { return la > lb ? a : b }
        return sa.count <= sb.count ? a : b
    }

    static func concat(_ a: Info, _ b: Info) -> Info {
        if case .exact(let sa) = a, case .exact(let sb) = b, sa.count * sb.count <= maxSet {
            var product = Set<String>()
            for x in sa { for y in sb { product.insert(x + y) } }
            return .exact(product)
        }
        return best(a, b)
    }

    static func alternate(_ a: Info, _ b: Info) -> Info {
        if case .exact(let sa) = a, case .exact(let sb) = b, sa.count + sb.count <= maxSet {
            return .exact(sa.union(sb))
        }
        guard case .any(let sa) = asAny(a), case .any(let sb) = asAny(b) else { return .unknown }
        return sa.count + sb.count <= maxSet ? .any(sa.union(sb)) : .unknown
    }

    struct Parser {
        let scalars: [Unicode.Scalar]
        let caseless: Bool
        let nfkc: Bool
        var position = 0

        init(scalars: [Unicode.Scalar], caseless: Bool, nfkc: Bool) {
            self.scalars = scalars
            self.caseless = caseless
            self.nfkc = nfkc
        }

        var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        mutating func parseAlternation() throws -> Info {
            var info = try parseConcat()
            while current == "|" {
                position += 1
                info = alternate(info, try parseConcat())
            }
            return info
        }

        /// A sequence: exact atoms accumulate into a run of literals; when exactness breaks, the run so
        /// far competes for the most selective necessary set and a new run starts after the break.
        mutating func parseConcat() throws -> Info {
            var run: Info = .exact([""])
            var bestSoFar: Info?
            while let c = current, c != "|", c != ")" {
                let atom = try applyQuantifier(try parseAtom())
                if case .exact(let sa) = run, case .exact(let sb) = atom, sa.count * sb.count <= maxSet {
                    run = concat(run, atom)
                    continue
                }
                bestSoFar = best(bestSoFar ?? .unknown, best(run, atom))
                if case .exact = atom { run = atom } else { run = .exact([""]) }
            }
            guard let bestSoFar else { return run }
            return best(bestSoFar, run)
        }

        /// One literal scalar as the scan sees it. The scan folds ASCII letters of the text to lower
        /// case, so ASCII literals are folded too — also for case-sensitive patterns, where the folded
        /// literal is still necessary (PCRE2 then decides the case).
        func literal(_ scalar: Unicode.Scalar) -> Info {
            if scalar.value < 0x80 {
                if caseless && !nfkc && (scalar == "k" || scalar == "K" || scalar == "s" || scalar == "S") {
                    return .unknown
                }
                let isUpper = scalar.value >= 0x41 && scalar.value <= 0x5A
                let lowered = isUpper ? Unicode.Scalar(UInt8(scalar.value | 0x20)) : scalar
                return .exact([String(Character(lowered))])
            }
            if caseless && scalar.properties.changesWhenCaseMapped { return .unknown }
            return .exact([String(Character(scalar))])
        }

        mutating func applyQuantifier(_ atom: Info) throws -> Info {
            guard let c = current else { return atom }
            var result = atom
            switch c {
            case "?":
                position += 1
                if case .exact(let set) = atom { result = .exact(set.union([""])) } else { result = .unknown }
            case "*":
                position += 1
                result = .unknown
            case "+":
                position += 1
                result = asAny(atom)
            case "{":
                // {n}, {n,}, {n,m}; anything else is a literal brace.
                var p = position + 1
                var digits = ""
                while p < scalars.count, let d = scalars[p].properties.numericType, d == .decimal {
                    digits.unicodeScalars.append(scalars[p])
                    p += 1
                }
                guard p < scalars.count, scalars[p] == "}" || scalars[p] == "," else { return atom }
                var q = p
                if scalars[q] == "," {
                    q += 1
                    while q < scalars.count, scalars[q].properties.numericType == .decimal { q += 1 }
                }
                guard q < scalars.count, scalars[q] == "}", !digits.isEmpty || scalars[p] == "," else { return atom }
                position = q + 1
                let minimum = Int(digits) ?? 0
                result = minimum == 0 ? .unknown : asAny(atom)
            default:
                return atom
            }
            if let c = current, c == "?" || c == "+" { position += 1 }  // lazy / possessive
            return result
        }

        mutating func parseAtom() throws -> Info {
            guard let c = current else { return .exact([""]) }
            switch c {
            case "(":
                return try parseGroup()
            case "[":
                try skipClass()
                return .unknown
            case ".":
                position += 1
                return .unknown
            case "^", "$":
                position += 1
                return .exact([""])
            case "\\":
                return try parseEscape()
            default:
                position += 1
                return literal(c)
            }
        }

        mutating func parseEscape() throws -> Info {
            position += 1
            guard let e = current else { throw Unsupported() }
            position += 1
            switch e {
            case "Q":
                var text: Info = .exact([""])
                while position < scalars.count {
                    if scalars[position] == "\\", position + 1 < scalars.count, scalars[position + 1] == "E" {
                        position += 2
                        return text
                    }
                    text = concat(text, literal(scalars[position]))
                    position += 1
                }
                return text
            case "x":
                if current == "{" {
                    var hex = ""
                    position += 1
                    while let h = current, h != "}" {
                        hex.unicodeScalars.append(h)
                        position += 1
                    }
                    position += 1
                    guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
                        throw Unsupported()
                    }
                    return literal(scalar)
                }
                var hex = ""
                while hex.count < 2, let h = current, h.properties.isASCIIHexDigit {
                    hex.unicodeScalars.append(h)
                    position += 1
                }
                guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
                    throw Unsupported()
                }
                return literal(scalar)
            case "t": return literal("\t")
            case "n": return literal("\n")
            case "r": return literal("\r")
            case "A", "z", "Z", "G", "b", "B", "K":
                if e == "K" { throw Unsupported() }
                return .exact([""])
            case "p", "P", "g", "k", "N", "o":
                if current == "{" {
                    while let h = current, h != "}" {
                        position += 1
                        _ = h
                    }
                    position += 1
                } else if e == "p" || e == "P" {
                    position += 1
                }
                if e == "g" || e == "k" { throw Unsupported() }
                return .unknown
            default:
                if e.properties.numericType != nil { throw Unsupported() }  // backreference or octal
                if e.value < 0x80 && (e.properties.isAlphabetic) { return .unknown }  // \d \w \s \h \v \R \X …
                return literal(e)
            }
        }

        mutating func skipClass() throws {
            position += 1
            if current == "^" { position += 1 }
            if current == "]" { position += 1 }
            while let c = current {
                if c == "\\" {
                    position += 2
                    continue
                }
                if c == "[", position + 1 < scalars.count, scalars[position + 1] == ":" {
                    while let d = current, !(d == "]" && scalars[position - 1] == ":") { position += 1 }
                    position += 1
                    continue
                }
                position += 1
                if c == "]" { return }
            }
            throw Unsupported()
        }

        mutating func parseGroup() throws -> Info {
            position += 1  // "("
            var zeroWidth = false
            if current == "*" { throw Unsupported() }
            if current == "?" {
                position += 1
                guard let k = current else { throw Unsupported() }
                switch k {
                case ":", ">", "|":
                    position += 1
                case "=", "!":
                    position += 1
                    zeroWidth = true
                case "<":
                    position += 1
                    if current == "=" || current == "!" {
                        position += 1
                        zeroWidth = true
                    } else {
                        while let n = current, n != ">" {
                            position += 1
                            _ = n
                        }
                        position += 1
                    }
                case "P":
                    position += 1
                    guard current == "<" else { throw Unsupported() }
                    while let n = current, n != ">" {
                        position += 1
                        _ = n
                    }
                    position += 1
                case "'":
                    position += 1
                    while let n = current, n != "'" {
                        position += 1
                        _ = n
                    }
                    position += 1
                case "#":
                    while let n = current, n != ")" {
                        position += 1
                        _ = n
                    }
                    position += 1
                    return .exact([""])
                default:
                    throw Unsupported()  // inline flags, conditionals, recursion
                }
            }
            let inner = try parseAlternation()
            guard current == ")" else { throw Unsupported() }
            position += 1
            return zeroWidth ? .exact([""]) : inner
        }
    }
}
