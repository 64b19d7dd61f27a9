/// Static check for overlapping alternation under an unbounded quantifier: `(a|aa)+`, `(a|a?)+`, `(\w|\d)+`.
///
/// A repeated group is ambiguous when one text can be split into repetitions in two ways that start with
/// different alternatives; then n repetitions have 2ⁿ splits and a failing match tries them all. The check models
/// each alternative as a sequence of character sets with `?`, `*` and `+`, and searches the product of two copies
/// of the repeated group for a text both accept. Alternatives it cannot model (nested groups, lookaround,
/// backreferences, anchors, Unicode properties) are left to the run-time match limits: no false alarms.
enum AlternationCheck {
    /// A set of characters: literal scalars, ranges, and the `\w` `\d` `\s` `.` classes, possibly negated.
    struct CharSet {
        var scalars: [Unicode.Scalar] = []
        var ranges: [ClosedRange<UInt32>] = []
        var classes: [Character] = []
        var isNegated = false

        func contains(_ c: Unicode.Scalar) -> Bool {
            let member =
                scalars.contains(c) || ranges.contains { $0.contains(c.value) }
                || classes.contains { AlternationCheck.inClass($0, c) }
            return member != isNegated
        }

        /// Scalars that stand for the set when testing whether two sets share a character.
        var samples: [Unicode.Scalar] {
            scalars + ranges.flatMap { [$0.lowerBound, $0.upperBound].compactMap { Unicode.Scalar($0) } }
        }
    }

    /// One element of an alternative: a character set matched once, optionally (`?`), or any number of times (`*`).
    struct Atom {
        var set: CharSet
        var isOptional: Bool
        var repeats: Bool
    }

    static let representatives: [Unicode.Scalar] = ["a", "Z", "_", "0", "9", " ", "\t", "\n", "-", ".", "!", "中", "é"]

    static func inClass(_ name: Character, _ c: Unicode.Scalar) -> Bool {
        switch name {
        case "w": return c.properties.isAlphabetic || c.properties.numericType == .decimal || c == "_"
        case "d": return c.properties.numericType == .decimal
        case "s": return c.properties.isWhitespace
        case "W": return !inClass("w", c)
        case "D": return !inClass("d", c)
        case "S": return !inClass("s", c)
        default: return c != "\n"  // "."
        }
    }

    static func overlap(_ a: CharSet, _ b: CharSet) -> Bool {
        (a.samples + b.samples + representatives).contains { a.contains($0) && b.contains($0) }
    }

    /// True when the body of a group repeated without bound (`(body)+`) has alternatives that overlap.
    static func isAmbiguous(_ body: [Unicode.Scalar]) -> Bool {
        let alternatives = split(body)
        guard alternatives.count > 1 else { return false }
        var parsed: [[Atom]] = []
        for alternative in alternatives {
            guard let atoms = parse(alternative) else { return false }
            parsed.append(atoms)
        }
        for i in parsed.indices {
            for j in parsed.indices where j > i && bothAccept(parsed, from: (i, j)) { return true }
        }
        return false
    }

    /// Splits a group body at its top-level `|`; nil parts are never produced (nested groups fail in `parse`).
    static func split(_ body: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var parts: [[Unicode.Scalar]] = [[]]
        var i = 0
        var inClass = false
        while i < body.count {
            let c = body[i]
            if c == "\\", i + 1 < body.count {
                parts[parts.count - 1] += [c, body[i + 1]]
                i += 2
                continue
            }
            if c == "[" { inClass = true } else if c == "]" { inClass = false }
            if c == "|", !inClass { parts.append([]) } else { parts[parts.count - 1].append(c) }
            i += 1
        }
        return parts
    }
}

extension AlternationCheck {
    /// The atoms of one alternative, or nil when it holds something this check does not model.
    static func parse(_ text: [Unicode.Scalar]) -> [Atom]? {
        var atoms: [Atom] = []
        var i = 0
        while i < text.count {
            guard let (set, next) = charSet(text, at: i) else { return nil }
            i = next
            var quantifier: Unicode.Scalar?
            if i < text.count, "?*+".unicodeScalars.contains(text[i]) {
                quantifier = text[i]
                i += 1
                if i < text.count, text[i] == "+" { return nil }  // possessive: never backtracks
                if i < text.count, text[i] == "?" { i += 1 }  // lazy: same splits, other order
            } else if i < text.count, text[i] == "{" {
                return nil
            }
            switch quantifier {
            case "?"?: atoms.append(Atom(set: set, isOptional: true, repeats: false))
            case "*"?: atoms.append(Atom(set: set, isOptional: true, repeats: true))
            case "+"?:
                atoms += [
                    Atom(set: set, isOptional: false, repeats: false), Atom(set: set, isOptional: true, repeats: true),
                ]
            default: atoms.append(Atom(set: set, isOptional: false, repeats: false))
            }
        }
        return atoms
    }

