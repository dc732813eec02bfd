import Kernels

/// Runs a graph node by node with the textbook reference kernels in NCHW, batch normalisation
/// unfolded: the twin the fast `Network` is tested against. Slow by design.
public struct ReferenceNetwork: Sendable {
    public let graph: Graph
    private let shapes: [String: TensorShape]

    public init(graph: Graph) throws {
        self.graph = graph
        shapes = try graph.inferShapes()
    }

    public var outputShape: TensorShape { shapes[graph.output]! }

    /// One image, NCHW (C·H·W floats), to the graph output.
    public func run(_ input: [Float]) -> [Float] {
        precondition(input.count == graph.inputShape.elementCount, "ReferenceNetwork.run: wrong input size")
        var values: [String: [Float]] = [Graph.inputName: input]
        for node in graph.nodes {
            let x = values[node.inputs[0]]!
            let inShape = shapes[node.inputs[0]]!
            let outShape = shapes[node.name]!
            var y = [Float](repeating: 0, count: outShape.elementCount)
            switch node.operation {
            case .convolution(let c):
                convolutionReference(shape: c.shape(input: inShape), input: x, weights: c.weights, bias: c.bias, output: &y)
            case .batchNormalization(let b):
                batchNormalizationReference(channels: inShape.channels, pixels: inShape.pixels, input: x, gamma: b.scale,
                                            beta: b.bias, mean: b.mean, variance: b.variance, epsilon: b.epsilon, output: &y)
            case .scaleShift(let s):
                // By definition, in Double, unfolded.
                let pixels = inShape.pixels
                for i in y.indices { y[i] = Float(Double(x[i]) * Double(s.scale[i / pixels]) + Double(s.shift[i / pixels])) }
            case .activation(let a):
                if let epilogue = a.epilogue {
                    activateReference(count: x.count, input: x, epilogue: epilogue, output: &y)
                } else {
                    y = x.map(a.apply)
                }
            case .maxPool(let p):
                maxPoolReference(shape: p.shape(input: inShape), input: x, output: &y)
            case .averagePool(let p):
                averagePoolReference(shape: p.shape(input: inShape), countIncludePad: p.countIncludePad, input: x, output: &y)
            case .globalAveragePool:
                globalAveragePoolReference(pixels: inShape.pixels, channels: inShape.channels, input: x, output: &y)
            case .globalMaxPool:
                for c in 0..<inShape.channels { y[c] = x[(c * inShape.pixels)..<((c + 1) * inShape.pixels)].max()! }
            case .add:
                addActivateReference(count: x.count, a: x, b: values[node.inputs[1]]!, epilogue: .identity, output: &y)
            case .mul:
                // An image times per-channel values, or two equal shapes (then `pixels` is the same for both).
                let b = values[node.inputs[1]]!
                let (image, factors) = x.count >= b.count ? (x, b) : (b, x)
                let pixels = image.count / factors.count
                for i in y.indices { y[i] = image[i] * factors[i / pixels] }
            case .concat:
                y = node.inputs.flatMap { values[$0]! }  // NCHW: each input's channels are one contiguous run
            case .flatten:
                y = x
            case .dense(let d):
                // y = W·x + b with W [out][in]: a GEMM of W by the column vector x.
                gemmReference(m: d.outputFeatures, n: 1, k: x.count, a: d.weights, lda: x.count, b: x, ldb: 1,
                              c: &y, ldc: 1, accumulate: false)
                if let bias = d.bias { for i in y.indices { y[i] += bias[i] } }
            case .softmax:
                y = x
                softmaxReference(&y, count: y.count)
            case .logSoftmax:
                y = x
                logSoftmaxReference(&y, count: y.count)
            case .prelu(let slopes):
                let pixels = inShape.pixels
                for i in y.indices { y[i] = x[i] >= 0 ? x[i] : x[i] * slopes[i / pixels] }
            }
            values[node.name] = y
        }
        return values[graph.output]!
    }
}
