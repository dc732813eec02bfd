import Kernels

/// What a graph node computes. Weights are plain float arrays in ONNX's layouts so that models
/// move between ONNX, training and this engine without reshuffling.
public enum NodeOperation: Sendable, Equatable {
    case convolution(Convolution)
    /// Per-channel normalisation with fixed statistics; folded into a preceding convolution at load.
    case batchNormalization(BatchNormalization)
    case activation(Activation)
    case maxPool(Pooling)
    case averagePool(Pooling)
    case globalAveragePool
    /// Element-wise sum of two inputs of the same shape (residual connections).
    case add
    /// C×H×W → (C·H·W)×1×1 in channel-major (NCHW) order, as ONNX Flatten.
    case flatten
    case dense(Dense)
    /// Softmax over the channels of a feature vector.
    case softmax

    /// The short operator name used in listings and error messages.
    public var kind: String {
        switch self {
        case .convolution(let c): c.groups > 1 ? "Conv(groups \(c.groups))" : "Conv"
        case .batchNormalization: "BatchNormalization"
        case .activation(let a): a.description
        case .maxPool: "MaxPool"
        case .averagePool: "AveragePool"
        case .globalAveragePool: "GlobalAveragePool"
        case .add: "Add"
        case .flatten: "Flatten"
        case .dense: "Dense"
        case .softmax: "Softmax"
        }
    }

    /// How many inputs the operation takes.
    public var arity: Int { self == .add ? 2 : 1 }
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

/// Pointwise activations.
public enum Activation: Sendable, Equatable, CustomStringConvertible {
    case relu
    case relu6
    case clip(min: Float, max: Float)
    case leakyRelu(alpha: Float)

    public var epilogue: Epilogue {
        switch self {
        case .relu: .relu
        case .relu6: .relu6
        case .clip(let lower, let upper): .clip(min: lower, max: upper)
        case .leakyRelu(let alpha): .leakyRelu(alpha: alpha)
        }
    }

    public var description: String {
        switch self {
        case .relu: "Relu"
        case .relu6: "Relu6"
        case .clip(let lower, let upper): "Clip(\(lower), \(upper))"
        case .leakyRelu(let alpha): "LeakyRelu(\(alpha))"
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
