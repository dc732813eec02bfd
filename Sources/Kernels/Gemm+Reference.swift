// Legend: M rows of A and C, N columns of B and C, K the shared dimension.
// All matrices are row-major float32 with explicit leading dimensions (elements between rows).

/// C[M×N] = A[M×K] · B[K×N] (+ C when `accumulate`), textbook loops: the twin every fast GEMM is
/// tested against. Accumulates in Double so the reference is more accurate than what it checks.
public func gemmReference(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool
) {
    for i in 0..<m {
        for j in 0..<n {
            var sum: Double = accumulate ? Double(c[i * ldc + j]) : 0
            for p in 0..<k { sum += Double(a[i * lda + p]) * Double(b[p * ldb + j]) }
            c[i * ldc + j] = Float(sum)
        }
    }
}
