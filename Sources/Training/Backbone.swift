import Deterministic
import NeuralNet

/// A trainable network made from an imported model (`agritrace train --from`): the model's graph
/// becomes training layers with its weights, the classifier head is replaced by a fresh dense
/// layer for the new classes, and the first blocks can be frozen.
///
/// Batch norm: every batch normalisation that directly follows a convolution is folded into it
/// first (NeuralNet's folding, the one the engine uses), and it stays folded while fine-tuning: the
/// normalisation statistics stay the pretrained ones and its scale and shift live on in the
/// convolution's weights and bias, which are trained. This is "frozen batch norm", the usual choice
/// when the batches are small and the data narrow (a few hundred tomatoes): re-estimating
/// statistics from batches of 32 tomato photos would drift them away from what the pretrained
/// weights expect. A batch norm that follows anything else becomes a `BatchNormLayer` (batch
/// statistics in training, running averages in inference), as in the built-in architectures.
///
/// Blocks: a block ends at a residual connection (`Add`) or at a convolution without an activation
/// after it (the linear bottleneck that ends a MobileNet-v2/EfficientNet block), so for
/// EfficientNet-Lite0 block 1 is the stem with the first inverted-residual block and blocks 2–16
/// are the other inverted-residual blocks; the head convolution and the classifier follow them.
public struct Backbone {
    public let network: TrainableNetwork
    /// One line per block (its layers), for logs; `network.layers[0..<blockEnds[i]]` are blocks 1...i+1.
    public let blocks: [String]
    public let blockEnds: [Int]
    /// How many features the new classifier reads.
    public let features: Int

    /// Builds the network for `inputSize`×`inputSize` RGB input and `classes` outputs, with the first
    /// `frozenBlocks` blocks frozen. The new classifier's weights come from `seed`.
    public init(model: Model, inputSize: Int, classes: Int, frozenBlocks: Int, seed: UInt64) throws {
        let graph = model.graph.foldingBatchNormalization()
        guard graph.inputShape.channels == 3 else {
            throw BackboneError(reason: "its input has \(graph.inputShape.channels) channels, not 3 (RGB)")
        }
        var nodes = graph.nodes
        guard let outputIndex = nodes.firstIndex(where: { $0.name == graph.output }), outputIndex == nodes.count - 1 else {
            throw BackboneError(reason: "its output is not its last node")
        }
        // The head is replaced, so a final softmax or log-softmax goes with it.
        if nodes[outputIndex].operation == .softmax || nodes[outputIndex].operation == .logSoftmax { nodes.removeLast() }
        guard let head = nodes.last, case .dense = head.operation else {
            throw BackboneError(reason: "it does not end in a dense (Gemm) classifier, the head that is replaced")
        }
        nodes.removeLast()
        var converter = Converter()
        try converter.convert(nodes)
        let shape = try TrainableNetwork(inputShape: BatchShape(n: 1, h: inputSize, w: inputSize, c: 3),
                                         layers: converter.layers).outputShape()
        guard shape.h == 1 && shape.w == 1 else {
            throw BackboneError(reason: "the classifier reads \(shape.h)x\(shape.w) positions; only a globally pooled head can take a new input size")
        }
        var random = SeededRandom(seed: seed, stream: 0xBAC4)
        let layers = converter.layers + [DenseLayer(inputs: shape.c, outputs: classes, random: &random)]

        var ends: [Int] = []
        for (index, layer) in converter.layers.enumerated() {
            let next = index + 1 < converter.layers.count ? converter.layers[index + 1] : nil
            if layer is ResidualLayer || (layer is ConvolutionLayer && !(next is ActivationLayer)) { ends.append(index + 1) }
        }
        // The last convolution feeding the pool directly is the head, not a block.
        if let last = ends.last, last == converter.layers.count { ends.removeLast() }
        guard frozenBlocks <= ends.count else {
            throw BackboneError(reason: "--freeze-blocks \(frozenBlocks), but it has \(ends.count) blocks")
        }
        var start = 0
        blocks = ends.map { end in
            defer { start = end }
            return converter.layers[start..<end].map(\.summary).joined(separator: ", ")
        }
        blockEnds = ends
        features = shape.c
        network = try TrainableNetwork(inputShape: BatchShape(n: 1, h: inputSize, w: inputSize, c: 3), layers: layers,
                                       frozenLayerCount: frozenBlocks == 0 ? 0 : ends[frozenBlocks - 1])
    }

