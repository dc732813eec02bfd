import Foundation
import MerkleLog
import Testing
import TestSupport

struct RFC6962Vectors: Decodable {
    struct Inclusion: Decodable { let index: Int; let size: Int; let proof: [String] }
    struct Consistency: Decodable { let old: Int; let new: Int; let proof: [String] }
    let leaves_hex: [String]
    let empty_root: String
    let roots: [String]
    let inclusion: [Inclusion]
    let consistency: [Consistency]

    static func load() throws -> RFC6962Vectors {
        try JSONDecoder().decode(RFC6962Vectors.self, from: FixtureFiles.data("merkle/rfc6962-vectors.json"))
    }
}

private func hashes(_ hex: [String]) -> [TreeHash] { hex.map { TreeHash(hex: $0)! } }

/// Deterministic leaves of varied lengths for exhaustive size sweeps.
private func sampleLeaves(_ count: Int) -> [[UInt8]] {
    var generator = SeededGenerator(seed: 6962)
    return (0..<count).map { _ in (0..<Int.random(in: 0..<40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) } }
}

@Suite struct MerkleTreeTests {
    @Test func publishedRootsAndProofs() throws {
        let vectors = try RFC6962Vectors.load()
        let leaves = vectors.leaves_hex.map { HexEncoding.decode($0)! }
        #expect(TreeHash.emptyTreeRoot.hex == vectors.empty_root)
        var tree = InMemoryTree()
        var accumulator = MerkleAccumulator()
        for (index, leaf) in leaves.enumerated() {
            tree.append(leafHash: MerkleHasher.leafHash(leaf))
            accumulator.append(leafHash: MerkleHasher.leafHash(leaf))
            #expect(try tree.root().hex == vectors.roots[index], "root of size \(index + 1)")
            #expect(accumulator.root.hex == vectors.roots[index])
        }
        for vector in vectors.inclusion {
            let proof = try MerkleTree.inclusionProof(index: vector.index, size: vector.size, source: tree)
            #expect(proof.map(\.hex) == vector.proof, "inclusion \(vector.index) in \(vector.size)")
            try MerkleTree.verifyInclusion(index: vector.index, size: vector.size, leafHash: MerkleHasher.leafHash(leaves[vector.index]),
                                           proof: hashes(vector.proof), root: TreeHash(hex: vectors.roots[vector.size - 1])!)
        }
        for vector in vectors.consistency {
            let proof = try MerkleTree.consistencyProof(oldSize: vector.old, newSize: vector.new, source: tree)
            #expect(proof.map(\.hex) == vector.proof, "consistency \(vector.old) -> \(vector.new)")
            try MerkleTree.verifyConsistency(oldSize: vector.old, newSize: vector.new, oldRoot: TreeHash(hex: vectors.roots[vector.old - 1])!,
                                             newRoot: TreeHash(hex: vectors.roots[vector.new - 1])!, proof: hashes(vector.proof))
        }
    }

    /// Every tree size up to 70, every leaf, against the recursive reference.
    @Test func inclusionMatchesReferenceForEverySize() throws {
        let leaves = sampleLeaves(70)
        var tree = InMemoryTree()
        for size in 1...leaves.count {
            tree.append(leafHash: MerkleHasher.leafHash(leaves[size - 1]))
            let slice = leaves[0..<size]
            let root = try tree.root()
            #expect(root.bytes == ReferenceTree.mth(slice), "root of size \(size)")
            for index in 0..<size {
                let proof = try MerkleTree.inclusionProof(index: index, size: size, source: tree)
                #expect(proof.map(\.bytes) == ReferenceTree.path(index, slice), "PATH(\(index), \(size))")
                try MerkleTree.verifyInclusion(index: index, size: size, leafHash: MerkleHasher.leafHash(leaves[index]), proof: proof, root: root)
            }
        }
    }

