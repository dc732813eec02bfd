// Legend: C channels (Cp = C rounded up to 16), H/W input size, KH/KW kernel extent, OH/OW output size.
// Depthwise convolution in NHWC: the channel is the vector lane, so L channels (8, or 16 in the
// AVX-512 copy) of 4 neighbouring output pixels accumulate at once and each weight vector is loaded
// once per 4 pixels.
import CMemoryHints
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
    if let rowKernel = depthwiseRowKernel(kernelWidth: s.kernelWidth, strideX: s.strideX) {
        // One channel vector down the whole image at a time: the input rows a window spans stay in L1 from
        // one output row to the next (with output rows outermost, every other vector's rows came in between
        // and each input line came from L2 once per kernel row).
        let prefetching = s.inputHeight * s.inputWidth <= prefetchedImagePixels
        for block in 0...fullBlocks {
            let count = block < fullBlocks ? laneCount : tail
            if count == 0 { break }
            if prefetching { prefetchLine(after: block * laneCount, s, input, packedWeights, residual, output) }
            for oy in 0..<outHeight {
                // Kernel rows above or below the image are skipped (small late layers are mostly such rows).
                let kernelRows = tapsInside(start: oy * s.strideY - s.padTop, kernel: s.kernelHeight, input: s.inputHeight)
                rowKernel(kernel, oy, kernelRows, block * laneCount, count, input, output)
            }
        }
        return
    }
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

/// Images up to this many pixels have their next channel line prefetched whole (at most 64 KB of input and
/// output lines and the weights, into L2).
let prefetchedImagePixels = 512

/// Asks for the cache lines of the channels after the 64-byte line holding `channel`, at every input pixel,
/// tap, residual and output pixel, once per line (the 8-lane copy reaches each line in two vectors).
/// Measured on EfficientNet-Lite0's 5x5 layers on 5x5 and 10x10 images (Zen 4): a vector's lines, one per
/// pixel and 1-5 KB apart, were often still in L3 when it started, so the median of a layer was twice its
/// best (e.g. 62 against 30 us); with the next line fetched while this one is computed it is within
/// 10 % of the best.
@inline(__always)
private func prefetchLine(after channel: Int, _ s: ConvolutionShape, _ input: UnsafePointer<Float>,
                          _ weights: UnsafePointer<Float>, _ residual: UnsafePointer<Float>?,
                          _ output: UnsafeMutablePointer<Float>) {
    let next = channel + 16, c = s.inputChannels
    guard channel % 16 == 0, next < c else { return }
    for p in 0..<(s.inputHeight * s.inputWidth) { agritrace_prefetch_l2(input + (p * c + next)) }
    for t in 0..<(s.kernelHeight * s.kernelWidth) { agritrace_prefetch_l2(weights + (t * s.depthwisePackedChannels + next)) }
    let outputs = s.outputHeight * s.outputWidth
    if let residual { for p in 0..<outputs { agritrace_prefetch_l2(residual + (p * c + next)) } }
    for p in 0..<outputs { agritrace_prefetch_for_write(output + (p * c + next)) }
}

