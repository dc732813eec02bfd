/// RFC 9162 §2.1 tree heads and proofs over stored complete subtrees. Every function here reads
/// O(log n) stored hashes through a `HashSource`; nothing rehashes the log.
public enum MerkleTree {
    /// MTH(D[0:size]).
    public static func root(size: Int, source: HashSource) throws -> TreeHash {
        precondition(size >= 0)
        if size == 0 { return TreeHash.emptyTreeRoot }
        return try subtreeHash(0..<size, source: source)
    }

    /// MTH(D[range]) per the RFC's recursive definition; aligned power-of-two ranges are read
    /// from the source directly.
    public static func subtreeHash(_ range: Range<Int>, source: HashSource) throws -> TreeHash {
        let count = range.count
        precondition(count > 0)
        if count & (count - 1) == 0, range.lowerBound % count == 0 {
            return try source.hash(of: NodeID(level: count.trailingZeroBitCount, index: range.lowerBound / count))
        }
        let split = largestPowerOfTwo(below: count)
        let left = try subtreeHash(range.lowerBound..<range.lowerBound + split, source: source)
        let right = try subtreeHash(range.lowerBound + split..<range.upperBound, source: source)
        return MerkleHasher.nodeHash(left, right)
    }

    /// PATH(index, D[0:size]) (RFC 9162 §2.1.3.1): the leaf's sibling first, the root's child last.
    public static func inclusionProof(index: Int, size: Int, source: HashSource) throws -> [TreeHash] {
        guard index >= 0, index < size else { throw MerkleError.indexOutOfRange(index: index, size: size) }
        var proof = [TreeHash]()
        try path(index: index, range: 0..<size, source: source, into: &proof)
        return proof
    }

    private static func path(index: Int, range: Range<Int>, source: HashSource, into proof: inout [TreeHash]) throws {
        guard range.count > 1 else { return }
        let split = range.lowerBound + largestPowerOfTwo(below: range.count)
        if index < split {
            try path(index: index, range: range.lowerBound..<split, source: source, into: &proof)
            proof.append(try subtreeHash(split..<range.upperBound, source: source))
        } else {
            try path(index: index, range: split..<range.upperBound, source: source, into: &proof)
            proof.append(try subtreeHash(range.lowerBound..<split, source: source))
        }
    }

    /// PROOF(old, D[0:new]) (RFC 9162 §2.1.4.1). Empty when `old` is 0 or equals `new`.
    public static func consistencyProof(oldSize: Int, newSize: Int, source: HashSource) throws -> [TreeHash] {
        guard oldSize >= 0, oldSize <= newSize else { throw MerkleError.invalidSizes(old: oldSize, new: newSize) }
        var proof = [TreeHash]()
        if oldSize == 0 || oldSize == newSize { return proof }
        try subproof(oldSize: oldSize, range: 0..<newSize, isComplete: true, source: source, into: &proof)
        return proof
    }

    private static func subproof(oldSize m: Int, range: Range<Int>, isComplete: Bool, source: HashSource,
                                 into proof: inout [TreeHash]) throws {
        let n = range.count
        if m == n {
            if !isComplete { proof.append(try subtreeHash(range, source: source)) }
            return
        }
        let k = largestPowerOfTwo(below: n)
        let split = range.lowerBound + k
        if m <= k {
            try subproof(oldSize: m, range: range.lowerBound..<split, isComplete: isComplete, source: source, into: &proof)
            proof.append(try subtreeHash(split..<range.upperBound, source: source))
        } else {
            try subproof(oldSize: m - k, range: split..<range.upperBound, isComplete: false, source: source, into: &proof)
            proof.append(try subtreeHash(range.lowerBound..<split, source: source))
        }
    }

    /// RFC 9162 §2.1.3.2: recomputes the root from a leaf hash and its inclusion proof.
    public static func rootFromInclusionProof(index: Int, size: Int, leafHash: TreeHash,
                                              proof: [TreeHash]) throws -> TreeHash {
        guard index >= 0, index < size else { throw MerkleError.indexOutOfRange(index: index, size: size) }
        var fn = index, sn = size - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else { throw MerkleError.wrongProofLength(expected: expectedInclusionLength(index: index, size: size), actual: proof.count) }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHasher.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                r = MerkleHasher.nodeHash(r, p)
            }
            fn >>= 1; sn >>= 1
        }
        guard sn == 0 else {
            throw MerkleError.wrongProofLength(expected: expectedInclusionLength(index: index, size: size), actual: proof.count)
        }
        return r
    }

    /// Throws unless `proof` shows that the leaf is at `index` of the tree with `root`.
    public static func verifyInclusion(index: Int, size: Int, leafHash: TreeHash, proof: [TreeHash],
                                       root: TreeHash) throws {
        let calculated = try rootFromInclusionProof(index: index, size: size, leafHash: leafHash, proof: proof)
        guard calculated == root else { throw MerkleError.rootMismatch(expected: root, calculated: calculated) }
    }

    /// RFC 9162 §2.1.4.2: throws unless `proof` shows the tree (`oldSize`, `oldRoot`) is a prefix
    /// of (`newSize`, `newRoot`).
    public static func verifyConsistency(oldSize: Int, newSize: Int, oldRoot: TreeHash, newRoot: TreeHash,
                                         proof: [TreeHash]) throws {
        guard oldSize >= 0, oldSize <= newSize else { throw MerkleError.invalidSizes(old: oldSize, new: newSize) }
        if oldSize == newSize {
            guard proof.isEmpty else { throw MerkleError.nonEmptyProofForEqualSizes }
            guard oldRoot == newRoot else { throw MerkleError.equalSizesDifferentRoots(old: oldRoot, new: newRoot) }
            return
        }
        if oldSize == 0 {
            // Every tree extends the empty tree; there is nothing to prove.
            guard proof.isEmpty else { throw MerkleError.wrongProofLength(expected: 0, actual: proof.count) }
            return
        }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        guard !path.isEmpty else { throw MerkleError.wrongProofLength(expected: 1, actual: 0) }
        var fn = oldSize - 1, sn = newSize - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { throw MerkleError.wrongProofLength(expected: path.count - 1, actual: proof.count) }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHasher.nodeHash(c, fr)
                sr = MerkleHasher.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                sr = MerkleHasher.nodeHash(sr, c)
            }
            fn >>= 1; sn >>= 1
        }
        guard sn == 0 else { throw MerkleError.wrongProofLength(expected: -1, actual: proof.count) }
        guard fr == oldRoot else { throw MerkleError.oldRootMismatch(expected: oldRoot, calculated: fr) }
        guard sr == newRoot else { throw MerkleError.rootMismatch(expected: newRoot, calculated: sr) }
    }

    /// The largest power of two strictly less than `n` (n >= 2): the RFC's split point `k`.
    static func largestPowerOfTwo(below n: Int) -> Int {
        precondition(n >= 2)
        return 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }

    /// Length of PATH(index, D[0:size]), for error messages.
    static func expectedInclusionLength(index: Int, size: Int) -> Int {
        var length = 0
        var lo = 0, hi = size
        while hi - lo > 1 {
            let split = lo + largestPowerOfTwo(below: hi - lo)
            if index < split { hi = split } else { lo = split }
            length += 1
        }
        return length
    }
}
