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
        // Node "gate" is opcode 14 (Sigmoid); 20 is unknown to this build.
        let unknown = try Self.replacing(Self.string("gate") + Self.u32(14), with: Self.string("gate") + Self.u32(20), in: bytes)
        #expect(error(unknown).contains("node 'gate': unknown operation code 20"), "\(error(unknown))")
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
}
