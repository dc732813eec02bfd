import Foundation
import Testing
import NeuralNet
import TestSupport

/// ONNX fixtures (Fixtures/onnx, made by Fixtures/tools/make_onnx_fixtures.py) against ONNX Runtime's
/// committed outputs for the same inputs.
@Suite struct OnnxImportTests {
    static func floats(_ path: String) throws -> [Float] {
        let data = try FixtureFiles.data(path)
        return data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
    }

    /// 1e-4 absolute on logits and probabilities of order 1: float32 rounding differences of a few
    /// hundred operations, far below the error of a wrong operator.
    @Test(arguments: ["plain_cnn", "mobile_block", "silu_fire", "se_block_opset13", "se_block_opset18", "tutorial_opset13", "tutorial_dynamo"])
    func matchesOnnxRuntime(name: String) throws {
        let graph = try OnnxImporter.importGraph(contentsOf: FixtureFiles.url("onnx/\(name).onnx"))
        #expect(!graph.nodes.contains { if case .batchNormalization = $0.operation { true } else { false } },
                "batch normalisation is folded at import")
        let inputs = try Self.floats("onnx/\(name).input.f32"), expected = try Self.floats("onnx/\(name).ort.f32")
        let fast = try Network(graph: graph), reference = try ReferenceNetwork(graph: graph)
        let n = graph.inputShape.elementCount, k = fast.outputShape.elementCount
        #expect(inputs.count == 3 * n && expected.count == 3 * k)
        let batch = fast.run(batch: inputs, count: 3, jobs: 2)
        for image in 0..<3 {
            let want = Array(expected[(image * k)..<((image + 1) * k)])
            let ref = reference.run(Array(inputs[(image * n)..<((image + 1) * n)]))
            for (label, got) in [("fast", Array(batch[(image * k)..<((image + 1) * k)])), ("reference", ref)] {
                let mismatch = TensorComparison.firstMismatch(expected: want, actual: got, absoluteTolerance: 1e-4,
                                                              context: "\(name) \(label) image \(image)")
                #expect(mismatch == nil, "\(mismatch ?? "")")
            }
        }
    }

    @Test func refusesUnsupportedOperatorsNamingEachNode() throws {
        do {
            _ = try OnnxImporter.importGraph(contentsOf: FixtureFiles.url("onnx/unsupported.onnx"))
            Issue.record("unsupported.onnx imported")
        } catch let error as OnnxImportError {
            #expect(error.unsupportedNodes.count == 2, "\(error)")
            #expect(error.description.contains("(Erf)") && error.description.contains("(Softplus)"), "\(error)")
            #expect(error.description.contains("unsupported.onnx"))
        }
    }

    /// A supported operator used with settings the engine lacks is not called an unsupported operator.
    @Test func unsupportedUsesAreNamedApartFromUnsupportedOperators() throws {
        var writer = OnnxWriter.convolution(attributes: [("dilations", .ints([2, 2]))])
        writer.nodes.insert(OnnxWriter.Node(op: "Erf", inputs: ["x"], outputs: ["s"]), at: 0)
        writer.nodes[1].inputs[0] = "s"
        let mixed = try #require(throws: OnnxImportError.self) { try OnnxImporter.importGraph(bytes: writer.bytes(), fileName: "m.onnx") }
        #expect(mixed.reason.hasPrefix("unsupported operators: '") && mixed.reason.contains("(Erf)"), "\(mixed)")
        let dilated = try #require(throws: OnnxImportError.self) {
            try OnnxImporter.importGraph(bytes: OnnxWriter.convolution(attributes: [("dilations", .ints([2, 2]))]).bytes(), fileName: "d.onnx")
        }
        #expect(dilated.reason.hasPrefix("nodes the engine cannot run as given: ") && dilated.reason.contains("(Conv): dilations"), "\(dilated)")
        #expect(!dilated.reason.contains("unsupported operators"), "\(dilated)")
    }

    @Test func refusesDamagedFilesCleanly() throws {
        let bytes = [UInt8](try FixtureFiles.data("onnx/plain_cnn.onnx"))
        for length in stride(from: 0, to: bytes.count, by: 37) {
            #expect(throws: (any Error).self, "prefix \(length)") {
                _ = try OnnxImporter.importGraph(bytes: Array(bytes[0..<length]), fileName: "cut.onnx")
            }
        }
        #expect(throws: OnnxImportError.self) { _ = try OnnxImporter.importGraph(bytes: Array("not onnx at all".utf8), fileName: "x.onnx") }
    }

    @Test func importsIntoAModelWithLabels() throws {
        let labels = (0..<7).map { "class \($0)" }
        let model = try OnnxImporter.importModel(contentsOf: FixtureFiles.url("onnx/mobile_block.onnx"), labels: labels)
        #expect(model.labels == labels && model.outputsProbabilities)
        #expect(throws: ModelError.self) {
            _ = try OnnxImporter.importModel(contentsOf: FixtureFiles.url("onnx/mobile_block.onnx"), labels: ["only one"])
        }
    }
}
