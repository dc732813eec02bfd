import Foundation
import Testing
import NeuralNet
import TestSupport

@Suite struct ModelFormatTests {
    static func sampleModel() throws -> Model {
        try Model(graph: SampleGraphs.everyOperator(seed: 1, height: 12, width: 10),
                  normalization: InputNormalization(mean: [0.5, 0.45, 0.4], std: [0.25, 0.24, 0.26]),
                  labels: ["grade 0", "grade 1", "grade 2", "grade 3", "grade 4"],
                  metadata: ["architecture": "sample", "seed": "1"])
    }

    @Test func roundTripsByteForByte() throws {
        let model = try Self.sampleModel()
        let bytes = model.encoded()
        let decoded = try Model.decode(bytes, fileName: "sample.agmodel")
        #expect(decoded == model)
        #expect(decoded.encoded() == bytes)
        #expect(model.id == Model.identifier(ofFileBytes: bytes))
        #expect(model.id.count == 64 && model.id.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(Array(bytes[0..<8]) == Array("AGMODEL".utf8) + [0])
    }

    @Test func writesAndLoadsFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.url.appendingPathComponent("m.agmodel")
        let model = try Self.sampleModel()
        try model.write(to: url)
        let loaded = try Model.load(contentsOf: url)
        #expect(loaded.id == model.id)
        #expect(Model.identifier(ofFileBytes: [UInt8](try Data(contentsOf: url))) == model.id)
    }

    /// Follows the byte layout of the README's worked example: header fields at fixed offsets.
    @Test func headerLayoutMatchesTheSpecification() throws {
        var g = Graph(input: TensorShape(channels: 3, height: 2, width: 4))
        _ = g.globalAveragePool(g.input, name: "gap")
        let model = try Model(graph: g, normalization: .unit(channels: 3), labels: ["r", "g", "b"])
        let b = model.encoded()
        func u32(_ at: Int) -> UInt32 { UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24 }
        #expect(u32(8) == 1 && u32(12) == 3 && u32(16) == 2 && u32(20) == 4)
        #expect(u32(24) == 0 && u32(36) == Float(1).bitPattern)       // mean[0], std[0]
        #expect(u32(48) == 3 && u32(52) == 1 && b[56] == UInt8(ascii: "r"))  // label count, first label
        // labels end at 48 + 4 + 3·5 = 67; metadata count 0; node count 1; "gap"; op 9; 1 input "input"; output "gap"
        #expect(u32(67) == 0 && u32(71) == 1 && u32(75) == 3 && u32(82) == 9 && u32(86) == 1 && u32(90) == 5)
        #expect(b.count == 99 + 4 + 3)
    }

    @Test func rejectsWrongMagicAndVersion() throws {
        var bytes = try Self.sampleModel().encoded()
        var wrongMagic = bytes
        wrongMagic[0] = UInt8(ascii: "X")
        #expect(error(decoding: wrongMagic).contains("wrong magic"))
        bytes[8] = 2
        #expect(error(decoding: bytes).contains("unknown format version 2"))
        #expect(error(decoding: []).contains("wrong magic"))
    }

    @Test func rejectsEveryTruncation() throws {
        let bytes = try Self.sampleModel().encoded()
        // Every prefix must fail cleanly; step through the header byte by byte and the weights coarsely.
        var lengths = Array(0..<200) + Array(stride(from: 200, to: bytes.count, by: 97))
        lengths.append(bytes.count - 1)
        for length in lengths {
            let message = error(decoding: Array(bytes[0..<length]))
            #expect(message.contains("truncated") || message.contains("wrong magic") || message.contains("above the limit"),
                    "length \(length): \(message)")
        }
        #expect(error(decoding: bytes + [0]).contains("unexpected bytes"))
    }

    @Test func rejectsNaNWeightsAndShapeMismatches() throws {
        var g = SampleGraphs.everyOperator(seed: 2)
        guard case .convolution(var c) = g.nodes[0].operation else { Issue.record("first node is not a convolution"); return }
        c.weights[5] = .nan
        g.nodes[0].operation = .convolution(c)
        let labels = (0..<5).map { "c\($0)" }
        #expect(throws: ModelError.self) { try Model(graph: g, normalization: .unit(channels: 3), labels: labels) }
        do {
            _ = try Model(graph: g, normalization: .unit(channels: 3), labels: labels)
        } catch let e as ModelError {
            #expect(e.description.contains("stem") && e.description.contains("nan"), "\(e)")
        }

        // NaN smuggled into a file's bytes is caught on load.
        let good = try Model(graph: SampleGraphs.everyOperator(seed: 2), normalization: .unit(channels: 3), labels: labels)
        var bytes = good.encoded()
        guard case .dense(let dense) = good.graph.node(named: "fc")?.operation else { Issue.record("no fc"); return }
        let pattern = withUnsafeBytes(of: dense.weights[3].bitPattern.littleEndian) { Array($0) }
        let at = (0...(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == pattern }!
        bytes.replaceSubrange(at..<(at + 4), with: [0x00, 0x00, 0xC0, 0x7F])
        #expect(error(decoding: bytes).contains("nan"))

        c.weights.removeLast()
        g.nodes[0].operation = .convolution(c)
        let message = (try? Model(graph: g, normalization: .unit(channels: 3), labels: labels)).map { _ in "" }
            ?? error { try Model(graph: g, normalization: .unit(channels: 3), labels: labels) }
        #expect(message.contains("shape mismatch"), "\(message)")
        #expect(error { try Model(graph: SampleGraphs.everyOperator(seed: 2), normalization: .unit(channels: 3), labels: ["a"]) }
            .contains("1 class labels for 5 network outputs"))
    }

    /// The writer refuses what the reader would: a model with more input channels than a file may hold
    /// is not written (it used to be, and then no command could load it); the limit itself writes and loads.
    @Test func theInputChannelLimitIsTheWritersToo() throws {
        func model(channels: Int) throws -> Model {
            var g = Graph(input: TensorShape(channels: channels, height: 1, width: 1))
            _ = g.softmax(g.input, name: "sm")
            return try Model(graph: g, normalization: .unit(channels: channels), labels: (0..<channels).map { "c\($0)" })
        }
        #expect(error { try model(channels: 4097) }.contains("input channels is 4097, above the limit of 4096"))
        let largest = try model(channels: 4096)
        #expect(try Model.decode(largest.encoded(), fileName: "largest.agmodel") == largest)
    }

    @Test func rejectsBrokenGraphs() {
        var g = Graph(input: TensorShape(channels: 3, height: 4, width: 4))
        _ = g.add(g.input, "missing", name: "sum")
        #expect(throws: GraphError(node: "sum", reason: "input 'missing' is not the graph input or an earlier node")) {
            try g.inferShapes()
        }
        var h = Graph(input: TensorShape(channels: 3, height: 4, width: 4))
        _ = h.softmax(h.input, name: "sm")
        #expect((try? h.inferShapes()) == nil)
    }

    private func error(decoding bytes: [UInt8]) -> String {
        error { try Model.decode(bytes, fileName: "bad.agmodel") }
    }

    private func error(_ body: () throws -> Model) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }
}

