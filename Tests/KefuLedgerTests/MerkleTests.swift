import Crypto
import Testing

@testable import KefuLedger

/// Published RFC 6962 test vectors (transparency-dev/merkle, certificate-transparency): eight leaves,
/// the tree heads of every prefix, audit paths and consistency proofs.
@Suite("RFC 6962 Merkle tree")
struct MerkleTests {
    static let leaves: [[UInt8]] = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ]
    .map { [UInt8](hex: $0)! }
    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    static var leafHashes: [Merkle.Hash] { leaves.map(Merkle.leafHash) }

    @Test("leaf and node hashes")
    func hashes() {
        #expect(Merkle.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Merkle.leafHash([]).hex == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        #expect(
            Merkle.leafHash(Array("L123456".utf8)).hex
                == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
        #expect(
            Merkle.nodeHash(Array("N123".utf8), Array("N456".utf8)).hex
                == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")
    }

    @Test("tree heads of every prefix of the eight test leaves")
    func roots() {
        for size in 0...8 {
            #expect(Merkle.root(Array(Self.leafHashes.prefix(size))).hex == Self.roots[size], "size \(size)")
        }
    }

    @Test("audit paths match the published ones and verify; tampered paths do not")
    func inclusion() {
        let cases: [(index: Int, size: Int, path: [String])] = [
            (
                0, 8,
                [
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ]
            ),
            (
                5, 8,
                [
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ]
            ),
            (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
            (
                1, 5,
                [
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ]
            ),
            (0, 1, []),
        ]
        for c in cases {
            let leaves = Array(Self.leafHashes.prefix(c.size))
            let proof = Merkle.inclusionProof(index: c.index, leaves: leaves[...])
            #expect(proof.map(\.hex) == c.path, "\(c.index)/\(c.size)")
            let root = [UInt8](hex: Self.roots[c.size])!
            #expect(
                Merkle.verifyInclusion(index: c.index, size: c.size, leaf: leaves[c.index], proof: proof, root: root))
            // Wrong leaf, wrong index, truncated or extended proof: all rejected.
            #expect(
                !Merkle.verifyInclusion(
                    index: c.index, size: c.size, leaf: Merkle.leafHash([0xFF]), proof: proof, root: root))
            if c.size > 1 {
                #expect(
                    !Merkle.verifyInclusion(
                        index: (c.index + 1) % c.size, size: c.size, leaf: leaves[c.index], proof: proof, root: root))
                #expect(
                    !Merkle.verifyInclusion(
                        index: c.index, size: c.size, leaf: leaves[c.index], proof: Array(proof.dropLast()), root: root)
                )
            }
            #expect(
                !Merkle.verifyInclusion(
                    index: c.index, size: c.size, leaf: leaves[c.index], proof: proof + [Merkle.emptyRoot], root: root))
        }
    }

    @Test("consistency proofs match the published ones and verify")
    func consistency() {
        let cases: [(m: Int, n: Int, proof: [String])] = [
            (
                2, 8,
                [
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ]
            ),
            (
                6, 8,
                [
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ]
            ),
        ]
        for c in cases {
            let proof = Merkle.consistencyProof(from: c.m, leaves: Self.leafHashes[..<c.n])
            #expect(proof.map(\.hex) == c.proof)
            let old = [UInt8](hex: Self.roots[c.m])!
            let new = [UInt8](hex: Self.roots[c.n])!
            #expect(Merkle.verifyConsistency(from: c.m, to: c.n, oldRoot: old, newRoot: new, proof: proof))
            #expect(!Merkle.verifyConsistency(from: c.m, to: c.n, oldRoot: new, newRoot: new, proof: proof))
        }
        // Every pair up to 8 is consistent with itself.
        for n in 1...8 {
            for m in 1...n {
                let proof = Merkle.consistencyProof(from: m, leaves: Self.leafHashes[..<n])
                #expect(
                    Merkle.verifyConsistency(
                        from: m, to: n, oldRoot: [UInt8](hex: Self.roots[m])!, newRoot: [UInt8](hex: Self.roots[n])!,
                        proof: proof), "\(m)→\(n)")
            }
        }
    }
}
