import Kernels

// Row-major float32 routines shared by the layers. The GEMM itself is the engine's kernel.

/// C[M×N] = A[M×K] · B[K×N] (+ C when `accumulate`).
@inline(__always)
func matmul(m: Int, n: Int, k: Int,
            a: UnsafePointer<Float>, lda: Int,
            b: UnsafePointer<Float>, ldb: Int,
            c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        return
    }
    gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
}

/// dst[j, i] = src[i, j] for a rows×cols block; blocked so both sides stay in cache.
func transpose(rows: Int, cols: Int,
               _ src: UnsafePointer<Float>, ldSrc: Int,
               _ dst: UnsafeMutablePointer<Float>, ldDst: Int) {
    let block = 32
    var i0 = 0
    while i0 < rows {
        let i1 = min(i0 + block, rows)
        var j0 = 0
        while j0 < cols {
            let j1 = min(j0 + block, cols)
            for i in i0..<i1 {
                for j in j0..<j1 { dst[j * ldDst + i] = src[i * ldSrc + j] }
            }
            j0 = j1
        }
        i0 = i1
    }
}
