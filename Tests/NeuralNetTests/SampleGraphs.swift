import NeuralNet
import TestSupport

/// Small graphs with random weights that use every operator, for format and executor tests.
enum SampleGraphs {
    static func convolution(_ rng: inout SeededGenerator, inputs: Int, outputs: Int, kernel: Int, stride: Int = 1,
                            padding: Int = 0, groups: Int = 1, bias: Bool = true) -> Convolution {
        let fanIn = Float(inputs / groups * kernel * kernel)
        return Convolution(outputChannels: outputs, kernel: kernel, stride: stride, padding: padding, groups: groups,
                           weights: rng.floats(outputs * inputs / groups * kernel * kernel).map { $0 * (3 / fanIn).squareRoot() },
                           bias: bias ? rng.floats(outputs).map { $0 * 0.1 } : nil)
    }

    static func batchNorm(_ rng: inout SeededGenerator, channels: Int) -> BatchNormalization {
        BatchNormalization(scale: rng.floats(channels).map { 1 + 0.2 * $0 }, bias: rng.floats(channels).map { 0.1 * $0 },
                           mean: rng.floats(channels).map { 0.1 * $0 }, variance: rng.floats(channels).map { 1 + 0.5 * $0 },
                           epsilon: 1e-5)
    }

    /// Every operator: conv+BN+ReLU, depthwise+BN+ReLU6, pointwise, residual add, max/avg pool, LeakyReLU,
    /// Clip, standalone BN, global pool, flatten, dense, softmax. Input 3x(height)x(width).
    static func everyOperator(seed: UInt64, height: Int = 19, width: Int = 23, classes: Int = 5) -> Graph {
        var rng = SeededGenerator(seed: seed)
        var g = Graph(input: TensorShape(channels: 3, height: height, width: width))
        var x = g.convolution(g.input, convolution(&rng, inputs: 3, outputs: 16, kernel: 3, stride: 2, padding: 1, bias: false), name: "stem")
        x = g.batchNormalization(x, batchNorm(&rng, channels: 16), name: "stem_bn")
        x = g.activation(x, .relu, name: "stem_relu")
        let shortcut = x
        x = g.convolution(x, convolution(&rng, inputs: 16, outputs: 16, kernel: 3, padding: 1, groups: 16), name: "dw")
        x = g.batchNormalization(x, batchNorm(&rng, channels: 16), name: "dw_bn")
        x = g.activation(x, .relu6, name: "dw_relu6")
        x = g.convolution(x, convolution(&rng, inputs: 16, outputs: 16, kernel: 1), name: "pw")
        x = g.add(x, shortcut, name: "residual")
        x = g.activation(x, .leakyRelu(alpha: 0.1), name: "leaky")
        x = g.maxPool(x, Pooling(kernel: 3, stride: 2, padding: 1), name: "maxpool")
        x = g.convolution(x, convolution(&rng, inputs: 16, outputs: 24, kernel: 3, padding: 1, groups: 2), name: "grouped")
        x = g.activation(x, .clip(min: -0.5, max: 1.5), name: "clip")
        x = g.averagePool(x, Pooling(kernel: 2, stride: 1, padding: 1, countIncludePad: false), name: "avgpool")
        x = g.batchNormalization(x, batchNorm(&rng, channels: 24), name: "lone_bn")
        let features = g.globalAveragePool(x, name: "gap")
        x = g.flatten(features, name: "flatten")
        x = g.dense(x, Dense(outputFeatures: classes, weights: rng.floats(classes * 24).map { $0 * 0.4 }, bias: rng.floats(classes)),
                    name: "fc")
        g.output = g.softmax(x, name: "probabilities")
        return g
    }

    /// A plain CNN whose classifier flattens a spatial map (so Dense must undo the NHWC order).
    static func flattenOfImage(seed: UInt64) -> Graph {
        var rng = SeededGenerator(seed: seed)
        var g = Graph(input: TensorShape(channels: 3, height: 8, width: 7))
        var x = g.convolution(g.input, convolution(&rng, inputs: 3, outputs: 5, kernel: 3, stride: 2, padding: 1))
        x = g.activation(x, .relu)
        x = g.flatten(x)
        x = g.dense(x, Dense(outputFeatures: 4, weights: rng.floats(4 * 5 * 4 * 4), bias: nil))
        return g
    }

