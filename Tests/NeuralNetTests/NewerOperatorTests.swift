import Foundation
import Testing
import NeuralNet
import TestSupport

/// Sigmoid, HardSigmoid, HardSwish, Mul, Concat and GlobalMaxPool in the fast plan, the reference and
/// the model file.
@Suite struct NewerOperatorTests {
    @Test(arguments: [(5, 7), (1, 1), (16, 13)])
    func fastNetworkMatchesReference(size: (Int, Int)) throws {
        let graph = SampleGraphs.newerOperators(seed: 31, height: size.0, width: size.1)
        let fast = try Network(graph: graph), reference = try ReferenceNetwork(graph: graph)
        var rng = SeededGenerator(seed: 32)
        for image in 0..<3 {
            let input = rng.floats(graph.inputShape.elementCount).map { $0 * 4 }  // past both bends of the hard curves
            let mismatch = TensorComparison.firstMismatch(expected: reference.run(input), actual: fast.run(input),
                                                          absoluteTolerance: 1e-5, context: "image \(image) size \(size)")
            #expect(mismatch == nil, "\(mismatch ?? "")")
        }
    }

    /// Each operation alone with an image output (which the fast plan holds NHWC), against values written out here.
    @Test func eachOperationComputesItsDefinition() throws {
        let (channels, height, width) = (3, 5, 7)
        let pixels = height * width
        var rng = SeededGenerator(seed: 33)
        let input = rng.floats(channels * pixels).map { $0 * 8 }
        func run(_ build: (inout Graph) -> Void) throws -> [[Float]] {
            var g = Graph(input: TensorShape(channels: channels, height: height, width: width))
            build(&g)
            return [try Network(graph: g).run(input), try ReferenceNetwork(graph: g).run(input)]
        }
        func expectClose(_ got: [[Float]], _ want: [Float], _ what: String) {
            for (label, values) in zip(["fast", "reference"], got) {
                // Relative: sums (the pooled means) may be added in another order.
                let mismatch = TensorComparison.firstMismatch(expected: want, actual: values, tolerance: want.map { 1e-5 * max(1, abs($0)) },
                                                              context: "\(what) \(label)")
                #expect(mismatch == nil, "\(mismatch ?? "")")
            }
        }
        expectClose(try run { _ = $0.activation($0.input, .sigmoid) }, input.map { Float(1 / (1 + exp(-Double($0)))) }, "sigmoid")
        expectClose(try run { _ = $0.activation($0.input, .hardSigmoid(alpha: 0.25, beta: 0.4)) },
                    input.map { min(max(0.25 * $0 + 0.4, 0), 1) }, "hard sigmoid")
        expectClose(try run { _ = $0.activation($0.input, .hardSwish) }, input.map { $0 * min(max($0 / 6 + 0.5, 0), 1) }, "hard swish")
        expectClose(try run { g in _ = g.mul(g.input, g.activation(g.input, .relu)) }, input.map { $0 * max($0, 0) }, "mul")
        // Channel c of the image times the mean of channel c.
        let means = (0..<channels).map { c in input[(c * pixels)..<((c + 1) * pixels)].reduce(0, +) / Float(pixels) }
        let scaled = input.indices.map { input[$0] * means[$0 / pixels] }
        expectClose(try run { g in _ = g.mul(g.globalAveragePool(g.input), g.input) }, scaled, "per-channel mul")
        expectClose(try run { g in _ = g.mul(g.input, g.globalAveragePool(g.input)) }, scaled, "per-channel mul, image first")
        expectClose(try run { g in _ = g.concat([g.activation(g.input, .relu), g.input, g.input]) },
                    input.map { max($0, 0) } + input + input, "concat")
        expectClose(try run { g in _ = g.globalMaxPool(g.input) },
                    (0..<channels).map { c in input[(c * pixels)..<((c + 1) * pixels)].max()! }, "global max pool")
    }

    @Test func shapeInferenceRefusesMismatches() {
        var g = Graph(input: TensorShape(channels: 3, height: 4, width: 4))
        _ = g.mul(g.input, g.maxPool(g.input, Pooling(kernel: 2, stride: 2)), name: "product")
        #expect { try g.inferShapes() } throws: { "\($0)".contains("product") && "\($0)".contains("multiplies 3x4x4 and 3x2x2") }
        var h = Graph(input: TensorShape(channels: 3, height: 4, width: 4))
        _ = h.concat([h.input, h.maxPool(h.input, Pooling(kernel: 2, stride: 2))], name: "join")
        #expect { try h.inferShapes() } throws: { "\($0)".contains("join") && "\($0)".contains("height and width must be equal") }
        var one = Graph(input: TensorShape(channels: 3, height: 4, width: 4))
        _ = one.concat([one.input], name: "alone")
        #expect { try one.inferShapes() } throws: { "\($0)".contains("Concat takes 2 to 256 inputs, got 1") }
        var lone = Graph(input: TensorShape(channels: 3, height: 4, width: 4))
        lone.append(.mul, inputs: [lone.input], name: "half")
        #expect { try lone.inferShapes() } throws: { "\($0)" == "node 'half': Mul takes 2 inputs, got 1" }
    }

