import Crypto
import Foundation
import Testing

@testable import KefuLedger

/// The fast paths (scan instead of parse, parallel hashing, stored-tree proofs, signatures only beyond
/// checkpoints) against the plain ones they replace.
@Suite("Ledger fast paths are equivalent to the plain ones")
struct LedgerFastPathTests {
    /// A small deterministic generator (SplitMix64).
    struct Seeded {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    static let signer = try! LedgerSigner(rawKey: [UInt8](repeating: 7, count: 32))
    static let forger = try! LedgerSigner(rawKey: [UInt8](repeating: 8, count: 32))
    static let keys = TrustedKeys([signer.publicKey])

    /// A signed ledger of `count` varied entries, as stored.
    static func ledger(_ count: Int, signer: LedgerSigner = signer) throws -> [StoredEntry] {
        var previous = LedgerEntry.genesisHash
        var rows: [StoredEntry] = []
        for i in 1...count {
            var entry = LedgerEntry(
                sequence: i, kind: LedgerEventKind.allCases[i % 5], person: "p\(i % 7)", subject: "onboarding",
                recordedAt: "2026-11-0\(1 + i % 9)T10:00:00Z", validUntil: i % 4 == 0 ? nil : "2027-11-01",
                refersTo: i % 5 == 3 ? i - 1 : nil, reason: i % 6 == 0 ? "reason \"quoted\"\n\u{1}" : nil,
                evidence: .object([
                    "attempt": .int(Int64(i - 50)), "score": .string("86.5"), "note": .string("含中文"),
                    "list": .array([.bool(true), .null, .object([:]), .array([])]),
                ]),
                previousHash: previous)
            if i % 11 == 0 { entry.evidence = .null }
            let signature = try signer.sign(entry)
            rows.append(
                StoredEntry(
                    sequence: i, body: entry.json.canonicalString, hash: entry.chainHash, kid: signature.kid,
                    signature: signature.signature))
            previous = entry.chainHash
        }
        return rows
    }

    /// What the plain path says of one body: its entry when it is a canonical ledger entry, else nil.
    static func plain(_ body: String) -> LedgerEntry? {
        guard let entry = try? LedgerEntry(json: JSONValue.parse(body)), entry.json.canonicalString == body else {
            return nil
        }
        return entry
    }

    static func scan(_ body: String) -> (EntryScan, [UInt8])? {
        let bytes = Array(body.utf8)
        return bytes.withUnsafeBufferPointer { buffer in EntryScan.scan(buffer).map { ($0, bytes) } }
    }

    @Test("the scan accepts every canonical entry, with the fields the parser reads")
    func scanAcceptsCanonical() throws {
        for row in try Self.ledger(60) {
            let entry = try #require(Self.plain(row.body))
            let (scan, bytes) = try #require(Self.scan(row.body))
            func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
            #expect(scan.sequence == Int64(entry.sequence) && scan.refersTo == entry.refersTo.map(Int64.init))
            #expect(text(scan.kind) == entry.kind.rawValue && text(scan.person) == entry.person)
            #expect(text(scan.subject) == entry.subject && text(scan.previousHash) == entry.previousHash)
            #expect(scan.validUntil.map(text) == entry.validUntil)
        }
    }

