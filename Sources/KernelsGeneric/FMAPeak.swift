// A loop of independent fused multiply-adds: what one core can do at best, the yardstick for kernels.
import KernelsCore

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

/// Flops of one round of `fmaPeakLoop`: 12 multiply-adds of this copy's vector width (`Lanes`).
public var fmaPeakFlopsPerIteration: Int { 12 * 2 * laneCount }

/// Runs `iterations` rounds of 12 independent multiply-adds at this copy's vector width
/// (`fmaPeakFlopsPerIteration` flops per round) and returns a value depending on all of them so the
/// work cannot be removed.
@inline(never)
public func fmaPeakLoop(iterations: Int, seed: Float) -> Float {
    let m = Lanes(repeating: 0.999_999), a = Lanes(repeating: 1e-7)
    var c0 = Lanes(repeating: seed), c1 = c0 + 1, c2 = c0 + 2, c3 = c0 + 3, c4 = c0 + 4, c5 = c0 + 5
    var c6 = c0 + 6, c7 = c0 + 7, c8 = c0 + 8, c9 = c0 + 9, c10 = c0 + 10, c11 = c0 + 11
    for _ in 0..<iterations {
        c0 = multiplyAdd(a, c0, m); c1 = multiplyAdd(a, c1, m); c2 = multiplyAdd(a, c2, m)
        c3 = multiplyAdd(a, c3, m); c4 = multiplyAdd(a, c4, m); c5 = multiplyAdd(a, c5, m)
        c6 = multiplyAdd(a, c6, m); c7 = multiplyAdd(a, c7, m); c8 = multiplyAdd(a, c8, m)
        c9 = multiplyAdd(a, c9, m); c10 = multiplyAdd(a, c10, m); c11 = multiplyAdd(a, c11, m)
    }
    let total = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11))
    return total.sum()
}
