import Foundation
import Kernels

/// What a graph node computes. Weights are plain float arrays in ONNX's layouts so that models
/// move between ONNX, training and this engine without reshuffling.
public enum NodeOperation: Sendable, Equatable {
    case convolution(Convolution)
    /// Per-channel normalisation with fixed statistics; folded into a preceding convolution at load.
    case batchNormalization(BatchNormalization)
    /// x·scale[c] + shift[c] per channel: ONNX Sub, Div, Mul and Add with a scalar or per-channel
    /// constant. Folded into a preceding convolution at load, like batch normalisation.
    case scaleShift(ScaleShift)
    case activation(Activation)
    case maxPool(Pooling)
    case averagePool(Pooling)
    case globalAveragePool
    /// The largest value of each channel: C×H×W → C×1×1.
    case globalMaxPool
    /// Element-wise sum of two inputs of the same shape (residual connections).
    case add
    /// Element-wise product of two inputs of the same shape, or of an image and a C×1×1 value of its
    /// channel count, each channel scaled by its value (squeeze-and-excitation), in either order.
    case mul
    /// The inputs one after another along the channel axis; they have equal height and width.
    case concat
    /// C×H×W → (C·H·W)×1×1 in channel-major (NCHW) order, as ONNX Flatten.
    case flatten
    case dense(Dense)
    /// Softmax over the channels of a feature vector.
    case softmax
    /// log(softmax(x)) over the channels of a feature vector: logits up to a shift.
    case logSoftmax
    /// x for x ≥ 0, slopes[c]·x below, one slope per channel (ONNX PRelu; a single slope is a LeakyReLU).
    case prelu(slopes: [Float])

    /// The short operator name used in listings and error messages.
    public var kind: String {
        switch self {
        case .convolution(let c): c.groups > 1 ? "Conv(groups \(c.groups))" : "Conv"
        case .batchNormalization: "BatchNormalization"
        case .scaleShift: "ScaleShift"
        case .activation(let a): a.description
        case .maxPool: "MaxPool"
        case .averagePool: "AveragePool"
        case .globalAveragePool: "GlobalAveragePool"
        case .globalMaxPool: "GlobalMaxPool"
        case .add: "Add"
        case .mul: "Mul"
        case .concat: "Concat"
        case .flatten: "Flatten"
        case .dense: "Dense"
        case .softmax: "Softmax"
        case .logSoftmax: "LogSoftmax"
        case .prelu: "PRelu"
        }
    }

    /// How many inputs the operation takes.
    public var arity: ClosedRange<Int> {
        switch self {
        case .add, .mul: 2...2
        case .concat: 2...GraphLimits.maxConcatInputs
        default: 1...1
        }
    }
}

/// 2-D convolution. `weights` is OIHW: [outputChannels][inputChannels / groups][kernelHeight][kernelWidth].
public struct Convolution: Sendable, Equatable {
    public var outputChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideY: Int
    public var strideX: Int
    public var padTop: Int
    public var padLeft: Int
    public var padBottom: Int
    public var padRight: Int
    public var groups: Int
    public var weights: [Float]
    /// [outputChannels], or nil for no bias.
    public var bias: [Float]?

    public init(outputChannels: Int, kernelHeight: Int, kernelWidth: Int, strideY: Int = 1, strideX: Int = 1,
                padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0, groups: Int = 1,
                weights: [Float], bias: [Float]? = nil) {
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
        self.groups = groups
        self.weights = weights
        self.bias = bias
    }

    /// A square kernel with equal stride and padding on every side, the common case.
    public init(outputChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1,
                weights: [Float], bias: [Float]? = nil) {
        self.init(outputChannels: outputChannels, kernelHeight: kernel, kernelWidth: kernel, strideY: stride, strideX: stride,
                  padTop: padding, padLeft: padding, padBottom: padding, padRight: padding, groups: groups,
                  weights: weights, bias: bias)
    }

    /// The kernel geometry for an input of the given shape.
    public func shape(input: TensorShape) -> ConvolutionShape {
        ConvolutionShape(inputHeight: input.height, inputWidth: input.width, inputChannels: input.channels,
                         outputChannels: outputChannels, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                         strideY: strideY, strideX: strideX, padTop: padTop, padLeft: padLeft,
                         padBottom: padBottom, padRight: padRight, groups: groups)
    }
}

/// y = (x − mean) / sqrt(variance + epsilon) · scale + bias, per channel.
public struct BatchNormalization: Sendable, Equatable {
    public var scale: [Float]
    public var bias: [Float]
    public var mean: [Float]
    public var variance: [Float]
    public var epsilon: Float

    public init(scale: [Float], bias: [Float], mean: [Float], variance: [Float], epsilon: Float = 1e-5) {
        self.scale = scale
        self.bias = bias
        self.mean = mean
        self.variance = variance
        self.epsilon = epsilon
    }

