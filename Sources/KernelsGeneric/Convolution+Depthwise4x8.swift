// Legend: C channels (Cp = C rounded up to 16), H/W input size, KH/KW kernel extent, OH/OW output size.
// Depthwise convolution in NHWC: the channel is the vector lane, so L channels (8, or 16 in the
// AVX-512 copy) of 4 neighbouring output pixels accumulate at once and each weight vector is loaded
// once per 4 pixels.
import KernelsCore

#if WIDE_VECTORS
typealias Lanes = Vector16
typealias LaneEpilogue = EpilogueVectors16
@_transparent private func loadVector(_ p: UnsafePointer<Float>) -> Lanes { load16(p) }
@_transparent private func loadPartialVector(_ p: UnsafePointer<Float>, _ n: Int) -> Lanes { loadPartial16(p, n) }
@_transparent private func storeVector(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) { store16(v, p) }
@_transparent private func storePartialVector(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, _ n: Int) { storePartial16(v, p, n) }
#else
typealias Lanes = Vector8
typealias LaneEpilogue = EpilogueVectors
@_transparent private func loadVector(_ p: UnsafePointer<Float>) -> Lanes { load8(p) }
@_transparent private func loadPartialVector(_ p: UnsafePointer<Float>, _ n: Int) -> Lanes { loadPartial8(p, n) }
@_transparent private func storeVector(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) { store8(v, p) }
@_transparent private func storePartialVector(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, _ n: Int) { storePartial8(v, p, n) }
#endif
var laneCount: Int { Lanes.scalarCount }

/// acc + a * b, fused where this copy of the kernels targets FMA hardware (FUSED_MULTIPLY_ADD). Without
/// hardware FMA, `addingProduct` would be a libm `fmaf` call per lane, so the portable copy multiplies and
/// adds separately. Each kernel file has its own private copy: debug builds compile file by file and
/// would not inline a helper from another file.
@inline(__always)
private func multiplyAdd(_ acc: Lanes, _ a: Lanes, _ b: Lanes) -> Lanes {
    #if FUSED_MULTIPLY_ADD
    return acc.addingProduct(a, b)
    #else
    return acc + a * b
    #endif
}

/// Depthwise convolution (one KHxKW filter per channel) of one NHWC image, reading the unpadded input:
/// taps that fall on the zero border are skipped, so no padded copy of the input is ever made (copying
/// every depthwise input cost EfficientNet about a tenth of its time).
/// - input: [H][W][C]. packedWeights: [KH*KW][Cp] (zero lanes past C; Cp = `depthwisePackedChannels`).
/// - bias: [C] or nil. residual: [OH][OW][C] or nil. output: [OH][OW][C].
@inline(never)
public func depthwiseConvolutionNHWC(
    shape s: ConvolutionShape,
    input: UnsafePointer<Float>,
    packedWeights: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?,
    residual: UnsafePointer<Float>?,
    epilogue: Epilogue,
    output: UnsafeMutablePointer<Float>
) {
    let c = s.inputChannels, paddedChannels = s.depthwisePackedChannels
    let fullBlocks = c / laneCount, tail = c - fullBlocks * laneCount
    let outWidth = s.outputWidth, outHeight = s.outputHeight
    let e = LaneEpilogue(epilogue)
    let kernel = DepthwiseBlock(shape: s, paddedChannels: paddedChannels, weights: packedWeights,
                                bias: bias, residual: residual, epilogue: e)
    // Output rows and columns whose whole window lies inside the image take the unchecked paths.
    let columns = interiorRange(outputs: outWidth, input: s.inputWidth, kernel: s.kernelWidth, stride: s.strideX, pad: s.padLeft)
    let rows = interiorRange(outputs: outHeight, input: s.inputHeight, kernel: s.kernelHeight, stride: s.strideY, pad: s.padTop)
    let rowKernel3x3 = s.kernelHeight == 3 && s.kernelWidth == 3 && fullBlocks > 0
    for oy in 0..<outHeight {
        for ox in 0..<columns.lowerBound { kernel.borderPixel(oy: oy, ox: ox, fullBlocks: fullBlocks, tail: tail, input, output) }
        if !rows.contains(oy) {
            // A row whose windows reach above or below the image: its interior columns still take the 4-pixel
            // path over the kernel rows that exist (small late layers are mostly such rows).
            let y0 = oy * s.strideY - s.padTop
            let kernelRows = tapsInside(start: y0, kernel: s.kernelHeight, input: s.inputHeight)
            var ox = columns.lowerBound
            while ox + 4 <= columns.upperBound {
                for block in 0..<fullBlocks {
                    kernel.fourPixels(oy: oy, ox: ox, channel: block * laneCount, count: laneCount, kernelRows: kernelRows, input, output)
                }
                if tail > 0 { kernel.fourPixels(oy: oy, ox: ox, channel: fullBlocks * laneCount, count: tail, kernelRows: kernelRows, input, output) }
                ox += 4
            }
            while ox < columns.upperBound {
                kernel.borderPixel(oy: oy, ox: ox, fullBlocks: fullBlocks, tail: tail, input, output)
                ox += 1
            }
        } else {
            // Interior columns four at a time; the 1 to 3 left over take the per-pixel path, whose four
            // channel vectors at a time hide the FMA latency (one vector at a time waited on it at every tap).
            let fourEnd = columns.lowerBound + (columns.count / 4) * 4
            if rowKernel3x3 {
                // The common 3x3 case: the 9 weight vectors of a channel block stay in registers along a row.
                for block in 0..<fullBlocks {
                    depthwise3x3Row(kernel, oy: oy, columns: columns.lowerBound..<fourEnd, channel: block * laneCount, input, output)
                }
                if tail > 0 {
                    for ox in columns.lowerBound..<fourEnd { kernel.onePixel(oy: oy, ox: ox, channel: fullBlocks * laneCount, count: tail, input, output) }
                }
            } else {
                let allRows = 0..<s.kernelHeight
                for ox in stride(from: columns.lowerBound, to: fourEnd, by: 4) {
                    for block in 0..<fullBlocks {
                        kernel.fourPixels(oy: oy, ox: ox, channel: block * laneCount, count: laneCount, kernelRows: allRows, input, output)
                    }
                    if tail > 0 { kernel.fourPixels(oy: oy, ox: ox, channel: fullBlocks * laneCount, count: tail, kernelRows: allRows, input, output) }
                }
            }
            for ox in fourEnd..<columns.upperBound { kernel.borderPixel(oy: oy, ox: ox, fullBlocks: fullBlocks, tail: tail, input, output) }
        }
        for ox in columns.upperBound..<outWidth { kernel.borderPixel(oy: oy, ox: ox, fullBlocks: fullBlocks, tail: tail, input, output) }
    }
}

