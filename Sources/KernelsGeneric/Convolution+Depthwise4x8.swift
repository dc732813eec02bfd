// Legend: C channels (Cp = C rounded up to 8), KH/KW kernel extent, OH/OW output size.
// Depthwise convolution in NHWC: the channel is the vector lane, so 8 channels of 4 neighbouring
// output pixels accumulate at once and each weight vector is loaded once per 4 pixels.
import KernelsCore

/// acc + a * b, fused where this copy of the kernels targets FMA hardware (FUSED_MULTIPLY_ADD). Without
/// hardware FMA, `addingProduct` would be a libm `fmaf` call per lane, so the portable copy multiplies and
/// adds separately. Each kernel file has its own private copy: debug builds compile file by file and
/// would not inline a helper from another file.
@inline(__always)
private func multiplyAdd(_ acc: Vector8, _ a: Vector8, _ b: Vector8) -> Vector8 {
    #if FUSED_MULTIPLY_ADD
    return acc.addingProduct(a, b)
    #else
    return acc + a * b
    #endif
}

/// Depthwise convolution (one KHxKW filter per channel) of one NHWC image.
/// - paddedInput: [Hp][Wp][C] with the zero border. packedWeights: [KH*KW][Cp] (zero lanes past C).
/// - bias: [C] or nil. residual: [OH][OW][C] or nil. output: [OH][OW][C].
@inline(never)
public func depthwiseConvolutionNHWC(
    shape s: ConvolutionShape,
    paddedInput: UnsafePointer<Float>,
    packedWeights: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?,
    residual: UnsafePointer<Float>?,
    epilogue: Epilogue,
    output: UnsafeMutablePointer<Float>
) {
    let c = s.inputChannels, paddedChannels = (c + 7) & ~7
    let fullBlocks = c / 8, tail = c - fullBlocks * 8
    let outWidth = s.outputWidth, outHeight = s.outputHeight
    let e = EpilogueVectors(epilogue)
    let kernel = DepthwiseBlock(shape: s, paddedChannels: paddedChannels, weights: packedWeights,
                                bias: bias, residual: residual, epilogue: e)
    for oy in 0..<outHeight {
        var ox = 0
        while ox + 4 <= outWidth {
            for block in 0..<fullBlocks { kernel.fourPixels(oy: oy, ox: ox, channel: block * 8, count: 8, paddedInput, output) }
            if tail > 0 { kernel.fourPixels(oy: oy, ox: ox, channel: fullBlocks * 8, count: tail, paddedInput, output) }
            ox += 4
        }
        while ox < outWidth {
            for block in 0..<fullBlocks { kernel.onePixel(oy: oy, ox: ox, channel: block * 8, count: 8, paddedInput, output) }
            if tail > 0 { kernel.onePixel(oy: oy, ox: ox, channel: fullBlocks * 8, count: tail, paddedInput, output) }
            ox += 1
        }
    }
}

/// The per-layer constants of a depthwise convolution and its two register tiles.
struct DepthwiseBlock {
    let channels: Int
    let paddedChannels: Int
    let paddedWidth: Int
    let outWidth: Int
    let kernelHeight: Int
    let kernelWidth: Int
    let strideY: Int
    let strideX: Int
    let weights: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let residual: UnsafePointer<Float>?
    let epilogue: EpilogueVectors

    @inline(__always)
    init(shape s: ConvolutionShape, paddedChannels: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
         residual: UnsafePointer<Float>?, epilogue: EpilogueVectors) {
        channels = s.inputChannels
        self.paddedChannels = paddedChannels
        paddedWidth = s.paddedWidth
        outWidth = s.outputWidth
        kernelHeight = s.kernelHeight
        kernelWidth = s.kernelWidth
        strideY = s.strideY
        strideX = s.strideX
        self.weights = weights
        self.bias = bias
        self.residual = residual
        self.epilogue = epilogue
    }

    @_transparent
    func load(_ p: UnsafePointer<Float>, _ count: Int) -> Vector8 {
        count == 8 ? load8(p) : loadPartial8(p, count)
    }

    @_transparent
    func finish(_ v: Vector8, pixel: Int, channel: Int, count: Int, _ output: UnsafeMutablePointer<Float>) {
        var v = v
        let at = pixel * channels + channel
        if let residual { v += load(residual + at, count) }
        v = epilogue.apply(v)
        if count == 8 { store8(v, output + at) } else { storePartial8(v, output + at, count) }
    }

    @inline(__always)
    func fourPixels(oy: Int, ox: Int, channel: Int, count: Int, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        let start = bias.map { load($0 + channel, count) } ?? Vector8()
        var a0 = start, a1 = start, a2 = start, a3 = start
        let step = strideX * channels
        for kh in 0..<kernelHeight {
            let row = input + ((oy * strideY + kh) * paddedWidth + ox * strideX) * channels + channel
            let w = weights + kh * kernelWidth * paddedChannels + channel
            for kw in 0..<kernelWidth {
                let weight = load8(w + kw * paddedChannels)
                let p = row + kw * channels
                a0 = multiplyAdd(a0, load(p, count), weight)
                a1 = multiplyAdd(a1, load(p + step, count), weight)
                a2 = multiplyAdd(a2, load(p + 2 * step, count), weight)
                a3 = multiplyAdd(a3, load(p + 3 * step, count), weight)
            }
        }
        let pixel = oy * outWidth + ox
        finish(a0, pixel: pixel, channel: channel, count: count, output)
        finish(a1, pixel: pixel + 1, channel: channel, count: count, output)
        finish(a2, pixel: pixel + 2, channel: channel, count: count, output)
        finish(a3, pixel: pixel + 3, channel: channel, count: count, output)
    }

    @inline(__always)
    func onePixel(oy: Int, ox: Int, channel: Int, count: Int, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        var a = bias.map { load($0 + channel, count) } ?? Vector8()
        for kh in 0..<kernelHeight {
            let row = input + ((oy * strideY + kh) * paddedWidth + ox * strideX) * channels + channel
            let w = weights + kh * kernelWidth * paddedChannels + channel
            for kw in 0..<kernelWidth {
                a = multiplyAdd(a, load(row + kw * channels, count), load8(w + kw * paddedChannels))
            }
        }
        finish(a, pixel: oy * outWidth + ox, channel: channel, count: count, output)
    }
}