/// The `.agmodel` reader faces files from anywhere too: random 32-bit fields set to extremes,
/// flipped bits and cuts either load as a valid model that runs, or fail with a `ModelError`.
@Suite struct ModelFormatMutationTests {
    @Test func mutatedModelsLoadAndRunOrThrow() throws {
        let original = try ModelFormatTests.sampleModel().encoded()
        var generator = SeededGenerator(seed: 99)
        let extremes: [UInt32] = [0, 1, 2, 3, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF, 1 << 20]
        for _ in 0..<1_500 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                switch Int.random(in: 0..<3, using: &generator) {
                case 0:
                    let at = Int.random(in: 0..<(bytes.count / 4), using: &generator) * 4
                    let value = extremes.randomElement(using: &generator)!
                    for i in 0..<4 where at + i < bytes.count { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
                case 1:
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= 1 << UInt8.random(in: 0...7, using: &generator)
                default:
                    bytes.removeLast(Int.random(in: 1...min(64, bytes.count - 1), using: &generator))
                }
            }
            do {
                let model = try Model.decode(bytes, fileName: "mutant.agmodel")
                let network = try Network(model: model)
                let output = network.run([Float](repeating: 0.5, count: network.inputShape.elementCount))
                #expect(output.count == network.outputShape.elementCount)
            } catch is ModelError {
            } catch {
                Issue.record("not a ModelError: \(error)")
            }
        }
    }
}