/// The taps t in 0..<kernel of a window starting at `start` (negative in the padding) that fall inside
/// 0..<input; empty, never inverted, for a window wholly in the padding (padding larger than the kernel).
@inline(__always)
func tapsInside(start: Int, kernel: Int, input: Int) -> Range<Int> {
    let first = min(kernel, max(0, -start))
    return first..<max(first, min(kernel, input - start))
}

/// The outputs o in 0..<outputs whose window o*stride - pad ..< + kernel lies inside 0..<input
/// (an empty range, placed at the first such o, when none does).
func interiorRange(outputs: Int, input: Int, kernel: Int, stride: Int, pad: Int) -> Range<Int> {
    let first = min(outputs, (pad + stride - 1) / stride)
    let lastStart = input - kernel + pad  // the largest o*stride allowed
    let end = lastStart < 0 ? first : max(first, min(outputs, lastStart / stride + 1))
    return first..<end
}

/// One output row of a 3x3 depthwise convolution for one vector of channels over interior columns (a multiple
/// of 4 of them): weights loaded once, four output pixels per step (each input vector is loaded once per kernel row and used by every
/// tap it meets).
@inline(never)
private func depthwise3x3Row(_ k: DepthwiseBlock, oy: Int, columns: Range<Int>, channel: Int, _ input: UnsafePointer<Float>,
                             _ output: UnsafeMutablePointer<Float>) {
    let c = k.channels, wp = k.paddedChannels
    let w = k.weights + channel
    let w00 = loadVector(w), w01 = loadVector(w + wp), w02 = loadVector(w + 2 * wp)
    let w10 = loadVector(w + 3 * wp), w11 = loadVector(w + 4 * wp), w12 = loadVector(w + 5 * wp)
    let w20 = loadVector(w + 6 * wp), w21 = loadVector(w + 7 * wp), w22 = loadVector(w + 8 * wp)
    var start = Lanes()
    if let bias = k.bias { start = loadVector(bias + channel) }
    let step = k.strideX * c, rowStride = k.rowStride
    let row0 = input + (oy * k.strideY - k.padTop) * rowStride + channel
    var ox = columns.lowerBound
    while ox + 4 <= columns.upperBound {
        var a0 = start, a1 = start, a2 = start, a3 = start
        var p = row0 + (ox * k.strideX - k.padLeft) * c
        taps3(p, step: step, c: c, w00, w01, w02, &a0, &a1, &a2, &a3)
        p += rowStride
        taps3(p, step: step, c: c, w10, w11, w12, &a0, &a1, &a2, &a3)
        p += rowStride
        taps3(p, step: step, c: c, w20, w21, w22, &a0, &a1, &a2, &a3)
        let pixel = oy * k.outWidth + ox
        k.finish(a0, pixel: pixel, channel: channel, count: laneCount, output)
        k.finish(a1, pixel: pixel + 1, channel: channel, count: laneCount, output)
        k.finish(a2, pixel: pixel + 2, channel: channel, count: laneCount, output)
        k.finish(a3, pixel: pixel + 3, channel: channel, count: laneCount, output)
        ox += 4
    }
}

