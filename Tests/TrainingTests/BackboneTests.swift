import Foundation
import Testing
import NeuralNet
import Training
import TestSupport

/// Fine-tuning an imported model: asymmetric ("same") padding in training convolutions, the
/// graph → layers conversion, head replacement, frozen blocks and the export back to the engine.
@Suite struct BackboneTests {
    struct PaddedCase: CustomTestStringConvertible, Sendable {
        var shape: BatchShape, outChannels: Int, kernelHeight: Int, kernelWidth: Int, stride: Int
        var pads: [Int], groups: Int
        var testDescription: String { "in \(shape) out \(outChannels) k\(kernelHeight)x\(kernelWidth) s\(stride) pads \(pads) g\(groups)" }
    }

    // TensorFlow "same" padding of stride-2 layers on even inputs pads more at the bottom/right;
    // odd shapes and a non-square kernel make any swapped index show.
    static let paddedCases: [PaddedCase] = [
        PaddedCase(shape: BatchShape(n: 2, h: 8, w: 6, c: 3), outChannels: 5, kernelHeight: 3, kernelWidth: 3, stride: 2,
                   pads: [0, 0, 1, 1], groups: 1),
        PaddedCase(shape: BatchShape(n: 2, h: 7, w: 9, c: 5), outChannels: 5, kernelHeight: 5, kernelWidth: 5, stride: 2,
                   pads: [1, 1, 2, 2], groups: 5),
        PaddedCase(shape: BatchShape(n: 3, h: 6, w: 5, c: 7), outChannels: 7, kernelHeight: 3, kernelWidth: 3, stride: 1,
                   pads: [0, 2, 1, 0], groups: 7),
        PaddedCase(shape: BatchShape(n: 1, h: 7, w: 5, c: 4), outChannels: 6, kernelHeight: 3, kernelWidth: 1, stride: 1,
                   pads: [2, 0, 0, 1], groups: 2),
    ]

    @Test(arguments: paddedCases)
    func asymmetricPaddingGradients(_ c: PaddedCase) {
        var random = SeededGenerator(seed: 17)
        let cg = c.shape.c / c.groups
        let weights = random.floats(c.kernelHeight * c.kernelWidth * cg * c.outChannels)
        let bias = random.floats(c.outChannels)
        let layer = ConvolutionLayer(inChannels: c.shape.c, outChannels: c.outChannels, kernelHeight: c.kernelHeight,
                                     kernelWidth: c.kernelWidth, stride: c.stride, padTop: c.pads[0], padLeft: c.pads[1],
                                     padBottom: c.pads[2], padRight: c.pads[3], groups: c.groups, weights: weights, bias: bias)
        GradientCheck(inputShape: c.shape).run(layer) { x, p in
            ReferenceOps.conv(x, c.shape, weight: p[0], bias: p[1], outChannels: c.outChannels, kernelHeight: c.kernelHeight,
                              kernelWidth: c.kernelWidth, stride: c.stride, pads: (c.pads[0], c.pads[1], c.pads[2], c.pads[3]),
                              groups: c.groups).values
        }
    }

    /// The imported graph's function survives the conversion: with the original classifier's
    /// weights copied into the new head, the training network computes what the engine computes
    /// on the original model (batch norms folded, shortcuts as residual layers, "same" padding).
    @Test func convertedNetworkComputesTheImportedModel() throws {
        let size = 32
        let model = try LiteShapedModel.make(inputSize: size, seed: 3)
        let backbone = try Backbone(model: model, inputSize: size, classes: LiteShapedModel.classes, frozenBlocks: 0, seed: 1)
        #expect(backbone.blocks.count == 3, "\(backbone.blocks)")
        #expect(backbone.network.layers.filter { $0 is ResidualLayer }.count == 1)
        // Copy the original classifier ([out][in]) into the new head ([in][out]); GAP features, no reordering.
        guard case .dense(let original) = model.graph.nodes.first(where: { $0.operation.kind == "Dense" })!.operation,
              let head = backbone.network.layers.last as? DenseLayer else {
            Issue.record("no dense head"); return
        }
        for i in 0..<head.inputs { for o in 0..<head.outputs { head.weight.value[i * head.outputs + o] = original.weights[o * head.inputs + i] } }
        head.bias.value = original.bias!

        let (nchw, nhwc) = LiteShapedModel.images(count: 3, size: size, model: model)
        let engine = try NeuralNet.Network(model: model)
        let expected = engine.run(batch: nchw, count: 3, jobs: 2)
        let logits = backbone.network.forward(nhwc, context: ExecutionContext(isTraining: false, jobs: 2))
        let classes = LiteShapedModel.classes
        for i in 0..<3 {
            let p = SoftmaxCrossEntropy.softmax(Array(logits.data[(i * classes)..<((i + 1) * classes)]))
            for c in 0..<classes {
                #expect(abs(p[c] - expected[i * classes + c]) < 1e-5, "image \(i) class \(c): \(p[c]) vs engine \(expected[i * classes + c])")
            }
        }
    }

