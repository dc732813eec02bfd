/// One operation in a graph: its unique name (also the name of its output) and the names of its inputs.
public struct Node: Sendable, Equatable {
    public var name: String
    public var operation: NodeOperation
    public var inputs: [String]

    public init(name: String, operation: NodeOperation, inputs: [String]) {
        self.name = name
        self.operation = operation
        self.inputs = inputs
    }
}
