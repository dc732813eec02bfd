// Legend: M rows of A and C, N columns of B and C, K the shared dimension; for convolutions P output
// pixels (OH*OW, flattened), C channels, G groups, KH/KW kernel extent.
// The register tile is 6 rows x 16 columns: 12 eight-lane accumulators, two B vectors and one
// broadcast A value fill 15 of the 16 ymm registers of AVX2. The AVX-512 copy (WIDE_VECTORS) uses a
// 12 x 16 tile of sixteen-lane accumulators instead (Tile12x16.swift) over the same 16-column panels.
// GEMM and convolution share the tile, so they live in one file (debug builds only inline within a file).
// Convolution is an implicit GEMM in NHWC: each output pixel is a row of A gathered from the padded
// input (no im2col buffer), the packed weights are B in 16-column panels, 6 pixels per tile.
import CMemoryHints
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

#if WIDE_VECTORS
let tileRows = 12
#else
let tileRows = 6
#endif
let tileColumns = 16
/// Floats of one tile's accumulators (and of the scratch rows that absorb a ragged last tile).
let tileFloats = tileRows * tileColumns
/// Bytes of packed weights a convolution keeps hot while it sweeps every pixel tile: half of a
/// 512 KB L2 (the smallest per-core L2 of the x86-64 CPUs we run on).
let weightBlockBytes = 256 << 10
/// Runs of K longer than this prefetch the weights this many steps ahead (4 KB of 16-column panel):
/// late 1x1 layers read their weights from L3, and the hardware prefetcher stops at every 4 KB page.
/// Shorter runs find their panel in L1 already.
let prefetchSteps = 64

#if !WIDE_VECTORS
/// Adds one run of K steps to a 6x16 tile: acc[2r], acc[2r+1] += Σ_i rows[r][offset + i] · B[i][0..<16].
/// Its own non-inlined function with the accumulators loaded at entry and stored at exit: with any loop
/// around it (over kernel rows), LLVM keeps more values live than the 16 ymm registers and spills
/// accumulators inside the hot loop (measured: 12 against 85 GFLOP/s).
@inline(never)
func accumulate6x16(_ acc: UnsafeMutablePointer<Vector8>, rows: UnsafePointer<UnsafePointer<Float>>, offset o: Int,
                    length: Int, b: UnsafePointer<Float>, bStride: Int) {
    var c00 = acc[0], c01 = acc[1], c10 = acc[2], c11 = acc[3], c20 = acc[4], c21 = acc[5]
    var c30 = acc[6], c31 = acc[7], c40 = acc[8], c41 = acc[9], c50 = acc[10], c51 = acc[11]
    let a0 = rows[0] + o, a1 = rows[1] + o, a2 = rows[2] + o, a3 = rows[3] + o, a4 = rows[4] + o, a5 = rows[5] + o
    var bp = b
    let ahead = length > prefetchSteps ? prefetchSteps * bStride : 0
    for i in 0..<length {
        let b0 = load8(bp), b1 = load8(bp + 8)
        agritrace_prefetch(bp + ahead)
        var x = Vector8(repeating: a0[i])
        c00 = multiplyAdd(c00, x, b0); c01 = multiplyAdd(c01, x, b1)
        x = Vector8(repeating: a1[i])
        c10 = multiplyAdd(c10, x, b0); c11 = multiplyAdd(c11, x, b1)
        x = Vector8(repeating: a2[i])
        c20 = multiplyAdd(c20, x, b0); c21 = multiplyAdd(c21, x, b1)
        x = Vector8(repeating: a3[i])
        c30 = multiplyAdd(c30, x, b0); c31 = multiplyAdd(c31, x, b1)
        x = Vector8(repeating: a4[i])
        c40 = multiplyAdd(c40, x, b0); c41 = multiplyAdd(c41, x, b1)
        x = Vector8(repeating: a5[i])
        c50 = multiplyAdd(c50, x, b0); c51 = multiplyAdd(c51, x, b1)
        bp += bStride
    }
    acc[0] = c00; acc[1] = c01; acc[2] = c10; acc[3] = c11; acc[4] = c20; acc[5] = c21
    acc[6] = c30; acc[7] = c31; acc[8] = c40; acc[9] = c41; acc[10] = c50; acc[11] = c51
}

