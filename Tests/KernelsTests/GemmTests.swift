import Testing
import Kernels
import TestSupport

@Suite struct GemmTests {
    /// Sizes just under, at and over the 6x16 and 12x16 register tiles and the 72-row block, K from 0 up.
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 1, 0), (5, 15, 3), (6, 16, 7), (7, 17, 1), (13, 33, 17), (1, 64, 64),
        (73, 31, 9), (12, 48, 100), (2, 5, 300), (150, 20, 11), (11, 16, 5), (12, 16, 3), (25, 47, 9),
        // Last tiles of 1 to 4 rows and last panels of 1 to 8 columns (the narrow 4x16 and 6x8 tiles).
        (4, 24, 13), (10, 40, 2), (16, 8, 21), (3, 16, 5), (9, 39, 6), (8, 23, 30),
    ]

    @Test(arguments: Variant.runnable)
    func matchesReferenceOnOddShapes(variant: Variant) {
        var rng = SeededGenerator(seed: 42)
        for (m, n, k) in Self.shapes {
            for accumulate in [false, true] {
                // Leading dimensions larger than the row length catch indexing by the wrong stride.
                let lda = k + 3, ldb = n + 5, ldc = n + 2
                let a = rng.floats(m * lda), b = rng.floats(max(k, 1) * ldb), c0 = rng.floats(m * ldc)
                var expected = c0, magnitude = c0.map(abs), actual = c0
                gemmReference(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &expected, ldc: ldc, accumulate: accumulate)
                if !accumulate { magnitude = [Float](repeating: 0, count: c0.count) }
                gemmReference(m: m, n: n, k: k, a: a.map(abs), lda: lda, b: b.map(abs), ldb: ldb, c: &magnitude, ldc: ldc,
                              accumulate: accumulate)
                variant.gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &actual, ldc: ldc, accumulate: accumulate)
                let tolerance = TensorComparison.summationTolerance(terms: k + 1, magnitude: magnitude)
                let mismatch = TensorComparison.firstMismatch(
                    expected: expected, actual: actual, tolerance: tolerance,
                    context: "\(variant) gemm m \(m) n \(n) k \(k) accumulate \(accumulate)")
                #expect(mismatch == nil, "\(mismatch ?? "")")
            }
        }
    }

    @Test(.enabled(if: Variant.avx512Runs, Variant.avx512Skip))
    func matchesReferenceOnOddShapesAVX512() { matchesReferenceOnOddShapes(variant: .avx512) }

    @Test func dispatchedGemmMatchesReference() {
        var rng = SeededGenerator(seed: 7)
        let m = 9, n = 21, k = 35
        let a = rng.floats(m * k), b = rng.floats(k * n)
        var expected = [Float](repeating: 0, count: m * n), actual = expected
        gemmReference(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &expected, ldc: n, accumulate: false)
        gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &actual, ldc: n, accumulate: false)
        let mismatch = TensorComparison.firstMismatch(expected: expected, actual: actual, absoluteTolerance: 1e-4,
                                                      context: "gemm \(KernelISA.active)")
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }
}
