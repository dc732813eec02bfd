/// The geometry of a max or average pooling window over one image.
public struct PoolShape: Sendable, Hashable, CustomStringConvertible {
    public var inputHeight: Int
    public var inputWidth: Int
    public var channels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideY: Int
    public var strideX: Int
    public var padTop: Int
    public var padLeft: Int
    public var padBottom: Int
    public var padRight: Int

    public init(inputHeight: Int, inputWidth: Int, channels: Int, kernelHeight: Int, kernelWidth: Int,
                strideY: Int, strideX: Int, padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0) {
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.channels = channels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
    }

    public var outputHeight: Int { (inputHeight + padTop + padBottom - kernelHeight) / strideY + 1 }
    public var outputWidth: Int { (inputWidth + padLeft + padRight - kernelWidth) / strideX + 1 }

    /// Positive sizes, and padding smaller than the window so every window sees a real pixel.
    public var isValid: Bool {
        inputHeight > 0 && inputWidth > 0 && channels > 0 && kernelHeight > 0 && kernelWidth > 0
            && strideY > 0 && strideX > 0 && padTop >= 0 && padLeft >= 0 && padBottom >= 0 && padRight >= 0
            && padTop < kernelHeight && padBottom < kernelHeight && padLeft < kernelWidth && padRight < kernelWidth
            && inputHeight + padTop + padBottom >= kernelHeight && inputWidth + padLeft + padRight >= kernelWidth
    }

    public var description: String {
        "pool in \(channels)x\(inputHeight)x\(inputWidth) k \(kernelHeight)x\(kernelWidth) s \(strideY)x\(strideX) "
            + "pad \(padTop),\(padLeft),\(padBottom),\(padRight)"
    }
}