    static func model() throws -> Model {
        try Model(graph: SampleGraphs.newerOperators(seed: 34), normalization: .unit(channels: 3), labels: ["a", "b", "c", "d"])
    }

    @Test func roundTripsThroughTheModelFile() throws {
        let model = try Self.model()
        let bytes = model.encoded()
        let decoded = try Model.decode(bytes, fileName: "newer.agmodel")
        #expect(decoded == model && decoded.encoded() == bytes)
    }

    /// Replaces the first occurrence of `old` in `bytes` (which must contain it) by `new`.
    static func replacing(_ old: [UInt8], with new: [UInt8], in bytes: [UInt8]) throws -> [UInt8] {
        let at = try #require((0...(bytes.count - old.count)).first { Array(bytes[$0..<($0 + old.count)]) == old })
        var result = bytes
        result.replaceSubrange(at..<(at + old.count), with: new)
        return result
    }

    static func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func string(_ s: String) -> [UInt8] { u32(UInt32(s.utf8.count)) + Array(s.utf8) }

    @Test func hostileFieldsAreRefusedByName() throws {
        let bytes = try Self.model().encoded()
        func error(_ mutated: [UInt8]) -> String {
            do { _ = try Model.decode(mutated, fileName: "bad.agmodel"); return "loaded" } catch { return "\(error)" }
        }
        // Node "gate" is opcode 14 (Sigmoid); 24 is unknown to this build.
        let unknown = try Self.replacing(Self.string("gate") + Self.u32(14), with: Self.string("gate") + Self.u32(24), in: bytes)
        #expect(error(unknown).contains("node 'gate': unknown operation code 24"), "\(error(unknown))")
        // HardSigmoid's alpha (0.2) made NaN.
        let nan = try Self.replacing(Self.u32(Float(0.2).bitPattern), with: Self.u32(Float.nan.bitPattern), in: bytes)
        #expect(error(nan).contains("se_gate") && error(nan).contains("must be finite"), "\(error(nan))")
        // The concatenation claims 300 inputs.
        let join = Self.string("join") + Self.u32(18)
        let many = try Self.replacing(join + Self.u32(3), with: join + Self.u32(300), in: bytes)
        #expect(error(many).contains("input count of node 'join' is 300, above the limit of 256"), "\(error(many))")
    }

    @Test func mutatedModelsLoadAndRunOrThrow() throws {
        let original = try Self.model().encoded()
        var generator = SeededGenerator(seed: 35)
        let extremes: [UInt32] = [0, 1, 2, 3, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 20, 0x7FC0_0000]
        for _ in 0..<600 {
            var bytes = original
            let at = Int.random(in: 0..<(bytes.count / 4), using: &generator) * 4
            let value = extremes.randomElement(using: &generator)!
            for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
            do {
                let network = try Network(model: try Model.decode(bytes, fileName: "mutant.agmodel"))
                #expect(network.run([Float](repeating: 0.5, count: network.inputShape.elementCount)).count == network.outputShape.elementCount)
            } catch is ModelError {
            } catch {
                Issue.record("not a ModelError: \(error)")
            }
        }
    }

    // MARK: Operations of tutorial-style PyTorch models