/// One kernel row's three taps for four output pixels `step` floats apart.
@_transparent
private func taps3(_ p: UnsafePointer<Float>, step: Int, c: Int, _ w0: Lanes, _ w1: Lanes, _ w2: Lanes,
                   _ a0: inout Lanes, _ a1: inout Lanes, _ a2: inout Lanes, _ a3: inout Lanes) {
    a0 = multiplyAdd(a0, loadVector(p), w0)
    a0 = multiplyAdd(a0, loadVector(p + c), w1)
    a0 = multiplyAdd(a0, loadVector(p + 2 * c), w2)
    a1 = multiplyAdd(a1, loadVector(p + step), w0)
    a1 = multiplyAdd(a1, loadVector(p + step + c), w1)
    a1 = multiplyAdd(a1, loadVector(p + step + 2 * c), w2)
    a2 = multiplyAdd(a2, loadVector(p + 2 * step), w0)
    a2 = multiplyAdd(a2, loadVector(p + 2 * step + c), w1)
    a2 = multiplyAdd(a2, loadVector(p + 2 * step + 2 * c), w2)
    a3 = multiplyAdd(a3, loadVector(p + 3 * step), w0)
    a3 = multiplyAdd(a3, loadVector(p + 3 * step + c), w1)
    a3 = multiplyAdd(a3, loadVector(p + 3 * step + 2 * c), w2)
}

/// The per-layer constants of a depthwise convolution and its two register tiles.
struct DepthwiseBlock {
    let channels: Int
    let paddedChannels: Int
    let inputHeight: Int
    let inputWidth: Int
    /// Floats from one input row to the next (W·C).
    let rowStride: Int
    let padTop: Int
    let padLeft: Int
    let outWidth: Int
    let kernelHeight: Int
    let kernelWidth: Int
    let strideY: Int
    let strideX: Int
    let weights: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let residual: UnsafePointer<Float>?
    let epilogue: LaneEpilogue

