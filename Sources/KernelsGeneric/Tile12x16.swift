// Legend: K the shared dimension of the GEMM tile (see Tile6x16.swift).
// The AVX-512 copy's register tile: 12 rows x 16 columns, one sixteen-lane accumulator per row. Each
// step of K loads one B vector and does 12 FMAs whose broadcast A operand folds into the instruction
// (`vfmadd231ps mem{1to16}`), so 14 of the 32 zmm registers are busy and nothing spills. It reads the
// same 16-column weight panels as the 6x16 tile: packed weights do not depend on the build.
// Compiled only where WIDE_VECTORS is set (the AVX-512 copy and its AVX2-built logic twin).
#if WIDE_VECTORS
import CMemoryHints
import KernelsCore

/// acc + a * b, fused where this copy of the kernels targets FMA hardware (see Tile6x16.swift).
@inline(__always)
private func multiplyAdd(_ acc: Vector16, _ a: Vector16, _ b: Vector16) -> Vector16 {
    #if FUSED_MULTIPLY_ADD
    return acc.addingProduct(a, b)
    #else
    return acc + a * b
    #endif
}

/// Adds one run of K steps to a 12x16 tile: acc[r] += Σ_i rows[r][offset + i] · B[i][0..<16].
/// Non-inlined with the accumulators loaded at entry and stored at exit, for the reason given at
/// `accumulate6x16`.
@inline(never)
func accumulate12x16(_ acc: UnsafeMutablePointer<Vector16>, rows: UnsafePointer<UnsafePointer<Float>>, offset o: Int,
                     length: Int, b: UnsafePointer<Float>, bStride: Int) {
    var c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3], c4 = acc[4], c5 = acc[5]
    var c6 = acc[6], c7 = acc[7], c8 = acc[8], c9 = acc[9], c10 = acc[10], c11 = acc[11]
    let a0 = rows[0] + o, a1 = rows[1] + o, a2 = rows[2] + o, a3 = rows[3] + o, a4 = rows[4] + o, a5 = rows[5] + o
    let a6 = rows[6] + o, a7 = rows[7] + o, a8 = rows[8] + o, a9 = rows[9] + o, a10 = rows[10] + o, a11 = rows[11] + o
    var bp = b
    for i in 0..<length {
        let bv = load16(bp)
        c0 = multiplyAdd(c0, Vector16(repeating: a0[i]), bv)
        c1 = multiplyAdd(c1, Vector16(repeating: a1[i]), bv)
        c2 = multiplyAdd(c2, Vector16(repeating: a2[i]), bv)
        c3 = multiplyAdd(c3, Vector16(repeating: a3[i]), bv)
        c4 = multiplyAdd(c4, Vector16(repeating: a4[i]), bv)
        c5 = multiplyAdd(c5, Vector16(repeating: a5[i]), bv)
        c6 = multiplyAdd(c6, Vector16(repeating: a6[i]), bv)
        c7 = multiplyAdd(c7, Vector16(repeating: a7[i]), bv)
        c8 = multiplyAdd(c8, Vector16(repeating: a8[i]), bv)
        c9 = multiplyAdd(c9, Vector16(repeating: a9[i]), bv)
        c10 = multiplyAdd(c10, Vector16(repeating: a10[i]), bv)
        c11 = multiplyAdd(c11, Vector16(repeating: a11[i]), bv)
        bp += bStride
    }
    acc[0] = c0; acc[1] = c1; acc[2] = c2; acc[3] = c3; acc[4] = c4; acc[5] = c5
    acc[6] = c6; acc[7] = c7; acc[8] = c8; acc[9] = c9; acc[10] = c10; acc[11] = c11
}

