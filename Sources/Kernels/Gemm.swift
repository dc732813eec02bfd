import KernelsAVX2
import KernelsAVX512
import KernelsGeneric

/// C[M×N] = A[M×K] · B[K×N] (+ C when `accumulate`), row-major with leading dimensions: the fast twin of
/// `gemmReference`, register-blocked 6x16 with SIMD8, dispatched to the best compiled variant.
/// Results may differ from the reference by float rounding only (summation in K order, fused or not).
public func gemm(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool
) {
    precondition(m >= 0 && n >= 0 && k >= 0 && lda >= k && ldb >= n && ldc >= n, "gemm: bad dimensions")
    switch KernelISA.active {
    case .avx512: KernelsAVX512.gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
    case .avx2: KernelsAVX2.gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
    case .generic: KernelsGeneric.gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
    }
}