    @inline(__always)
    init(shape s: ConvolutionShape, paddedChannels: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
         residual: UnsafePointer<Float>?, epilogue: LaneEpilogue) {
        channels = s.inputChannels
        self.paddedChannels = paddedChannels
        inputHeight = s.inputHeight
        inputWidth = s.inputWidth
        rowStride = s.inputWidth * s.inputChannels
        padTop = s.padTop
        padLeft = s.padLeft
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
    func load(_ p: UnsafePointer<Float>, _ count: Int) -> Lanes {
        count == laneCount ? loadVector(p) : loadPartialVector(p, count)
    }

    @_transparent
    func finish(_ v: Lanes, pixel: Int, channel: Int, count: Int, _ output: UnsafeMutablePointer<Float>) {
        var v = v
        let at = pixel * channels + channel
        if let residual { v += load(residual + at, count) }
        v = epilogue.apply(v)
        if count == laneCount { storeVector(v, output + at) } else { storePartialVector(v, output + at, count) }
    }

    /// Four output pixels `strideX` apart whose windows lie inside the image horizontally, over the kernel
    /// rows `kernelRows` (all of them, or those inside the image for a row at the top or bottom border).
    @inline(__always)
    func fourPixels(oy: Int, ox: Int, channel: Int, count: Int, kernelRows: Range<Int>, _ input: UnsafePointer<Float>,
                    _ output: UnsafeMutablePointer<Float>) {
        // Not `bias.map`: compiled as a call, it spilled every vector register around it.
        var start = Lanes()
        if let bias { start = load(bias + channel, count) }
        var a0 = start, a1 = start, a2 = start, a3 = start
        let step = strideX * channels
        for kh in kernelRows {
            let row = input + (oy * strideY - padTop + kh) * rowStride + (ox * strideX - padLeft) * channels + channel
            let w = weights + kh * kernelWidth * paddedChannels + channel
            for kw in 0..<kernelWidth {
                let weight = loadVector(w + kw * paddedChannels)
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
        var a = Lanes()
        if let bias { a = load(bias + channel, count) }
        for kh in 0..<kernelHeight {
            let row = input + (oy * strideY - padTop + kh) * rowStride + (ox * strideX - padLeft) * channels + channel
            let w = weights + kh * kernelWidth * paddedChannels + channel
            for kw in 0..<kernelWidth {
                a = multiplyAdd(a, load(row + kw * channels, count), loadVector(w + kw * paddedChannels))
            }
        }
        finish(a, pixel: oy * outWidth + ox, channel: channel, count: count, output)
    }

    /// Every channel of one output pixel whose window reaches the zero border: taps outside the image
    /// are skipped (they would add 0·w).
    @inline(never)
    func borderPixel(oy: Int, ox: Int, fullBlocks: Int, tail: Int, _ input: UnsafePointer<Float>,
                     _ output: UnsafeMutablePointer<Float>) {
        let y0 = oy * strideY - padTop, x0 = ox * strideX - padLeft
        let rows = tapsInside(start: y0, kernel: kernelHeight, input: inputHeight)
        let columns = tapsInside(start: x0, kernel: kernelWidth, input: inputWidth)
        let pixel = oy * outWidth + ox
        // Full blocks with the count a constant, so their loads and stores are plain vector ones; four blocks at
        // a time, so four independent sums hide the FMA latency (one sum at a time waited on it at every tap,
        // and small late layers, e.g. 5x5 windows over a 4x4 or 8x8 image, are mostly border pixels).
        var block = 0
        while block + 4 <= fullBlocks {
            borderBlocks4(y0: y0, x0: x0, rows: rows, columns: columns, pixel: pixel, channel: block * laneCount, input, output)
            block += 4
        }
        while block < fullBlocks {
            borderBlock(y0: y0, x0: x0, rows: rows, columns: columns, pixel: pixel, channel: block * laneCount, count: laneCount, input, output)
            block += 1
        }
        if tail > 0 {
            borderBlock(y0: y0, x0: x0, rows: rows, columns: columns, pixel: pixel, channel: fullBlocks * laneCount, count: tail,
                        input, output)
        }
    }

    /// Four whole channel vectors (`channel` ..< + 4 lanes) of one border pixel.
    @inline(__always)
    func borderBlocks4(y0: Int, x0: Int, rows: Range<Int>, columns: Range<Int>, pixel: Int, channel: Int,
                       _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        let l = laneCount
        var a0 = Lanes(), a1 = Lanes(), a2 = Lanes(), a3 = Lanes()
        if let bias {
            a0 = loadVector(bias + channel); a1 = loadVector(bias + channel + l)
            a2 = loadVector(bias + channel + 2 * l); a3 = loadVector(bias + channel + 3 * l)
        }
        for kh in rows {
            let w = weights + kh * kernelWidth * paddedChannels + channel
            let row = input + (y0 + kh) * rowStride + channel
            for kw in columns {
                let p = row + (x0 + kw) * channels, q = w + kw * paddedChannels
                a0 = multiplyAdd(a0, loadVector(p), loadVector(q))
                a1 = multiplyAdd(a1, loadVector(p + l), loadVector(q + l))
                a2 = multiplyAdd(a2, loadVector(p + 2 * l), loadVector(q + 2 * l))
                a3 = multiplyAdd(a3, loadVector(p + 3 * l), loadVector(q + 3 * l))
            }
        }
        finish(a0, pixel: pixel, channel: channel, count: l, output)
        finish(a1, pixel: pixel, channel: channel + l, count: l, output)
        finish(a2, pixel: pixel, channel: channel + 2 * l, count: l, output)
        finish(a3, pixel: pixel, channel: channel + 3 * l, count: l, output)
    }

    @inline(__always)
    func borderBlock(y0: Int, x0: Int, rows: Range<Int>, columns: Range<Int>, pixel: Int, channel: Int, count: Int,
                     _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        var a = Lanes()
        if let bias { a = load(bias + channel, count) }
        for kh in rows {
            let w = weights + kh * kernelWidth * paddedChannels + channel
            let row = (y0 + kh) * rowStride + channel
            for kw in columns {
                a = multiplyAdd(a, load(input + row + (x0 + kw) * channels, count), loadVector(w + kw * paddedChannels))
            }
        }
        finish(a, pixel: pixel, channel: channel, count: count, output)
    }
}