    /// Every pair of sizes up to 40 against the reference, and each proof verifies.
    @Test func consistencyMatchesReferenceForEveryPair() throws {
        let leaves = sampleLeaves(40)
        let tree = InMemoryTree(leafHashes: leaves.map { MerkleHasher.leafHash($0) })
        let roots = try (0...leaves.count).map { try MerkleTree.root(size: $0, source: tree) }
        for new in 1...leaves.count {
            for old in 0...new {
                let proof = try MerkleTree.consistencyProof(oldSize: old, newSize: new, source: tree)
                #expect(proof.map(\.bytes) == ReferenceTree.proof(old, leaves[0..<new]), "PROOF(\(old), \(new))")
                try MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: roots[old], newRoot: roots[new], proof: proof)
            }
        }
    }

    /// Flipping any single bit of any proof hash, or dropping/adding a hash, must fail.
    @Test func damagedInclusionProofsFail() throws {
        let leaves = sampleLeaves(37)
        let tree = InMemoryTree(leafHashes: leaves.map { MerkleHasher.leafHash($0) })
        for size in [1, 2, 3, 8, 13, 32, 37] {
            let root = try MerkleTree.root(size: size, source: tree)
            for index in 0..<size {
                let leaf = MerkleHasher.leafHash(leaves[index])
                let proof = try MerkleTree.inclusionProof(index: index, size: size, source: tree)
                for position in proof.indices {
                    for bit in stride(from: position % 8, to: 256, by: 29) {
                        var bad = proof
                        bad[position] = bad[position].flippingBit(bit)
                        #expect(throws: MerkleError.self) { try MerkleTree.verifyInclusion(index: index, size: size, leafHash: leaf, proof: bad, root: root) }
                    }
                }
                #expect(throws: MerkleError.self) { try MerkleTree.verifyInclusion(index: index, size: size, leafHash: leaf, proof: proof + [root], root: root) }
                if !proof.isEmpty {
                    #expect(throws: MerkleError.self) { try MerkleTree.verifyInclusion(index: index, size: size, leafHash: leaf, proof: Array(proof.dropLast()), root: root) }
                }
                if size > 1 {
                    #expect(throws: MerkleError.self) { try MerkleTree.verifyInclusion(index: (index + 1) % size, size: size, leafHash: leaf, proof: proof, root: root) }
                }
                #expect(throws: MerkleError.self) { try MerkleTree.verifyInclusion(index: index, size: size, leafHash: leaf.flippingBit(0), proof: proof, root: root) }
            }
        }
    }

    @Test func damagedConsistencyProofsFail() throws {
        let leaves = sampleLeaves(33)
        let tree = InMemoryTree(leafHashes: leaves.map { MerkleHasher.leafHash($0) })
        let roots = try (0...leaves.count).map { try MerkleTree.root(size: $0, source: tree) }
        for new in [2, 5, 8, 17, 33] {
            for old in 1..<new {
                let proof = try MerkleTree.consistencyProof(oldSize: old, newSize: new, source: tree)
                for position in proof.indices {
                    for bit in [0, 7, 100, 255] {
                        var bad = proof
                        bad[position] = bad[position].flippingBit(bit)
                        #expect(throws: MerkleError.self) {
                            try MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: roots[old], newRoot: roots[new], proof: bad)
                        }
                    }
                }
                #expect(throws: MerkleError.self) {
                    try MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: roots[new], newRoot: roots[old], proof: proof)
                }
                #expect(throws: MerkleError.self) {
                    try MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: roots[old], newRoot: roots[new], proof: proof + [roots[old]])
                }
                #expect(throws: MerkleError.self) {
                    try MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: roots[old], newRoot: roots[new], proof: Array(proof.dropLast()))
                }
            }
        }
    }

    @Test func accumulatorResumesFromItsRightEdge() throws {
        let leaves = sampleLeaves(50).map { MerkleHasher.leafHash($0) }
        let tree = InMemoryTree(leafHashes: leaves)
        for split in 0...leaves.count {
            let edge = try NodeID.rightEdge(ofTreeSize: split).map { try tree.hash(of: $0) }
            var resumed = MerkleAccumulator(size: split, edgeHashes: edge)
            for leaf in leaves[split...] {
                for (node, hash) in resumed.append(leafHash: leaf) { #expect(try tree.hash(of: node) == hash) }
            }
            #expect(resumed.root == (try tree.root()))
        }
    }
}
