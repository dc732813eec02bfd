/// A network as a directed acyclic graph of named nodes, listed so that every node comes after its
/// inputs. The image enters as the value named `Graph.inputName`; `output` names the result.
///
/// Build one in code with the helpers, which return the new node's name for the next call:
/// ```
/// var g = Graph(input: TensorShape(channels: 3, height: 96, width: 96))
/// var x = g.convolution(g.input, Convolution(outputChannels: 16, kernel: 3, padding: 1, weights: w1, bias: b1))
/// x = g.activation(x, .relu)
/// let shortcut = x
/// x = g.convolution(x, Convolution(outputChannels: 16, kernel: 3, padding: 1, weights: w2))
/// x = g.add(x, shortcut)
/// x = g.globalAveragePool(x)
/// x = g.dense(g.flatten(x), Dense(outputFeatures: 10, weights: w3, bias: b3))
/// g.output = g.softmax(x)
/// ```
public struct Graph: Sendable, Equatable {
    public static let inputName = "input"

    public var inputShape: TensorShape
    public var nodes: [Node]
    /// The node whose value is the network's result; the last node added when not set.
    public var output: String

    public init(input: TensorShape, nodes: [Node] = [], output: String? = nil) {
        inputShape = input
        self.nodes = nodes
        self.output = output ?? nodes.last?.name ?? Graph.inputName
    }

    /// The name of the graph input, for the first node's input.
    public var input: String { Graph.inputName }

    /// Appends a node and returns its name. Without a name one is made from the position ("n7").
    @discardableResult
    public mutating func append(_ operation: NodeOperation, inputs: [String], name: String? = nil) -> String {
        let nodeName = name ?? "n\(nodes.count)"
        nodes.append(Node(name: nodeName, operation: operation, inputs: inputs))
        output = nodeName
        return nodeName
    }

    public mutating func convolution(_ x: String, _ c: Convolution, name: String? = nil) -> String {
        append(.convolution(c), inputs: [x], name: name)
    }
    public mutating func batchNormalization(_ x: String, _ b: BatchNormalization, name: String? = nil) -> String {
        append(.batchNormalization(b), inputs: [x], name: name)
    }
    public mutating func scaleShift(_ x: String, _ s: ScaleShift, name: String? = nil) -> String {
        append(.scaleShift(s), inputs: [x], name: name)
    }
    public mutating func activation(_ x: String, _ a: Activation, name: String? = nil) -> String {
        append(.activation(a), inputs: [x], name: name)
    }
    public mutating func maxPool(_ x: String, _ p: Pooling, name: String? = nil) -> String {
        append(.maxPool(p), inputs: [x], name: name)
    }
    public mutating func averagePool(_ x: String, _ p: Pooling, name: String? = nil) -> String {
        append(.averagePool(p), inputs: [x], name: name)
    }
    public mutating func globalAveragePool(_ x: String, name: String? = nil) -> String {
        append(.globalAveragePool, inputs: [x], name: name)
    }
    public mutating func add(_ a: String, _ b: String, name: String? = nil) -> String {
        append(.add, inputs: [a, b], name: name)
    }
    public mutating func globalMaxPool(_ x: String, name: String? = nil) -> String {
        append(.globalMaxPool, inputs: [x], name: name)
    }
    public mutating func mul(_ a: String, _ b: String, name: String? = nil) -> String {
        append(.mul, inputs: [a, b], name: name)
    }
    public mutating func concat(_ inputs: [String], name: String? = nil) -> String {
        append(.concat, inputs: inputs, name: name)
    }
    public mutating func flatten(_ x: String, name: String? = nil) -> String {
        append(.flatten, inputs: [x], name: name)
    }
    public mutating func dense(_ x: String, _ d: Dense, name: String? = nil) -> String {
        append(.dense(d), inputs: [x], name: name)
    }
    public mutating func softmax(_ x: String, name: String? = nil) -> String {
        append(.softmax, inputs: [x], name: name)
    }
    public mutating func logSoftmax(_ x: String, name: String? = nil) -> String {
        append(.logSoftmax, inputs: [x], name: name)
    }
    public mutating func prelu(_ x: String, slopes: [Float], name: String? = nil) -> String {
        append(.prelu(slopes: slopes), inputs: [x], name: name)
    }

    /// The node producing `name`, if any.
    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }
}