    /// Edits that keep a body JSON-like but may break canonical form or the entry's shape.
    static let edits: [(String, String)] = [
        (",", ", "), (":", " : "), ("\"seq\"", "\"seq\":1,\"seq\""), ("86.5", "86.50"),
        ("\"score\":\"86.5\"", "\"score\":86.5"),
        ("\"attempt\":", "\"attempt\":0"), ("\"attempt\":-", "\"attempt\":-0"), ("true", "True"), ("null", "nul"),
        ("\\n", "\\u000a"), ("\\u0001", "\\u0001x"), ("\\u0001", "\\u0001"), ("\\u0001", "\\u0041"), ("\\\"", "\\/"),
        ("{\"evidence\"", "{\"aa\":1,\"evidence\""), ("\"valid_until\":\"2027-11-01\"", "\"valid_until\":null"),
        ("\"valid_until\":\"2027-11-01\"", "\"valid_until\":20271101"), ("\"kind\":\"", "\"kind\":\"x"),
        ("\"refers_to\":", "\"refers_to\":\"1\",\"x\":"), ("含", "\\u542b"), ("}", "} "), ("{", " {"),
        ("\"subject\"", "\"subjec\""), ("\"list\":[", "\"list\":[1,"), ("[]", "[ ]"), ("{}", "{ }"),
        ("\"seq\":", "\"seq\":00"), ("\"seq\":", "\"seq\":1e3,\"x\":"), ("\"p", "\"\\u0070"),
        (
            "\"evidence\":",
            "\"evidence\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],\"x\":"
        ),
    ]

    @Test("the scan never accepts a body the plain path refuses, nor reads other fields (mutated bodies)")
    func scanIsSound() throws {
        var random = Seeded(state: 19)
        var accepted = 0
        var refused = 0
        for row in try Self.ledger(30) {
            var bodies = Self.edits.map { row.body.replacingOccurrences(of: $0.0, with: $0.1) }
            let bytes = Array(row.body.utf8)
            for _ in 0..<40 {
                var mutated = bytes
                let at = random.next(mutated.count)
                switch random.next(3) {
                case 0: mutated[at] = UInt8(0x20 + random.next(0x5F))
                case 1: mutated.remove(at: at)
                default: mutated.insert(mutated[random.next(mutated.count)], at: at)
                }
                bodies.append(String(decoding: mutated, as: UTF8.self))
            }
            for body in bodies {
                guard let (scan, bytes) = Self.scan(body) else {
                    refused += 1
                    continue
                }
                accepted += 1
                let entry = try #require(Self.plain(body), "the scan accepted a body the plain path refuses: \(body)")
                #expect(scan.sequence == Int64(entry.sequence))
                #expect(String(decoding: bytes[scan.previousHash], as: UTF8.self) == entry.previousHash)
                #expect(String(decoding: bytes[scan.person], as: UTF8.self) == entry.person)
            }
        }
        #expect(refused > 500 && accepted > 30, "the mutations exercise both outcomes (\(accepted) / \(refused))")
    }

    /// A tampering of stored rows, named.
    typealias Tampering = (name: String, apply: @Sendable (inout [StoredEntry]) throws -> Void)

    /// Re-chains rows from `index` (0-based) on, re-hashing and re-signing with `signer` (nil: unsigned).
    static func rechain(_ rows: inout [StoredEntry], from index: Int, signer: LedgerSigner?) throws {
        for i in index..<rows.count {
            var entry = try LedgerEntry(json: JSONValue.parse(rows[i].body))
            entry.sequence = i + 1
            entry.previousHash = i == 0 ? LedgerEntry.genesisHash : rows[i - 1].hash
            let signature = try signer?.sign(entry)
            rows[i] = StoredEntry(
                sequence: i + 1, body: entry.json.canonicalString, hash: entry.chainHash, kid: signature?.kid,
                signature: signature?.signature)
        }
    }