    /// After fine-tuning steps, the exported model (engine graph) computes what the trainer's
    /// network computes, also at an input size other than the imported model's.
    @Test func exportedFineTunedModelMatchesTheTrainer() throws {
        let model = try LiteShapedModel.make(inputSize: 32, seed: 5)
        let size = 24
        let backbone = try Backbone(model: model, inputSize: size, classes: 4, frozenBlocks: 1, seed: 2)
        let network = backbone.network
        var generator = SeededGenerator(seed: 9)
        let optimizer = AdamW(weightDecay: 0.01)
        let context = ExecutionContext(isTraining: true, jobs: 2)
        for _ in 0..<3 {
            let input = BatchTensor(shape: BatchShape(n: 4, h: size, w: size, c: 3), data: generator.floats(4 * size * size * 3))
            network.zeroGradients()
            let result = SoftmaxCrossEntropy(ordinalSmoothing: 0).evaluate(logits: network.forward(input, context: context), labels: [0, 1, 2, 3])
            network.backward(result.gradient, context: context)
            optimizer.step(network.updatedParameters, learningRate: 0.01)
        }
        let exported = try ModelExport.model(of: network, labels: ["a", "b", "c", "d"], mean: model.normalization.mean,
                                             std: model.normalization.std, metadata: [:])
        let reloaded = try Model.decode(exported.encoded())
        #expect(reloaded.inputShape == NeuralNet.TensorShape(channels: 3, height: size, width: size))
        let (nchw, nhwc) = LiteShapedModel.images(count: 2, size: size, model: reloaded)
        let probabilities = try NeuralNet.Network(model: reloaded).run(batch: nchw, count: 2, jobs: 1)
        let logits = network.forward(nhwc, context: ExecutionContext(isTraining: false))
        for i in 0..<2 {
            let p = SoftmaxCrossEntropy.softmax(Array(logits.data[(i * 4)..<((i + 1) * 4)]))
            for c in 0..<4 { #expect(abs(p[c] - probabilities[i * 4 + c]) < 1e-5, "image \(i) class \(c)") }
        }
    }

    /// Frozen blocks keep their weights, get no optimiser state, and the layers after them get
    /// exactly the gradients they get in the unfrozen network (whose backward passes are checked
    /// against finite differences above and in `LayerGradientTests`).
    @Test func frozenBlocksStayFixedAndTheRestGetsTheFullGradient() throws {
        let model = try LiteShapedModel.make(inputSize: 32, seed: 7)
        let size = 16
        let frozen = try Backbone(model: model, inputSize: size, classes: 3, frozenBlocks: 2, seed: 4).network
        let full = try Backbone(model: model, inputSize: size, classes: 3, frozenBlocks: 0, seed: 4).network
        #expect(frozen.frozenLayerCount > 0 && frozen.frozenLayerCount < frozen.layers.count)
        #expect(frozen.updatedParameters.count < full.parameters.count)
        var generator = SeededGenerator(seed: 21)
        let input = BatchTensor(shape: BatchShape(n: 3, h: size, w: size, c: 3), data: generator.floats(3 * size * size * 3))
        let context = ExecutionContext(isTraining: true, jobs: 2)
        var gradients: [[[Float]]] = []
        for network in [frozen, full] {
            network.zeroGradients()
            let result = SoftmaxCrossEntropy(ordinalSmoothing: 0).evaluate(logits: network.forward(input, context: context), labels: [0, 2, 1])
            network.backward(result.gradient, context: context)
            gradients.append(network.updatedParameters.suffix(frozen.updatedParameters.count).map(\.gradient))
        }
        for (index, (a, b)) in zip(gradients[0], gradients[1]).enumerated() {
            #expect(a.count == b.count)
            let scale = b.map { abs($0) }.max() ?? 0
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(scale, 1) }, "parameter \(index)")
        }
        let before = frozen.parameters.prefix(frozen.parameters.count - frozen.updatedParameters.count).map(\.value)
        let optimizer = AdamW(weightDecay: 0.1)
        optimizer.step(frozen.updatedParameters, learningRate: 0.1)
        let after = frozen.parameters.prefix(before.count).map(\.value)
        #expect(before == after)
        #expect(optimizer.state.count == 2 * frozen.updatedParameters.filter(\.isTrainable).count)
    }

    @Test func refusesGraphsItCannotTrain() throws {
        let model = try LiteShapedModel.make(inputSize: 32, seed: 1)
        #expect(throws: BackboneError.self) {
            try Backbone(model: model, inputSize: 32, classes: 3, frozenBlocks: 4, seed: 1)
        }
        // A branch that is not an identity shortcut of the chain.
        var g = Graph(input: NeuralNet.TensorShape(channels: 3, height: 8, width: 8))
        let a = g.convolution(g.input, Convolution(outputChannels: 4, kernel: 1, weights: [Float](repeating: 0.1, count: 12)))
        let b = g.convolution(g.input, Convolution(outputChannels: 4, kernel: 1, weights: [Float](repeating: 0.2, count: 12)))
        var x = g.add(a, b)
        x = g.globalAveragePool(x)
        x = g.dense(g.flatten(x), Dense(outputFeatures: 2, weights: [Float](repeating: 0, count: 8)))
        g.output = g.softmax(x)
        let branched = try Model(graph: g, normalization: .unit(channels: 3), labels: ["a", "b"])
        #expect { try Backbone(model: branched, inputSize: 8, classes: 3, frozenBlocks: 0, seed: 1) } throws: { error in
            "\(error)".contains("n1") && "\(error)".contains("identity shortcuts")
        }
        // No dense classifier to replace.
        var h = Graph(input: NeuralNet.TensorShape(channels: 3, height: 8, width: 8))
        h.output = h.softmax(h.globalAveragePool(h.input))
        let headless = try Model(graph: h, normalization: .unit(channels: 3), labels: ["a", "b", "c"])
        #expect { try Backbone(model: headless, inputSize: 8, classes: 3, frozenBlocks: 0, seed: 1) } throws: { error in
            "\(error)".contains("dense")
        }
    }

    /// A final LogSoftmax goes with the replaced head, like a Softmax.
    @Test func aFinalLogSoftmaxIsReplacedWithTheHead() throws {
        var g = Graph(input: NeuralNet.TensorShape(channels: 3, height: 8, width: 8))
        let x = g.convolution(g.input, Convolution(outputChannels: 4, kernel: 1, weights: [Float](repeating: 0.1, count: 12)), name: "conv")
        let features = g.flatten(g.globalAveragePool(g.activation(x, .relu)))
        g.output = g.logSoftmax(g.dense(features, Dense(outputFeatures: 2, weights: [Float](repeating: 0, count: 8))))
        let model = try Model(graph: g, normalization: .unit(channels: 3), labels: ["a", "b"])
        let backbone = try Backbone(model: model, inputSize: 8, classes: 3, frozenBlocks: 0, seed: 1)
        #expect(backbone.features == 4)
    }

    /// Imported operations training has no layer for are refused by name, whatever reads them.
    @Test func refusesOperationsWithoutATrainingLayerByName() throws {
        func model(_ body: (inout Graph, String) -> String) throws -> Model {
            var g = Graph(input: NeuralNet.TensorShape(channels: 3, height: 8, width: 8))
            let x = g.convolution(g.input, Convolution(outputChannels: 4, kernel: 1, weights: [Float](repeating: 0.1, count: 12)), name: "conv")
            let y = g.globalAveragePool(body(&g, x), name: "pool")
            let features = try g.inferShapes()[y]!.elementCount
            g.output = g.dense(g.flatten(y), Dense(outputFeatures: 2, weights: [Float](repeating: 0, count: 2 * features)))
            return try Model(graph: g, normalization: .unit(channels: 3), labels: ["a", "b"])
        }
        let cases: [(String, (inout Graph, String) -> String)] = [
            ("'gate' (Sigmoid): this activation", { g, x in g.activation(x, .sigmoid, name: "gate") }),
            ("'hs' (HardSwish): this activation", { g, x in g.activation(x, .hardSwish, name: "hs") }),
            ("'product' (Mul): this operation", { g, x in g.mul(x, g.activation(x, .relu), name: "product") }),
            ("'join' (Concat): this operation", { g, x in g.concat([x, x], name: "join") }),
            ("'gmp' (GlobalMaxPool): this operation", { g, x in g.globalMaxPool(x, name: "gmp") }),
            ("'tanh' (Tanh): this activation", { g, x in g.activation(x, .tanh, name: "tanh") }),
            ("'prelu' (PRelu): this operation", { g, x in g.prelu(x, slopes: [0.1, 0.2, 0.3, 0.4], name: "prelu") }),
            // After a ReLU: directly after the convolution it would be folded into it.
            ("'affine' (ScaleShift): this operation",
             { g, x in g.scaleShift(g.activation(x, .relu), ScaleShift(scale: [1, 2, 3, 4], shift: [0, 0, 0, 1]), name: "affine") }),
        ]
        for (reason, body) in cases {
            let m = try model(body)
            #expect { try Backbone(model: m, inputSize: 8, classes: 3, frozenBlocks: 0, seed: 1) } throws: { error in
                "\(error)" == "cannot fine-tune this model: node \(reason) cannot be trained"
            }
        }
    }
}