    /// The character set written at `i` and the index after it, or nil for what is not a plain character set.
    static func charSet(_ text: [Unicode.Scalar], at i: Int) -> (CharSet, Int)? {
        let c = text[i]
        switch c {
        case "(", ")", "^", "$", "?", "*", "+", "{": return nil
        case ".": return (CharSet(classes: ["."]), i + 1)
        case "[": return bracket(text, at: i + 1)
        case "\\":
            guard i + 1 < text.count, let (set, _) = escape(text[i + 1]) else { return nil }
            return (set, i + 2)
        default: return (CharSet(scalars: [c]), i + 1)
        }
    }

    /// An escaped character outside or inside brackets: a class, a control character or a literal.
    static func escape(_ c: Unicode.Scalar) -> (CharSet, Bool)? {
        if "wdsWDS".unicodeScalars.contains(c) { return (CharSet(classes: [Character(c)]), true) }
        if c == "n" { return (CharSet(scalars: ["\n"]), false) }
        if c == "t" { return (CharSet(scalars: ["\t"]), false) }
        if c == "r" { return (CharSet(scalars: ["\r"]), false) }
        if c.properties.isAlphabetic || c.properties.numericType != nil { return nil }  // \b \p \x \1 …
        return (CharSet(scalars: [c]), false)
    }

    /// A bracket expression starting after `[`, and the index after its `]`.
    static func bracket(_ text: [Unicode.Scalar], at start: Int) -> (CharSet, Int)? {
        var set = CharSet()
        var i = start
        if i < text.count, text[i] == "^" {
            set.isNegated = true
            i += 1
        }
        var first = true
        while i < text.count {
            var c = text[i]
            if c == "]", !first { return (set, i + 1) }
            first = false
            if c == "[" { return nil }  // POSIX classes
            if c == "\\" {
                guard i + 1 < text.count, let (escaped, isClass) = escape(text[i + 1]) else { return nil }
                i += 2
                if isClass || escaped.scalars.isEmpty {
                    set.classes += escaped.classes
                    continue
                }
                c = escaped.scalars[0]
            } else {
                i += 1
            }
            if i + 1 < text.count, text[i] == "-", text[i + 1] != "]", text[i + 1] != "\\" {
                set.ranges.append(c.value...max(c.value, text[i + 1].value))
                i += 2
            } else {
                set.scalars.append(c)
            }
        }
        return nil
    }

    /// A position in one alternative of the repeated group.
    struct State: Hashable {
        var alternative: Int
        var position: Int
    }

    /// The states reachable from `state` without reading (optional atoms, and from an alternative's end into the
    /// start of every alternative: the next repetition).
    static func closure(_ state: State, _ alternatives: [[Atom]]) -> Set<State> {
        var seen: Set<State> = [state]
        var work = [state]
        while let s = work.popLast() {
            let atoms = alternatives[s.alternative]
            var next: [State] = []
            if s.position == atoms.count {
                next = alternatives.indices.map { State(alternative: $0, position: 0) }
            } else if atoms[s.position].isOptional {
                next = [State(alternative: s.alternative, position: s.position + 1)]
            }
            for n in next where seen.insert(n).inserted { work.append(n) }
        }
        return seen
    }

    /// True when some non-empty text is read to the end of a repetition both by a split starting with alternative
    /// `pair.0` and by one starting with `pair.1`.
    static func bothAccept(_ alternatives: [[Atom]], from pair: (Int, Int)) -> Bool {
        struct Node: Hashable {
            var left: State
            var right: State
        }
        func step(_ s: State) -> State {
            alternatives[s.alternative][s.position].repeats
                ? s : State(alternative: s.alternative, position: s.position + 1)
        }
        func isEnd(_ s: State) -> Bool { s.position == alternatives[s.alternative].count }
        var frontier: Set<Node> = []
        for l in closure(State(alternative: pair.0, position: 0), alternatives) {
            for r in closure(State(alternative: pair.1, position: 0), alternatives) {
                frontier.insert(Node(left: l, right: r))
            }
        }
        var seen: Set<Node> = []
        while !frontier.isEmpty {
            var next: Set<Node> = []
            for node in frontier where !isEnd(node.left) && !isEnd(node.right) {
                let a = alternatives[node.left.alternative][node.left.position]
                let b = alternatives[node.right.alternative][node.right.position]
                guard overlap(a.set, b.set) else { continue }
                for l in closure(step(node.left), alternatives) {
                    for r in closure(step(node.right), alternatives) {
                        if isEnd(l), isEnd(r) { return true }
                        let n = Node(left: l, right: r)
                        if seen.insert(n).inserted { next.insert(n) }
                    }
                }
            }
            frontier = next
        }
        return false
    }
}
