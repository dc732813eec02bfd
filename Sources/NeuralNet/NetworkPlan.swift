import Kernels

/// Turns a graph into the fast executor's step list: batch normalisation folded into the preceding
/// convolution, activations and residual adds fused into the producing kernel, flatten made free,
/// weights packed once, and activation buffers shared between values whose lifetimes do not overlap.
struct NetworkPlan: Sendable {
    enum Step: Sendable {
        case convolution(ConvolutionShape, packedWeights: [Float], bias: [Float]?, Epilogue,
                         input: Int, residual: Int?, output: Int)
        case scaleShift(pixels: Int, channels: Int, scale: [Float], shift: [Float], Epilogue, input: Int, output: Int)
        case activation(count: Int, Epilogue, input: Int, output: Int)
        /// An activation no epilogue expresses (sigmoid and the hard curves), by its scalar definition.
        case curve(count: Int, Activation, input: Int, output: Int)
        case add(count: Int, Epilogue, a: Int, b: Int, output: Int)
        case multiply(count: Int, a: Int, b: Int, output: Int)
        /// An NHWC image times per-channel factors (`zeros` is the shift the scale-and-shift kernel adds).
        case scaleChannels(pixels: Int, channels: Int, zeros: [Float], image: Int, factors: Int, output: Int)
        /// NHWC images joined along the channels; `channels` has one entry per input.
        case concat(pixels: Int, channels: [Int], inputs: [Int], output: Int)
        case maxPool(PoolShape, input: Int, output: Int)
        case averagePool(PoolShape, countIncludePad: Bool, input: Int, output: Int)
        case globalAveragePool(pixels: Int, channels: Int, input: Int, output: Int)
        case globalMaxPool(pixels: Int, channels: Int, input: Int, output: Int)
        case softmax(count: Int, input: Int, output: Int)
        case logSoftmax(count: Int, input: Int, output: Int)
        /// x, or slopes[c]·x below 0, on an NHWC image: per channel, so no epilogue expresses it.
        case prelu(pixels: Int, channels: Int, slopes: [Float], input: Int, output: Int)
        /// NHWC → NCHW, for a Flatten of a multi-channel image that something other than Dense reads.
        case toChannelMajor(TensorShape, input: Int, output: Int)
    }

    var steps: [Step] = []
    /// Floats per activation buffer.
    var slotSizes: [Int] = []
    var inputSlot = 0
    var outputSlot = 0
    /// Floats in the padded-input scratch buffer shared by all convolutions.
    var paddingScratchSize = 0
    var outputShape: TensorShape
    /// Whether the output value is a multi-channel image held NHWC (converted to NCHW on the way out).
    var outputIsImage: Bool

    init(graph: Graph) throws {
        let shapes = try graph.inferShapes()
        outputShape = shapes[graph.output]!
        var builder = Builder(graph: graph, shapes: shapes)
        for node in graph.nodes { try builder.add(node) }
        let finalName = builder.resolve(graph.output)
        outputIsImage = outputShape.pixels > 1 && outputShape.channels > 1 && !builder.isChannelMajor(finalName)
        let allocation = Allocation(steps: builder.steps, input: Graph.inputName, output: finalName, sizes: builder.sizes)
        slotSizes = allocation.slotSizes
        inputSlot = allocation.slot[Graph.inputName]!
        outputSlot = allocation.slot[finalName]!
        steps = builder.steps.map { $0.lower(slot: allocation.slot) }
        paddingScratchSize = builder.steps.map(\.paddingScratch).max() ?? 0
    }
}

/// A step with named values, before buffers are assigned.
private struct NamedStep {
    enum Kind {
        case convolution(ConvolutionShape, weights: [Float], bias: [Float]?)
        case scaleShift(pixels: Int, channels: Int, scale: [Float], shift: [Float])
        case activation(count: Int)
        case curve(count: Int, Activation)
        case add(count: Int)
        case multiply(count: Int)
        case scaleChannels(pixels: Int, channels: Int)
        case concat(pixels: Int, channels: [Int])
        case maxPool(PoolShape)
        case averagePool(PoolShape, countIncludePad: Bool)
        case globalAveragePool(pixels: Int, channels: Int)
        case globalMaxPool(pixels: Int, channels: Int)
        case softmax(count: Int)
        case logSoftmax(count: Int)
        case prelu(pixels: Int, channels: Int, slopes: [Float])
        case toChannelMajor(TensorShape)
    }

