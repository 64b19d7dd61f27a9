import Crypto
import Foundation

/// Every complete subtree hash of an RFC 6962 tree, level by level, in flat buffers of 32-byte hashes:
/// level 0 holds the leaf hashes, level `L` the ⌊size / 2^L⌋ hashes of the aligned subtrees of 2^L leaves.
/// The root of any prefix, and any proof, then costs O(log n) node hashes (``Merkle/subtreeRoot(_:node:)``).
/// Levels are built on every core.
public struct MerkleLevels: Sendable {
    /// The hashes, one flat buffer per level.
    public private(set) var levels: [[UInt8]]
    /// The number of leaves.
    public var size: Int { levels[0].count / 32 }

    /// The levels over `leafHashes`, the leaf hashes one after the other (32 bytes each).
    public init(leafHashes: [UInt8]) {
        levels = [leafHashes]
        while levels[levels.count - 1].count >= 64 {
            levels.append(Self.parents(of: levels[levels.count - 1]))
        }
    }

    /// The next level up: each pair of adjacent hashes hashed as an interior node.
    static func parents(of level: [UInt8]) -> [UInt8] {
        let count = level.count / 64
        var out = [UInt8](repeating: 0, count: count * 32)
        level.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { target in
                guard let sourceBase = source.baseAddress, let targetBase = target.baseAddress else { return }
                let from = SendableRawPointer(sourceBase)
                let to = SendableMutableRawPointer(targetBase)
                Parallel.chunks(count, minimum: 4096) { range in
                    for j in range { Merkle.nodeHash(pair: from.pointer + 64 * j, into: to.pointer + 32 * j) }
                }
            }
        }
        return out
    }

    /// The hash of the complete subtree `index` at `level`.
    public func node(level: Int, index: Int) -> Merkle.Hash {
        Array(levels[level][(32 * index)..<(32 * index + 32)])
    }

    /// The tree head over the first `size` leaves (`size` ≤ ``size``).
    public func root(size: Int) -> Merkle.Hash {
        Merkle.subtreeRoot(0..<size) { node(level: $0, index: $1) }
    }
}

extension Merkle {
    /// The leaf hash of `entry` written to `out` (32 bytes).
    static func leafHash(_ entry: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: entry)
        hasher.finalize().withUnsafeBytes { UnsafeMutableRawBufferPointer(start: out, count: 32).copyMemory(from: $0) }
    }

    /// The interior node over the two hashes at `pair` (64 bytes) written to `out` (32 bytes).
    static func nodeHash(pair: UnsafeRawPointer, into out: UnsafeMutableRawPointer) {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x01)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: pair, count: 64))
        hasher.finalize().withUnsafeBytes { UnsafeMutableRawBufferPointer(start: out, count: 32).copyMemory(from: $0) }
    }

    /// The level and index of `range` when it is a complete, aligned subtree (a stored node), else nil.
    public static func completeNode(_ range: Range<Int>) -> (level: Int, index: Int)? {
        let count = range.count
        guard count > 0, count & (count - 1) == 0, range.lowerBound % count == 0 else { return nil }
        return (count.trailingZeroBitCount, range.lowerBound / count)
    }

    /// The root of the RFC 6962 subtree over leaves `range`, from the hashes of complete subtrees that
    /// `node(level, index)` gives: O(log n) of them.
    public static func subtreeRoot(_ range: Range<Int>, node: (Int, Int) throws -> Hash) rethrows -> Hash {
        if range.isEmpty { return emptyRoot }
        if let (level, index) = completeNode(range) { return try node(level, index) }
        let mid = range.lowerBound + split(range.count)
        return nodeHash(
            try subtreeRoot(range.lowerBound..<mid, node: node), try subtreeRoot(mid..<range.upperBound, node: node))
    }

    /// The audit path for leaf `index` in the tree of `size` leaves (as ``inclusionProof(index:leaves:)``),
    /// from complete subtree hashes.
    public static func inclusionProof(index: Int, size: Int, node: (Int, Int) throws -> Hash) rethrows -> [Hash] {
        guard size > 1, index >= 0, index < size else { return [] }
        var path: [Hash] = []
        var range = 0..<size
        while range.count > 1 {
            let mid = range.lowerBound + split(range.count)
            if index < mid {
                path.append(try subtreeRoot(mid..<range.upperBound, node: node))
                range = range.lowerBound..<mid
            } else {
                path.append(try subtreeRoot(range.lowerBound..<mid, node: node))
                range = mid..<range.upperBound
            }
        }
        return path.reversed()
    }

    /// The consistency proof from the tree of `m` leaves to that of `size` (as
    /// ``consistencyProof(from:leaves:)``), from complete subtree hashes.
    public static func consistencyProof(from m: Int, size: Int, node: (Int, Int) throws -> Hash) rethrows -> [Hash] {
        guard m > 0, m < size else { return [] }
        var path: [Hash] = []
        var range = 0..<size
        var m = m
        var complete = true
        while m != range.count {
            let k = split(range.count)
            let mid = range.lowerBound + k
            if m <= k {
                path.append(try subtreeRoot(mid..<range.upperBound, node: node))
                range = range.lowerBound..<mid
            } else {
                path.append(try subtreeRoot(range.lowerBound..<mid, node: node))
                range = mid..<range.upperBound
                m -= k
                complete = false
            }
        }
        if !complete { path.append(try subtreeRoot(range, node: node)) }
        return path.reversed()
    }
}