    /// Turns a chain of graph nodes with identity shortcuts into sequential layers with
    /// `ResidualLayer`s: every node must read the previous node's output, and an `Add` must join
    /// the previous output with an earlier value of the chain.
    private struct Converter {
        var layers: [TrainableLayer] = []
        var current = Graph.inputName
        /// Values on the chain that a shortcut may still start from → layer count when produced.
        var chain: [String: Int] = [Graph.inputName: 0]

        mutating func convert(_ nodes: [Node]) throws {
            for node in nodes {
                // Named before the chain check, which would only say that they read two values.
                if node.operation == .mul || node.operation == .concat { _ = try Self.layer(for: node) }
                if case .add = node.operation {
                    let inputs = node.inputs
                    guard inputs.count == 2, let shortcut = inputs.first(where: { $0 != current }) ?? inputs.first,
                          inputs.contains(current), let start = chain[shortcut], shortcut != current else {
                        throw BackboneError(reason: "Add '\(node.name)' does not join the previous value with an earlier one of the chain")
                    }
                    let body = Array(layers[start...])
                    layers.removeSubrange(start...)
                    layers.append(ResidualLayer(body))
                    chain = chain.filter { $0.value <= start }
                } else {
                    guard node.inputs == [current] else {
                        throw BackboneError(reason: "node '\(node.name)' reads \(node.inputs.joined(separator: ", ")), "
                                            + "not the previous node's output '\(current)': only chains with identity shortcuts can be trained")
                    }
                    if let layer = try Self.layer(for: node) { layers.append(layer) }
                }
                current = node.name
                chain[node.name] = layers.count
            }
        }

        static func layer(for node: Node) throws -> TrainableLayer? {
            func refuse(_ what: String) -> BackboneError {
                BackboneError(reason: "node '\(node.name)' (\(node.operation.kind)): \(what) cannot be trained")
            }
            switch node.operation {
            case .convolution(let c):
                guard c.strideX == c.strideY else { throw refuse("different strides across and down") }
                let o = c.outputChannels, cg = c.weights.count / (o * c.kernelHeight * c.kernelWidth)
                let kh = c.kernelHeight, kw = c.kernelWidth
                // OIHW → HWIO.
                var weights = [Float](repeating: 0, count: c.weights.count)
                for out in 0..<o { for ci in 0..<cg { for ky in 0..<kh { for kx in 0..<kw {
                    weights[((ky * kw + kx) * cg + ci) * o + out] = c.weights[((out * cg + ci) * kh + ky) * kw + kx]
                } } } }
                return ConvolutionLayer(inChannels: cg * c.groups, outChannels: o, kernelHeight: kh, kernelWidth: kw,
                                        stride: c.strideY, padTop: c.padTop, padLeft: c.padLeft, padBottom: c.padBottom,
                                        padRight: c.padRight, groups: c.groups, weights: weights, bias: c.bias)
            case .batchNormalization(let b):
                let layer = BatchNormLayer(channels: b.scale.count, epsilon: b.epsilon)
                layer.scale.value = b.scale
                layer.offset.value = b.bias
                layer.runningMean.value = b.mean
                layer.runningVariance.value = b.variance
                return layer
            case .activation(.relu): return ActivationLayer(.relu)
            case .activation(.relu6), .activation(.clip(min: 0, max: 6)): return ActivationLayer(.relu6)
            case .activation(.leakyRelu(let alpha)): return ActivationLayer(.leakyReLU(slope: alpha))
            case .activation(.clip): throw refuse("this clip range")
            case .activation: throw refuse("this activation")
            case .maxPool(let p), .averagePool(let p):
                let pads = [p.padTop, p.padLeft, p.padBottom, p.padRight]
                guard p.kernelHeight == p.kernelWidth, p.strideY == p.strideX, Set(pads).count == 1, !p.countIncludePad else {
                    throw refuse("a pooling window that is not square with equal padding")
                }
                if case .maxPool = node.operation {
                    return PoolingLayer(.max, kernelSize: p.kernelHeight, stride: p.strideY, padding: p.padTop)
                }
                return PoolingLayer(.average, kernelSize: p.kernelHeight, stride: p.strideY, padding: p.padTop)
            case .globalAveragePool: return GlobalAveragePoolLayer()
            case .globalMaxPool, .mul, .concat, .scaleShift, .prelu: throw refuse("this operation")
            // Only reached before a globally pooled head (checked by the caller): 1x1 positions, nothing to reorder.
            case .flatten: return nil
            case .add, .dense, .softmax, .logSoftmax: throw refuse("a second \(node.operation.kind) before the head")
            }
        }
    }
}

/// A model that cannot be turned into a trainable backbone.
public struct BackboneError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "cannot fine-tune this model: \(reason)" }
}
