import Testing
import Training
import TestSupport

/// Every operator's backward pass against Double finite differences, on odd shapes.
@Suite struct LayerGradientTests {
    struct ConvCase: CustomTestStringConvertible, Sendable {
        var shape: BatchShape, outChannels: Int, kernel: Int, stride: Int, padding: Int, groups: Int, bias: Bool
        var testDescription: String { "in \(shape) out \(outChannels) k\(kernel) s\(stride) p\(padding) g\(groups)\(bias ? " bias" : "")" }
    }

    static let convCases: [ConvCase] = [
        ConvCase(shape: BatchShape(n: 2, h: 7, w: 6, c: 3), outChannels: 5, kernel: 3, stride: 1, padding: 1, groups: 1, bias: false),
        ConvCase(shape: BatchShape(n: 3, h: 9, w: 8, c: 3), outChannels: 4, kernel: 3, stride: 2, padding: 1, groups: 1, bias: true),
        ConvCase(shape: BatchShape(n: 1, h: 5, w: 7, c: 4), outChannels: 6, kernel: 1, stride: 1, padding: 0, groups: 2, bias: false),
        ConvCase(shape: BatchShape(n: 2, h: 6, w: 5, c: 6), outChannels: 9, kernel: 3, stride: 2, padding: 0, groups: 3, bias: true),
        ConvCase(shape: BatchShape(n: 2, h: 7, w: 7, c: 5), outChannels: 5, kernel: 3, stride: 1, padding: 1, groups: 5, bias: false),
        ConvCase(shape: BatchShape(n: 3, h: 8, w: 5, c: 7), outChannels: 7, kernel: 3, stride: 2, padding: 1, groups: 7, bias: true),
        ConvCase(shape: BatchShape(n: 1, h: 6, w: 6, c: 2), outChannels: 3, kernel: 5, stride: 1, padding: 2, groups: 1, bias: false),
        ConvCase(shape: BatchShape(n: 5, h: 1, w: 1, c: 17), outChannels: 3, kernel: 1, stride: 1, padding: 0, groups: 1, bias: true),
    ]

    @Test(arguments: convCases)
    func convolution(_ c: ConvCase) {
        var random = SeededGenerator(seed: 7)
        let layer = ConvolutionLayer(inChannels: c.shape.c, outChannels: c.outChannels, kernelSize: c.kernel, stride: c.stride,
                           padding: c.padding, groups: c.groups, hasBias: c.bias, random: &random)
        if let bias = layer.bias { bias.value = (0..<c.outChannels).map { Float($0) * 0.1 - 0.2 } }
        GradientCheck(inputShape: c.shape).run(layer) { x, p in
            ReferenceOps.conv(x, c.shape, weight: p[0], bias: c.bias ? p[1] : nil, outChannels: c.outChannels,
                              kernel: c.kernel, stride: c.stride, padding: c.padding, groups: c.groups).values
        }
    }

    @Test func batchNormUsesBatchStatistics() {
        let shape = BatchShape(n: 3, h: 4, w: 5, c: 6)
        let layer = BatchNormLayer(channels: 6)
        layer.scale.value = [0.5, 1.5, -1, 2, 0.8, 1.1]
        layer.offset.value = [0.1, -0.3, 0.0, 0.7, -1, 0.2]
        GradientCheck(inputShape: shape).run(layer) { x, p in
            ReferenceOps.batchNormTraining(x, channels: 6, scale: p[0], offset: p[1], epsilon: 1e-5)
        }
    }

