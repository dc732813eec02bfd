import Kernels

/// Limits that keep a hostile or corrupt graph from asking for absurd amounts of memory or time.
public enum GraphLimits {
    public static let maxNodes = 10_000
    public static let maxDimension = 16_384
    public static let maxElementsPerValue = 1 << 28
    public static let maxKernelExtent = 64
    public static let maxStride = 64
    /// Inputs of one Concat (DenseNet-201's widest joins 49).
    public static let maxConcatInputs = 256
    /// Values and rank of a tensor the ONNX importer computes from constants (shapes, pads, axes
    /// are a handful of values; the limits stop a hostile file asking for more).
    public static let maxFoldedElements = 1 << 12
    public static let maxFoldedRank = 8
}

extension Graph {
    /// Checks the whole graph and returns every value's shape (the input's included).
    /// Throws `GraphError` naming the first node that is inconsistent: unknown or later inputs,
    /// duplicate names, weight counts that do not fit the shapes, non-finite weights, bad geometry.
    public func inferShapes() throws -> [String: TensorShape] {
        guard nodes.count <= GraphLimits.maxNodes else {
            throw GraphError(node: Graph.inputName, reason: "\(nodes.count) nodes exceed the limit of \(GraphLimits.maxNodes)")
        }
        try check(inputShape, at: Graph.inputName)
        var shapes: [String: TensorShape] = [Graph.inputName: inputShape]
        for node in nodes {
            guard !node.name.isEmpty else { throw GraphError(node: node.name, reason: "empty node name") }
            guard shapes[node.name] == nil else {
                throw GraphError(node: node.name, reason: "the name is used twice (or is the reserved name '\(Graph.inputName)')")
            }
            let arity = node.operation.arity
            guard arity.contains(node.inputs.count) else {
                let expected = arity.count == 1 ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
                throw GraphError(node: node.name, reason: "\(node.operation.kind) takes \(expected) inputs, got \(node.inputs.count)")
            }
            let inputs = try node.inputs.map { name in
                guard let shape = shapes[name] else {
                    throw GraphError(node: node.name, reason: "input '\(name)' is not the graph input or an earlier node")
                }
                return shape
            }
            let shape = try outputShape(of: node, inputs: inputs)
            try check(shape, at: node.name)
            shapes[node.name] = shape
        }
        guard shapes[output] != nil else { throw GraphError(node: output, reason: "the graph output names no node") }
        return shapes
    }

    private func check(_ s: TensorShape, at node: String) throws {
        let dims = [s.channels, s.height, s.width]
        guard dims.allSatisfy({ $0 > 0 }) else { throw GraphError(node: node, reason: "shape \(s) has an empty dimension") }
        guard s.channels <= GraphLimits.maxElementsPerValue, s.height <= GraphLimits.maxDimension,
              s.width <= GraphLimits.maxDimension,
              s.channels.multipliedReportingOverflow(by: s.pixels).partialValue <= GraphLimits.maxElementsPerValue
        else { throw GraphError(node: node, reason: "shape \(s) exceeds the size limits") }
    }