    var kind: Kind
    var inputs: [String]
    var output: String
    var epilogue: Epilogue = .identity
    var residual: String?

    var reads: [String] { inputs + (residual.map { [$0] } ?? []) }

    /// Whether an activation or residual can still be fused into this step's end.
    var acceptsEpilogue: Bool {
        guard epilogue.isIdentity else { return false }
        switch kind {
        case .convolution, .scaleShift, .add: return true
        default: return false
        }
    }

    var paddingScratch: Int {
        guard case .convolution(let s, _, _) = kind, convolutionNeedsPaddedInput(s) else { return 0 }
        return s.paddedHeight * s.paddedWidth * s.inputChannels
    }

    func lower(slot: [String: Int]) -> NetworkPlan.Step {
        let input = slot[inputs[0]]!, output = slot[self.output]!
        switch kind {
        case .convolution(let s, let weights, let bias):
            return .convolution(s, packedWeights: packConvolutionWeights(weights, shape: s), bias: bias, epilogue,
                                input: input, residual: residual.map { slot[$0]! }, output: output)
        case .scaleShift(let pixels, let channels, let scale, let shift):
            return .scaleShift(pixels: pixels, channels: channels, scale: scale, shift: shift, epilogue, input: input, output: output)
        case .activation(let count):
            return .activation(count: count, epilogue, input: input, output: output)
        case .curve(let count, let activation):
            return .curve(count: count, activation, input: input, output: output)
        case .add(let count):
            return .add(count: count, epilogue, a: input, b: slot[inputs[1]]!, output: output)
        case .multiply(let count):
            return .multiply(count: count, a: input, b: slot[inputs[1]]!, output: output)
        case .scaleChannels(let pixels, let channels):
            return .scaleChannels(pixels: pixels, channels: channels, zeros: Array(repeating: 0, count: channels),
                                  image: input, factors: slot[inputs[1]]!, output: output)
        case .concat(let pixels, let channels):
            return .concat(pixels: pixels, channels: channels, inputs: inputs.map { slot[$0]! }, output: output)
        case .maxPool(let s):
            return .maxPool(s, input: input, output: output)
        case .averagePool(let s, let include):
            return .averagePool(s, countIncludePad: include, input: input, output: output)
        case .globalAveragePool(let pixels, let channels):
            return .globalAveragePool(pixels: pixels, channels: channels, input: input, output: output)
        case .globalMaxPool(let pixels, let channels):
            return .globalMaxPool(pixels: pixels, channels: channels, input: input, output: output)
        case .softmax(let count):
            return .softmax(count: count, input: input, output: output)
        case .logSoftmax(let count):
            return .logSoftmax(count: count, input: input, output: output)
        case .prelu(let pixels, let channels, let slopes):
            return .prelu(pixels: pixels, channels: channels, slopes: slopes, input: input, output: output)
        case .toChannelMajor(let shape):
            return .toChannelMajor(shape, input: input, output: output)
        }
    }
}

private struct Builder {
    let graph: Graph
    let shapes: [String: TensorShape]
    var steps: [NamedStep] = []
    /// Floats needed by each value that owns a buffer.
    var sizes: [String: Int] = [:]
    /// Value name → the value whose buffer it shares (Flatten, fused steps).
    var alias: [String: String] = [:]
    /// Step index producing each (resolved) value.
    var producer: [String: Int] = [:]
    /// Flattened values still in NHWC order, with the image shape they came from (Dense permutes for them).
    var flattenedImages: [String: TensorShape] = [:]
    var channelMajor: Set<String> = []
    let consumers: [String: Int]

    init(graph: Graph, shapes: [String: TensorShape]) {
        self.graph = graph
        self.shapes = shapes
        var consumers: [String: Int] = [graph.output: 1]
        for node in graph.nodes { for input in node.inputs { consumers[input, default: 0] += 1 } }
        self.consumers = consumers
        sizes[Graph.inputName] = graph.inputShape.elementCount
    }

    func resolve(_ name: String) -> String {
        var name = name
        while let next = alias[name] { name = next }
        return name
    }

    func isChannelMajor(_ name: String) -> Bool { channelMajor.contains(name) }

    /// The producing step of `name` if its value may be rewritten in place: read only by the node being added.
    private func fusableProducer(of name: String) -> Int? {
        guard consumers[name] == 1, name != graph.output, alias[name] == nil, let i = producer[name] else { return nil }
        return i
    }