/// `accumulate6x16` for the first 4 rows only (acc[0..<8]).
@inline(never)
func accumulate4x16(_ acc: UnsafeMutablePointer<Vector8>, rows: UnsafePointer<UnsafePointer<Float>>, offset o: Int,
                    length: Int, b: UnsafePointer<Float>, bStride: Int) {
    var c00 = acc[0], c01 = acc[1], c10 = acc[2], c11 = acc[3], c20 = acc[4], c21 = acc[5], c30 = acc[6], c31 = acc[7]
    let a0 = rows[0] + o, a1 = rows[1] + o, a2 = rows[2] + o, a3 = rows[3] + o
    var bp = b
    let ahead = length > prefetchSteps ? prefetchSteps * bStride : 0
    for i in 0..<length {
        let b0 = load8(bp), b1 = load8(bp + 8)
        agritrace_prefetch(bp + ahead)
        var x = Vector8(repeating: a0[i])
        c00 = multiplyAdd(c00, x, b0); c01 = multiplyAdd(c01, x, b1)
        x = Vector8(repeating: a1[i])
        c10 = multiplyAdd(c10, x, b0); c11 = multiplyAdd(c11, x, b1)
        x = Vector8(repeating: a2[i])
        c20 = multiplyAdd(c20, x, b0); c21 = multiplyAdd(c21, x, b1)
        x = Vector8(repeating: a3[i])
        c30 = multiplyAdd(c30, x, b0); c31 = multiplyAdd(c31, x, b1)
        bp += bStride
    }
    acc[0] = c00; acc[1] = c01; acc[2] = c10; acc[3] = c11; acc[4] = c20; acc[5] = c21; acc[6] = c30; acc[7] = c31
}

/// The last run of K of a tile whose 16 columns are all written and not accumulated into: `accumulate6x16`
/// and `store6x16` in one pass, so the accumulators go from the FMA loop to bias, residual, activation
/// and memory in registers instead of through the stack. With a short K (1x1 layers with 16 to 40
/// input channels) that round trip and the two calls cost as much as the FMAs. Same operations in the
/// same order as the two-step path, so the results are identical.
@inline(never)
func accumulateStore6x16(_ acc: UnsafePointer<Vector8>, fromZero: Bool, rows: UnsafePointer<UnsafePointer<Float>>, offset o: Int,
                         length: Int, b: UnsafePointer<Float>, bStride: Int,
                         outputs: UnsafePointer<UnsafeMutablePointer<Float>>, bias: UnsafePointer<Float>?,
                         residuals: UnsafePointer<UnsafePointer<Float>>?, epilogue: Epilogue) {
    var c00 = Vector8(), c01 = Vector8(), c10 = Vector8(), c11 = Vector8(), c20 = Vector8(), c21 = Vector8()
    var c30 = Vector8(), c31 = Vector8(), c40 = Vector8(), c41 = Vector8(), c50 = Vector8(), c51 = Vector8()
    if !fromZero {
        c00 = acc[0]; c01 = acc[1]; c10 = acc[2]; c11 = acc[3]; c20 = acc[4]; c21 = acc[5]
        c30 = acc[6]; c31 = acc[7]; c40 = acc[8]; c41 = acc[9]; c50 = acc[10]; c51 = acc[11]
    }
    let a0 = rows[0] + o, a1 = rows[1] + o, a2 = rows[2] + o, a3 = rows[3] + o, a4 = rows[4] + o, a5 = rows[5] + o
    var bp = b
    let ahead = length > prefetchSteps ? prefetchSteps * bStride : 0
    for i in 0..<length {
        let b0 = load8(bp), b1 = load8(bp + 8)
        agritrace_prefetch(bp + ahead)
        var x = Vector8(repeating: a0[i])
        c00 = multiplyAdd(c00, x, b0); c01 = multiplyAdd(c01, x, b1)
        x = Vector8(repeating: a1[i])
        c10 = multiplyAdd(c10, x, b0); c11 = multiplyAdd(c11, x, b1)
        x = Vector8(repeating: a2[i])
        c20 = multiplyAdd(c20, x, b0); c21 = multiplyAdd(c21, x, b1)
        x = Vector8(repeating: a3[i])
        c30 = multiplyAdd(c30, x, b0); c31 = multiplyAdd(c31, x, b1)
        x = Vector8(repeating: a4[i])
        c40 = multiplyAdd(c40, x, b0); c41 = multiplyAdd(c41, x, b1)
        x = Vector8(repeating: a5[i])
        c50 = multiplyAdd(c50, x, b0); c51 = multiplyAdd(c51, x, b1)
        bp += bStride
    }
    var biasLow = Vector8(), biasHigh = Vector8()
    if let bias { biasLow = load8(bias); biasHigh = load8(bias + 8) }
    let e = EpilogueVectors(epilogue)
    finishRow16(c00, c01, biasLow, biasHigh, residuals?[0], outputs[0], e)
    finishRow16(c10, c11, biasLow, biasHigh, residuals?[1], outputs[1], e)
    finishRow16(c20, c21, biasLow, biasHigh, residuals?[2], outputs[2], e)
    finishRow16(c30, c31, biasLow, biasHigh, residuals?[3], outputs[3], e)
    finishRow16(c40, c41, biasLow, biasHigh, residuals?[4], outputs[4], e)
    finishRow16(c50, c51, biasLow, biasHigh, residuals?[5], outputs[5], e)
}

