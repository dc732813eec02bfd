/// A graph that cannot be computed: names the node and says what is wrong with it.
public struct GraphError: Error, Equatable, CustomStringConvertible {
    public var node: String
    public var reason: String

    public init(node: String, reason: String) {
        self.node = node
        self.reason = reason
    }

    public var description: String { "node '\(node)': \(reason)" }
}
