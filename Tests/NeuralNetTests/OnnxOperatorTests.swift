import Foundation
import Testing
import NeuralNet
import TestSupport

/// Operators beyond the original subset, on crafted models: what each imports to, that the fast plan
/// and the reference agree with an independent computation, and that variants the engine lacks are
/// refused naming the node and the problem.
@Suite struct OnnxOperatorTests {
    typealias W = OnnxWriter

    static func refusal(_ writer: OnnxWriter) throws -> OnnxImportError {
        try #require(throws: OnnxImportError.self) { try OnnxImporter.importGraph(bytes: writer.bytes(), fileName: "op.onnx") }
    }

    static func randomInput(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -2...2, using: &generator) }
    }

    /// Both executors on one random image; they must agree with each other (and are returned for more checks).
    static func run(_ graph: Graph, seed: UInt64 = 1) throws -> (input: [Float], fast: [Float], reference: [Float]) {
        let input = randomInput(graph.inputShape.elementCount, seed: seed)
        let fast = try Network(graph: graph).run(input), reference = try ReferenceNetwork(graph: graph).run(input)
        let mismatch = TensorComparison.firstMismatch(expected: reference, actual: fast, absoluteTolerance: 1e-5, context: "fast vs reference")
        #expect(mismatch == nil, "\(mismatch ?? "")")
        return (input, fast, reference)
    }

    /// Inserts `node` (reading "c", writing `output`) after the convolution of `OnnxWriter.convolution`.
    static func afterConvolution(_ nodes: [W.Node], output: String) -> OnnxWriter {
        var writer = W.convolution(attributes: [])
        writer.nodes.insert(contentsOf: nodes, at: 1)
        writer.nodes[writer.nodes.count - 2].inputs[0] = output
        return writer
    }

    // MARK: Identity and Dropout

    @Test func identityAndDropoutPassTheValueThrough() throws {
        let plain = try OnnxImporter.importGraph(bytes: W.convolution(attributes: []).bytes(), fileName: "plain.onnx")
        var writer = Self.afterConvolution([W.Node(op: "Identity", inputs: ["c"], outputs: ["i"]),
                                           W.Node(op: "Dropout", inputs: ["i", "ratio"], outputs: ["d", "unused_mask"])], output: "d")
        writer.initializers.append(.init(name: "ratio", dims: [], floats: [0.5]))
        // PyTorch writes Identity for a weight shared under two names: the copy is a constant too.
        writer.nodes.insert(W.Node(op: "Identity", inputs: ["w"], outputs: ["w_copy"]), at: 0)
        writer.nodes[1].inputs[1] = "w_copy"
        let graph = try OnnxImporter.importGraph(bytes: writer.bytes(), fileName: "pass.onnx")
        #expect(graph.nodes.map(\.operation) == plain.nodes.map(\.operation))
        #expect(try Self.run(graph).fast == (try Self.run(plain).fast))
    }

    @Test func dropoutInTrainingUseIsRefused() throws {
        let masked = Self.afterConvolution([W.Node(op: "Dropout", inputs: ["c"], outputs: ["d", "mask"]),
                                           W.Node(op: "Add", inputs: ["d", "mask"], outputs: ["s"])], output: "s")
        let error = try Self.refusal(masked)
        #expect(error.reason.contains("'d' (Dropout): its mask output is used"), "\(error)")
        var computedMode = Self.afterConvolution([W.Node(op: "Dropout", inputs: ["c", "", "c"], outputs: ["d"])], output: "d")
        computedMode.opset = 13
        #expect(try Self.refusal(computedMode).reason.contains("(Dropout): training_mode must be a constant"))
    }

    // MARK: ceil_mode

    /// NCHW max or average (padding not counted) pooling with ONNX's ceil_mode output size, straight from its definition.
    static func ceilPool(_ x: [Float], channels: Int, height: Int, width: Int, kernel: Int, stride: Int, pad: Int,
                         average: Bool) -> (values: [Float], height: Int, width: Int) {
        func outputSize(_ size: Int) -> Int {
            var out = (size + 2 * pad - kernel + stride - 1) / stride + 1
            if (out - 1) * stride >= size + pad { out -= 1 }
            return out
        }
        let oh = outputSize(height), ow = outputSize(width)
        var y: [Float] = []
        for c in 0..<channels { for oy in 0..<oh { for ox in 0..<ow {
            var values: [Float] = []
            for ky in 0..<kernel { for kx in 0..<kernel {
                let iy = oy * stride - pad + ky, ix = ox * stride - pad + kx
                if (0..<height).contains(iy), (0..<width).contains(ix) { values.append(x[(c * height + iy) * width + ix]) }
            } }
            y.append(average ? values.reduce(0, +) / Float(values.count) : values.max()!)
        } } }
        return (y, oh, ow)
    }

    @Test(arguments: [("MaxPool", 3, 2, 0), ("MaxPool", 2, 2, 0), ("AveragePool", 3, 2, 1), ("MaxPool", 3, 3, 1), ("AveragePool", 2, 3, 0)])
    func ceilModePoolingMatchesItsDefinition(window: (String, Int, Int, Int)) throws {
        let (op, kernel, stride, pad) = window
        for (height, width) in [(5, 7), (8, 8), (6, 9)] {
            var writer = W()
            writer.input = ("x", [1, 3, Int64(height), Int64(width)])
            writer.nodes = [W.Node(op: op, inputs: ["x"], outputs: ["p"], attributes: [
                ("kernel_shape", .ints([Int64(kernel), Int64(kernel)])), ("strides", .ints([Int64(stride), Int64(stride)])),
                ("pads", .ints(Array(repeating: Int64(pad), count: 4))), ("ceil_mode", .int(1))]),
                            W.Node(op: "Relu", inputs: ["p"], outputs: ["y"])]
            let graph = try OnnxImporter.importGraph(bytes: writer.bytes(), fileName: "ceil.onnx")
            let (input, fast, reference) = try Self.run(graph, seed: UInt64(height * width))
            // Relu after the pooling so the graph output is computed; the expectation gets it too.
            let expected = Self.ceilPool(input, channels: 3, height: height, width: width, kernel: kernel, stride: stride, pad: pad,
                                         average: op == "AveragePool")
            #expect(try ReferenceNetwork(graph: graph).outputShape == TensorShape(channels: 3, height: expected.height, width: expected.width))
            let want = expected.values.map { max($0, 0) }
            for (label, got) in [("fast", fast), ("reference", reference)] {
                let mismatch = TensorComparison.firstMismatch(expected: want, actual: got, absoluteTolerance: 1e-6,
                                                              context: "\(op) k\(kernel) s\(stride) p\(pad) \(height)x\(width) \(label)")
                #expect(mismatch == nil, "\(mismatch ?? "")")
            }
        }
    }

    @Test func ceilModeAveragingThePaddingIsRefusedOnlyWhenItAddsAWindow() throws {
        func pool(_ height: Int64) -> OnnxWriter {
            var writer = W()
            writer.input = ("x", [1, 3, height, height])
            writer.nodes = [W.Node(op: "AveragePool", inputs: ["x"], outputs: ["y"], attributes: [
                ("kernel_shape", .ints([3, 3])), ("strides", .ints([2, 2])), ("ceil_mode", .int(1)), ("count_include_pad", .int(1))])]
            return writer
        }
        #expect(try Self.refusal(pool(8)).reason.contains("'y' (AveragePool): ceil_mode 1 with count_include_pad 1"))
        _ = try OnnxImporter.importGraph(bytes: pool(7).bytes(), fileName: "exact.onnx")  // (7 − 3) / 2 has no remainder
    }

    // MARK: Mul, Concat, ReduceMean

    @Test func squeezeAndExcitationImportsAsPoolingAndPerChannelProduct() throws {
        let writer = Self.afterConvolution([
            W.Node(op: "ReduceMean", inputs: ["c"], outputs: ["m"], attributes: [("axes", .ints([-1, -2])), ("keepdims", .int(1))]),
            W.Node(op: "HardSigmoid", inputs: ["m"], outputs: ["h"], attributes: [("alpha", .float(0.25))]),
            W.Node(op: "Mul", inputs: ["c", "h"], outputs: ["e"]),
            W.Node(op: "Concat", inputs: ["e", "c", "e"], outputs: ["j"], attributes: [("axis", .int(-3))]),
        ], output: "j")
        let graph = try OnnxImporter.importGraph(bytes: writer.bytes(), fileName: "se.onnx")
        #expect(graph.nodes.map(\.operation.kind) == ["Conv", "GlobalAveragePool", "HardSigmoid(0.25, 0.5)", "Mul", "Concat",
                                                      "GlobalAveragePool", "Flatten"])
        let shapes = try graph.inferShapes()
        #expect(shapes["j"] == TensorShape(channels: 12, height: 6, width: 6))
        _ = try Self.run(graph)
    }

    /// `x.mean([2, 3])` (keepdims 0, the head of many torchvision and timm models) is the same
    /// pooling as keepdims 1 followed by a flatten: both feed a Gemm and give the same outputs.
    @Test func reduceMeanWithoutKeptDimsFeedsAGemm() throws {
        let weights = (0..<12).map { Float($0 % 5) * 0.25 - 0.5 }
        func head(_ nodes: [W.Node], pooled: String) -> OnnxWriter {
            var writer = W()
            writer.input = ("x", [1, 3, 5, 7])
            writer.nodes = nodes + [W.Node(op: "Gemm", inputs: [pooled, "d"], outputs: ["y"], attributes: [("transB", .int(1))])]
            writer.initializers = [.init(name: "d", dims: [4, 3], floats: weights)]
            return writer
        }
        let dropped = head([W.Node(op: "ReduceMean", inputs: ["x"], outputs: ["r"], attributes: [("axes", .ints([2, 3])), ("keepdims", .int(0))])], pooled: "r")
        let kept = head([W.Node(op: "ReduceMean", inputs: ["x"], outputs: ["r"], attributes: [("axes", .ints([-2, -1])), ("keepdims", .int(1))]),
                         W.Node(op: "Flatten", inputs: ["r"], outputs: ["f"])], pooled: "f")
        let a = try OnnxImporter.importGraph(bytes: dropped.bytes(), fileName: "dropped.onnx")
        let b = try OnnxImporter.importGraph(bytes: kept.bytes(), fileName: "kept.onnx")
        #expect(try a.inferShapes()[a.output] == TensorShape(channels: 4, height: 1, width: 1))
        let (outA, outB) = (try Self.run(a).fast, try Self.run(b).fast)
        #expect(outA == outB && outA.count == 4, "\(outA) \(outB)")
    }

    /// ReduceMax over height and width (how the dynamo exporter writes a global max pool) is a
    /// GlobalMaxPool, with or without kept dims.
    @Test func reduceMaxOverTheImageIsAGlobalMaxPool() throws {
        for keepDims in [Int64(1), 0] {
            var writer = W()
            writer.input = ("x", [1, 3, 5, 7])
            writer.nodes = [W.Node(op: "ReduceMax", inputs: ["x"], outputs: ["y"], attributes: [("axes", .ints([3, 2])), ("keepdims", .int(keepDims))])]
            let graph = try OnnxImporter.importGraph(bytes: writer.bytes(), fileName: "max.onnx")
            #expect(graph.nodes.map(\.operation.kind) == ["GlobalMaxPool"])
            let run = try Self.run(graph)
            let want = (0..<3).map { c in run.input[(c * 35)..<((c + 1) * 35)].max()! }
            #expect(run.fast == want, "keepdims \(keepDims)")
        }
    }

    @Test func unsupportedVariantsAreRefusedNamingTheNodeAndTheProblem() throws {
        let cases: [([W.Node], String, String)] = [
            ([W.Node(op: "Concat", inputs: ["c", "c"], outputs: ["j"], attributes: [("axis", .int(2))])], "j",
             "'j' (Concat): axis 2 (only 1, the channels)"),
            ([W.Node(op: "MaxPool", inputs: ["c"], outputs: ["p"], attributes: [("kernel_shape", .ints([2, 2])), ("strides", .ints([2, 2]))]),
              W.Node(op: "Concat", inputs: ["c", "p"], outputs: ["j"], attributes: [("axis", .int(1))])], "j",
             "'j' (Concat): joins 4x6x6 and 4x3x3 (height and width must be equal)"),
            ([W.Node(op: "MaxPool", inputs: ["c"], outputs: ["p"], attributes: [("kernel_shape", .ints([2, 2])), ("strides", .ints([2, 2]))]),
              W.Node(op: "Mul", inputs: ["c", "p"], outputs: ["m"])], "m",
             "'m' (Mul): multiplies 4x6x6 by 4x3x3 (only equal shapes, or an image by C×1×1 values of its channels)"),
            // b is [4]: on a 4-D value ONNX aligns it with the width (6), not the channels.
            ([W.Node(op: "Mul", inputs: ["c", "b"], outputs: ["m"])], "m",
             "'m' (Mul): constant 'b' of dims [4] is neither a scalar nor one value per channel of 4x6x6"),
            ([W.Node(op: "ReduceMean", inputs: ["c"], outputs: ["r"], attributes: [("axes", .ints([1]))])], "r",
             "'r' (ReduceMean): axes [1] (only [2, 3], height and width)"),
            ([W.Node(op: "ReduceMean", inputs: ["c"], outputs: ["r"])], "r", "'r' (ReduceMean): axes [] (only [2, 3], height and width)"),
            ([W.Node(op: "ReduceMean", inputs: ["c"], outputs: ["r"], attributes: [("axes", .ints([2, 3])), ("keepdims", .int(2))])], "r",
             "'r' (ReduceMean): keepdims 2 (only 0 or 1)"),
            // N×C (rank 2) against N×C×H×W: ONNX pairs C with W, not a per-channel product.
            ([W.Node(op: "ReduceMean", inputs: ["c"], outputs: ["r"], attributes: [("axes", .ints([2, 3])), ("keepdims", .int(0))]),
              W.Node(op: "Mul", inputs: ["c", "r"], outputs: ["m"])], "m",
             "'m' (Mul): combines a rank-4 value with a rank-2 one (only equal ranks)"),
        ]
        for (nodes, output, reason) in cases {
            let error = try Self.refusal(Self.afterConvolution(nodes, output: output))
            #expect(error.reason == "nodes the engine cannot run as given: \(reason)", "\(error)")
        }
    }

    // MARK: Arithmetic with constants

    /// x (1×3×5×7) combined with a constant of `dims` by one operator, the constant first or second.
    static func arithmetic(_ op: String, constantFirst: Bool, dims: [Int64], values: [Float]) -> OnnxWriter {
        var writer = W()
        writer.input = ("x", [1, 3, 5, 7])
        writer.initializers = [.init(name: "k", dims: dims, floats: values)]
        writer.nodes = [W.Node(op: op, inputs: constantFirst ? ["k", "x"] : ["x", "k"], outputs: ["y"])]
        return writer
    }

    /// Each operator, each order, each way of writing a scalar or per-channel constant, against the
    /// element-wise definition in Double (a 1-ulp tolerance covers x / c computed as x · (1/c)).
    @Test func arithmeticWithAConstantComputesItsDefinition() throws {
        let perChannel: [Float] = [0.485, -1.5, 2.25]
        let layouts: [([Int64], [Float])] = [([], [0.75]), ([1], [-2.5]), ([1, 1, 1, 1], [1.25]), ([3, 1, 1], perChannel),
                                             ([1, 3, 1, 1], perChannel)]
        let cases: [(String, Bool, (Double, Double) -> Double)] = [
            ("Sub", false, { $0 - $1 }), ("Sub", true, { $1 - $0 }), ("Div", false, { $0 / $1 }),
            ("Mul", false, { $0 * $1 }), ("Mul", true, { $0 * $1 }), ("Add", false, { $0 + $1 }), ("Add", true, { $0 + $1 }),
        ]
        for (dims, values) in layouts {
            for (op, constantFirst, definition) in cases {
                let what = "\(constantFirst ? "k \(op) x" : "x \(op) k") with k of dims \(dims)"
                let graph = try OnnxImporter.importGraph(bytes: Self.arithmetic(op, constantFirst: constantFirst, dims: dims,
                                                                                 values: values).bytes(), fileName: "k.onnx")
                #expect(graph.nodes.map(\.operation.kind) == ["ScaleShift"], "\(what)")
                let (input, fast, reference) = try Self.run(graph, seed: 7)
                let want = input.indices.map { i in Float(definition(Double(input[i]), Double(values[values.count == 1 ? 0 : i / 35]))) }
                for (label, got) in [("fast", fast), ("reference", reference)] {
                    let mismatch = TensorComparison.firstMismatch(expected: want, actual: got, tolerance: want.map { 2e-7 * max(1, abs($0)) },
                                                                  context: "\(what) \(label)")
                    #expect(mismatch == nil, "\(mismatch ?? "")")
                }
            }
        }
    }

    /// In-model normalisation before a convolution, and x·a + b after it: the Sub and Div become one
    /// scale-and-shift, the Mul and Add fold into the convolution; the result is the plain
    /// convolution's on the normalised image, then scaled and shifted.
    @Test func normalisationAndAffineChainsMergeAndFold() throws {
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        var writer = W.convolution(attributes: [("pads", .ints([1, 1, 1, 1]))])
        writer.initializers += [.init(name: "mean", dims: [1, 3, 1, 1], floats: mean), .init(name: "std", dims: [1, 3, 1, 1], floats: std),
                                .init(name: "half", dims: [], floats: [0.5]), .init(name: "one", dims: [1], floats: [1])]
        writer.nodes.insert(contentsOf: [W.Node(op: "Sub", inputs: ["x", "mean"], outputs: ["centred"]),
                                         W.Node(op: "Div", inputs: ["centred", "std"], outputs: ["normalised"])], at: 0)
        writer.nodes[2].inputs[0] = "normalised"
        writer.nodes.insert(contentsOf: [W.Node(op: "Mul", inputs: ["c", "half"], outputs: ["scaled"]),
                                         W.Node(op: "Add", inputs: ["one", "scaled"], outputs: ["shifted"])], at: 3)
        writer.nodes[5].inputs[0] = "shifted"
        let graph = try OnnxImporter.importGraph(bytes: writer.bytes(), fileName: "chain.onnx")
        #expect(graph.nodes.map(\.operation.kind) == ["ScaleShift", "Conv", "GlobalAveragePool", "Flatten"])
        let plain = try OnnxImporter.importGraph(bytes: W.convolution(attributes: [("pads", .ints([1, 1, 1, 1]))]).bytes(), fileName: "plain.onnx")
        let (input, fast, _) = try Self.run(graph, seed: 8)
        let normalised = input.indices.map { (input[$0] - mean[$0 / 64]) / std[$0 / 64] }
        let want = try Network(graph: plain).run(normalised).map { $0 * 0.5 + 1 }
        let mismatch = TensorComparison.firstMismatch(expected: want, actual: fast, absoluteTolerance: 1e-5, context: "chain")
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    /// After Flatten a [C] constant is one value per feature; a MatMul's constant Add is still its bias.
    @Test func arithmeticOnFeatureVectors() throws {
        let offsets: [Float] = [0.5, -1, 2, 0.25]
        var writer = W.convolution(attributes: [])
        writer.initializers.append(.init(name: "o", dims: [4], floats: offsets))
        writer.nodes[2].outputs = ["f"]
        writer.nodes.append(W.Node(op: "Sub", inputs: ["o", "f"], outputs: ["y"]))
        let graph = try OnnxImporter.importGraph(bytes: writer.bytes(), fileName: "vector.onnx")
        let plain = try OnnxImporter.importGraph(bytes: W.convolution(attributes: []).bytes(), fileName: "plain.onnx")
        let (input, fast, _) = try Self.run(graph, seed: 9)
        let want = try Network(graph: plain).run(input).enumerated().map { offsets[$0.offset] - $0.element }
        #expect(TensorComparison.firstMismatch(expected: want, actual: fast, absoluteTolerance: 1e-6, context: "o - f") == nil)

        var matmul = W.convolution(attributes: [])
        matmul.initializers += [.init(name: "m", dims: [4, 2], floats: [1, 0, 0, 1, 1, 1, -1, 2]), .init(name: "bias", dims: [2], floats: [3, 4])]
        matmul.nodes[2].outputs = ["f"]
        matmul.nodes += [W.Node(op: "MatMul", inputs: ["f", "m"], outputs: ["p"]), W.Node(op: "Add", inputs: ["p", "bias"], outputs: ["y"])]
        let dense = try OnnxImporter.importGraph(bytes: matmul.bytes(), fileName: "matmul.onnx")
        #expect(dense.nodes.map(\.operation.kind) == ["Conv", "GlobalAveragePool", "Flatten", "Dense"])
        guard case .dense(let d) = dense.nodes.last?.operation else { Issue.record("no dense"); return }
        #expect(d.bias == [3, 4])
    }

    // MARK: Tanh, PRelu, LogSoftmax

    @Test func preluTanhAndLogSoftmaxImport() throws {
        func model(slopes: [Float], dims: [Int64], axis: Int64 = 1) -> OnnxWriter {
            var writer = Self.afterConvolution([W.Node(op: "PRelu", inputs: ["c", "slope"], outputs: ["p"]),
                                               W.Node(op: "Tanh", inputs: ["p"], outputs: ["t"])], output: "t")
            writer.initializers.append(.init(name: "slope", dims: dims, floats: slopes))
            writer.nodes[4].outputs = ["f"]
            writer.nodes.append(W.Node(op: "LogSoftmax", inputs: ["f"], outputs: ["y"], attributes: [("axis", .int(axis))]))
            return writer
        }
        let slopes: [Float] = [0.1, -0.2, 0.3, 0.25]
        let perChannel = try OnnxImporter.importGraph(bytes: model(slopes: slopes, dims: [4, 1, 1]).bytes(), fileName: "prelu.onnx")
        #expect(perChannel.nodes.map(\.operation.kind) == ["Conv", "PRelu", "Tanh", "GlobalAveragePool", "Flatten", "LogSoftmax"])
        #expect(perChannel.nodes[1].operation == .prelu(slopes: slopes))
        let (input, fast, _) = try Self.run(perChannel)
        // The same network without PRelu and LogSoftmax, then both applied here by definition.
        var withoutHead = try OnnxImporter.importGraph(bytes: Self.afterConvolution([], output: "c").bytes(), fileName: "bare.onnx")
        withoutHead.output = "c"
        withoutHead.nodes.removeLast(2)
        let conv = try ReferenceNetwork(graph: withoutHead).run(input)
        var pooled = [Double](repeating: 0, count: 4)
        for c in 0..<4 {
            for p in 0..<36 {
                let v = Double(conv[c * 36 + p])
                pooled[c] += Foundation.tanh(v >= 0 ? v : v * Double(slopes[c])) / 36
            }
        }
        let logSum = Foundation.log(pooled.map { Foundation.exp($0) }.reduce(0, +))
        let want = pooled.map { Float($0 - logSum) }
        #expect(TensorComparison.firstMismatch(expected: want, actual: fast, absoluteTolerance: 1e-5, context: "prelu tanh log softmax") == nil,
                "\(fast) vs \(want)")

        let single = try OnnxImporter.importGraph(bytes: model(slopes: [0.25], dims: [1]).bytes(), fileName: "leaky.onnx")
        #expect(single.nodes[1].operation == .activation(.leakyRelu(alpha: 0.25)))
        let spatial = try Self.refusal(model(slopes: slopes, dims: [4]))
        #expect(spatial.reason.contains("'p' (PRelu): constant 'slope' of dims [4] is neither a scalar nor one value per channel of 4x6x6"),
                "\(spatial)")
        let axis = try Self.refusal(model(slopes: slopes, dims: [4, 1, 1], axis: 0))
        #expect(axis.reason.contains("'y' (LogSoftmax): softmax over axis 0 of 4x1x1"), "\(axis)")
    }

    @Test func arithmeticTheEngineLacksIsRefusedWithTheReason() throws {
        let cases: [(OnnxWriter, String)] = [
            (Self.arithmetic("Div", constantFirst: true, dims: [], values: [2]),
             "'y' (Div): divides a constant by a computed tensor (only x / c is supported)"),
            (Self.arithmetic("Div", constantFirst: false, dims: [3, 1, 1], values: [1, 0, 2]), "'y' (Div): divides by a constant that is zero"),
            (Self.arithmetic("Add", constantFirst: false, dims: [7], values: Array(repeating: 1, count: 7)),
             "'y' (Add): constant 'k' of dims [7] is neither a scalar nor one value per channel of 3x5x7"),
            (Self.arithmetic("Mul", constantFirst: false, dims: [1, 1, 3, 1, 1], values: [1, 2, 3]),
             "'y' (Mul): constant 'k' of dims [1, 1, 3, 1, 1] is neither a scalar nor one value per channel of 3x5x7"),
            (Self.arithmetic("Sub", constantFirst: false, dims: [3, 5, 7], values: Array(repeating: 1, count: 105)),
             "'y' (Sub): constant 'k' of dims [3, 5, 7] is neither a scalar nor one value per channel of 3x5x7"),
        ]
        for (writer, reason) in cases {
            let error = try Self.refusal(writer)
            #expect(error.reason == "nodes the engine cannot run as given: \(reason)", "\(error)")
        }
        var computed = Self.arithmetic("Sub", constantFirst: false, dims: [], values: [1])
        computed.nodes[0].inputs = ["x", "x"]
        #expect(try Self.refusal(computed).reason.contains("'y' (Sub): both inputs are computed"))
        var infinite = Self.arithmetic("Div", constantFirst: false, dims: [], values: [.leastNonzeroMagnitude])
        infinite.nodes[0].inputs = ["x", "k"]
        #expect(try Self.refusal(infinite).reason.contains("must be finite"))
    }

    // MARK: Shape arithmetic, Pad, Squeeze

    /// x.view(x.size(0), -1) as the TorchScript exporter writes it: Shape, Gather, Unsqueeze, Concat,
    /// Reshape (the batch size left open) is a Flatten, as is Squeeze of N×C×1×1 over [2, 3].
    @Test func viewOfTheBatchSizeAndSqueezeAreFlatten() throws {
        var view = W.convolution(attributes: [])
        view.initializers += [.int64("zero", dims: [], [0]), .int64("first", dims: [1], [0]), .int64("rest", dims: [1], [-1])]
        view.nodes = [view.nodes[0],
                      W.Node(op: "Shape", inputs: ["c"], outputs: ["shape"]),
                      W.Node(op: "Gather", inputs: ["shape", "zero"], outputs: ["batch"], attributes: [("axis", .int(0))]),
                      W.Node(op: "Unsqueeze", inputs: ["batch", "first"], outputs: ["batch1"]),
                      W.Node(op: "Concat", inputs: ["batch1", "rest"], outputs: ["target"], attributes: [("axis", .int(0))]),
                      W.Node(op: "Reshape", inputs: ["c", "target"], outputs: ["y"])]
        let graph = try OnnxImporter.importGraph(bytes: view.bytes(), fileName: "view.onnx")
        #expect(graph.nodes.map(\.operation.kind) == ["Conv", "Flatten"])
        #expect(try graph.inferShapes()["y"] == .vector(144))
        // Opset 11: Unsqueeze's axes are an attribute.
        view.opset = 11
        view.nodes[3] = W.Node(op: "Unsqueeze", inputs: ["batch"], outputs: ["batch1"], attributes: [("axes", .ints([0]))])
        #expect(try OnnxImporter.importGraph(bytes: view.bytes(), fileName: "view11.onnx").nodes.map(\.operation.kind) == ["Conv", "Flatten"])

        for opset: Int64 in [11, 13] {
            var squeeze = W.convolution(attributes: [])
            squeeze.opset = opset
            squeeze.initializers.append(.int64("axes", dims: [2], [3, -2]))
            squeeze.nodes[2] = opset >= 13 ? W.Node(op: "Squeeze", inputs: ["g", "axes"], outputs: ["y"])
                : W.Node(op: "Squeeze", inputs: ["g"], outputs: ["y"], attributes: [("axes", .ints([3, -2]))])
            let squeezed = try OnnxImporter.importGraph(bytes: squeeze.bytes(), fileName: "squeeze.onnx")
            #expect(squeezed.nodes.map(\.operation.kind) == ["Conv", "GlobalAveragePool", "Flatten"], "opset \(opset)")
        }
    }

    /// The TorchScript export of nn.ZeroPad2d((left 1, right 2, top 0, bottom 1)): pads computed by
    /// ConstantOfShape, Concat, Reshape, Slice (backwards), Transpose, Reshape and Cast.
    static func torchScriptPad(_ writer: inout OnnxWriter, input: String, output: String) {
        writer.initializers += [.int64("four", dims: [1], [4]), .int64("torch_pads", dims: [4], [1, 2, 0, 1]),
                                .int64("pairs", dims: [2], [-1, 2]), .int64("start", dims: [1], [-1]),
                                .int64("end", dims: [1], [-9_223_372_036_854_775_807]), .int64("axis0", dims: [1], [0]),
                                .int64("back", dims: [1], [-1]), .int64("flat", dims: [1], [-1]),
                                .init(name: "zero_value", dims: [], floats: [0])]
        writer.nodes.insert(contentsOf: [
            W.Node(op: "ConstantOfShape", inputs: ["four"], outputs: ["zeros"], attributes: [("value", .int64Tensor(dims: [1], [0]))]),
            W.Node(op: "Concat", inputs: ["torch_pads", "zeros"], outputs: ["eight"], attributes: [("axis", .int(0))]),
            W.Node(op: "Reshape", inputs: ["eight", "pairs"], outputs: ["rows"]),
            W.Node(op: "Slice", inputs: ["rows", "start", "end", "axis0", "back"], outputs: ["reversed"]),
            W.Node(op: "Transpose", inputs: ["reversed"], outputs: ["columns"], attributes: [("perm", .ints([1, 0]))]),
            W.Node(op: "Reshape", inputs: ["columns", "flat"], outputs: ["onnx_pads"]),
            W.Node(op: "Cast", inputs: ["onnx_pads"], outputs: ["pads"], attributes: [("to", .int(7))]),
            W.Node(op: "Pad", inputs: [input, "pads", "zero_value"], outputs: [output], attributes: [("mode", .string("constant"))]),
        ], at: 0)
    }

    @Test func zeroPaddingBeforeAConvolutionBecomesItsPadding() throws {
        var padded = W.convolution(attributes: [("pads", .ints([1, 1, 1, 1]))])
        Self.torchScriptPad(&padded, input: "x", output: "x_padded")
        padded.nodes[8].inputs[0] = "x_padded"
        let graph = try OnnxImporter.importGraph(bytes: padded.bytes(), fileName: "pad.onnx")
        #expect(graph.nodes.map(\.operation.kind) == ["Conv", "GlobalAveragePool", "Flatten"])
        guard case .convolution(let c) = graph.nodes[0].operation else { Issue.record("no conv"); return }
        #expect([c.padTop, c.padLeft, c.padBottom, c.padRight] as [Int] == [1, 2, 2, 3])
        let direct = try OnnxImporter.importGraph(bytes: W.convolution(attributes: [("pads", .ints([1, 2, 2, 3]))]).bytes(), fileName: "d.onnx")
        #expect(try Self.run(graph).fast == (try Self.run(direct).fast))

        // Before opset 11 the pads and value are attributes.
        var old = W.convolution(attributes: [])
        old.opset = 10
        old.nodes.insert(W.Node(op: "Pad", inputs: ["x"], outputs: ["p"], attributes: [("pads", .ints([0, 0, 2, 0, 0, 0, 0, 1])), ("value", .float(0))]), at: 0)
        old.nodes[1].inputs[0] = "p"
        let oldGraph = try OnnxImporter.importGraph(bytes: old.bytes(), fileName: "pad10.onnx")
        guard case .convolution(let o) = oldGraph.nodes[0].operation else { Issue.record("no conv"); return }
        #expect([o.padTop, o.padLeft, o.padBottom, o.padRight] as [Int] == [2, 0, 0, 1])
    }

    @Test func padsTheEngineLacksAreRefusedWithTheReason() throws {
        func pad(_ pads: [Int64], attributes: [(String, W.AttributeValue)] = [], value: Float = 0,
                 readers: [W.Node] = []) -> OnnxWriter {
            var writer = W.convolution(attributes: [])
            writer.initializers += [.int64("pads", dims: [Int64(pads.count)], pads), .init(name: "fill", dims: [], floats: [value])]
            writer.nodes.insert(W.Node(op: "Pad", inputs: ["x", "pads", "fill"], outputs: ["p"], attributes: attributes), at: 0)
            writer.nodes[1].inputs[0] = "p"
            writer.nodes.insert(contentsOf: readers, at: 1)
            return writer
        }
        let spatial: [Int64] = [0, 0, 1, 1, 0, 0, 1, 1]
        let cases: [(OnnxWriter, String)] = [
            (pad(spatial, attributes: [("mode", .string("reflect"))]), "'p' (Pad): mode reflect (only constant, with zeros)"),
            (pad(spatial, value: 0.5), "'p' (Pad): constant value 0.5 (only 0, what a convolution pads with)"),
            (pad([0, 0, -1, 0, 0, 0, 0, 0]), "'p' (Pad): negative pads [0, 0, -1, 0, 0, 0, 0, 0] (cropping)"),
            (pad([0, 1, 0, 0, 0, 0, 0, 0]), "'p' (Pad): pads [0, 1, 0, 0, 0, 0, 0, 0] (only the height and width of an image)"),
            (pad([0, 0, 1, 1]), "'p' (Pad): 4 pads for 4 axes"),
            (pad([0, 0, 64, 0, 0, 0, 0, 0]), "'p' (Pad): pads [0, 0, 64, 0, 0, 0, 0, 0] (each under 64)"),
            (pad(spatial, readers: [W.Node(op: "Relu", inputs: ["p"], outputs: ["r"])]),
             "'p' (Pad): only a Pad read by one Conv alone is supported (it becomes the convolution's padding)"),
        ]
        for (writer, reason) in cases {
            let error = try Self.refusal(writer)
            #expect(error.reason.contains("nodes the engine cannot run as given: \(reason)"), "\(error)")
        }
        var pooled = pad(spatial)
        pooled.nodes[1] = W.Node(op: "MaxPool", inputs: ["p"], outputs: ["c"], attributes: [("kernel_shape", .ints([2, 2]))])
        #expect(try Self.refusal(pooled).reason.contains("'p' (Pad): only a Pad read by one Conv alone"))
        var squeeze = W.convolution(attributes: [])
        squeeze.initializers.append(.int64("axes", dims: [1], [1]))
        squeeze.nodes[2] = W.Node(op: "Squeeze", inputs: ["g", "axes"], outputs: ["y"])
        #expect(try Self.refusal(squeeze).reason.contains("'y' (Squeeze): axes [1] of 4x1x1 (only [2, 3] of N×C×1×1)"))
        var gather = W.convolution(attributes: [])
        gather.initializers.append(.int64("i", dims: [], [0]))
        gather.nodes[2] = W.Node(op: "Gather", inputs: ["g", "i"], outputs: ["y"])
        #expect(try Self.refusal(gather).reason.contains("'y' (Gather): only on constants and shapes, not on a computed tensor"))
    }
}
