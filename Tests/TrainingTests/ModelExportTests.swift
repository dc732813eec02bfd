import Testing
import NeuralNet
import Training
import TestSupport

/// The exported model (engine, NCHW, batch norm folded) computes what the trained network
/// computes in inference mode (NHWC, explicit batch norm).
@Suite struct ModelExportTests {
    @Test(arguments: [Architecture.compact, .residual, .mobile, .tiny])
    func exportedModelMatchesTheTrainingNetwork(_ architecture: Architecture) throws {
        let size = 20
        let network = try architecture.build(inputSize: size, classes: 5, seed: 4)
        // Non-trivial batch-norm statistics so folding is really exercised.
        var random = SeededGenerator(seed: 8)
        for parameter in network.parameters {
            switch parameter.name {
            case "running_mean", "offset": parameter.value = parameter.value.map { _ in random.uniform(-0.5, 0.5) }
            case "running_var", "scale": parameter.value = parameter.value.map { _ in random.uniform(0.5, 1.5) }
            default: break
            }
        }
        let model = try ModelExport.model(of: network, labels: ["a", "b", "c", "d", "e"], mean: [0.5, 0.4, 0.3],
                                          std: [0.2, 0.25, 0.3], metadata: ["architecture": architecture.rawValue])
        let reloaded = try Model.decode(model.encoded())
        let engine = try NeuralNet.Network(model: reloaded)
        var generator = SeededGenerator(seed: 12)
        let images = 3
        let pixels = (0..<(images * size * size * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var nhwc = BatchTensor(zeros: BatchShape(n: images, h: size, w: size, c: 3))
        var nchw: [Float] = []
        for i in 0..<images {
            let rgb = Array(pixels[(i * size * size * 3)..<((i + 1) * size * size * 3)])
            nchw += try reloaded.preprocess(rgb: rgb, width: size, height: size)
            for p in 0..<(size * size) {
                for c in 0..<3 {
                    nhwc.data[(i * size * size + p) * 3 + c] = (Float(rgb[p * 3 + c]) / 255 - [0.5, 0.4, 0.3][c]) / [0.2, 0.25, 0.3][c]
                }
            }
        }
        let logits = network.forward(nhwc, context: ExecutionContext(isTraining: false))
        let probabilities = engine.run(batch: nchw, count: images, jobs: 2)
        for i in 0..<images {
            let expected = SoftmaxCrossEntropy.softmax(Array(logits.data[(i * 5)..<((i + 1) * 5)]))
            for c in 0..<5 {
                let actual = probabilities[i * 5 + c]
                #expect(abs(actual - expected[c]) < 1e-4, "\(architecture) image \(i) class \(c): expected \(expected[c]), got \(actual)")
            }
        }
    }
}