/// One finished row of 16 columns: sum + bias (+ residual), activation, store. Transparent: a nested function
/// and an `@inline(__always)` one were both compiled as a call per row, with the vectors passed in halves.
@_transparent
private func finishRow16(_ low: Vector8, _ high: Vector8, _ biasLow: Vector8, _ biasHigh: Vector8,
                         _ residual: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>, _ e: EpilogueVectors) {
    var low = low + biasLow, high = high + biasHigh
    if let residual { low += load8(residual); high += load8(residual + 8) }
    store8(e.apply(low), out)
    store8(e.apply(high), out + 8)
}

/// `accumulateStore6x16` for a tile of at most 4 rows (one run of K from zero): the ragged last pixel tile
/// of a layer (4 rows whenever the pixel count is a power of 4 from 16 up) computes only rows it writes,
/// not 6. Eight accumulators still cover the FMA latency.
@inline(never)
func accumulateStore4x16(rows: UnsafePointer<UnsafePointer<Float>>, offset o: Int, length: Int,
                         b: UnsafePointer<Float>, bStride: Int, outputs: UnsafePointer<UnsafeMutablePointer<Float>>,
                         bias: UnsafePointer<Float>?, residuals: UnsafePointer<UnsafePointer<Float>>?, epilogue: Epilogue) {
    var c00 = Vector8(), c01 = Vector8(), c10 = Vector8(), c11 = Vector8()
    var c20 = Vector8(), c21 = Vector8(), c30 = Vector8(), c31 = Vector8()
    let a0 = rows[0] + o, a1 = rows[1] + o, a2 = rows[2] + o, a3 = rows[3] + o
    var bp = b
    let ahead = length > prefetchSteps ? prefetchSteps * bStride : 0
    for i in 0..<length {
        let b0 = load8(bp), b1 = load8(bp + 8)
        agritrace_prefetch(bp + ahead)
        var x = Vector8(repeating: a0[i])
        c00 = multiplyAdd(c00, x, b0); c01 = multiplyAdd(c01, x, b1)
        x = Vector8(repeating: a1[i])
        c10 = multiplyAdd(c10, x, b0); c11 = multiplyAdd(c11, x, b1)
        x = Vector8(repeating: a2[i])
        c20 = multiplyAdd(c20, x, b0); c21 = multiplyAdd(c21, x, b1)
        x = Vector8(repeating: a3[i])
        c30 = multiplyAdd(c30, x, b0); c31 = multiplyAdd(c31, x, b1)
        bp += bStride
    }
    var biasLow = Vector8(), biasHigh = Vector8()
    if let bias { biasLow = load8(bias); biasHigh = load8(bias + 8) }
    let e = EpilogueVectors(epilogue)
    finishRow16(c00, c01, biasLow, biasHigh, residuals?[0], outputs[0], e)
    finishRow16(c10, c11, biasLow, biasHigh, residuals?[1], outputs[1], e)
    finishRow16(c20, c21, biasLow, biasHigh, residuals?[2], outputs[2], e)
    finishRow16(c30, c31, biasLow, biasHigh, residuals?[3], outputs[3], e)
}

