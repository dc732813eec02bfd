import Testing
import Kernels
import KernelsAVX2
import KernelsAVX512
import KernelsGeneric
import KernelsWideOnAVX2

/// Every compiled copy of the SIMD kernels. Tests check each copy against the reference, so the
/// portable build is verified on AVX2 machines too, and the AVX-512 copy's 16-lane code (tiles, tails,
/// packing) is verified through its AVX2-built twin `wideOnAVX2` on machines without AVX-512.
enum Variant: String, CaseIterable, CustomStringConvertible {
    case generic, avx2, wideOnAVX2, avx512

    /// The instruction set a variant's code needs.
    var isa: KernelISA {
        switch self {
        case .generic: .generic
        case .avx2, .wideOnAVX2: .avx2
        case .avx512: .avx512
        }
    }

    /// Variants that run in the parameterised tests. The AVX-512 copy has tests of its own, enabled
    /// only where the CPU and OS support it, so elsewhere they show up as skipped, with `avx512Skip`.
    static var runnable: [Variant] {
        allCases.filter { $0 != .avx512 && KernelISA.isSupported($0.isa) }
    }

    static var avx512Runs: Bool { KernelISA.isSupported(.avx512) }
    static let avx512Skip: Comment = "this CPU or OS lacks AVX-512 F/BW/VL/DQ with ZMM state enabled in XCR0"

    var description: String { rawValue }

    func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        switch self {
        case .generic: KernelsGeneric.gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
        case .avx512: KernelsAVX512.gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
        case .wideOnAVX2: KernelsWideOnAVX2.gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
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
        case (.avx512, false):
            KernelsAVX512.convolutionNHWC(shape: shape, paddedInput: input, packedWeights: packedWeights,
                                          bias: bias, residual: residual, epilogue: epilogue, output: output)
        case (.wideOnAVX2, false):
            KernelsWideOnAVX2.convolutionNHWC(shape: shape, paddedInput: input, packedWeights: packedWeights,
                                              bias: bias, residual: residual, epilogue: epilogue, output: output)
        case (.avx2, false):
            KernelsAVX2.convolutionNHWC(shape: shape, paddedInput: input, packedWeights: packedWeights,
                                        bias: bias, residual: residual, epilogue: epilogue, output: output)
        case (.generic, true):
            KernelsGeneric.depthwiseConvolutionNHWC(shape: shape, input: input, packedWeights: packedWeights,
                                                    bias: bias, residual: residual, epilogue: epilogue, output: output)
        case (.avx512, true):
            KernelsAVX512.depthwiseConvolutionNHWC(shape: shape, input: input, packedWeights: packedWeights,
                                                   bias: bias, residual: residual, epilogue: epilogue, output: output)
        case (.wideOnAVX2, true):
            KernelsWideOnAVX2.depthwiseConvolutionNHWC(shape: shape, input: input, packedWeights: packedWeights,
                                                       bias: bias, residual: residual, epilogue: epilogue, output: output)
        case (.avx2, true):
            KernelsAVX2.depthwiseConvolutionNHWC(shape: shape, input: input, packedWeights: packedWeights,
                                                 bias: bias, residual: residual, epilogue: epilogue, output: output)
        }
    }

    func maxPool(shape: PoolShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic: KernelsGeneric.maxPoolNHWC(shape: shape, input: input, output: output)
        case .avx512: KernelsAVX512.maxPoolNHWC(shape: shape, input: input, output: output)
        case .wideOnAVX2: KernelsWideOnAVX2.maxPoolNHWC(shape: shape, input: input, output: output)
        case .avx2: KernelsAVX2.maxPoolNHWC(shape: shape, input: input, output: output)
        }
    }

    func averagePool(shape: PoolShape, countIncludePad: Bool, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic: KernelsGeneric.averagePoolNHWC(shape: shape, countIncludePad: countIncludePad, input: input, output: output)
        case .avx512: KernelsAVX512.averagePoolNHWC(shape: shape, countIncludePad: countIncludePad, input: input, output: output)
        case .wideOnAVX2: KernelsWideOnAVX2.averagePoolNHWC(shape: shape, countIncludePad: countIncludePad, input: input, output: output)
        case .avx2: KernelsAVX2.averagePoolNHWC(shape: shape, countIncludePad: countIncludePad, input: input, output: output)
        }
    }

    func globalAveragePool(pixels: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic: KernelsGeneric.globalAveragePoolNHWC(pixels: pixels, channels: channels, input: input, output: output)
        case .avx512: KernelsAVX512.globalAveragePoolNHWC(pixels: pixels, channels: channels, input: input, output: output)
        case .wideOnAVX2: KernelsWideOnAVX2.globalAveragePoolNHWC(pixels: pixels, channels: channels, input: input, output: output)
        case .avx2: KernelsAVX2.globalAveragePoolNHWC(pixels: pixels, channels: channels, input: input, output: output)
        }
    }

    func addActivate(count: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, epilogue: Epilogue,
                     output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic: KernelsGeneric.addActivate(count: count, a: a, b: b, epilogue: epilogue, output: output)
        case .avx512: KernelsAVX512.addActivate(count: count, a: a, b: b, epilogue: epilogue, output: output)
        case .wideOnAVX2: KernelsWideOnAVX2.addActivate(count: count, a: a, b: b, epilogue: epilogue, output: output)
        case .avx2: KernelsAVX2.addActivate(count: count, a: a, b: b, epilogue: epilogue, output: output)
        }
    }

    func activate(count: Int, input: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic: KernelsGeneric.activate(count: count, input: input, epilogue: epilogue, output: output)
        case .avx512: KernelsAVX512.activate(count: count, input: input, epilogue: epilogue, output: output)
        case .wideOnAVX2: KernelsWideOnAVX2.activate(count: count, input: input, epilogue: epilogue, output: output)
        case .avx2: KernelsAVX2.activate(count: count, input: input, epilogue: epilogue, output: output)
        }
    }

    func scaleShift(pixels: Int, channels: Int, input: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                    shift: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .generic:
            KernelsGeneric.scaleShiftNHWC(pixels: pixels, channels: channels, input: input, scale: scale, shift: shift,
                                          epilogue: epilogue, output: output)
        case .avx512:
            KernelsAVX512.scaleShiftNHWC(pixels: pixels, channels: channels, input: input, scale: scale, shift: shift,
                                         epilogue: epilogue, output: output)
        case .wideOnAVX2:
            KernelsWideOnAVX2.scaleShiftNHWC(pixels: pixels, channels: channels, input: input, scale: scale, shift: shift,
                                             epilogue: epilogue, output: output)
        case .avx2:
            KernelsAVX2.scaleShiftNHWC(pixels: pixels, channels: channels, input: input, scale: scale, shift: shift,
                                       epilogue: epilogue, output: output)
        }
    }
}