    @Test(arguments: [(5, 7), (1, 1), (2, 3)])
    func tutorialOperatorsMatchTheReference(size: (Int, Int)) throws {
        let graph = SampleGraphs.tutorialOperators(seed: 41, height: size.0, width: size.1)
        let fast = try Network(graph: graph), reference = try ReferenceNetwork(graph: graph)
        var rng = SeededGenerator(seed: 42)
        for image in 0..<3 {
            let input = rng.floats(graph.inputShape.elementCount).map { $0 * 3 }
            let mismatch = TensorComparison.firstMismatch(expected: reference.run(input), actual: fast.run(input),
                                                          absoluteTolerance: 1e-5, context: "image \(image) size \(size)")
            #expect(mismatch == nil, "\(mismatch ?? "")")
        }
        // Only the scale-and-shift after a convolution that nothing else reads folds into it.
        let folded = graph.foldingBatchNormalization()
        #expect(folded.nodes.filter { $0.operation.kind == "ScaleShift" }.map(\.name)
                == ["normalise", "affine_shared", "affine_read_twice", "affine_logits"])
        #expect(folded.node(named: "affine_folded")?.operation.kind == "Conv")
    }

    @Test func scaleShiftRoundTripsAndIsChecked() throws {
        let model = try Model(graph: SampleGraphs.tutorialOperators(seed: 43), normalization: .unit(channels: 13), labels: ["a", "b", "c"])
        let bytes = model.encoded()
        let decoded = try Model.decode(bytes, fileName: "tutorial.agmodel")
        #expect(decoded == model && decoded.encoded() == bytes)
        var g = Graph(input: TensorShape(channels: 3, height: 2, width: 2))
        _ = g.scaleShift(g.input, ScaleShift(scale: [1, 2], shift: [0, 0, 0]), name: "short")
        #expect { try g.inferShapes() } throws: { "\($0)" == "node 'short': shape mismatch: 2 scale values for 3 channels" }
        var h = Graph(input: TensorShape(channels: 2, height: 2, width: 2))
        _ = h.scaleShift(h.input, ScaleShift(scale: [1, 2], shift: [0, .nan]), name: "nan")
        #expect { try h.inferShapes() } throws: { "\($0)".contains("shift value 1 is nan") }
        var p = Graph(input: TensorShape(channels: 3, height: 2, width: 2))
        _ = p.prelu(p.input, slopes: [0.1, 0.2], name: "slopes")
        #expect { try p.inferShapes() } throws: { "\($0)" == "node 'slopes': shape mismatch: 2 PRelu slopes for 3 channels" }
        var l = Graph(input: TensorShape(channels: 3, height: 2, width: 2))
        _ = l.logSoftmax(l.input, name: "spatial")
        #expect { try l.inferShapes() } throws: { "\($0)".contains("softmax needs a feature vector, got 3x2x2") }
        // A slope stored as NaN is refused on load.
        let slope = try #require(model.graph.node(named: "prelu").flatMap { if case .prelu(let s) = $0.operation { s[4] } else { nil } })
        let nan = try Self.replacing(Self.u32(slope.bitPattern), with: Self.u32(Float.nan.bitPattern), in: bytes)
        #expect(throws: ModelError.self) { try Model.decode(nan, fileName: "nan.agmodel") }
    }

    /// Tanh, PRelu and LogSoftmax alone, on odd sizes, against their definitions in Double.
    @Test(arguments: [(3, 5, 7), (11, 1, 1), (9, 2, 3)])
    func tanhPreluAndLogSoftmaxComputeTheirDefinitions(shape: (Int, Int, Int)) throws {
        let (channels, height, width) = shape
        let pixels = height * width
        var rng = SeededGenerator(seed: UInt64(channels * 100 + pixels))
        let input = rng.floats(channels * pixels).map { $0 * 6 }
        let slopes = rng.floats(channels)
        func run(_ build: (inout Graph) -> Void) throws -> [[Float]] {
            var g = Graph(input: TensorShape(channels: channels, height: height, width: width))
            build(&g)
            return [try Network(graph: g).run(input), try ReferenceNetwork(graph: g).run(input)]
        }
        func expectClose(_ got: [[Float]], _ want: [Double], _ what: String) {
            for (label, values) in zip(["fast", "reference"], got) {
                let mismatch = TensorComparison.firstMismatch(expected: want.map { Float($0) }, actual: values,
                                                              tolerance: want.map { Float(2e-6 * max(1, abs($0))) }, context: "\(what) \(label)")
                #expect(mismatch == nil, "\(mismatch ?? "")")
            }
        }
        expectClose(try run { _ = $0.activation($0.input, .tanh) }, input.map { Foundation.tanh(Double($0)) }, "tanh")
        expectClose(try run { _ = $0.prelu($0.input, slopes: slopes) },
                    input.indices.map { Double(input[$0] >= 0 ? input[$0] : input[$0] * slopes[$0 / pixels]) }, "prelu")
        let flat = input.map(Double.init)
        let logSum = Foundation.log(flat.map { Foundation.exp($0 - flat.max()!) }.reduce(0, +)) + flat.max()!
        expectClose(try run { g in _ = g.logSoftmax(g.flatten(g.input)) }, flat.map { $0 - logSum }, "log softmax")
    }

    /// Log-probabilities are logits up to a shift: a model ending in LogSoftmax gives the same
    /// calibrated probabilities as the same model ending in Softmax, or in nothing, at any temperature.
    @Test func logSoftmaxOutputsGradeLikeLogits() throws {
        var logits = SampleGraphs.tutorialOperators(seed: 44)
        logits.output = "affine_logits"
        logits.nodes.removeLast()
        var probabilities = logits
        probabilities.output = probabilities.softmax("affine_logits", name: "probabilities")
        let log = SampleGraphs.tutorialOperators(seed: 44)
        let labels = ["a", "b", "c"]
        let models = try [log, probabilities, logits].map { try Model(graph: $0, normalization: .unit(channels: 13), labels: labels) }
        #expect(!models[0].outputsProbabilities && models[1].outputsProbabilities)
        var rng = SeededGenerator(seed: 45)
        let input = rng.floats(log.inputShape.elementCount)
        let outputs = try models.map { try Network(model: $0).run(input) }
        #expect(abs(outputs[0].map(Foundation.exp).reduce(0, +) - 1) < 1e-5, "log-probabilities: \(outputs[0])")
        for temperature: Float in [1, 0.5, 3] {
            let p = zip(models, outputs).map { $0.probabilities(fromOutput: $1, temperature: temperature) }
            for other in 1..<3 {
                let mismatch = TensorComparison.firstMismatch(expected: p[other], actual: p[0], absoluteTolerance: 1e-6,
                                                              context: "T \(temperature) vs model \(other)")
                #expect(mismatch == nil, "\(mismatch ?? "")")
            }
        }
    }
}