    @Test func batchNormInferenceUsesRunningStatistics() {
        let layer = BatchNormLayer(channels: 2)
        layer.runningMean.value = [1, -2]
        layer.runningVariance.value = [4, 0.25]
        layer.scale.value = [2, 1]
        layer.offset.value = [0, 3]
        let input = BatchTensor(shape: BatchShape(n: 1, h: 1, w: 2, c: 2), data: [3, -2, -1, -1])
        let output = layer.forward(input, context: ExecutionContext(isTraining: false))
        let expected: [Float] = [2, 3, -2, 5]
        for (a, e) in zip(output.data, expected) { #expect(abs(a - e) < 1e-4, "got \(output.data), expected \(expected)") }
    }

    @Test func batchNormRunningStatisticsFollowTheBatch() {
        let layer = BatchNormLayer(channels: 1, momentum: 0.5)
        let input = BatchTensor(shape: BatchShape(n: 4, h: 1, w: 1, c: 1), data: [1, 2, 3, 6])
        _ = layer.forward(input, context: ExecutionContext(isTraining: true))
        // mean 3, unbiased variance (4+1+0+9)/3 = 14/3; halfway from (0, 1).
        #expect(abs(layer.runningMean.value[0] - 1.5) < 1e-6)
        #expect(abs(layer.runningVariance.value[0] - (1 + 14.0 / 3) / 2) < 1e-5)
    }

    @Test(arguments: [ActivationLayer.Kind.relu, .relu6, .leakyReLU(slope: 0.1)])
    func activation(_ kind: ActivationLayer.Kind) {
        let shape = BatchShape(n: 2, h: 3, w: 5, c: 3)
        // Scale the input past 6 so ReLU6's upper clip is exercised too.
        let layer = ScaledInput(factor: 8, ActivationLayer(kind))
        GradientCheck(inputShape: shape).run(layer) { x, _ in
            ReferenceOps.activation(x.map { $0 * 8 }, kind)
        }
    }

    @Test(arguments: [(PoolingLayer.Kind.max, 2, 2, 0), (.max, 3, 2, 1), (.average, 2, 2, 0), (.average, 3, 2, 1), (.average, 3, 1, 1)])
    func pooling(_ kind: PoolingLayer.Kind, _ kernel: Int, _ stride: Int, _ padding: Int) {
        let shape = BatchShape(n: 2, h: 7, w: 6, c: 3)
        let layer = PoolingLayer(kind, kernelSize: kernel, stride: stride, padding: padding)
        GradientCheck(inputShape: shape).run(layer) { x, _ in
            ReferenceOps.pool(x, shape, max: kind == .max, kernel: kernel, stride: stride, padding: padding)
        }
    }

    @Test func globalAveragePool() {
        let shape = BatchShape(n: 3, h: 5, w: 3, c: 4)
        GradientCheck(inputShape: shape).run(GlobalAveragePoolLayer()) { x, _ in ReferenceOps.globalAveragePool(x, shape) }
    }

    @Test func dense() {
        var random = SeededGenerator(seed: 3)
        let shape = BatchShape(n: 4, h: 2, w: 1, c: 3)
        let layer = DenseLayer(inputs: 6, outputs: 5, random: &random)
        layer.bias.value = [0.1, 0.2, -0.3, 0.4, 0]
        GradientCheck(inputShape: shape).run(layer) { x, p in ReferenceOps.dense(x, batch: 4, weight: p[0], bias: p[1]) }
    }

    @Test func residualBlock() {
        var random = SeededGenerator(seed: 5)
        let shape = BatchShape(n: 2, h: 5, w: 4, c: 3)
        let conv = ConvolutionLayer(inChannels: 3, outChannels: 3, kernelSize: 3, padding: 1, random: &random)
        let norm = BatchNormLayer(channels: 3)
        let block = ResidualLayer([conv, norm, ActivationLayer(.relu)])
        GradientCheck(inputShape: shape).run(block) { x, p in
            let y = ReferenceOps.conv(x, shape, weight: p[0], bias: nil, outChannels: 3, kernel: 3, stride: 1, padding: 1, groups: 1).values
            let z = ReferenceOps.activation(ReferenceOps.batchNormTraining(y, channels: 3, scale: p[1], offset: p[2], epsilon: 1e-5), .relu)
            return zip(x, z).map { $0 + $1 }
        }
    }

    @Test(arguments: [Float(0), 0.2])
    func softmaxCrossEntropy(_ smoothing: Float) {
        let classes = 5, labels = [0, 3, 4, 2]
        var generator = SeededGenerator(seed: 11)
        let logits = generator.floats(labels.count * classes).map { $0 * 3 }
        let loss = SoftmaxCrossEntropy(ordinalSmoothing: smoothing)
        let result = loss.evaluate(logits: BatchTensor(shape: BatchShape(n: labels.count, h: 1, w: 1, c: classes), data: logits), labels: labels)
        let targets = labels.map { loss.targetDistribution(label: $0, classes: classes).map(Double.init) }
        let logitsD = logits.map(Double.init)
        #expect(abs(Double(result.loss) - ReferenceOps.softmaxCrossEntropy(logitsD, classes: classes, targets: targets)) < 1e-5)
        for i in logitsD.indices {
            var plus = logitsD, minus = logitsD
            plus[i] += 1e-6; minus[i] -= 1e-6
            let numeric = (ReferenceOps.softmaxCrossEntropy(plus, classes: classes, targets: targets)
                - ReferenceOps.softmaxCrossEntropy(minus, classes: classes, targets: targets)) / 2e-6
            #expect(abs(Double(result.gradient.data[i]) - numeric) < 1e-5, "logit \(i): expected \(numeric), got \(result.gradient.data[i])")
        }
        for row in result.probabilities { #expect(abs(row.reduce(0, +) - 1) < 1e-5) }
    }

    @Test func ordinalTargetsSpreadOntoNeighbours() {
        let loss = SoftmaxCrossEntropy(ordinalSmoothing: 0.2)
        #expect(loss.targetDistribution(label: 0, classes: 4) == [0.8, 0.2, 0, 0])
        #expect(loss.targetDistribution(label: 2, classes: 4) == [0, 0.1, 0.8, 0.1])
    }
}

/// Multiplies the input by a constant before the wrapped layer, so a check can reach value ranges
/// the unit-range random input never would.
final class ScaledInput: TrainableLayer {
    let factor: Float
    let inner: TrainableLayer
    init(factor: Float, _ inner: TrainableLayer) { self.factor = factor; self.inner = inner }
    var summary: String { "\(factor)x " + inner.summary }
    var parameters: [Parameter] { inner.parameters }
    func outputShape(for input: BatchShape) throws -> BatchShape { try inner.outputShape(for: input) }
    func forward(_ input: BatchTensor, context: ExecutionContext) -> BatchTensor {
        inner.forward(BatchTensor(shape: input.shape, data: input.data.map { $0 * factor }), context: context)
    }
    func backward(_ outputGradient: BatchTensor, context: ExecutionContext) -> BatchTensor {
        var gradient = inner.backward(outputGradient, context: context)
        gradient.data = gradient.data.map { $0 * factor }
        return gradient
    }
}
