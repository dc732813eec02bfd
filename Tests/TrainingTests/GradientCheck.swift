import Testing
import Training
import TestSupport

/// Compares a layer's Float forward/backward with a Double reference and its central finite
/// differences. The loss is Σ y·r for a fixed random r, so dLoss/dy = r.
///
/// Tolerance: Float sums of a few hundred terms of size ~1 carry ~1e-5 relative error, and the
/// Double finite differences (h = 1e-6) are accurate to ~1e-9; 1e-3 of the gradient's scale
/// leaves a wide margin yet still catches any wrong index or missing term (those are O(1) errors).
struct GradientCheck {
    var inputShape: BatchShape
    var seed: UInt64 = 1
    var step = 1e-6
    var tolerance = 1e-3

    func run(_ layer: TrainableLayer, reference: ([Double], [[Double]]) -> [Double],
             sourceLocation: SourceLocation = #_sourceLocation) {
        var generator = SeededGenerator(seed: seed)
        let input = BatchTensor(shape: inputShape, data: generator.floats(inputShape.count))
        let outputShape = try! layer.outputShape(for: inputShape)
        let upstream = generator.floats(outputShape.count)
        let trainable = layer.parameters.filter(\.isTrainable)
        let inputD = input.data.map(Double.init)
        let parametersD = trainable.map { $0.value.map(Double.init) }
        let upstreamD = upstream.map(Double.init)

        let context = ExecutionContext(isTraining: true, jobs: 2)
        for parameter in trainable { parameter.zeroGradient() }
        let output = layer.forward(input, context: context)
        let expected = reference(inputD, parametersD)
        compare("\(layer.summary) forward", actual: output.data, expected: expected, shape: outputShape, sourceLocation: sourceLocation)
        let inputGradient = layer.backward(BatchTensor(shape: outputShape, data: upstream), context: context)

        func loss(_ x: [Double], _ p: [[Double]]) -> Double {
            zip(reference(x, p), upstreamD).reduce(0) { $0 + $1.0 * $1.1 }
        }
        if !inputGradient.data.isEmpty {
            var numeric = [Double](repeating: 0, count: inputD.count)
            for i in inputD.indices {
                var plus = inputD, minus = inputD
                plus[i] += step; minus[i] -= step
                numeric[i] = (loss(plus, parametersD) - loss(minus, parametersD)) / (2 * step)
            }
            compare("\(layer.summary) dInput", actual: inputGradient.data, expected: numeric, shape: inputShape, sourceLocation: sourceLocation)
        }
        for (index, parameter) in trainable.enumerated() {
            var numeric = [Double](repeating: 0, count: parameter.value.count)
            for i in numeric.indices {
                var plus = parametersD, minus = parametersD
                plus[index][i] += step; minus[index][i] -= step
                numeric[i] = (loss(inputD, plus) - loss(inputD, minus)) / (2 * step)
            }
            compare("\(layer.summary) d\(parameter.name)", actual: parameter.gradient, expected: numeric, shape: inputShape, sourceLocation: sourceLocation)
        }
    }

    func compare(_ what: String, actual: [Float], expected: [Double], shape: BatchShape,
                 sourceLocation: SourceLocation) {
        #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        guard actual.count == expected.count else { return }
        let scale = max(expected.map(abs).max() ?? 0, 1e-3)
        var failures = 0
        for i in expected.indices where abs(Double(actual[i]) - expected[i]) > tolerance * scale {
            failures += 1
            if failures <= 3 {
                Issue.record("\(what) [input \(shape)] index \(i): expected \(expected[i]), got \(actual[i])", sourceLocation: sourceLocation)
            }
        }
    }
}