/// A 6-row tile of at most 8 columns (one run of K from zero): the last panel of a layer whose output
/// channels leave 1...8 over a multiple of 16 (24, 40, ...) multiplies only the half it writes.
@inline(never)
func accumulateStore6x8(rows: UnsafePointer<UnsafePointer<Float>>, offset o: Int, length: Int,
                        b: UnsafePointer<Float>, bStride: Int, outputs: UnsafePointer<UnsafeMutablePointer<Float>>,
                        columns: Int, bias: UnsafePointer<Float>?, residuals: UnsafePointer<UnsafePointer<Float>>?,
                        epilogue: Epilogue) {
    var c0 = Vector8(), c1 = Vector8(), c2 = Vector8(), c3 = Vector8(), c4 = Vector8(), c5 = Vector8()
    let a0 = rows[0] + o, a1 = rows[1] + o, a2 = rows[2] + o, a3 = rows[3] + o, a4 = rows[4] + o, a5 = rows[5] + o
    var bp = b
    for i in 0..<length {
        let b0 = load8(bp)
        c0 = multiplyAdd(c0, Vector8(repeating: a0[i]), b0)
        c1 = multiplyAdd(c1, Vector8(repeating: a1[i]), b0)
        c2 = multiplyAdd(c2, Vector8(repeating: a2[i]), b0)
        c3 = multiplyAdd(c3, Vector8(repeating: a3[i]), b0)
        c4 = multiplyAdd(c4, Vector8(repeating: a4[i]), b0)
        c5 = multiplyAdd(c5, Vector8(repeating: a5[i]), b0)
        bp += bStride
    }
    // Not `bias.map`: compiled as a call, it spilled every vector register around it.
    var biasVector = Vector8()
    if let bias { biasVector = loadPartial8(bias, columns) }
    let e = EpilogueVectors(epilogue)
    finishRow8(c0, biasVector, residuals?[0], outputs[0], columns, e)
    finishRow8(c1, biasVector, residuals?[1], outputs[1], columns, e)
    finishRow8(c2, biasVector, residuals?[2], outputs[2], columns, e)
    finishRow8(c3, biasVector, residuals?[3], outputs[3], columns, e)
    finishRow8(c4, biasVector, residuals?[4], outputs[4], columns, e)
    finishRow8(c5, biasVector, residuals?[5], outputs[5], columns, e)
}

/// One finished row of 1...8 columns (see `finishRow16`).
@_transparent
private func finishRow8(_ sum: Vector8, _ bias: Vector8, _ residual: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>,
                        _ columns: Int, _ e: EpilogueVectors) {
    var v = sum + bias
    if let residual { v += columns == 8 ? load8(residual) : loadPartial8(residual, columns) }
    if columns == 8 { store8(e.apply(v), out) } else { storePartial8(e.apply(v), out, columns) }
}

#endif

/// Computes one tile (`tileRows` x 16) of C from rows of A gathered in segments, then applies bias, residual,
/// the accumulate flag and the activation. Row r of A is the concatenation over s of
/// `rows[r] + segmentOffsets[s] ..< + segmentLength`; B advances by `bStride` per step of K.
/// Only the first `columns` (1...16) columns are read from bias/residual/C and written, and only the first
/// `rowCount` rows carry results (the others point at scratch and may be skipped).
@inline(__always)
func tile(
    rows: UnsafePointer<UnsafePointer<Float>>,
    segmentOffsets: UnsafePointer<Int>, segmentCount: Int, segmentLength: Int,
    b: UnsafePointer<Float>, bStride: Int,
    outputs: UnsafePointer<UnsafeMutablePointer<Float>>, columns: Int, rowCount: Int,
    bias: UnsafePointer<Float>?, residuals: UnsafePointer<UnsafePointer<Float>>?,
    accumulate: Bool, epilogue: Epilogue,
    accumulators: UnsafeMutableRawPointer
) {
    #if WIDE_VECTORS
    let acc = accumulators.bindMemory(to: Vector16.self, capacity: tileRows)
    if !accumulate && segmentCount > 0 {
        // Written once: the last run of K ends in the stores; a one-run tile computes only its rows, in fours.
        if segmentCount == 1 && rowCount <= 8 {
            if rowCount <= 4 {
                accumulateStore4x16(rows: rows, offset: segmentOffsets[0], length: segmentLength, b: b, bStride: bStride,
                                    outputs: outputs, columns: columns, bias: bias, residuals: residuals, epilogue: epilogue)
            } else {
                accumulateStore8x16(rows: rows, offset: segmentOffsets[0], length: segmentLength, b: b, bStride: bStride,
                                    outputs: outputs, columns: columns, bias: bias, residuals: residuals, epilogue: epilogue)
            }
            return
        }
        for s in 0..<(segmentCount - 1) {
            if s == 0 { acc.update(repeating: Vector16(), count: tileRows) }
            accumulate12x16(acc, rows: rows, offset: segmentOffsets[s], length: segmentLength,
                            b: b + s * segmentLength * bStride, bStride: bStride)
        }
        let last = segmentCount - 1
        accumulateStore12x16(last == 0 ? nil : UnsafePointer(acc), rows: rows, offset: segmentOffsets[last], length: segmentLength,
                             b: b + last * segmentLength * bStride, bStride: bStride, outputs: outputs, columns: columns,
                             bias: bias, residuals: residuals, epilogue: epilogue)
        return
    }
    acc.update(repeating: Vector16(), count: tileRows)
    for s in 0..<segmentCount {
        accumulate12x16(acc, rows: rows, offset: segmentOffsets[s], length: segmentLength,
                        b: b + s * segmentLength * bStride, bStride: bStride)
    }
    store12x16(acc, outputs: outputs, columns: columns, bias: bias, residuals: residuals, accumulate: accumulate,
               epilogue: epilogue)
    #else
    let acc = accumulators.bindMemory(to: Vector8.self, capacity: 2 * tileRows)
    if segmentCount == 1 && !accumulate && (rowCount <= 4 && columns == tileColumns || columns <= 8) {
        // Narrow tiles of a one-run K (1x1 layers, GEMM): only the rows and columns written are computed.
        if columns <= 8 {
            accumulateStore6x8(rows: rows, offset: segmentOffsets[0], length: segmentLength, b: b, bStride: bStride,
                               outputs: outputs, columns: columns, bias: bias, residuals: residuals, epilogue: epilogue)
        } else {
            accumulateStore4x16(rows: rows, offset: segmentOffsets[0], length: segmentLength, b: b, bStride: bStride,
                                outputs: outputs, bias: bias, residuals: residuals, epilogue: epilogue)
        }
        return
    }
    if columns == tileColumns && !accumulate && segmentCount > 0 {
        // Whole tile written once: the last segment's FMA loop ends straight in the stores.
        for s in 0..<(segmentCount - 1) {
            if s == 0 { acc.update(repeating: Vector8(), count: 2 * tileRows) }
            accumulate6x16(acc, rows: rows, offset: segmentOffsets[s], length: segmentLength,
                           b: b + s * segmentLength * bStride, bStride: bStride)
        }
        let last = segmentCount - 1
        accumulateStore6x16(acc, fromZero: last == 0, rows: rows, offset: segmentOffsets[last], length: segmentLength,
                            b: b + last * segmentLength * bStride, bStride: bStride,
                            outputs: outputs, bias: bias, residuals: residuals, epilogue: epilogue)
        return
    }
    acc.update(repeating: Vector8(), count: 2 * tileRows)
    for s in 0..<segmentCount {
        accumulate6x16(acc, rows: rows, offset: segmentOffsets[s], length: segmentLength,
                       b: b + s * segmentLength * bStride, bStride: bStride)
    }
    store6x16(acc, outputs: outputs, columns: columns, bias: bias, residuals: residuals, accumulate: accumulate,
              epilogue: epilogue)
    #endif
}