    func outputShape(of node: Node, inputs: [TensorShape]) throws -> TensorShape {
        let x = inputs[0]
        func fail(_ reason: String) -> GraphError { GraphError(node: node.name, reason: reason) }
        func requireFinite(_ values: [Float], _ what: String) throws {
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("\(what) value \(i) is \(values[i]) (weights must be finite)")
            }
        }
        switch node.operation {
        case .convolution(let c):
            guard [c.kernelHeight, c.kernelWidth].allSatisfy({ (1...GraphLimits.maxKernelExtent).contains($0) }),
                  [c.strideY, c.strideX].allSatisfy({ (1...GraphLimits.maxStride).contains($0) }),
                  [c.padTop, c.padLeft, c.padBottom, c.padRight].allSatisfy({ (0..<GraphLimits.maxKernelExtent).contains($0) })
            else { throw fail("kernel \(c.kernelHeight)x\(c.kernelWidth), stride or padding out of range") }
            guard c.groups >= 1, x.channels % c.groups == 0, (1...GraphLimits.maxElementsPerValue).contains(c.outputChannels),
                  c.outputChannels % c.groups == 0 else {
                throw fail("\(c.groups) groups do not divide \(x.channels) input and \(c.outputChannels) output channels")
            }
            let s = c.shape(input: x)
            guard s.isValid else { throw fail("kernel \(c.kernelHeight)x\(c.kernelWidth) does not fit input \(x) with its padding") }
            let expectedWeights = [s.inputChannelsPerGroup, c.kernelHeight, c.kernelWidth].reduce(c.outputChannels) {
                let (product, overflow) = $0.multipliedReportingOverflow(by: $1)
                return overflow ? Int.max : product
            }
            guard c.weights.count == expectedWeights else {
                throw fail("shape mismatch: \(c.weights.count) weights, expected \(expectedWeights) for input \(x) "
                           + "(\(c.outputChannels)x\(s.inputChannelsPerGroup)x\(c.kernelHeight)x\(c.kernelWidth))")
            }
            if let bias = c.bias, bias.count != c.outputChannels {
                throw fail("shape mismatch: \(bias.count) bias values for \(c.outputChannels) output channels")
            }
            try requireFinite(c.weights, "weight")
            try requireFinite(c.bias ?? [], "bias")
            return TensorShape(channels: c.outputChannels, height: s.outputHeight, width: s.outputWidth)
        case .batchNormalization(let b):
            for (what, values) in [("scale", b.scale), ("bias", b.bias), ("mean", b.mean), ("variance", b.variance)] {
                guard values.count == x.channels else {
                    throw fail("shape mismatch: \(values.count) \(what) values for \(x.channels) channels")
                }
                try requireFinite(values, what)
            }
            guard b.epsilon.isFinite, b.epsilon >= 0, b.variance.allSatisfy({ Double($0) + Double(b.epsilon) > 0 }) else {
                throw fail("variance + epsilon must be positive")
            }
            return x
        case .scaleShift(let s):
            for (what, values) in [("scale", s.scale), ("shift", s.shift)] {
                guard values.count == x.channels else {
                    throw fail("shape mismatch: \(values.count) \(what) values for \(x.channels) channels")
                }
                try requireFinite(values, what)
            }
            return x
        case .activation(let a):
            if case .clip(let lower, let upper) = a, !(lower <= upper) || lower.isNaN || upper.isNaN {
                throw fail("clip bounds \(lower)...\(upper) are not ordered")
            }
            if case .leakyRelu(let alpha) = a, !alpha.isFinite { throw fail("leaky ReLU slope is not finite") }
            if case .hardSigmoid(let alpha, let beta) = a, !alpha.isFinite || !beta.isFinite {
                throw fail("hard sigmoid alpha \(alpha) and beta \(beta) must be finite")
            }
            return x
        case .maxPool(let p), .averagePool(let p):
            let s = p.shape(input: x)
            guard s.isValid, p.kernelHeight <= GraphLimits.maxKernelExtent, p.kernelWidth <= GraphLimits.maxKernelExtent,
                  p.strideY <= GraphLimits.maxStride, p.strideX <= GraphLimits.maxStride
            else { throw fail("pooling window \(p.kernelHeight)x\(p.kernelWidth) does not fit input \(x) (padding must be smaller than the window)") }
            return TensorShape(channels: x.channels, height: s.outputHeight, width: s.outputWidth)
        case .globalAveragePool, .globalMaxPool:
            return .vector(x.channels)
        case .add:
            guard inputs[1] == x else { throw fail("shape mismatch: adds \(x) and \(inputs[1])") }
            return x
        case .mul:
            let y = inputs[1]
            if y == x || (y == .vector(x.channels)) { return x }
            if x == .vector(y.channels) { return y }
            throw fail("shape mismatch: multiplies \(x) and \(y) (equal shapes, or an image and C×1×1 values of its channels)")
        case .concat:
            var channels = 0
            for shape in inputs {
                guard shape.height == x.height, shape.width == x.width else {
                    throw fail("shape mismatch: concatenates \(x) and \(shape) along the channels (height and width must be equal)")
                }
                channels += shape.channels  // each is at most 2^28, and there are at most 256: no overflow
            }
            return TensorShape(channels: channels, height: x.height, width: x.width)
        case .flatten:
            return .vector(x.elementCount)
        case .dense(let d):
            guard d.outputFeatures >= 1, d.weights.count == d.outputFeatures * x.elementCount else {
                throw fail("shape mismatch: \(d.weights.count) weights, expected \(d.outputFeatures)x\(x.elementCount) for input \(x)")
            }
            if let bias = d.bias, bias.count != d.outputFeatures {
                throw fail("shape mismatch: \(bias.count) bias values for \(d.outputFeatures) outputs")
            }
            try requireFinite(d.weights, "weight")
            try requireFinite(d.bias ?? [], "bias")
            return .vector(d.outputFeatures)
        case .softmax, .logSoftmax:
            guard x.pixels == 1 else { throw fail("softmax needs a feature vector, got \(x) (flatten first)") }
            return x
        case .prelu(let slopes):
            guard slopes.count == x.channels else {
                throw fail("shape mismatch: \(slopes.count) PRelu slopes for \(x.channels) channels")
            }
            try requireFinite(slopes, "slope")
            return x
        }
    }

    /// Number of weights and biases.
    public var parameterCount: Int {
        nodes.reduce(0) { total, node in
            switch node.operation {
            case .convolution(let c): total + c.weights.count + (c.bias?.count ?? 0)
            case .batchNormalization(let b): total + 4 * b.scale.count
            case .scaleShift(let s): total + 2 * s.scale.count
            case .dense(let d): total + d.weights.count + (d.bias?.count ?? 0)
            default: total
            }
        }
    }

    /// Multiply-accumulates of convolutions and dense layers for one image (the usual "MACs").
    public func multiplyAccumulates() throws -> Int {
        let shapes = try inferShapes()
        return nodes.reduce(0) { total, node in
            switch node.operation {
            case .convolution(let c): total + c.shape(input: shapes[node.inputs[0]]!).multiplyAccumulates
            case .dense(let d): total + d.weights.count
            default: total
            }
        }
    }
}