typealias DepthwiseRowKernel = (DepthwiseBlock, Int, Range<Int>, Int, Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void

/// The row kernel for 5-wide windows at stride 1 or 2 (nil: the 4-pixel and border paths). Measured on
/// EfficientNet-Lite0's layers, it took 5x5 layers from 30-46 to 34-71 GFLOP/s, but 3x3 layers on large maps
/// ran slower than on the 4-pixel paths, whose channel-inner order reads memory in sequence.
func depthwiseRowKernel(kernelWidth: Int, strideX: Int) -> DepthwiseRowKernel? {
    guard kernelWidth == rowKernelWidth else { return nil }
    switch strideX {
    case 1: return depthwiseRow5s1
    case 2: return depthwiseRow5s2
    default: return nil
    }
}

/// The window width the row kernel is written for: its five weights of a kernel row are held in registers.
let rowKernelWidth = 5

// One entry per stride, each passing a literal, so every group's taps unroll into
// straight-line code with the tap of each input column for each output known at compile time.
@inline(never) func depthwiseRow5s1(_ k: DepthwiseBlock, _ oy: Int, _ rows: Range<Int>, _ channel: Int, _ count: Int,
                                     _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
    depthwiseRow(k, strideX: 1, oy: oy, kernelRows: rows, channel: channel, count: count, input, output)
}
@inline(never) func depthwiseRow5s2(_ k: DepthwiseBlock, _ oy: Int, _ rows: Range<Int>, _ channel: Int, _ count: Int,
                                     _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
    depthwiseRow(k, strideX: 2, oy: oy, kernelRows: rows, channel: channel, count: count, input, output)
}

/// Output pixels a row group computes at once.
let depthwiseGroup = 8

/// One output row of one channel vector (`count` lanes from `channel`), eight output pixels at a time. Each
/// input vector of a kernel row is loaded once and used by every output whose window holds it, and the
/// window's weights once per kernel row (17 loads for 40 multiply-adds with 5x5 windows at stride 1, where
/// one load per tap and pixel needed 40 or more). Groups whose windows reach past the left or right edge
/// skip the columns outside the image, as the zero padding would add nothing; each output's products are
/// summed kernel row by kernel row, left to right, as `borderPixel` sums them.
@inline(__always)
func depthwiseRow(_ k: DepthwiseBlock, strideX: Int, oy: Int, kernelRows: Range<Int>, channel: Int,
                  count: Int, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
    // A whole vector's count as a literal: its loads and stores are plain vector ones.
    if count == laneCount {
        depthwiseRowGroups(k, strideX: strideX, oy: oy, kernelRows: kernelRows, channel: channel,
                           count: laneCount, input, output)
    } else {
        depthwiseRowGroups(k, strideX: strideX, oy: oy, kernelRows: kernelRows, channel: channel,
                           count: count, input, output)
    }
}

@_transparent
func depthwiseRowGroups(_ k: DepthwiseBlock, strideX: Int, oy: Int, kernelRows: Range<Int>, channel: Int,
                        count: Int, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
    let span = (depthwiseGroup - 1) * strideX + rowKernelWidth
    var ox = 0
    while ox < k.outWidth {
        let x0 = ox * strideX - k.padLeft
        let outputs = min(depthwiseGroup, k.outWidth - ox)
        if x0 >= 0 && x0 + span <= k.inputWidth {
            depthwiseGroupOfRow(k, strideX: strideX, checked: false, oy: oy, ox: ox, outputs: outputs,
                                kernelRows: kernelRows, channel: channel, count: count, input, output)
        } else {
            depthwiseGroupOfRow(k, strideX: strideX, checked: true, oy: oy, ox: ox, outputs: outputs,
                                kernelRows: kernelRows, channel: channel, count: count, input, output)
        }
        ox += depthwiseGroup
    }
}

@_transparent
func depthwiseGroupOfRow(_ k: DepthwiseBlock, strideX: Int, checked: Bool, oy: Int, ox: Int, outputs: Int,
                         kernelRows: Range<Int>, channel: Int, count: Int, _ input: UnsafePointer<Float>,
                         _ output: UnsafeMutablePointer<Float>) {
    var start = Lanes()
    if let bias = k.bias { start = k.load(bias + channel, count) }
    var a0 = start, a1 = start, a2 = start, a3 = start, a4 = start, a5 = start, a6 = start, a7 = start
    // Wrapping arithmetic: the shape was validated, and overflow checks in this loop cost more than its loads.
    let c = k.channels, wp = k.paddedChannels
    let x0 = ox &* strideX &- k.padLeft
    let span = (depthwiseGroup - 1) * strideX + rowKernelWidth
    var row = input + ((oy &* k.strideY &- k.padTop &+ kernelRows.lowerBound) &* k.rowStride &+ x0 &* c &+ channel)
    var w = k.weights + (kernelRows.lowerBound &* rowKernelWidth &* wp &+ channel)
    for _ in kernelRows {
        let w0 = loadVector(w), w1 = loadVector(w + wp), w2 = loadVector(w + 2 &* wp)
        let w3 = loadVector(w + 3 &* wp), w4 = loadVector(w + 4 &* wp)
        // Written out column by column (19 at most: 5x5 at stride 2): the optimiser left a loop over the
        // columns rolled, choosing each product's weight at run time.
        @_transparent func column(_ j: Int) {
            let x = x0 &+ j
            guard j < span, !checked || (x >= 0 && x < k.inputWidth) else { return }
            let taps = DepthwiseTaps(column: j, strideX: strideX, input: k.load(row + j &* c, count),
                                     w0, w1, w2, w3, w4)
            taps.add(to: &a0, output: 0); taps.add(to: &a1, output: 1); taps.add(to: &a2, output: 2); taps.add(to: &a3, output: 3)
            taps.add(to: &a4, output: 4); taps.add(to: &a5, output: 5); taps.add(to: &a6, output: 6); taps.add(to: &a7, output: 7)
        }
        column(0); column(1); column(2); column(3); column(4); column(5); column(6); column(7); column(8); column(9)
        column(10); column(11); column(12); column(13); column(14); column(15); column(16); column(17); column(18)
        row += k.rowStride
        w += rowKernelWidth &* wp
    }
    let pixel = oy * k.outWidth + ox
    k.finish(a0, pixel: pixel, channel: channel, count: count, output)
    if outputs > 1 { k.finish(a1, pixel: pixel + 1, channel: channel, count: count, output) }
    if outputs > 2 { k.finish(a2, pixel: pixel + 2, channel: channel, count: count, output) }
    if outputs > 3 { k.finish(a3, pixel: pixel + 3, channel: channel, count: count, output) }
    if outputs > 4 { k.finish(a4, pixel: pixel + 4, channel: channel, count: count, output) }
    if outputs > 5 { k.finish(a5, pixel: pixel + 5, channel: channel, count: count, output) }
    if outputs > 6 { k.finish(a6, pixel: pixel + 6, channel: channel, count: count, output) }
    if outputs > 7 { k.finish(a7, pixel: pixel + 7, channel: channel, count: count, output) }
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

/// One input column `column` of a row group and one kernel row's weights: output i's window holds the
/// column at tap `column - i * strideX`.
struct DepthwiseTaps {
    let column: Int
    let strideX: Int
    let input: Lanes
    let w0: Lanes, w1: Lanes, w2: Lanes, w3: Lanes, w4: Lanes

    @_transparent
    init(column: Int, strideX: Int, input: Lanes, _ w0: Lanes, _ w1: Lanes, _ w2: Lanes, _ w3: Lanes, _ w4: Lanes) {
        self.column = column
        self.strideX = strideX
        self.input = input
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3; self.w4 = w4
    }

    @_transparent
    func add(to a: inout Lanes, output i: Int) {
        let tap = column - i * strideX
        guard tap >= 0 && tap < rowKernelWidth else { return }
        let w = tap == 0 ? w0 : tap == 1 ? w1 : tap == 2 ? w2 : tap == 3 ? w3 : w4
        a = multiplyAdd(a, input, w)
    }
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
