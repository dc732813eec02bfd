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
            ([W.Node(op: "Mul", inputs: ["c", "b"], outputs: ["m"])], "m", "'m' (Mul): multiplying by a constant is not supported"),
            ([W.Node(op: "ReduceMean", inputs: ["c"], outputs: ["r"], attributes: [("axes", .ints([1]))])], "r",
             "'r' (ReduceMean): axes [1] (only [2, 3], height and width)"),
            ([W.Node(op: "ReduceMean", inputs: ["c"], outputs: ["r"])], "r", "'r' (ReduceMean): axes [] (only [2, 3], height and width)"),
            ([W.Node(op: "ReduceMean", inputs: ["c"], outputs: ["r"], attributes: [("axes", .ints([2, 3])), ("keepdims", .int(0))])], "r",
             "'r' (ReduceMean): keepdims 0 (only 1)"),
        ]
        for (nodes, output, reason) in cases {
            let error = try Self.refusal(Self.afterConvolution(nodes, output: output))
            #expect(error.reason == "nodes the engine cannot run as given: \(reason)", "\(error)")
        }
    }
}