    /// The equivalent per-channel multiplier and offset, computed in Double.
    public var affine: (multiplier: [Double], offset: [Double]) {
        let multiplier = scale.indices.map { Double(scale[$0]) / (Double(variance[$0]) + Double(epsilon)).squareRoot() }
        let offset = scale.indices.map { Double(bias[$0]) - Double(mean[$0]) * multiplier[$0] }
        return (multiplier, offset)
    }
}

/// y = x·scale[c] + shift[c], one scale and shift per channel (of an image, or feature of a vector).
public struct ScaleShift: Sendable, Equatable {
    public var scale: [Float]
    public var shift: [Float]

    public init(scale: [Float], shift: [Float]) {
        self.scale = scale
        self.shift = shift
    }

    /// The same map as a batch normalisation (mean 0, variance 1, epsilon 0), whose multiplier and
    /// offset are then exactly `scale` and `shift`: one folding and one kernel serve both.
    public var asBatchNormalization: BatchNormalization {
        let zeros = [Float](repeating: 0, count: scale.count)
        return BatchNormalization(scale: scale, bias: shift, mean: zeros, variance: zeros.map { _ in 1 }, epsilon: 0)
    }
}

/// Pointwise activations.
public enum Activation: Sendable, Equatable, CustomStringConvertible {
    case relu
    case relu6
    case clip(min: Float, max: Float)
    case leakyRelu(alpha: Float)
    /// 1 / (1 + e^−x).
    case sigmoid
    /// max(0, min(1, alpha·x + beta)), as ONNX HardSigmoid.
    case hardSigmoid(alpha: Float, beta: Float)
    /// x · max(0, min(1, x/6 + 1/2)), as ONNX HardSwish.
    case hardSwish
    /// The hyperbolic tangent.
    case tanh

    /// The kernel epilogue computing this activation, for those that are piecewise linear (the ones
    /// kernels can fuse); nil for the curves, which run as a step of their own.
    public var epilogue: Epilogue? {
        switch self {
        case .relu: .relu
        case .relu6: .relu6
        case .clip(let lower, let upper): .clip(min: lower, max: upper)
        case .leakyRelu(let alpha): .leakyRelu(alpha: alpha)
        case .sigmoid, .hardSigmoid, .hardSwish, .tanh: nil
        }
    }

    /// The activation of one value, by its definition.
    public func apply(_ x: Float) -> Float {
        switch self {
        case .sigmoid: 1 / (1 + exp(-x))
        case .hardSigmoid(let alpha, let beta): max(0, min(1, alpha * x + beta))
        case .hardSwish: x * max(0, min(1, x / 6 + 0.5))
        case .tanh: tanhf(x)
        case .relu, .relu6, .clip, .leakyRelu: epilogue!.apply(x)
        }
    }

    public var description: String {
        switch self {
        case .relu: "Relu"
        case .relu6: "Relu6"
        case .clip(let lower, let upper): "Clip(\(lower), \(upper))"
        case .leakyRelu(let alpha): "LeakyRelu(\(alpha))"
        case .sigmoid: "Sigmoid"
        case .hardSigmoid(let alpha, let beta): "HardSigmoid(\(alpha), \(beta))"
        case .hardSwish: "HardSwish"
        case .tanh: "Tanh"
        }
    }
}

/// Max or average pooling window.
public struct Pooling: Sendable, Equatable {
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideY: Int
    public var strideX: Int
    public var padTop: Int
    public var padLeft: Int
    public var padBottom: Int
    public var padRight: Int
    /// Average pooling only: divide by the full window area even where it overlaps padding.
    public var countIncludePad: Bool

    public init(kernelHeight: Int, kernelWidth: Int, strideY: Int, strideX: Int, padTop: Int = 0, padLeft: Int = 0,
                padBottom: Int = 0, padRight: Int = 0, countIncludePad: Bool = false) {
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
        self.countIncludePad = countIncludePad
    }

    public init(kernel: Int, stride: Int, padding: Int = 0, countIncludePad: Bool = false) {
        self.init(kernelHeight: kernel, kernelWidth: kernel, strideY: stride, strideX: stride, padTop: padding,
                  padLeft: padding, padBottom: padding, padRight: padding, countIncludePad: countIncludePad)
    }

    public func shape(input: TensorShape) -> PoolShape {
        PoolShape(inputHeight: input.height, inputWidth: input.width, channels: input.channels,
                  kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideY: strideY, strideX: strideX,
                  padTop: padTop, padLeft: padLeft, padBottom: padBottom, padRight: padRight)
    }
}

/// Fully connected layer. `weights` is [outputFeatures][inputFeatures] (ONNX Gemm with transB = 1).
public struct Dense: Sendable, Equatable {
    public var outputFeatures: Int
    public var weights: [Float]
    /// [outputFeatures], or nil for no bias.
    public var bias: [Float]?

    public init(outputFeatures: Int, weights: [Float], bias: [Float]? = nil) {
        self.outputFeatures = outputFeatures
        self.weights = weights
        self.bias = bias
    }
}
