import Testing
import Kernels
import TestSupport

@Suite struct PoolingTests {
    static func pool(_ c: Int, _ h: Int, _ w: Int, k: Int, stride: Int, pad: Int) -> PoolShape {
        PoolShape(inputHeight: h, inputWidth: w, channels: c, kernelHeight: k, kernelWidth: k, strideY: stride, strideX: stride,
                  padTop: pad, padLeft: pad, padBottom: pad, padRight: pad)
    }

    static let shapes: [PoolShape] = [
        pool(1, 1, 1, k: 1, stride: 1, pad: 0),
        pool(3, 37, 41, k: 2, stride: 2, pad: 0),
        pool(5, 9, 8, k: 3, stride: 2, pad: 1),
        pool(17, 7, 7, k: 3, stride: 1, pad: 1),
        pool(33, 6, 5, k: 5, stride: 2, pad: 2),
        pool(64, 4, 4, k: 2, stride: 1, pad: 0),
        PoolShape(inputHeight: 5, inputWidth: 7, channels: 9, kernelHeight: 2, kernelWidth: 3, strideY: 1, strideX: 2,
                  padTop: 1, padLeft: 0, padBottom: 0, padRight: 2),
    ]

    @Test(arguments: Variant.runnable)
    func poolsMatchReference(variant: Variant) {
        var rng = SeededGenerator(seed: 3)
        for s in Self.shapes {
            for batch in [1, 7] {
                let inCount = s.channels * s.inputHeight * s.inputWidth
                let outCount = s.channels * s.outputHeight * s.outputWidth
                let input = rng.floats(batch * inCount)
                let inputNHWC = Layout.nchwToNHWC(input, channels: s.channels, height: s.inputHeight, width: s.inputWidth)
                for kind in ["max", "average", "average-include-pad"] {
                    var expected = [Float](repeating: 0, count: batch * outCount), actualNHWC = expected
                    for n in 0..<batch {
                        input.withUnsafeBufferPointer { inp in
                            inputNHWC.withUnsafeBufferPointer { inpNHWC in
                                expected.withUnsafeMutableBufferPointer { e in
                                    actualNHWC.withUnsafeMutableBufferPointer { a in
                                        let i = inp.baseAddress! + n * inCount, iN = inpNHWC.baseAddress! + n * inCount
                                        let o = e.baseAddress! + n * outCount, oN = a.baseAddress! + n * outCount
                                        switch kind {
                                        case "max":
                                            maxPoolReference(shape: s, input: i, output: o)
                                            variant.maxPool(shape: s, input: iN, output: oN)
                                        default:
                                            let include = kind == "average-include-pad"
                                            averagePoolReference(shape: s, countIncludePad: include, input: i, output: o)
                                            variant.averagePool(shape: s, countIncludePad: include, input: iN, output: oN)
                                        }
                                    }
                                }
                            }
                        }
                    }
                    let actual = Layout.nhwcToNCHW(actualNHWC, channels: s.channels, height: s.outputHeight, width: s.outputWidth)
                    // Max is exact; an average of at most 25 values in [-1, 1) is off by a few ulps of 1.
                    let mismatch = TensorComparison.firstMismatch(
                        expected: expected, actual: actual, absoluteTolerance: kind == "max" ? 0 : 1e-6,
                        context: "\(variant) \(kind) \(s) batch \(batch) (NCHW index)")
                    #expect(mismatch == nil, "\(mismatch ?? "")")
                }
            }
        }
    }

    @Test(.enabled(if: Variant.avx512Runs, Variant.avx512Skip))
    func poolsMatchReferenceAVX512() { poolsMatchReference(variant: .avx512) }

    @Test(arguments: Variant.runnable)
    func globalAveragePoolMatchesReference(variant: Variant) {
        var rng = SeededGenerator(seed: 4)
        for (channels, pixels) in [(1, 1), (3, 37 * 41), (5, 9), (17, 16), (33, 1), (64, 49)] {
            let input = rng.floats(channels * pixels)
            var expected = [Float](repeating: 0, count: channels), actual = expected
            globalAveragePoolReference(pixels: pixels, channels: channels, input: input, output: &expected)
            let nhwc = Layout.nchwToNHWC(input, channels: channels, height: pixels, width: 1)
            variant.globalAveragePool(pixels: pixels, channels: channels, input: nhwc, output: &actual)
            // A float32 running sum of n values in [-1, 1) is within γ_n·n of the exact sum; divided by n.
            let tolerance = Float(pixels + 1) * Float.ulpOfOne
            let mismatch = TensorComparison.firstMismatch(expected: expected, actual: actual, absoluteTolerance: tolerance,
                                                          context: "\(variant) global average pool C \(channels) pixels \(pixels)")
            #expect(mismatch == nil, "\(mismatch ?? "")")
        }
    }

    @Test(.enabled(if: Variant.avx512Runs, Variant.avx512Skip))
    func globalAveragePoolMatchesReferenceAVX512() { globalAveragePoolMatchesReference(variant: .avx512) }
}