#if !WIDE_VECTORS
/// Writes a finished tile: C = (C if accumulating) + sum + bias (+ residual), then the activation.
@inline(never)
func store6x16(_ acc: UnsafePointer<Vector8>, outputs: UnsafePointer<UnsafeMutablePointer<Float>>, columns: Int,
               bias: UnsafePointer<Float>?, residuals: UnsafePointer<UnsafePointer<Float>>?,
               accumulate: Bool, epilogue: Epilogue) {
    var biasLow = Vector8(), biasHigh = Vector8()
    if let bias {
        if columns == 16 {
            biasLow = load8(bias); biasHigh = load8(bias + 8)
        } else {
            biasLow = loadPartial8(bias, columns); biasHigh = loadPartial8(bias + 8, columns - 8)
        }
    }
    let e = EpilogueVectors(epilogue)
    if columns == 16 {
        for r in 0..<tileRows {
            let out = outputs[r]
            var low = acc[2 * r] + biasLow, high = acc[2 * r + 1] + biasHigh
            if accumulate { low += load8(out); high += load8(out + 8) }
            if let residual = residuals?[r] { low += load8(residual); high += load8(residual + 8) }
            store8(e.apply(low), out)
            store8(e.apply(high), out + 8)
        }
    } else {
        for r in 0..<tileRows {
            let out = outputs[r]
            var low = acc[2 * r] + biasLow, high = acc[2 * r + 1] + biasHigh
            if accumulate { low += loadPartial8(out, columns); high += loadPartial8(out + 8, columns - 8) }
            if let residual = residuals?[r] {
                low += loadPartial8(residual, columns); high += loadPartial8(residual + 8, columns - 8)
            }
            storePartial8(e.apply(low), out, columns)
            storePartial8(e.apply(high), out + 8, columns - 8)
        }
    }
}
#endif

