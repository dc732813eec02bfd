extension Graph {
    /// The same function with every batch normalisation (or per-channel scale-and-shift) that directly
    /// follows a convolution (whose output nothing else reads) folded into that convolution's weights
    /// and bias, computed in Double:
    /// w'[o] = w[o]·m[o], b'[o] = b[o]·m[o] + β[o] − μ[o]·m[o], m = γ/√(σ² + ε).
    /// The folded convolution takes the batch normalisation's name, so later nodes are unchanged.
    public func foldingBatchNormalization() -> Graph {
        var readers: [String: Int] = [output: 1]
        for node in nodes { for input in node.inputs { readers[input, default: 0] += 1 } }
        var result: [Node] = []
        var index: [String: Int] = [:]
        for node in nodes {
            let normalization: BatchNormalization? = switch node.operation {
            case .batchNormalization(let b): b
            case .scaleShift(let s): s.asBatchNormalization
            default: nil
            }
            if let b = normalization, let i = index[node.inputs[0]], readers[node.inputs[0]] == 1,
               case .convolution(var c) = result[i].operation, c.outputChannels > 0, b.scale.count == c.outputChannels,
               c.weights.count % c.outputChannels == 0, (c.bias?.count ?? c.outputChannels) == c.outputChannels {
                // Anything else is left for shape inference to reject with a message.
                (c.weights, c.bias) = b.folded(intoWeights: c.weights, bias: c.bias)
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

extension BatchNormalization {
    /// The weights and bias of a convolution (or dense layer) followed by this normalisation, as
    /// one: w'[o] = w[o]·m[o], b'[o] = b[o]·m[o] + β[o] − μ[o]·m[o], m = γ/√(σ² + ε), in Double.
    /// `weights` hold one contiguous run per output channel (OIHW); the one folding every
    /// producer of models uses (ONNX import, the executor's plan, training's export).
    public func folded(intoWeights weights: [Float], bias: [Float]?) -> (weights: [Float], bias: [Float]) {
        let outputs = scale.count
        precondition(outputs > 0 && weights.count % outputs == 0 && (bias?.count ?? outputs) == outputs,
                     "weights and bias must have one run per normalised channel")
        let (multiplier, offset) = affine
        let perOutput = weights.count / outputs
        var folded = weights
        for o in 0..<outputs {
            for j in 0..<perOutput { folded[o * perOutput + j] = Float(Double(weights[o * perOutput + j]) * multiplier[o]) }
        }
        return (folded, (0..<outputs).map { Float(Double(bias?[$0] ?? 0) * multiplier[$0] + offset[$0]) })
    }
}