/// The last run of K of a tile written once (not accumulated into), for its first `R` rows (4, 8 or 12;
/// `R` is a literal in each caller, so the rows past it fold away): the FMA loop ends straight in bias,
/// residual, activation and the stores, in registers. A one-run tile (1x1 layers, GEMM) computes only
/// the rows it writes, in fours: the late layers of EfficientNet have 25 pixels, which 12-row tiles
/// computed as 36. Same operations in the same order as `accumulate12x16` + `store12x16`, so the
/// results are identical. `acc` holds the earlier runs' sums, or is nil for a tile starting from zero.
@inline(__always)
private func accumulateStoreRows(
    _ R: Int, _ acc: UnsafePointer<Vector16>?, rows: UnsafePointer<UnsafePointer<Float>>, offset o: Int, length: Int,
    b: UnsafePointer<Float>, bStride: Int, outputs: UnsafePointer<UnsafeMutablePointer<Float>>, columns: Int,
    bias: UnsafePointer<Float>?, residuals: UnsafePointer<UnsafePointer<Float>>?, epilogue: Epilogue
) {
    var c0 = Vector16(), c1 = Vector16(), c2 = Vector16(), c3 = Vector16(), c4 = Vector16(), c5 = Vector16()
    var c6 = Vector16(), c7 = Vector16(), c8 = Vector16(), c9 = Vector16(), c10 = Vector16(), c11 = Vector16()
    if let acc {
        c0 = acc[0]; c1 = acc[1]; c2 = acc[2]; c3 = acc[3]
        if R > 4 { c4 = acc[4]; c5 = acc[5]; c6 = acc[6]; c7 = acc[7] }
        if R > 8 { c8 = acc[8]; c9 = acc[9]; c10 = acc[10]; c11 = acc[11] }
    }
    let a0 = rows[0] + o, a1 = rows[1] + o, a2 = rows[2] + o, a3 = rows[3] + o
    let a4 = rows[R > 4 ? 4 : 0] + o, a5 = rows[R > 4 ? 5 : 0] + o, a6 = rows[R > 4 ? 6 : 0] + o, a7 = rows[R > 4 ? 7 : 0] + o
    let a8 = rows[R > 8 ? 8 : 0] + o, a9 = rows[R > 8 ? 9 : 0] + o, a10 = rows[R > 8 ? 10 : 0] + o, a11 = rows[R > 8 ? 11 : 0] + o
    @_transparent func step(_ i: Int, _ bv: Vector16) {
        c0 = multiplyAdd(c0, Vector16(repeating: a0[i]), bv)
        c1 = multiplyAdd(c1, Vector16(repeating: a1[i]), bv)
        c2 = multiplyAdd(c2, Vector16(repeating: a2[i]), bv)
        c3 = multiplyAdd(c3, Vector16(repeating: a3[i]), bv)
        if R > 4 {
            c4 = multiplyAdd(c4, Vector16(repeating: a4[i]), bv)
            c5 = multiplyAdd(c5, Vector16(repeating: a5[i]), bv)
            c6 = multiplyAdd(c6, Vector16(repeating: a6[i]), bv)
            c7 = multiplyAdd(c7, Vector16(repeating: a7[i]), bv)
        }
        if R > 8 {
            c8 = multiplyAdd(c8, Vector16(repeating: a8[i]), bv)
            c9 = multiplyAdd(c9, Vector16(repeating: a9[i]), bv)
            c10 = multiplyAdd(c10, Vector16(repeating: a10[i]), bv)
            c11 = multiplyAdd(c11, Vector16(repeating: a11[i]), bv)
        }
    }
    if length <= prefetchSteps && bStride == tileColumns {
        // Short runs of packed panels (1x1 layers with few input channels): with no prefetch and a constant
        // stride all 12 row pointers stay in registers (4 were reloaded from the stack every step). Measured on
        // EfficientNet-Lite0 (Zen 4): its per-step sums 4.76-4.98 -> 4.62-4.66 ms. Long runs were not helped
        // by the same change (their layers were 1-6 % slower).
        for i in 0..<length { step(i, load16(b + i &* tileColumns)) }
    } else {
        var bp = b
        let ahead = length > prefetchSteps ? prefetchSteps * bStride : 0
        for i in 0..<length {
            let bv = load16(bp)
            agritrace_prefetch(bp + ahead)
            step(i, bv)
            bp += bStride
        }
    }
    // Not `bias.map`: it was compiled as a call, and every accumulator was spilled around it.
    var biasVector = Vector16()
    if let bias { biasVector = columns == 16 ? load16(bias) : loadPartial16(bias, columns) }
    let e = EpilogueVectors16(epilogue)
    finishRow(c0, biasVector, residuals?[0], outputs[0], columns, e)
    finishRow(c1, biasVector, residuals?[1], outputs[1], columns, e)
    finishRow(c2, biasVector, residuals?[2], outputs[2], columns, e)
    finishRow(c3, biasVector, residuals?[3], outputs[3], columns, e)
    if R > 4 {
        finishRow(c4, biasVector, residuals?[4], outputs[4], columns, e)
        finishRow(c5, biasVector, residuals?[5], outputs[5], columns, e)
        finishRow(c6, biasVector, residuals?[6], outputs[6], columns, e)
        finishRow(c7, biasVector, residuals?[7], outputs[7], columns, e)
    }
    if R > 8 {
        finishRow(c8, biasVector, residuals?[8], outputs[8], columns, e)
        finishRow(c9, biasVector, residuals?[9], outputs[9], columns, e)
        finishRow(c10, biasVector, residuals?[10], outputs[10], columns, e)
        finishRow(c11, biasVector, residuals?[11], outputs[11], columns, e)
    }
}