/// C[M×N] = A[M×K] · B[K×N] (+ C when `accumulate`): the fast twin of `gemmReference`.
/// Row-major with leading dimensions. B is read in place, 16 columns at a time; only a ragged last
/// column panel is copied (zero-padded) so loads never run past B.
@inline(never)
public func gemm(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool
) {
    guard m > 0, n > 0 else { return }
    let blockRows = 72  // rows of A kept hot in L2 while every B panel streams past them
    let tailColumns = n % tileColumns
    withUnsafeTemporaryAllocation(of: Float.self, capacity: tailColumns > 0 ? max(k, 1) * tileColumns : 1) { tailPanel in
        if tailColumns > 0 {
            let start = n - tailColumns
            for p in 0..<k {
                for j in 0..<tileColumns {
                    tailPanel[p * tileColumns + j] = j < tailColumns ? b[p * ldb + start + j] : 0
                }
            }
        }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 1) { offsets in
            offsets[0] = 0
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: tileRows) { rows in
                withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: tileRows) { outs in
                    withUnsafeTemporaryAllocation(byteCount: 2 * tileFloats * 4, alignment: 64) { raw in
                        let accumulators = raw.baseAddress!
                        let scratch = (accumulators + tileFloats * 4).bindMemory(to: Float.self, capacity: tileFloats)
                        scratch.initialize(repeating: 0, count: tileFloats)
                        var blockStart = 0
                        while blockStart < m {
                            let blockEnd = min(m, blockStart + blockRows)
                            var j0 = 0
                            while j0 < n {
                                let columns = min(tileColumns, n - j0)
                                let panel = columns == tileColumns ? UnsafePointer(b + j0) : UnsafePointer(tailPanel.baseAddress!)
                                let panelStride = columns == tileColumns ? ldb : tileColumns
                                var i0 = blockStart
                                while i0 < blockEnd {
                                    let valid = min(tileRows, blockEnd - i0)
                                    for r in 0..<tileRows {
                                        if r < valid {
                                            rows[r] = a + (i0 + r) * lda
                                            outs[r] = c + (i0 + r) * ldc + j0
                                        } else {
                                            rows[r] = a + i0 * lda
                                            outs[r] = scratch + r * tileColumns
                                        }
                                    }
                                    tile(rows: UnsafePointer(rows.baseAddress!), segmentOffsets: UnsafePointer(offsets.baseAddress!),
                                             segmentCount: 1, segmentLength: k, b: panel, bStride: panelStride,
                                             outputs: UnsafePointer(outs.baseAddress!), columns: columns, rowCount: valid,
                                             bias: nil, residuals: nil, accumulate: accumulate, epilogue: .identity,
                                             accumulators: accumulators)
                                    i0 += tileRows
                                }
                                j0 += tileColumns
                            }
                            blockStart = blockEnd
                        }
                    }
                }
            }
        }
    }
}