    private mutating func append(_ step: NamedStep, size: Int) {
        producer[step.output] = steps.count
        sizes[step.output] = size
        steps.append(step)
    }

    /// Records that `name` is now what step `i` produces (the step's old output disappears).
    private mutating func rename(step i: Int, to name: String) {
        let old = steps[i].output
        producer[old] = nil
        sizes[name] = sizes.removeValue(forKey: old)
        steps[i].output = name
        producer[name] = i
    }

    mutating func add(_ node: Node) throws {
        let inShape = shapes[node.inputs[0]]!, outShape = shapes[node.name]!
        let x = node.inputs[0]
        let input = resolve(x)
        switch node.operation {
        case .convolution(let c):
            append(NamedStep(kind: .convolution(c.shape(input: inShape), weights: c.weights, bias: c.bias),
                             inputs: [input], output: node.name), size: outShape.elementCount)

        case .batchNormalization(let b):
            addBatchNormalization(b, node: node, inShape: inShape)
        case .scaleShift(let s):
            addBatchNormalization(s.asBatchNormalization, node: node, inShape: inShape)

        case .activation(let a):
            guard let epilogue = a.epilogue else {
                append(NamedStep(kind: .curve(count: inShape.elementCount, a), inputs: [input], output: node.name),
                       size: outShape.elementCount)
                return
            }
            if let i = fusableProducer(of: x), steps[i].acceptsEpilogue {
                steps[i].epilogue = epilogue
                rename(step: i, to: node.name)
            } else {
                append(NamedStep(kind: .activation(count: inShape.elementCount), inputs: [input], output: node.name,
                                 epilogue: epilogue), size: outShape.elementCount)
            }

        case .add:
            let other = node.inputs[1]
            for (candidate, rest) in [(x, other), (other, x)] {
                guard let i = fusableProducer(of: candidate), case .convolution = steps[i].kind, steps[i].acceptsEpilogue,
                      steps[i].residual == nil else { continue }
                let restValue = resolve(rest)
                let available = restValue == Graph.inputName || (producer[restValue].map { $0 < i } ?? false)
                guard available, !flattenedImages.keys.contains(restValue) else { continue }
                steps[i].residual = restValue
                rename(step: i, to: node.name)
                return
            }
            append(NamedStep(kind: .add(count: inShape.elementCount), inputs: [input, resolve(other)], output: node.name),
                   size: outShape.elementCount)

        case .mul:
            let other = resolve(node.inputs[1]), otherShape = shapes[node.inputs[1]]!
            if otherShape == inShape {
                append(NamedStep(kind: .multiply(count: inShape.elementCount), inputs: [input, other], output: node.name),
                       size: outShape.elementCount)
            } else {
                let (image, factors) = otherShape == outShape ? (other, input) : (input, other)
                append(NamedStep(kind: .scaleChannels(pixels: outShape.pixels, channels: outShape.channels),
                                 inputs: [image, factors], output: node.name), size: outShape.elementCount)
            }

        case .concat:
            append(NamedStep(kind: .concat(pixels: outShape.pixels, channels: node.inputs.map { shapes[$0]!.channels }),
                             inputs: node.inputs.map(resolve), output: node.name), size: outShape.elementCount)

        case .flatten:
            if inShape.pixels == 1 || inShape.channels == 1 {
                alias[node.name] = input
            } else if graph.nodes.allSatisfy({ !$0.inputs.contains(node.name) || isDense($0) }) && node.name != graph.output {
                alias[node.name] = input
                flattenedImages[input] = flattenedImages[input] ?? inShape
            } else {
                append(NamedStep(kind: .toChannelMajor(inShape), inputs: [input], output: node.name), size: outShape.elementCount)
                channelMajor.insert(node.name)
            }

        case .dense(let d):
            var weights = d.weights
            // A Dense reading an image directly flattens it implicitly, like an explicit Flatten.
            if let image = flattenedImages[input] ?? (inShape.pixels > 1 && inShape.channels > 1 ? inShape : nil) {
                // The flattened vector is in NHWC order (p·C + c); ONNX's weights index it as c·HW + p.
                let features = image.elementCount, pixels = image.pixels, channels = image.channels
                for o in 0..<d.outputFeatures {
                    for c in 0..<channels {
                        for p in 0..<pixels { weights[o * features + p * channels + c] = d.weights[o * features + c * pixels + p] }
                    }
                }
            }
            let shape = ConvolutionShape(inputHeight: 1, inputWidth: 1, inputChannels: inShape.elementCount,
                                         outputChannels: d.outputFeatures, kernelHeight: 1, kernelWidth: 1)
            append(NamedStep(kind: .convolution(shape, weights: weights, bias: d.bias), inputs: [input], output: node.name),
                   size: outShape.elementCount)

        case .maxPool(let p):
            append(NamedStep(kind: .maxPool(p.shape(input: inShape)), inputs: [input], output: node.name), size: outShape.elementCount)
        case .averagePool(let p):
            append(NamedStep(kind: .averagePool(p.shape(input: inShape), countIncludePad: p.countIncludePad),
                             inputs: [input], output: node.name), size: outShape.elementCount)
        case .globalAveragePool:
            append(NamedStep(kind: .globalAveragePool(pixels: inShape.pixels, channels: inShape.channels),
                             inputs: [input], output: node.name), size: outShape.elementCount)
        case .globalMaxPool:
            append(NamedStep(kind: .globalMaxPool(pixels: inShape.pixels, channels: inShape.channels),
                             inputs: [input], output: node.name), size: outShape.elementCount)
        case .softmax:
            append(NamedStep(kind: .softmax(count: inShape.elementCount), inputs: [input], output: node.name),
                   size: outShape.elementCount)
        case .logSoftmax:
            append(NamedStep(kind: .logSoftmax(count: inShape.elementCount), inputs: [input], output: node.name),
                   size: outShape.elementCount)
        case .prelu(let slopes):
            append(NamedStep(kind: .prelu(pixels: inShape.pixels, channels: inShape.channels, slopes: slopes),
                             inputs: [input], output: node.name), size: outShape.elementCount)
        }
    }