    static let tamperings: [Tampering] = [
        ("none", { _ in }),
        ("edited body", { $0[1100].body = $0[1100].body.replacingOccurrences(of: "\"p", with: "\"q") }),
        ("edited body under the checkpoint", { $0[5].body = $0[5].body.replacingOccurrences(of: "\"p", with: "\"q") }),
        ("non-canonical white space", { $0[1150].body = $0[1150].body.replacingOccurrences(of: ",", with: ", ") }),
        (
            "edited and re-hashed, chain re-made, unsigned",
            { rows in
                rows[40].body = rows[40].body.replacingOccurrences(of: "onboarding", with: "senior")
                try rechain(&rows, from: 40, signer: nil)
            }
        ),
        ("full re-chain by a forger", { try rechain(&$0, from: 0, signer: forger) }),
        ("re-chain of the tail by a forger", { try rechain(&$0, from: 1100, signer: forger) }),
        ("deleted entry", { $0.remove(at: 1101) }),
        ("reordered entries", { $0.swapAt(1050, 1051) }),
        ("truncated below the checkpoint", { $0.removeLast($0.count - 700) }),
        ("bad signature after the checkpoint", { $0[1180].signature = $0[1181].signature }),
        ("missing signature after the checkpoint", { $0[1199].kid = nil }),
        (
            "entry says another sequence",
            { $0[1002].body = $0[1002].body.replacingOccurrences(of: "\"seq\":1003", with: "\"seq\":1004") }
        ),
        ("unreadable body", { $0[1002].body = "{" }),
    ]