/// Convolution of one NHWC image by weights packed with `packConvolutionWeights`.
/// - paddedInput: [Hp][Wp][C], already carrying the zero border (`shape.paddedHeight/Width`).
/// - bias: [Cout] or nil. residual: [OH][OW][Cout] added before the activation, or nil.
/// - output: [OH][OW][Cout].
@inline(never)
public func convolutionNHWC(
    shape s: ConvolutionShape,
    paddedInput: UnsafePointer<Float>,
    packedWeights: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?,
    residual: UnsafePointer<Float>?,
    epilogue: Epilogue,
    output: UnsafeMutablePointer<Float>
) {
    let channels = s.inputChannels, outChannels = s.outputChannels
    let inPerGroup = s.inputChannelsPerGroup, outPerGroup = s.outputChannelsPerGroup
    let paddedWidth = s.paddedWidth, outWidth = s.outputWidth
    let pixels = s.outputHeight * outWidth
    let panels = (outPerGroup + tileColumns - 1) / tileColumns
    let taps = s.kernelHeight * s.kernelWidth
    // With one group a kernel row's taps are contiguous in NHWC, so one segment covers KW*C values.
    let mergeRows = s.groups == 1
    let segmentCount = mergeRows ? s.kernelHeight : taps
    let segmentLength = mergeRows ? s.kernelWidth * channels : inPerGroup
    let panelSize = taps * inPerGroup * tileColumns
    // One stack block for everything per call: the accumulators, scratch rows for the ragged last
    // tile, the segment offsets and the row/output/residual pointer arrays.
    let floats = 2 * tileFloats
    let bytes = floats * 4 + segmentCount * 8 + 3 * tileRows * 8
    withUnsafeTemporaryAllocation(byteCount: bytes, alignment: 64) { raw in
        let base = raw.baseAddress!
        let accumulators = base
        let scratch = (base + tileFloats * 4).bindMemory(to: Float.self, capacity: tileFloats)
        scratch.initialize(repeating: 0, count: tileFloats)
        let offsets = (base + floats * 4).bindMemory(to: Int.self, capacity: segmentCount)
        let pointerBase = base + floats * 4 + segmentCount * 8
        let rows = pointerBase.bindMemory(to: UnsafePointer<Float>.self, capacity: tileRows)
        let outs = (pointerBase + tileRows * 8).bindMemory(to: UnsafeMutablePointer<Float>.self, capacity: tileRows)
        let residualRows = (pointerBase + 2 * tileRows * 8).bindMemory(to: UnsafePointer<Float>.self, capacity: tileRows)
        for kh in 0..<s.kernelHeight {
            if mergeRows {
                offsets[kh] = kh * paddedWidth * channels
            } else {
                for kw in 0..<s.kernelWidth { offsets[kh * s.kernelWidth + kw] = (kh * paddedWidth + kw) * channels }
            }
        }
        let rowStep = s.strideY * paddedWidth * channels, columnStep = s.strideX * channels
        // Panels are visited in blocks whose weights fit in L2, each block over every pixel tile. With all
        // panels in one pass (the simple order), a layer whose weights exceed L2 (late 1x1 layers of
        // EfficientNet: 1152x192 floats = 884 KB) streamed them all from L3 once per pixel tile.
        // When the whole input is smaller than that block (late layers: few pixels, many weights), it is the
        // operand to keep in cache instead: panels outermost, each read once and used by every pixel tile
        // while it is in L1, so a layer's weights cross the memory bus once per image, not once per block sweep.
        let inputBytes = s.paddedHeight * paddedWidth * channels * 4
        let panelsPerBlock = inputBytes <= weightBlockBytes ? 1 : max(1, weightBlockBytes / (panelSize * 4))
        #if !WIDE_VECTORS
        // Few pixels and a long K (late 1x1 layers: 16 or 64 pixels, 192 to 1152 input channels): K is cut into
        // runs of `chunkSteps`, and each run of a panel serves every pixel tile before the next run is read,
        // so the weights streaming in from memory meet the work of all pixel tiles, not of the first alone.
        // The accumulators of every tile wait in memory between runs; sums keep their order, so results
        // are identical to the unsplit loop.
        let chunkSteps = 128, maxChunkedTiles = 12
        let pixelTiles = (pixels + tileRows - 1) / tileRows
        if panelsPerBlock == 1 && s.groups == 1 && segmentCount == 1 && segmentLength > chunkSteps && pixelTiles <= maxChunkedTiles {
            convolutionInKRuns(pixelTiles: pixelTiles, pixels: pixels, chunkSteps: chunkSteps, k: segmentLength,
                               rowPointer: { p in paddedInput + (p / outWidth) * rowStep + (p % outWidth) * columnStep },
                               panels: panels, panelSize: panelSize, packedWeights: packedWeights, outChannels: outChannels,
                               bias: bias, residual: residual, epilogue: epilogue, output: output,
                               scratch: scratch, outs: outs, residualRows: residualRows)
            return
        }
        #endif
        for g in 0..<s.groups {
            var firstPanel = 0
            while firstPanel < panels {
                let endPanel = min(panels, firstPanel + panelsPerBlock)
                // Output pixel (oy, ox) of the tile's first row, advanced incrementally (no division per pixel).
                var oy = 0, ox = 0
                var p0 = 0
                while p0 < pixels {
                    let valid = min(tileRows, pixels - p0)
                    // Rows past the last valid pixel repeat it (their results go to scratch).
                    var y = oy, x = ox
                    for r in 0..<tileRows {
                        rows[r] = paddedInput + y * rowStep + x * columnStep + g * inPerGroup
                        if r < valid - 1 {
                            x += 1
                            if x == outWidth { x = 0; y += 1 }
                        }
                    }
                    oy = y; ox = x + 1
                    if ox == outWidth { ox = 0; oy += 1 }
                    for q in firstPanel..<endPanel {
                        let column0 = g * outPerGroup + q * tileColumns
                        let columns = min(tileColumns, outPerGroup - q * tileColumns)
                        for r in 0..<tileRows {
                            if r < valid {
                                outs[r] = output + (p0 + r) * outChannels + column0
                                if let residual { residualRows[r] = residual + (p0 + r) * outChannels + column0 }
                            } else {
                                outs[r] = scratch + r * tileColumns
                                residualRows[r] = UnsafePointer(scratch + r * tileColumns)
                            }
                        }
                        tile(rows: UnsafePointer(rows), segmentOffsets: UnsafePointer(offsets),
                                 segmentCount: segmentCount, segmentLength: segmentLength,
                                 b: packedWeights + (g * panels + q) * panelSize, bStride: tileColumns,
                                 outputs: UnsafePointer(outs), columns: columns, rowCount: valid,
                                 bias: bias.map { $0 + column0 },
                                 residuals: residual == nil ? nil : UnsafePointer(residualRows),
                                 accumulate: false, epilogue: epilogue, accumulators: accumulators)
                    }
                    p0 += tileRows
                }
                firstPanel = endPanel
            }
        }
    }
}

