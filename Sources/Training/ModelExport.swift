import NeuralNet

/// Turns a trained network into the engine's graph and model (`.agmodel`): batch norms are folded
/// into the preceding convolution (in Double), weights move from training's HWIO/[in][out]
/// layouts to ONNX's OIHW/[out][in], and a softmax is appended so the model outputs probabilities.
public enum ModelExport {
    public static func graph(of network: TrainableNetwork) throws -> Graph {
        let s = network.inputShape
        var graph = Graph(input: NeuralNet.TensorShape(channels: s.c, height: s.h, width: s.w))
        var shape = s
        let output = try append(network.layers, to: &graph, from: graph.input, shape: &shape)
        graph.output = graph.softmax(output)
        return graph
    }

    public static func model(of network: TrainableNetwork, labels: [String], mean: [Float], std: [Float],
                             metadata: [String: String]) throws -> Model {
        try Model(graph: graph(of: network), normalization: InputNormalization(mean: mean, std: std),
                  labels: labels, metadata: metadata)
    }

    private static func append(_ layers: [TrainableLayer], to graph: inout Graph, from start: String,
                               shape: inout BatchShape) throws -> String {
        var value = start
        var index = 0
        while index < layers.count {
            let layer = layers[index]
            let inputShape = shape
            shape = try layer.outputShape(for: shape)
            switch layer {
            case let conv as ConvolutionLayer:
                let norm = index + 1 < layers.count ? layers[index + 1] as? BatchNormLayer : nil
                if norm != nil { index += 1 }
                value = graph.convolution(value, folded(conv, norm))
            case let norm as BatchNormLayer:
                value = graph.batchNormalization(value, BatchNormalization(
                    scale: norm.scale.value, bias: norm.offset.value, mean: norm.runningMean.value,
                    variance: norm.runningVariance.value, epsilon: norm.epsilon))
            case let activation as ActivationLayer:
                switch activation.kind {
                case .relu: value = graph.activation(value, .relu)
                case .relu6: value = graph.activation(value, .relu6)
                case .leakyReLU(let slope): value = graph.activation(value, .leakyRelu(alpha: slope))
                }
            case let pool as PoolingLayer:
                let window = Pooling(kernel: pool.kernelSize, stride: pool.stride, padding: pool.padding, countIncludePad: false)
                value = pool.kind == .max ? graph.maxPool(value, window) : graph.averagePool(value, window)
            case is GlobalAveragePoolLayer:
                value = graph.globalAveragePool(value)
            case let dense as DenseLayer:
                value = graph.dense(graph.flatten(value), converted(dense, input: inputShape))
            case let residual as ResidualLayer:
                var bodyShape = inputShape
                let body = try append(residual.body, to: &graph, from: value, shape: &bodyShape)
                value = graph.add(body, value)
            default:
                throw ExportError(layer: layer.summary)
            }
            index += 1
        }
        return value
    }

    /// conv (HWIO) followed by an optional batch norm → one OIHW convolution, the norm folded in
    /// by the engine's own folding.
    static func folded(_ conv: ConvolutionLayer, _ norm: BatchNormLayer?) -> Convolution {
        let o = conv.outChannels, cg = conv.inChannels / conv.groups, kh = conv.kernelHeight, kw = conv.kernelWidth
        var weights = [Float](repeating: 0, count: o * cg * kh * kw)
        for out in 0..<o { for ci in 0..<cg { for ky in 0..<kh { for kx in 0..<kw {
            weights[((out * cg + ci) * kh + ky) * kw + kx] = conv.weight.value[((ky * kw + kx) * cg + ci) * o + out]
        } } } }
        var bias = conv.bias?.value
        if let norm {
            (weights, bias) = BatchNormalization(scale: norm.scale.value, bias: norm.offset.value, mean: norm.runningMean.value,
                                                 variance: norm.runningVariance.value, epsilon: norm.epsilon)
                .folded(intoWeights: weights, bias: bias)
        }
        return Convolution(outputChannels: o, kernelHeight: kh, kernelWidth: kw, strideY: conv.stride, strideX: conv.stride,
                           padTop: conv.padTop, padLeft: conv.padLeft, padBottom: conv.padBottom, padRight: conv.padRight,
                           groups: conv.groups, weights: weights, bias: bias)
    }

    /// [in][out] with NHWC input order → [out][in] with the engine's NCHW flatten order.
    static func converted(_ dense: DenseLayer, input: BatchShape) -> Dense {
        let inputs = dense.inputs, outputs = dense.outputs
        var weights = [Float](repeating: 0, count: inputs * outputs)
        for y in 0..<input.h { for x in 0..<input.w { for c in 0..<input.c {
            let nhwc = (y * input.w + x) * input.c + c, nchw = (c * input.h + y) * input.w + x
            for out in 0..<outputs { weights[out * inputs + nchw] = dense.weight.value[nhwc * outputs + out] }
        } } }
        return Dense(outputFeatures: outputs, weights: weights, bias: dense.bias.value)
    }
}

/// A layer the engine's graph cannot express.
public struct ExportError: Error, CustomStringConvertible {
    public let layer: String
    public var description: String { "cannot export layer '\(layer)' to a model file" }
}