/// A small model shaped like EfficientNet-Lite: stem conv (stride 2, "same" padding) + ReLU6, a
/// depthwise block, an expanded 5x5 stride-2 block, an expanded block with an identity shortcut,
/// a 1x1 head conv, global pooling, dense, softmax. Batch norms after the convolutions (with
/// non-trivial statistics) exercise folding; weights are random.
enum LiteShapedModel {
    static let classes = 6

    static func make(inputSize: Int, seed: UInt64) throws -> Model {
        var random = SeededGenerator(seed: seed)
        var g = Graph(input: NeuralNet.TensorShape(channels: 3, height: inputSize, width: inputSize))
        func conv(_ x: String, _ cin: Int, _ cout: Int, kernel: Int, stride: Int = 1, depthwise: Bool = false,
                  activation: Bool = true) -> String {
            let groups = depthwise ? cin : 1
            // "same" padding: stride 1 pads k/2 on each side, stride 2 on even inputs pads one more after.
            let before = stride == 1 ? kernel / 2 : (kernel - 2) / 2, after = stride == 1 ? kernel / 2 : kernel - 2 - before
            let scale = (2 / Float(kernel * kernel * cin / groups)).squareRoot()
            var y = g.convolution(x, Convolution(outputChannels: cout, kernelHeight: kernel, kernelWidth: kernel, strideY: stride,
                                                 strideX: stride, padTop: before, padLeft: before, padBottom: after, padRight: after,
                                                 groups: groups, weights: random.floats(cout * cin / groups * kernel * kernel).map { $0 * scale * 1.7 }))
            y = g.batchNormalization(y, BatchNormalization(scale: random.floats(cout).map { 1 + $0 * 0.3 }, bias: random.floats(cout).map { $0 * 0.2 },
                                                           mean: random.floats(cout).map { $0 * 0.1 }, variance: random.floats(cout).map { 1 + $0 * 0.5 }))
            return activation ? g.activation(y, .relu6) : y
        }
        var x = conv(g.input, 3, 8, kernel: 3, stride: 2)
        x = conv(x, 8, 8, kernel: 3, depthwise: true)
        x = conv(x, 8, 6, kernel: 1, activation: false)                     // block 1 ends (linear bottleneck)
        x = conv(x, 6, 12, kernel: 1)
        x = conv(x, 12, 12, kernel: 5, stride: 2, depthwise: true)
        x = conv(x, 12, 6, kernel: 1, activation: false)                    // block 2 ends
        let shortcut = x
        x = conv(x, 6, 12, kernel: 1)
        x = conv(x, 12, 12, kernel: 3, depthwise: true)
        x = conv(x, 12, 6, kernel: 1, activation: false)
        x = g.add(x, shortcut)                                              // block 3 ends (residual)
        x = conv(x, 6, 16, kernel: 1)
        x = g.globalAveragePool(x)
        x = g.dense(g.flatten(x), Dense(outputFeatures: classes, weights: random.floats(classes * 16), bias: random.floats(classes)))
        g.output = g.softmax(x)
        return try Model(graph: g, normalization: InputNormalization(mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]),
                         labels: (0..<classes).map(String.init), metadata: ["architecture": "lite-shaped test model"])
    }

    /// Random RGB images as the engine's NCHW input and the trainer's normalised NHWC batch.
    static func images(count: Int, size: Int, model: Model) -> (nchw: [Float], nhwc: BatchTensor) {
        var generator = SeededGenerator(seed: 99)
        var nhwc = BatchTensor(zeros: BatchShape(n: count, h: size, w: size, c: 3))
        var nchw: [Float] = []
        let mean = model.normalization.mean, std = model.normalization.std
        for i in 0..<count {
            let rgb = (0..<(size * size * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            nchw += try! model.preprocess(rgb: rgb, width: size, height: size)
            for p in 0..<(size * size) {
                for c in 0..<3 { nhwc.data[(i * size * size + p) * 3 + c] = (Float(rgb[p * 3 + c]) / 255 - mean[c]) / std[c] }
            }
        }
        return (nchw, nhwc)
    }
}
