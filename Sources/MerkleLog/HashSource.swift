/// Where proofs read stored complete-subtree hashes from. The ledger implements it over SQLite;
/// tests implement it over arrays. `hash(of:)` must only be asked for nodes inside the tree.
public protocol HashSource {
    func hash(of node: NodeID) throws -> TreeHash
}

/// An in-memory `HashSource` over all leaf hashes, storing every completed node; used by tests and
/// by tools that hold a whole small log.
public struct InMemoryTree: HashSource, Sendable {
    public private(set) var levels: [[TreeHash]] = [[]]

    public init() {}

    public init(leafHashes: [TreeHash]) {
        for leaf in leafHashes { append(leafHash: leaf) }
    }

    public var size: Int { levels[0].count }

    public mutating func append(leafHash: TreeHash) {
        let leafIndex = levels[0].count
        levels[0].append(leafHash)
        for node in NodeID.completedBy(leafIndex: leafIndex) {
            if levels.count <= node.level { levels.append([]) }
            let below = levels[node.level - 1]
            levels[node.level].append(MerkleHasher.nodeHash(below[2 * node.index], below[2 * node.index + 1]))
        }
    }

    public func hash(of node: NodeID) throws -> TreeHash {
        guard node.level < levels.count, node.index < levels[node.level].count else {
            throw MerkleError.missingNode(node)
        }
        return levels[node.level][node.index]
    }

    public func root() throws -> TreeHash { try MerkleTree.root(size: size, source: self) }
}