    /// Folded into the producing convolution when nothing else reads it; a scale-and-shift step otherwise.
    private mutating func addBatchNormalization(_ b: BatchNormalization, node: Node, inShape: TensorShape) {
        let x = node.inputs[0], input = resolve(x), outShape = shapes[node.name]!
        if let i = fusableProducer(of: x), case .convolution(let s, let weights, let bias) = steps[i].kind,
           steps[i].acceptsEpilogue, steps[i].residual == nil {
            let folded = b.folded(intoWeights: weights, bias: bias)
            steps[i].kind = .convolution(s, weights: folded.weights, bias: folded.bias)
            rename(step: i, to: node.name)
        } else {
            let (multiplier, offset) = b.affine
            append(NamedStep(kind: .scaleShift(pixels: inShape.pixels, channels: inShape.channels,
                                               scale: multiplier.map { Float($0) }, shift: offset.map { Float($0) }),
                             inputs: [input], output: node.name), size: outShape.elementCount)
        }
    }

    private func isDense(_ node: Node) -> Bool {
        if case .dense = node.operation { return true }
        return false
    }
}

/// Greedy buffer sharing: a value's buffer returns to the pool after its last reader has run.
private struct Allocation {
    var slotSizes: [Int] = []
    var slot: [String: Int] = [:]

    init(steps: [NamedStep], input: String, output: String, sizes: [String: Int]) {
        var lastUse: [String: Int] = [output: steps.count]
        for (i, step) in steps.enumerated() { for name in step.reads { lastUse[name] = max(lastUse[name] ?? 0, i) } }
        var free: [Int] = []
        func take(_ size: Int) -> Int {
            // Best fit among free buffers; otherwise grow the largest free one, or make a new one.
            if let best = free.filter({ slotSizes[$0] >= size }).min(by: { slotSizes[$0] < slotSizes[$1] }) {
                free.removeAll { $0 == best }
                return best
            }
            if let largest = free.max(by: { slotSizes[$0] < slotSizes[$1] }) {
                free.removeAll { $0 == largest }
                slotSizes[largest] = size
                return largest
            }
            slotSizes.append(size)
            return slotSizes.count - 1
        }
        slot[input] = take(sizes[input]!)
        for (i, step) in steps.enumerated() {
            slot[step.output] = take(sizes[step.output]!)
            // Values whose last reader is this step can be reused from the next step on.
            for name in Set(step.reads) where lastUse[name] == i { free.append(slot[name]!) }
            if lastUse[step.output] == nil { free.append(slot[step.output]!) }  // computed but never read
        }
    }
}