/// Runs work over index ranges on every core.
public enum Parallel {
    /// Calls `body` with disjoint chunks of `0..<count` (at least `minimum` indices each, but for the last), on
    /// every core; returns when all are done.
    public static func chunks(_ count: Int, minimum: Int = 1024, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let pieces = max(1, min(cores * 4, count / max(1, minimum)))
        let chunk = (count + pieces - 1) / pieces
        if pieces == 1 { return body(0..<count) }
        DispatchQueue.concurrentPerform(iterations: pieces) { piece in
            let range = (piece * chunk)..<min(count, (piece + 1) * chunk)
            if !range.isEmpty { body(range) }
        }
    }
}

/// A pointer that crosses into the parallel workers, each of which touches its own part only.
struct SendableRawPointer: @unchecked Sendable {
    let pointer: UnsafeRawPointer
    init(_ pointer: UnsafeRawPointer) { self.pointer = pointer }
}

/// A mutable pointer that crosses into the parallel workers, each of which writes its own part only.
struct SendableMutableRawPointer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
}

/// Keeps a stored tree of complete subtree hashes (``MerkleLevels``' nodes, one row each) up to date as leaves
/// are appended: each leaf adds itself and the complete subtrees it closes, one per trailing 1 bit of its index.
public struct MerkleAppender: Sendable {
    /// The number of leaves so far.
    public private(set) var size: Int
    /// The last node written at each level, by level (what the next node at that level pairs with).
    private var rightmost: [Int: Merkle.Hash] = [:]

    /// An appender after `size` leaves.
    public init(size: Int) { self.size = size }

    /// Appends `leaf`; returns the nodes to store, the leaf first. `stored(level, index)` reads a node
    /// written before this appender was made.
    public mutating func append(
        leaf: Merkle.Hash, stored: (Int, Int) throws -> Merkle.Hash
    ) rethrows -> [(level: Int, index: Int, hash: Merkle.Hash)] {
        var nodes = [(level: 0, index: size, hash: leaf)]
        var index = size
        var level = 0
        var hash = leaf
        while index & 1 == 1 {
            let sibling = try rightmost[level] ?? stored(level, index - 1)
            hash = Merkle.nodeHash(sibling, hash)
            level += 1
            index >>= 1
            nodes.append((level, index, hash))
        }
        for node in nodes { rightmost[node.level] = node.hash }
        size += 1
        return nodes
    }
}

/// An inclusion proof as the ledger store makes it from its stored tree.
public struct MerkleInclusion: Sendable, Hashable {
    /// The 0-based leaf index.
    public var index: Int
    /// The tree size.
    public var size: Int
    /// The leaf hash.
    public var leaf: Merkle.Hash
    /// The audit path.
    public var proof: [Merkle.Hash]
    /// The tree head.
    public var root: Merkle.Hash

    /// Creates a proof.
    public init(index: Int, size: Int, leaf: Merkle.Hash, proof: [Merkle.Hash], root: Merkle.Hash) {
        self.index = index
        self.size = size
        self.leaf = leaf
        self.proof = proof
        self.root = root
    }

    /// True when the path leads from the leaf to the root.
    public var verifies: Bool {
        Merkle.verifyInclusion(index: index, size: size, leaf: leaf, proof: proof, root: root)
    }
}

/// A consistency proof as the ledger store makes it from its stored tree.
public struct MerkleConsistency: Sendable, Hashable {
    /// The older tree's size.
    public var from: Int
    /// The current tree's size.
    public var size: Int
    /// The proof.
    public var proof: [Merkle.Hash]
    /// The older tree's head.
    public var oldRoot: Merkle.Hash
    /// The current tree's head.
    public var newRoot: Merkle.Hash

    /// Creates a proof.
    public init(from: Int, size: Int, proof: [Merkle.Hash], oldRoot: Merkle.Hash, newRoot: Merkle.Hash) {
        self.from = from
        self.size = size
        self.proof = proof
        self.oldRoot = oldRoot
        self.newRoot = newRoot
    }

    /// True when the proof shows the older tree is a prefix of the current one.
    public var verifies: Bool {
        Merkle.verifyConsistency(from: from, to: size, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
    }
}
