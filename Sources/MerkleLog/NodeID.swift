import Localization

/// A complete (perfect) subtree of the log: `level` 0 is a leaf, and node `(level, index)` covers
/// leaves `index << level ..< (index + 1) << level`. Only complete subtrees are ever stored, so a
/// stored hash never changes once written.
public struct NodeID: Hashable, Sendable, CustomStringConvertible {
    public let level: Int
    public let index: Int

    public init(level: Int, index: Int) {
        precondition(level >= 0 && level < 63 && index >= 0, "invalid node (\(level), \(index))")
        self.level = level
        self.index = index
    }

    public var firstLeaf: Int { index << level }
    public var leafCount: Int { 1 << level }
    public var description: String { "node(level \(level), index \(index))" }

    /// The node for people ("node(level 0, index 3)" in English).
    public var message: Message { Message("node(level {level}, index {index})", ["level": .text(String(level)), "index": .text(String(index))]) }

    /// The complete subtrees that the tree of `size` leaves decomposes into, left to right
    /// (one per set bit of `size`): its "right edge", from which its root is folded.
    public static func rightEdge(ofTreeSize size: Int) -> [NodeID] {
        precondition(size >= 0)
        var nodes = [NodeID]()
        var start = 0
        var level = Int.bitWidth - 1
        while level >= 0 {
            if size & (1 << level) != 0 {
                nodes.append(NodeID(level: level, index: start >> level))
                start += 1 << level
            }
            level -= 1
        }
        return nodes
    }

    /// The interior nodes completed by appending leaf `leafIndex`, lowest first (level >= 1).
    public static func completedBy(leafIndex: Int) -> [NodeID] {
        var nodes = [NodeID]()
        var level = 1
        while (leafIndex + 1) & ((1 << level) - 1) == 0 {
            nodes.append(NodeID(level: level, index: (leafIndex + 1) >> level - 1))
            level += 1
        }
        return nodes
    }
}
