import Testing
import Kernels

@Suite struct GemmReferenceTests {
    @Test func multipliesASmallKnownProduct() {
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        let b: [Float] = [7, 8, 9, 10, 11, 12]
        var c = [Float](repeating: 1, count: 4)
        c.withUnsafeMutableBufferPointer { cp in
            gemmReference(m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: cp.baseAddress!, ldc: 2, accumulate: false)
        }
        #expect(c == [58, 64, 139, 154])
        c.withUnsafeMutableBufferPointer { cp in
            gemmReference(m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: cp.baseAddress!, ldc: 2, accumulate: true)
        }
        #expect(c == [116, 128, 278, 308])
    }
}
