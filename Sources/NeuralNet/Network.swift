import Deterministic
import Foundation
import Kernels

/// The fast executor of a graph: NHWC activations, packed weights and fused kernels planned once at
/// construction, preallocated buffers per thread (`Workspace`), nothing allocated per image.
/// Inputs and outputs are NCHW like ONNX. Results are bit-identical for any number of jobs: every image
/// is computed by one thread with the same kernels in the same order.
public final class Network: Sendable {
    public let graph: Graph
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    let plan: NetworkPlan

    public init(graph: Graph) throws {
        self.graph = graph
        inputShape = graph.inputShape
        plan = try NetworkPlan(graph: graph)
        outputShape = plan.outputShape
    }

    public convenience init(model: Model) throws {
        try self.init(graph: model.graph)
    }

    /// Buffers for one thread's images; reuse it for every image that thread runs. It belongs to
    /// this network: its buffers are sized for this network's plan only.
    public func makeWorkspace() -> Workspace {
        Workspace(network: self, slotSizes: plan.slotSizes, paddingScratch: plan.paddingScratchSize)
    }

    /// One image: `input` NCHW (C·H·W floats), `output` the graph output (NCHW when it is an image).
    /// `workspace` must come from this network's `makeWorkspace()`; another network's buffers would
    /// be written out of bounds, so that is a programming error that stops the process.
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, workspace: Workspace) {
        precondition(workspace.network === self, "Network.run: the workspace was made by another network")
        let s = inputShape
        toChannelsLast(input, channels: s.channels, pixels: s.pixels, output: workspace.slots[plan.inputSlot])
        for step in plan.steps { execute(step, workspace) }
        let result = UnsafePointer(workspace.slots[plan.outputSlot])
        if plan.outputIsImage {
            toChannelsFirst(result, channels: outputShape.channels, pixels: outputShape.pixels, output: output)
        } else {
            output.update(from: result, count: outputShape.elementCount)
        }
    }

    /// One image, allocating a workspace: convenient, not the fastest way to run many images.
    public func run(_ input: [Float]) -> [Float] {
        precondition(input.count == inputShape.elementCount, "Network.run: \(input.count) inputs, expected \(inputShape.elementCount)")
        var output = [Float](repeating: 0, count: outputShape.elementCount)
        let workspace = makeWorkspace()
        run(input: input, output: &output, workspace: workspace)
        return output
    }

    /// `count` images stored one after another (NCHW each), split into `jobs` contiguous runs on as many
    /// threads. Returns the outputs one after another.
    public func run(batch inputs: [Float], count: Int, jobs: Int) -> [Float] {
        precondition(inputs.count == count * inputShape.elementCount, "Network.run(batch:): \(inputs.count) floats for \(count) images")
        var outputs = [Float](repeating: 0, count: count * outputShape.elementCount)
        let workspaces = (0..<max(1, min(jobs, count))).map { _ in makeWorkspace() }
        inputs.withUnsafeBufferPointer { inBuffer in
            outputs.withUnsafeMutableBufferPointer { outBuffer in
                run(batch: inBuffer.baseAddress!, count: count, outputs: outBuffer.baseAddress!, workspaces: workspaces)
            }
        }
        return outputs
    }

    /// The allocation-free batch entry point: one thread per workspace, each running a contiguous run of
    /// the `count` images (so the split, and every result, depends only on `count` and the job count).
    public func run(batch inputs: UnsafePointer<Float>, count: Int, outputs: UnsafeMutablePointer<Float>,
                    workspaces: [Workspace]) {
        let inCount = inputShape.elementCount, outCount = outputShape.elementCount
        // Each chunk writes only its own images' outputs, with its own workspace.
        parallelChunks(count, jobs: workspaces.count) { chunk, range in
            for i in range {
                run(input: inputs + i * inCount, output: outputs + i * outCount, workspace: workspaces[chunk])
            }
        }
    }

    func execute(_ step: NetworkPlan.Step, _ w: Workspace) {
        let slots = w.slots
        switch step {
        case .convolution(let s, let packed, let bias, let epilogue, let input, let residual, let output):
            var source = UnsafePointer(slots[input])
            if convolutionNeedsPaddedInput(s) {
                padNHWC(input: source, height: s.inputHeight, width: s.inputWidth, channels: s.inputChannels,
                        top: s.padTop, left: s.padLeft, bottom: s.padBottom, right: s.padRight, output: w.paddingScratch)
                source = UnsafePointer(w.paddingScratch)
            }
            packed.withUnsafeBufferPointer { weights in
                if let bias {
                    bias.withUnsafeBufferPointer { b in
                        convolutionNHWC(shape: s, input: source, packedWeights: weights.baseAddress!, bias: b.baseAddress!,
                                        residual: residual.map { UnsafePointer(slots[$0]) }, epilogue: epilogue, output: slots[output])
                    }
                } else {
                    convolutionNHWC(shape: s, input: source, packedWeights: weights.baseAddress!, bias: nil,
                                    residual: residual.map { UnsafePointer(slots[$0]) }, epilogue: epilogue, output: slots[output])
                }
            }
        case .scaleShift(let pixels, let channels, let scale, let shift, let epilogue, let input, let output):
            scaleShiftNHWC(pixels: pixels, channels: channels, input: slots[input], scale: scale, shift: shift,
                           epilogue: epilogue, output: slots[output])
        case .activation(let count, let epilogue, let input, let output):
            activate(count: count, input: slots[input], epilogue: epilogue, output: slots[output])
        case .curve(let count, let activation, let input, let output):
            applyCurve(activation, count: count, input: slots[input], output: slots[output])
        case .add(let count, let epilogue, let a, let b, let output):
            addActivate(count: count, a: slots[a], b: slots[b], epilogue: epilogue, output: slots[output])
        case .multiply(let count, let a, let b, let output):
            let x = slots[a], y = slots[b], z = slots[output]
            for i in 0..<count { z[i] = x[i] * y[i] }
        case .scaleChannels(let pixels, let channels, let zeros, let image, let factors, let output):
            scaleShiftNHWC(pixels: pixels, channels: channels, input: slots[image], scale: slots[factors], shift: zeros,
                           epilogue: .identity, output: slots[output])
        case .concat(let pixels, let channels, let inputs, let output):
            let total = channels.reduce(0, +)
            var offset = 0
            for (input, count) in zip(inputs, channels) {
                let source = slots[input], target = slots[output] + offset
                for p in 0..<pixels { (target + p * total).update(from: source + p * count, count: count) }
                offset += count
            }
        case .maxPool(let s, let input, let output):
            maxPoolNHWC(shape: s, input: slots[input], output: slots[output])
        case .averagePool(let s, let include, let input, let output):
            averagePoolNHWC(shape: s, countIncludePad: include, input: slots[input], output: slots[output])
        case .globalAveragePool(let pixels, let channels, let input, let output):
            globalAveragePoolNHWC(pixels: pixels, channels: channels, input: slots[input], output: slots[output])
        case .globalMaxPool(let pixels, let channels, let input, let output):
            let x = slots[input], y = slots[output]
            y.update(from: x, count: channels)
            for p in 1..<max(pixels, 1) { for c in 0..<channels { y[c] = max(y[c], x[p * channels + c]) } }
        case .softmax(let count, let input, let output):
            slots[output].update(from: slots[input], count: count)
            softmax(slots[output], count: count)
        case .logSoftmax(let count, let input, let output):
            slots[output].update(from: slots[input], count: count)
            logSoftmax(slots[output], count: count)
        case .prelu(let pixels, let channels, let slopes, let input, let output):
            let x = slots[input], y = slots[output]
            slopes.withUnsafeBufferPointer { slope in
                for p in 0..<pixels {
                    let row = p * channels
                    for c in 0..<channels { y[row + c] = x[row + c] >= 0 ? x[row + c] : x[row + c] * slope[c] }
                }
            }
        case .toChannelMajor(let shape, let input, let output):
            toChannelsFirst(slots[input], channels: shape.channels, pixels: shape.pixels, output: slots[output])
        }
    }
}