    @Test("verification reports what the plain path reports, for every tampering, in both signature modes")
    func verifierEquivalence() throws {
        let intact = try Self.ledger(1200)
        let tree = MerkleLevels(leafHashes: intact.prefix(1000).flatMap { Merkle.leafHash(Array($0.body.utf8)) })
        let checkpoint = Checkpoint(origin: "test", size: 1000, root: tree.root(size: 1000), timestamp: "")
        for tampering in Self.tamperings {
            var rows = intact
            try tampering.apply(&rows)
            for checkpoints in [[], [checkpoint]] {
                let reference = LedgerVerifier.referenceVerify(rows, keys: Self.keys, checkpoints: checkpoints)
                let every = LedgerVerifier.verify(rows, keys: Self.keys, checkpoints: checkpoints, signatures: .every)
                let beyond = LedgerVerifier.verify(
                    rows, keys: Self.keys, checkpoints: checkpoints, signatures: .beyondCheckpoints)
                #expect(every == reference, "\(tampering.name), \(checkpoints.count) checkpoint(s): every signature")
                #expect(
                    beyond == reference, "\(tampering.name), \(checkpoints.count) checkpoint(s): beyond checkpoints")
                let undetectable =
                    tampering.name == "none" || (tampering.name.hasPrefix("truncated") && checkpoints.isEmpty)
                #expect(reference.isValid == undetectable, "\(tampering.name) is caught")
                let chain = LedgerVerifier.referenceVerify(rows, keys: nil, checkpoints: checkpoints)
                #expect(
                    LedgerVerifier.verify(rows, keys: nil, checkpoints: checkpoints) == chain,
                    "\(tampering.name): chain only")
            }
        }
    }

    @Test(
        "beyond checkpoints checks only the signatures after the checkpoint; a signature changed under it is what it does not see"
    )
    func signaturesUnderCheckpoint() throws {
        var rows = try Self.ledger(300)
        let tree = MerkleLevels(leafHashes: rows.prefix(200).flatMap { Merkle.leafHash(Array($0.body.utf8)) })
        let checkpoint = Checkpoint(origin: "test", size: 200, root: tree.root(size: 200), timestamp: "")
        let report = LedgerVerifier.verify(
            rows, keys: Self.keys, checkpoints: [checkpoint], signatures: .beyondCheckpoints)
        #expect(report.isValid && report.signaturesChecked == 100)
        rows[10].signature = rows[11].signature
        #expect(
            LedgerVerifier.verify(rows, keys: Self.keys, checkpoints: [checkpoint], signatures: .beyondCheckpoints)
                .isValid,
            "the body under the checkpoint is the signed one; only its signature column changed")
        let every = LedgerVerifier.verify(rows, keys: Self.keys, checkpoints: [checkpoint], signatures: .every)
        #expect(
            every.firstProblem?.sequence == 11
                && every == LedgerVerifier.referenceVerify(rows, keys: Self.keys, checkpoints: [checkpoint]))
    }

    @Test("tree levels give the RFC 6962 root of every prefix, and proofs equal to the leaf-by-leaf ones")
    func merkleLevels() throws {
        let leaves = (0..<70).map { Merkle.leafHash([UInt8(truncatingIfNeeded: $0)]) }
        let tree = MerkleLevels(leafHashes: leaves.flatMap { $0 })
        let node = { (level: Int, index: Int) in tree.node(level: level, index: index) }
        for size in 0...leaves.count {
            #expect(tree.root(size: size) == Merkle.root(leaves[..<size]), "root of \(size)")
            for index in 0..<size {
                #expect(
                    Merkle.inclusionProof(index: index, size: size, node: node)
                        == Merkle.inclusionProof(index: index, leaves: leaves[..<size]), "inclusion \(index) of \(size)"
                )
            }
            for from in 0...size {
                #expect(
                    Merkle.consistencyProof(from: from, size: size, node: node)
                        == Merkle.consistencyProof(from: from, leaves: leaves[..<size]), "consistency \(from) → \(size)"
                )
            }
        }
        let big = (0..<9000).map { Merkle.leafHash(Array("\($0)".utf8)) }
        #expect(MerkleLevels(leafHashes: big.flatMap { $0 }).root(size: big.count) == Merkle.root(big))
    }

    @Test("the appender writes exactly the complete subtrees, each with its hash")
    func appender() throws {
        let leaves = (0..<100).map { Merkle.leafHash([UInt8($0)]) }
        let tree = MerkleLevels(leafHashes: leaves.flatMap { $0 })
        var stored: [String: Merkle.Hash] = [:]
        var appender = MerkleAppender(size: 0)
        for (i, leaf) in leaves.enumerated() {
            if i == 37 {
                appender = MerkleAppender(size: 37)  // a new transaction: siblings come from the stored nodes
            }
            for node in try appender.append(
                leaf: leaf,
                stored: { level, index in
                    try #require(stored["\(level)/\(index)"])
                })
            {
                stored["\(node.level)/\(node.index)"] = node.hash
            }
        }
        var expected: [String: Merkle.Hash] = [:]
        for (level, hashes) in tree.levels.enumerated() {
            for index in 0..<(hashes.count / 32) {
                expected["\(level)/\(index)"] = tree.node(level: level, index: index)
            }
        }
        #expect(stored == expected)
    }

    @Test("signatures made on every core are the ones made one by one")
    func parallelSignatures() throws {
        let rows = try Self.ledger(300)
        let bodies = rows.map { Array($0.body.utf8) }
        let signed = try Self.signer.signatures(over: bodies)
        #expect(signed.map(\.signature) == rows.map(\.signature) && signed.allSatisfy { $0.kid == Self.signer.kid })
    }

    @Test("entries chained with their bodies written on every core are the ones chained one by one")
    func parallelChain() throws {
        let tricky = "\"prev_hash\":\"" + LedgerEntry.genesisHash
        let drafts = (0..<700).map { i in
            LedgerEntry(
                sequence: 0, kind: .issued, person: "p\(i)", subject: "s", recordedAt: "2026-11-01T10:00:00Z",
                reason: i % 3 == 0 ? tricky : nil,
                evidence: i % 5 == 0 ? .object(["prev_hash": .string(LedgerEntry.genesisHash)]) : .object([:]),
                previousHash: "")
        }
        let chained = LedgerEntry.chain(drafts, after: 41, previous: String(repeating: "ab", count: 32))
        var previous = String(repeating: "ab", count: 32)
        for (i, draft) in drafts.enumerated() {
            var entry = draft
            entry.sequence = 42 + i
            entry.previousHash = previous
            #expect(chained.entries[i] == entry && chained.bodies[i] == entry.canonicalBytes, "entry \(i)")
            #expect(chained.hashes[i] == entry.chainHash)
            previous = entry.chainHash
        }
    }
}
