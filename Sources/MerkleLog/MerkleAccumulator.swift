/// Builds a tree leaf by leaf in O(log n) memory (the hashes of the right edge), reporting each
/// interior node as it is completed. The ledger uses it to append and to re-derive every stored
/// hash during verification.
public struct MerkleAccumulator: Sendable {
    /// Right-edge complete subtrees, largest (leftmost) first.
    public private(set) var edge: [(node: NodeID, hash: TreeHash)] = []
    public private(set) var size = 0

    public init() {}

    /// Resumes from a tree of `size` leaves given its right edge (`NodeID.rightEdge(ofTreeSize:)`).
    public init(size: Int, edgeHashes: [TreeHash]) {
        let nodes = NodeID.rightEdge(ofTreeSize: size)
        precondition(nodes.count == edgeHashes.count, "right edge of size \(size) has \(nodes.count) nodes")
        self.size = size
        edge = Array(zip(nodes, edgeHashes)).map { (node: $0.0, hash: $0.1) }
    }

    /// Appends a leaf; returns the interior nodes it completes, lowest level first.
    @discardableResult
    public mutating func append(leafHash: TreeHash) -> [(node: NodeID, hash: TreeHash)] {
        var completed = [(node: NodeID, hash: TreeHash)]()
        var current = (node: NodeID(level: 0, index: size), hash: leafHash)
        while let last = edge.last, last.node.level == current.node.level {
            edge.removeLast()
            current = (node: NodeID(level: current.node.level + 1, index: last.node.index / 2),
                       hash: MerkleHasher.nodeHash(last.hash, current.hash))
            completed.append(current)
        }
        edge.append(current)
        size += 1
        return completed
    }

    /// MTH of all leaves appended so far.
    public var root: TreeHash {
        guard var hash = edge.last?.hash else { return TreeHash.emptyTreeRoot }
        for item in edge.dropLast().reversed() { hash = MerkleHasher.nodeHash(item.hash, hash) }
        return hash
    }
}
