import Kernels
import KernelsAVX2
import KernelsGeneric

/// Every compiled copy of the SIMD kernels this machine can run. Tests check each copy against the
/// reference, so the portable build is verified on AVX2 machines too.
enum Variant: String, CaseIterable, CustomStringConvertible {
    case generic, avx2

    static var runnable: [Variant] {
        allCases.filter { KernelISA.isSupported($0 == .avx2 ? .avx2 : .generic) }
    }

    var description: String { rawValue }

    func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        switch self {
        case .generic: KernelsGeneric.gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
        case .avx2: KernelsAVX2.gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
        }
    }

    /// `input` is padded (`padNHWC`) for the implicit GEMM and unpadded for the depthwise kernel.
    func convolution(shape: ConvolutionShape, input: UnsafePointer<Float>, packedWeights: UnsafePointer<Float>,
                     bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, epilogue: Epilogue,
                     output: UnsafeMutablePointer<Float>) {
        switch (self, shape.isDepthwise) {
        case (.generic, false):
            KernelsGeneric.convolutionNHWC(shape: shape, paddedInput: input, packedWeights: packedWeights,
                                           bias: bias, residual: residual, epilogue: epilogue, output: output)
        case (.avx2, false):
            KernelsAVX2.convolutionNHWC(shape: shape, paddedInput: input, packedWeights: packedWeights,
                                        bias: bias, residual: residual, epilogue: epilogue, output: output)
        case (.generic, true):
            KernelsGeneric.depthwiseConvolutionNHWC(shape: shape, input: input, packedWeights: packedWeights,
                                                    bias: bias, residual: residual, epilogue: epilogue, output: output)
        case (.avx2, true):
            KernelsAVX2.depthwiseConvolutionNHWC(shape: shape, input: input, packedWeights: packedWeights,
                                                 bias: bias, residual: residual, epilogue: epilogue, output: output)
        }
    }

    func maxPool(shape: PoolShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic: KernelsGeneric.maxPoolNHWC(shape: shape, input: input, output: output)
        case .avx2: KernelsAVX2.maxPoolNHWC(shape: shape, input: input, output: output)
        }
    }

    func averagePool(shape: PoolShape, countIncludePad: Bool, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic: KernelsGeneric.averagePoolNHWC(shape: shape, countIncludePad: countIncludePad, input: input, output: output)
        case .avx2: KernelsAVX2.averagePoolNHWC(shape: shape, countIncludePad: countIncludePad, input: input, output: output)
        }
    }

    func globalAveragePool(pixels: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic: KernelsGeneric.globalAveragePoolNHWC(pixels: pixels, channels: channels, input: input, output: output)
        case .avx2: KernelsAVX2.globalAveragePoolNHWC(pixels: pixels, channels: channels, input: input, output: output)
        }
    }

    func addActivate(count: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, epilogue: Epilogue,
                     output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic: KernelsGeneric.addActivate(count: count, a: a, b: b, epilogue: epilogue, output: output)
        case .avx2: KernelsAVX2.addActivate(count: count, a: a, b: b, epilogue: epilogue, output: output)
        }
    }

    func activate(count: Int, input: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic: KernelsGeneric.activate(count: count, input: input, epilogue: epilogue, output: output)
        case .avx2: KernelsAVX2.activate(count: count, input: input, epilogue: epilogue, output: output)
        }
    }

    func scaleShift(pixels: Int, channels: Int, input: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                    shift: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic:
            KernelsGeneric.scaleShiftNHWC(pixels: pixels, channels: channels, input: input, scale: scale, shift: shift,
                                          epilogue: epilogue, output: output)
        case .avx2:
            KernelsAVX2.scaleShiftNHWC(pixels: pixels, channels: channels, input: input, scale: scale, shift: shift,
                                       epilogue: epilogue, output: output)
        }
    }
}