    /// The operators torchvision-style exports add, on odd channel counts: sigmoid, hard sigmoid, hard
    /// swish, products of equal shapes and squeeze-and-excitation scaling (image × C×1×1, both orders),
    /// a concatenation of three values (3, 17 and 5 channels, one of them the input), global max
    /// and average pooling. Input 3x(height)x(width).
    static func newerOperators(seed: UInt64, height: Int = 5, width: Int = 7, classes: Int = 4) -> Graph {
        var rng = SeededGenerator(seed: seed)
        var g = Graph(input: TensorShape(channels: 3, height: height, width: width))
        var x = g.convolution(g.input, convolution(&rng, inputs: 3, outputs: 17, kernel: 3, padding: 1), name: "stem")
        x = g.activation(x, .hardSwish, name: "hswish")
        let gate = g.activation(g.convolution(x, convolution(&rng, inputs: 17, outputs: 17, kernel: 1), name: "gate_conv"), .sigmoid, name: "gate")
        x = g.mul(x, gate, name: "silu_like")
        var s = g.globalAveragePool(x, name: "squeeze")
        s = g.activation(g.convolution(s, convolution(&rng, inputs: 17, outputs: 5, kernel: 1), name: "se_reduce"), .relu, name: "se_relu")
        s = g.convolution(s, convolution(&rng, inputs: 5, outputs: 17, kernel: 1), name: "se_expand")
        s = g.activation(s, .hardSigmoid(alpha: 0.2, beta: 0.5), name: "se_gate")
        x = g.mul(s, x, name: "excite")
        let branch = g.convolution(x, convolution(&rng, inputs: 17, outputs: 5, kernel: 3, padding: 1), name: "branch")
        x = g.concat([g.input, x, branch], name: "join")
        x = g.activation(x, .relu, name: "join_relu")
        let pooled = g.mul(g.globalMaxPool(x, name: "gmp"), g.globalAveragePool(x, name: "gap"), name: "pooled")
        x = g.dense(g.flatten(pooled, name: "flatten"), Dense(outputFeatures: classes, weights: rng.floats(classes * 25), bias: rng.floats(classes)),
                    name: "fc")
        g.output = g.softmax(x, name: "probabilities")
        return g
    }

    /// The operations PyTorch tutorial models add, on odd sizes: scale-and-shift on the input (not
    /// foldable), after a convolution read twice (not foldable) and once (folded), and on a feature
    /// vector after a dense layer (folded into it); PRelu with 11 slopes, Tanh, LogSoftmax.
    /// 13 input channels; input 13x(height)x(width).
    static func tutorialOperators(seed: UInt64, height: Int = 5, width: Int = 7, classes: Int = 3) -> Graph {
        var rng = SeededGenerator(seed: seed)
        func scaleShift(_ channels: Int) -> ScaleShift {
            ScaleShift(scale: rng.floats(channels).map { 1 + 0.5 * $0 }, shift: rng.floats(channels))
        }
        var g = Graph(input: TensorShape(channels: 13, height: height, width: width))
        var x = g.scaleShift(g.input, scaleShift(13), name: "normalise")
        let a = g.convolution(x, convolution(&rng, inputs: 13, outputs: 11, kernel: 3, padding: 1), name: "conv_a")
        let shortcut = g.scaleShift(a, scaleShift(11), name: "affine_shared")
        x = g.add(g.scaleShift(a, scaleShift(11), name: "affine_read_twice"), shortcut, name: "sum")
        x = g.prelu(x, slopes: rng.floats(11), name: "prelu")
        x = g.convolution(x, convolution(&rng, inputs: 11, outputs: 9, kernel: 1), name: "conv_b")
        x = g.activation(g.scaleShift(x, scaleShift(9), name: "affine_folded"), .tanh, name: "tanh")
        x = g.flatten(g.globalAveragePool(x, name: "gap"), name: "flatten")
        x = g.dense(x, Dense(outputFeatures: classes, weights: rng.floats(classes * 9), bias: rng.floats(classes)), name: "fc")
        g.output = g.logSoftmax(g.scaleShift(x, scaleShift(classes), name: "affine_logits"), name: "log_probabilities")
        return g
    }
}
