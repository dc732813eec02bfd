import Testing
import NeuralNet
import TestSupport

@Suite struct NetworkTests {
    /// The fast executor folds BN, fuses activations and residuals and runs NHWC; the reference runs each node
    /// by definition in NCHW. Outputs are softmax probabilities (or small logits), so 1e-5 absolute is
    /// a few hundred float32 roundings on values near 1: far above rounding noise, far below any real bug.
    @Test(arguments: [(19, 23), (1, 1), (32, 32)])
    func fastNetworkMatchesReference(size: (Int, Int)) throws {
        let graph = SampleGraphs.everyOperator(seed: 11, height: size.0, width: size.1)
        let fast = try Network(graph: graph), reference = try ReferenceNetwork(graph: graph)
        var rng = SeededGenerator(seed: 12)
        for image in 0..<3 {
            let input = rng.floats(graph.inputShape.elementCount)
            let mismatch = TensorComparison.firstMismatch(expected: reference.run(input), actual: fast.run(input),
                                                          absoluteTolerance: 1e-5, context: "image \(image) size \(size)")
            #expect(mismatch == nil, "\(mismatch ?? "")")
        }
    }

    @Test func denseAfterFlattenOfAnImageUsesChannelMajorOrder() throws {
        let graph = SampleGraphs.flattenOfImage(seed: 3)
        let fast = try Network(graph: graph), reference = try ReferenceNetwork(graph: graph)
        var rng = SeededGenerator(seed: 4)
        let input = rng.floats(graph.inputShape.elementCount)
        let mismatch = TensorComparison.firstMismatch(expected: reference.run(input), actual: fast.run(input),
                                                      absoluteTolerance: 1e-4, context: "flatten of 5x4x4")
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    @Test func imageOutputsComeBackChannelMajor() throws {
        var rng = SeededGenerator(seed: 5)
        var g = Graph(input: TensorShape(channels: 3, height: 6, width: 5))
        _ = g.convolution(g.input, SampleGraphs.convolution(&rng, inputs: 3, outputs: 7, kernel: 3, padding: 1))
        let fast = try Network(graph: g), reference = try ReferenceNetwork(graph: g)
        let input = rng.floats(90)
        let mismatch = TensorComparison.firstMismatch(expected: reference.run(input), actual: fast.run(input),
                                                      absoluteTolerance: 1e-5, context: "conv output 7x6x5")
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    @Test func batchResultsAreBitIdenticalForAnyJobCount() throws {
        let graph = SampleGraphs.everyOperator(seed: 21)
        let network = try Network(graph: graph)
        var rng = SeededGenerator(seed: 22)
        let count = 7
        let inputs = rng.floats(count * graph.inputShape.elementCount)
        let single = network.run(batch: inputs, count: count, jobs: 1)
        for jobs in [2, 3, 7, 16] {
            #expect(network.run(batch: inputs, count: count, jobs: jobs) == single, "jobs \(jobs)")
        }
        // And each image equals running it alone.
        let n = graph.inputShape.elementCount, k = network.outputShape.elementCount
        for i in 0..<count {
            #expect(Array(single[(i * k)..<((i + 1) * k)]) == network.run(Array(inputs[(i * n)..<((i + 1) * n)])))
        }
    }
}
