extension Graph {
    /// The same function with every batch normalisation that directly follows a convolution (whose output
    /// nothing else reads) folded into that convolution's weights and bias, computed in Double:
    /// w'[o] = w[o]·m[o], b'[o] = b[o]·m[o] + β[o] − μ[o]·m[o], m = γ/√(σ² + ε).
    /// The folded convolution takes the batch normalisation's name, so later nodes are unchanged.
    public func foldingBatchNormalization() -> Graph {
        var readers: [String: Int] = [output: 1]
        for node in nodes { for input in node.inputs { readers[input, default: 0] += 1 } }
        var result: [Node] = []
        var index: [String: Int] = [:]
        for node in nodes {
            if case .batchNormalization(let b) = node.operation, let i = index[node.inputs[0]], readers[node.inputs[0]] == 1,
               case .convolution(var c) = result[i].operation, b.scale.count == c.outputChannels,
               c.weights.count % max(c.outputChannels, 1) == 0 {
                let (multiplier, offset) = b.affine
                let perOutput = c.weights.count / c.outputChannels
                for o in 0..<c.outputChannels {
                    for j in 0..<perOutput { c.weights[o * perOutput + j] = Float(Double(c.weights[o * perOutput + j]) * multiplier[o]) }
                }
                c.bias = (0..<c.outputChannels).map { Float(Double(c.bias?[$0] ?? 0) * multiplier[$0] + offset[$0]) }
                index[result[i].name] = nil
                result[i] = Node(name: node.name, operation: .convolution(c), inputs: result[i].inputs)
                index[node.name] = i
                continue
            }
            index[node.name] = result.count
            result.append(node)
        }
        return Graph(input: inputShape, nodes: result, output: output)
    }
}
