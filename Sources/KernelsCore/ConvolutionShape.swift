// Legend: N batch, C channels, H height, W width, K kernel extent, G groups.
// Activations are NHWC for the fast kernels and NCHW for the reference kernels; weights are
// OIHW (output channel, input channel within the group, kernel row, kernel column) as in ONNX.

/// The geometry of one 2-D convolution of a single image: everything a kernel needs to index.
public struct ConvolutionShape: Sendable, Hashable, CustomStringConvertible {
    public var inputHeight: Int
    public var inputWidth: Int
    public var inputChannels: Int
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

    public init(inputHeight: Int, inputWidth: Int, inputChannels: Int, outputChannels: Int,
                kernelHeight: Int, kernelWidth: Int, strideY: Int = 1, strideX: Int = 1,
                padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0,
                groups: Int = 1) {
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.inputChannels = inputChannels
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
    }

    public var paddedHeight: Int { inputHeight + padTop + padBottom }
    public var paddedWidth: Int { inputWidth + padLeft + padRight }
    public var outputHeight: Int { (paddedHeight - kernelHeight) / strideY + 1 }
    public var outputWidth: Int { (paddedWidth - kernelWidth) / strideX + 1 }
    public var inputChannelsPerGroup: Int { inputChannels / groups }
    public var outputChannelsPerGroup: Int { outputChannels / groups }
    /// One filter per input channel: the MobileNet case, which gets its own kernel.
    public var isDepthwise: Bool { groups > 1 && groups == inputChannels && groups == outputChannels }
    /// Channels per tap in packed depthwise weights: C rounded up to 16, so the widest (16-lane) kernels
    /// load whole weight vectors; the zero lanes past C are never stored.
    @inlinable public var depthwisePackedChannels: Int { (inputChannels + 15) & ~15 }
    public var hasPadding: Bool { padTop != 0 || padLeft != 0 || padBottom != 0 || padRight != 0 }
    public var weightCount: Int { outputChannels * inputChannelsPerGroup * kernelHeight * kernelWidth }
    /// Multiply-accumulates for one image.
    public var multiplyAccumulates: Int {
        outputHeight * outputWidth * outputChannels * inputChannelsPerGroup * kernelHeight * kernelWidth
    }

    /// Whether the shape can be computed at all: positive sizes, divisible groups, a kernel that fits.
    public var isValid: Bool {
        inputHeight > 0 && inputWidth > 0 && inputChannels > 0 && outputChannels > 0
            && kernelHeight > 0 && kernelWidth > 0 && strideY > 0 && strideX > 0
            && padTop >= 0 && padLeft >= 0 && padBottom >= 0 && padRight >= 0
            && groups > 0 && inputChannels % groups == 0 && outputChannels % groups == 0
            && paddedHeight >= kernelHeight && paddedWidth >= kernelWidth
    }

    public var description: String {
        "conv in \(inputChannels)x\(inputHeight)x\(inputWidth) out \(outputChannels) k \(kernelHeight)x\(kernelWidth) "
            + "s \(strideY)x\(strideX) pad \(padTop),\(padLeft),\(padBottom),\(padRight) g \(groups)"
    }
}