#if !WIDE_VECTORS
/// The K-split order of `convolutionNHWC` for one group with one run of K per output: panel by panel,
/// run by run, every pixel tile (see the caller). Tiles of at most 4 valid rows use the 4-row loop.
private func convolutionInKRuns(
    pixelTiles: Int, pixels: Int, chunkSteps: Int, k: Int, rowPointer: (Int) -> UnsafePointer<Float>,
    panels: Int, panelSize: Int, packedWeights: UnsafePointer<Float>, outChannels: Int,
    bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, epilogue: Epilogue, output: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>, outs: UnsafeMutablePointer<UnsafeMutablePointer<Float>>,
    residualRows: UnsafeMutablePointer<UnsafePointer<Float>>
) {
    let accFloats = 2 * tileRows * 8
    withUnsafeTemporaryAllocation(byteCount: pixelTiles * (accFloats * 4 + tileRows * 8), alignment: 64) { raw in
        let base = raw.baseAddress!
        let accumulators = base.bindMemory(to: Vector8.self, capacity: pixelTiles * 2 * tileRows)
        let rows = (base + pixelTiles * accFloats * 4).bindMemory(to: UnsafePointer<Float>.self, capacity: pixelTiles * tileRows)
        for t in 0..<pixelTiles {
            for r in 0..<tileRows { rows[t * tileRows + r] = rowPointer(min(t * tileRows + r, pixels - 1)) }
        }
        for q in 0..<panels {
            let column0 = q * tileColumns, columns = min(tileColumns, outChannels - column0)
            let panel = packedWeights + q * panelSize
            var k0 = 0
            while k0 < k {
                let length = min(chunkSteps, k - k0), last = k0 + length == k
                for t in 0..<pixelTiles {
                    let acc = accumulators + t * 2 * tileRows, tileRowPointers = UnsafePointer(rows + t * tileRows)
                    let p0 = t * tileRows, valid = min(tileRows, pixels - p0)
                    if k0 == 0 { acc.update(repeating: Vector8(), count: 2 * tileRows) }
                    if !last {
                        if valid <= 4 {
                            accumulate4x16(acc, rows: tileRowPointers, offset: k0, length: length, b: panel + k0 * tileColumns, bStride: tileColumns)
                        } else {
                            accumulate6x16(acc, rows: tileRowPointers, offset: k0, length: length, b: panel + k0 * tileColumns, bStride: tileColumns)
                        }
                        continue
                    }
                    for r in 0..<tileRows {
                        if r < valid {
                            outs[r] = output + (p0 + r) * outChannels + column0
                            if let residual { residualRows[r] = residual + (p0 + r) * outChannels + column0 }
                        } else {
                            outs[r] = scratch + r * tileColumns
                            residualRows[r] = UnsafePointer(scratch + r * tileColumns)
                        }
                    }
                    let residuals = residual == nil ? nil : UnsafePointer(residualRows)
                    if columns == tileColumns && valid > 4 {
                        accumulateStore6x16(acc, fromZero: false, rows: tileRowPointers, offset: k0, length: length,
                                            b: panel + k0 * tileColumns, bStride: tileColumns, outputs: UnsafePointer(outs),
                                            bias: bias.map { $0 + column0 }, residuals: residuals, epilogue: epilogue)
                    } else {
                        if valid <= 4 {
                            accumulate4x16(acc, rows: tileRowPointers, offset: k0, length: length, b: panel + k0 * tileColumns, bStride: tileColumns)
                        } else {
                            accumulate6x16(acc, rows: tileRowPointers, offset: k0, length: length, b: panel + k0 * tileColumns, bStride: tileColumns)
                        }
                        store6x16(acc, outputs: UnsafePointer(outs), columns: columns, bias: bias.map { $0 + column0 },
                                  residuals: residuals, accumulate: false, epilogue: epilogue)
                    }
                }
                k0 += length
            }
        }
    }
}
#endif
