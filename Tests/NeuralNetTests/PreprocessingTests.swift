import Foundation
import Testing
import NeuralNet

@Suite struct PreprocessingTests {
    @Test func normalisesEachChannelIntoPlanes() throws {
        var g = Graph(input: TensorShape(channels: 3, height: 1, width: 2))
        _ = g.globalAveragePool(g.input)
        let model = try Model(graph: g, normalization: InputNormalization(mean: [0, 0.5, 1], std: [1, 0.5, 2]), labels: ["r", "g", "b"])
        // Two pixels: (255, 0, 51) and (0, 255, 255).
        let x = try model.preprocess(rgb: [255, 0, 51, 0, 255, 255], width: 2, height: 1)
        let expected: [Float] = [1, 0, -1, 1, -0.4, 0]
        for i in 0..<6 { #expect(abs(x[i] - expected[i]) < 1e-6, "index \(i): \(x[i]) vs \(expected[i])") }
        #expect(throws: InputSizeError.self) { try model.preprocess(rgb: [1, 2, 3], width: 1, height: 1) }
    }

    @Test func softmaxesLogitsButNotProbabilities() throws {
        var g = Graph(input: TensorShape(channels: 2, height: 1, width: 1))
        _ = g.flatten(g.input)
        let logits = try Model(graph: g, normalization: .unit(channels: 2), labels: ["a", "b"])
        #expect(!logits.outputsProbabilities)
        let p = logits.probabilities(fromOutput: [0, Float(log(3.0))])
        #expect(abs(p[0] - 0.25) < 1e-6 && abs(p[1] - 0.75) < 1e-6)
        _ = g.softmax(g.output)
        let probabilities = try Model(graph: g, normalization: .unit(channels: 2), labels: ["a", "b"])
        #expect(probabilities.probabilities(fromOutput: [0.3, 0.7]) == [0.3, 0.7])
    }
}