/// `activation` of each value, with the switch outside the loop.
private func applyCurve(_ activation: Activation, count: Int, input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
    switch activation {
    case .sigmoid:
        for i in 0..<count { output[i] = 1 / (1 + exp(-input[i])) }
    case .hardSigmoid(let alpha, let beta):
        for i in 0..<count { output[i] = max(0, min(1, alpha * input[i] + beta)) }
    case .hardSwish:
        for i in 0..<count { output[i] = input[i] * max(0, min(1, input[i] / 6 + 0.5)) }
    case .tanh:
        for i in 0..<count { output[i] = tanhf(input[i]) }
    case .relu, .relu6, .clip, .leakyRelu:
        for i in 0..<count { output[i] = activation.apply(input[i]) }
    }
}

/// Preallocated activation buffers for one thread (64-byte aligned).
public final class Workspace: @unchecked Sendable {
    /// The network whose plan sized these buffers; `Network.run` refuses any other workspace.
    let network: Network
    let slots: [UnsafeMutablePointer<Float>]
    let paddingScratch: UnsafeMutablePointer<Float>

    fileprivate init(network: Network, slotSizes: [Int], paddingScratch: Int) {
        self.network = network
        func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
            return raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        }
        slots = slotSizes.map(allocate)
        self.paddingScratch = allocate(paddingScratch)
    }

    deinit {
        for slot in slots { UnsafeMutableRawPointer(slot).deallocate() }
        UnsafeMutableRawPointer(paddingScratch).deallocate()
    }
}

/// [C][pixels] → [pixels][C].
func toChannelsLast(_ input: UnsafePointer<Float>, channels: Int, pixels: Int, output: UnsafeMutablePointer<Float>) {
    if channels == 3 {
        // The RGB network input: one sequential pass over the output instead of three strided ones.
        let g = input + pixels, b = input + 2 * pixels
        for p in 0..<pixels {
            output[3 * p] = input[p]
            output[3 * p + 1] = g[p]
            output[3 * p + 2] = b[p]
        }
        return
    }
    for c in 0..<channels {
        for p in 0..<pixels { output[p * channels + c] = input[c * pixels + p] }
    }
}

/// [pixels][C] → [C][pixels].
func toChannelsFirst(_ input: UnsafePointer<Float>, channels: Int, pixels: Int, output: UnsafeMutablePointer<Float>) {
    for p in 0..<pixels {
        for c in 0..<channels { output[c * pixels + p] = input[p * channels + c] }
    }
}
