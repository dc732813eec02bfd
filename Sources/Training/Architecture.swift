import Deterministic

/// The network shapes `agritrace train --arch` can build. Every one ends in global average
/// pooling and a dense layer, so any input size works.
public enum Architecture: String, CaseIterable, Sendable, Codable {
    /// conv3x3-BN-ReLU blocks of 16, 32, 64, 128 channels with 2x2 max pooling between them.
    case compact
    /// `compact` with a residual conv-BN-ReLU block after each of the last three stages.
    case residual
    /// MobileNet-v1 style: a 3x3 stem, then depthwise-separable blocks (ReLU6).
    case mobile
    /// Two small convolutions; for tests and quick experiments.
    case tiny

    public func build(inputSize: Int, classes: Int, seed: UInt64) throws -> TrainableNetwork {
        var random = SeededRandom(seed: seed, stream: 0x1A7E)
        func convBlock(_ cin: Int, _ cout: Int, kernel: Int = 3, stride: Int = 1, groups: Int = 1,
                       activation: ActivationLayer.Kind = .relu) -> [TrainableLayer] {
            [ConvolutionLayer(inChannels: cin, outChannels: cout, kernelSize: kernel, stride: stride, padding: kernel / 2,
                              groups: groups, random: &random),
             BatchNormLayer(channels: cout), ActivationLayer(activation)]
        }
        func pool() -> TrainableLayer { PoolingLayer(.max, kernelSize: 2, stride: 2) }
        var layers: [TrainableLayer]
        switch self {
        case .tiny:
            layers = convBlock(3, 8, stride: 2) + convBlock(8, 16, stride: 2)
            layers += [GlobalAveragePoolLayer(), DenseLayer(inputs: 16, outputs: classes, random: &random)]
        case .compact:
            layers = convBlock(3, 16) + [pool()] + convBlock(16, 32) + [pool()] + convBlock(32, 64) + [pool()]
                + convBlock(64, 128)
            layers += [GlobalAveragePoolLayer(), DenseLayer(inputs: 128, outputs: classes, random: &random)]
        case .residual:
            layers = convBlock(3, 16) + [pool()]
            for (cin, cout) in [(16, 32), (32, 64), (64, 128)] {
                layers += convBlock(cin, cout) + [ResidualLayer(convBlock(cout, cout))]
                if cout < 128 { layers.append(pool()) }
            }
            layers += [GlobalAveragePoolLayer(), DenseLayer(inputs: 128, outputs: classes, random: &random)]
        case .mobile:
            layers = convBlock(3, 16, stride: 2, activation: .relu6)
            for (cin, cout, stride) in [(16, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2)] {
                layers += convBlock(cin, cin, stride: stride, groups: cin, activation: .relu6)
                layers += convBlock(cin, cout, kernel: 1, activation: .relu6)
            }
            layers += [GlobalAveragePoolLayer(), DenseLayer(inputs: 256, outputs: classes, random: &random)]
        }
        return try TrainableNetwork(inputShape: BatchShape(n: 1, h: inputSize, w: inputSize, c: 3), layers: layers)
    }
}