/// One finished row of 1...16 columns: sum + bias (+ residual), activation, store.
@_transparent
private func finishRow(_ sum: Vector16, _ bias: Vector16, _ residual: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>,
                       _ columns: Int, _ e: EpilogueVectors16) {
    var v = sum + bias
    if let residual { v += columns == 16 ? load16(residual) : loadPartial16(residual, columns) }
    if columns == 16 { store16(e.apply(v), out) } else { storePartial16(e.apply(v), out, columns) }
}

// One entry point per row count, each passing a literal: a single entry point taking the count
// as a parameter was compiled as one loop that tested the count at every step of K.
@inline(never)
func accumulateStore12x16(_ acc: UnsafePointer<Vector16>?, rows: UnsafePointer<UnsafePointer<Float>>, offset: Int, length: Int,
                          b: UnsafePointer<Float>, bStride: Int, outputs: UnsafePointer<UnsafeMutablePointer<Float>>, columns: Int,
                          bias: UnsafePointer<Float>?, residuals: UnsafePointer<UnsafePointer<Float>>?, epilogue: Epilogue) {
    accumulateStoreRows(12, acc, rows: rows, offset: offset, length: length, b: b, bStride: bStride, outputs: outputs,
                        columns: columns, bias: bias, residuals: residuals, epilogue: epilogue)
}

@inline(never)
func accumulateStore8x16(rows: UnsafePointer<UnsafePointer<Float>>, offset: Int, length: Int,
                         b: UnsafePointer<Float>, bStride: Int, outputs: UnsafePointer<UnsafeMutablePointer<Float>>, columns: Int,
                         bias: UnsafePointer<Float>?, residuals: UnsafePointer<UnsafePointer<Float>>?, epilogue: Epilogue) {
    accumulateStoreRows(8, nil, rows: rows, offset: offset, length: length, b: b, bStride: bStride, outputs: outputs,
                        columns: columns, bias: bias, residuals: residuals, epilogue: epilogue)
}

@inline(never)
func accumulateStore4x16(rows: UnsafePointer<UnsafePointer<Float>>, offset: Int, length: Int,
                         b: UnsafePointer<Float>, bStride: Int, outputs: UnsafePointer<UnsafeMutablePointer<Float>>, columns: Int,
                         bias: UnsafePointer<Float>?, residuals: UnsafePointer<UnsafePointer<Float>>?, epilogue: Epilogue) {
    accumulateStoreRows(4, nil, rows: rows, offset: offset, length: length, b: b, bStride: bStride, outputs: outputs,
                        columns: columns, bias: bias, residuals: residuals, epilogue: epilogue)
}

/// Writes a finished 12x16 tile: C = (C if accumulating) + sum + bias (+ residual), then the activation.
/// Only the first `columns` (1...16) columns are read and written.
@inline(never)
func store12x16(_ acc: UnsafePointer<Vector16>, outputs: UnsafePointer<UnsafeMutablePointer<Float>>, columns: Int,
                bias: UnsafePointer<Float>?, residuals: UnsafePointer<UnsafePointer<Float>>?,
                accumulate: Bool, epilogue: Epilogue) {
    let e = EpilogueVectors16(epilogue)
    if columns == 16 {
        var biasVector = Vector16()
        if let bias { biasVector = load16(bias) }
        for r in 0..<12 {
            let out = outputs[r]
            var v = acc[r] + biasVector
            if accumulate { v += load16(out) }
            if let residual = residuals?[r] { v += load16(residual) }
            store16(e.apply(v), out)
        }
    } else {
        var biasVector = Vector16()
        if let bias { biasVector = loadPartial16(bias, columns) }
        for r in 0..<12 {
            let out = outputs[r]
            var v = acc[r] + biasVector
            if accumulate { v += loadPartial16(out, columns) }
            if let residual = residuals?[r] { v += loadPartial16(residual, columns) }
            storePartial16(e.apply(v), out, columns)
        }
    }
}
#endif
