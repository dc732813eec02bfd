import Testing
import Kernels
import TestSupport

/// Fast NHWC convolutions (implicit GEMM with 6x16 and 12x16 tiles, and depthwise) against the NCHW definition.
@Suite struct ConvolutionTests {
    struct Case: CustomStringConvertible {
        var shape: ConvolutionShape
        var batch: Int
        var epilogue: Epilogue
        var residual: Bool
        var description: String { "\(shape) batch \(batch) residual \(residual) epilogue \(epilogue)" }
    }

    /// `pads` [top, left, bottom, right] overrides the symmetric `pad`.
    static func conv(_ c: Int, _ h: Int, _ w: Int, out: Int, k: Int, stride: Int = 1, pad: Int = 0, pads: [Int]? = nil,
                     groups: Int = 1, batch: Int = 1, epilogue: Epilogue = .identity, residual: Bool = false) -> Case {
        let p = pads ?? [pad, pad, pad, pad]
        return Case(shape: ConvolutionShape(inputHeight: h, inputWidth: w, inputChannels: c, outputChannels: out,
                                            kernelHeight: k, kernelWidth: k, strideY: stride, strideX: stride,
                                            padTop: p[0], padLeft: p[1], padBottom: p[2], padRight: p[3], groups: groups),
                    batch: batch, epilogue: epilogue, residual: residual)
    }

    /// Channels 1, 3, 5, 17, 33, 64; sizes 1x1 to 37x41; strides 1 and 2; padding 0, 1, 2; batch 1 and 7.
    static let denseCases: [Case] = [
        conv(1, 1, 1, out: 1, k: 1),
        conv(3, 9, 11, out: 5, k: 3, pad: 1, batch: 7),
        conv(3, 37, 41, out: 17, k: 3, stride: 2, pad: 1, epilogue: .relu),
        conv(5, 7, 6, out: 33, k: 3, pad: 2, epilogue: .relu6),
        conv(17, 13, 10, out: 16, k: 1, batch: 7),
        conv(33, 8, 9, out: 64, k: 1, stride: 2, epilogue: .leakyRelu(alpha: 0.1)),
        conv(64, 12, 12, out: 17, k: 3, pad: 1, residual: true),
        conv(17, 5, 5, out: 3, k: 5, pad: 2, epilogue: .clip(min: -0.5, max: 0.5)),
        conv(1, 37, 41, out: 64, k: 3, stride: 2, pad: 0),
        conv(33, 3, 2, out: 5, k: 3, pad: 1, batch: 7, residual: true),
        conv(5, 2, 2, out: 1, k: 2, stride: 2),
        conv(64, 6, 6, out: 64, k: 3, stride: 2, pad: 1, epilogue: .relu),
        // Grouped, not depthwise: 2 and 4 groups, and one input channel per group with a multiplier.
        conv(34, 9, 7, out: 10, k: 3, pad: 1, groups: 2),
        conv(64, 7, 5, out: 36, k: 3, stride: 2, pad: 1, groups: 4, epilogue: .relu),
        conv(5, 6, 7, out: 15, k: 3, pad: 1, groups: 5),
        // Weights larger than the kernel's L2 block, so output panels are visited in several blocks
        // (the last one ragged), each over every pixel tile.
        conv(1152, 5, 7, out: 200, k: 1, epilogue: .relu6, residual: true),
        conv(64, 6, 5, out: 130, k: 3, pad: 1, batch: 7),
        // 1x1 layers whose last pixel tile has 1 to 4 rows and whose last panel has 1 to 8 columns (the
        // narrow tiles), with residuals and activations as in inverted-residual blocks.
        conv(40, 4, 4, out: 24, k: 1, epilogue: .relu6, residual: true),
        conv(19, 3, 5, out: 40, k: 1, residual: true),
        conv(7, 2, 1, out: 8, k: 1, epilogue: .relu),
        conv(33, 5, 5, out: 23, k: 1, batch: 7, residual: true),
        conv(24, 8, 8, out: 17, k: 1, epilogue: .relu6),
        conv(16, 1, 3, out: 33, k: 1, stride: 2),
        // Few pixels and K over one 128-step run (K split into runs, every pixel tile per run): K = 300 and 257 in
        // three runs, K = 130 leaving a run of 2; last tiles of 1, 2 and 4 rows; last panels of 8 and 1 columns;
        // a 1x1 layer with stride 2 and padding (so its input is padded).
        conv(300, 4, 4, out: 40, k: 1, epilogue: .relu6, residual: true),
        conv(257, 5, 5, out: 17, k: 1, batch: 7),
        conv(130, 5, 7, out: 33, k: 1, stride: 2, pad: 1, residual: true),
        conv(129, 1, 1, out: 10, k: 1),
        // The 12-row tile's one-run tails of 5 to 8 rows (18 and 20 pixels), one with K over 128 (weights
        // prefetched ahead) and a ragged last panel.
        conv(150, 3, 6, out: 20, k: 1, epilogue: .relu6, residual: true),
        conv(48, 4, 5, out: 16, k: 1, batch: 7),
    ]

    static let depthwiseCases: [Case] = [
        conv(1, 1, 1, out: 1, k: 1, groups: 1),  // groups 1 with one channel: the dense path's smallest case
        conv(3, 37, 41, out: 3, k: 3, pad: 1, groups: 3, batch: 7),
        conv(5, 10, 9, out: 5, k: 3, stride: 2, pad: 1, groups: 5, epilogue: .relu6),
        conv(17, 6, 7, out: 17, k: 3, pad: 0, groups: 17, residual: true),
        conv(33, 11, 13, out: 33, k: 5, stride: 2, pad: 2, groups: 33, epilogue: .relu),
        conv(64, 8, 8, out: 64, k: 3, pad: 1, groups: 64, epilogue: .leakyRelu(alpha: 0.2)),
        conv(64, 3, 5, out: 64, k: 3, stride: 2, pad: 2, groups: 64),
        conv(16, 1, 1, out: 16, k: 3, pad: 1, groups: 16),
        // The register-resident 3x3 path: ragged row ends, stride 2, a channel tail beside full blocks.
        conv(24, 9, 13, out: 24, k: 3, stride: 2, pad: 1, groups: 24, batch: 7, epilogue: .relu6),
        conv(19, 10, 11, out: 19, k: 3, pad: 1, groups: 19, residual: true),
        conv(8, 37, 41, out: 8, k: 3, pad: 0, groups: 8),
        // The depthwise kernel reads the unpadded image and skips border taps: TensorFlow "same" padding
        // (more at the bottom/right), windows wholly in the border, no interior at all, one interior
        // column, interiors just under and over the 4-pixel step, 5x5 at strides 1 and 2, channel tails.
        conv(24, 10, 10, out: 24, k: 3, stride: 2, pads: [0, 0, 1, 1], groups: 24, epilogue: .relu6),
        conv(17, 9, 12, out: 17, k: 5, stride: 2, pads: [1, 1, 2, 2], groups: 17, residual: true),
        conv(40, 11, 9, out: 40, k: 5, stride: 1, pad: 2, groups: 40, batch: 7, epilogue: .relu6),
        conv(9, 2, 3, out: 9, k: 5, pad: 2, groups: 9),
        conv(16, 5, 5, out: 16, k: 5, pad: 2, groups: 16, residual: true),
        conv(8, 4, 6, out: 8, k: 3, pad: 3, groups: 8, epilogue: .relu),
        conv(11, 7, 8, out: 11, k: 3, pads: [2, 0, 0, 2], groups: 11),
        conv(32, 6, 7, out: 32, k: 3, pads: [0, 1, 2, 1], groups: 32, residual: true),
        conv(3, 13, 9, out: 3, k: 5, stride: 2, pads: [2, 1, 1, 2], groups: 3, epilogue: .leakyRelu(alpha: 0.1)),
        // Border pixels take channel vectors four at a time: 9 and 17 eight-lane blocks (4 + 4 + 1, 4 x 4 + 1),
        // a tail beside them, tiny images that are all border, stride 2 with odd sizes and "same" padding.
        conv(72, 4, 4, out: 72, k: 5, pad: 2, groups: 72, epilogue: .relu6),
        conv(136, 8, 8, out: 136, k: 5, pad: 2, groups: 136, residual: true),
        conv(67, 7, 5, out: 67, k: 3, stride: 2, pads: [0, 0, 1, 1], groups: 67, epilogue: .relu6),
        conv(35, 3, 3, out: 35, k: 5, stride: 2, pads: [1, 1, 2, 2], groups: 35, residual: true),
        conv(64, 2, 2, out: 64, k: 3, pad: 1, groups: 64, batch: 7),
        // Border rows with interior columns (the 4-pixel path over the rows inside), and padding wider than the
        // window, so whole windows lie in the padding.
        conv(48, 9, 14, out: 48, k: 5, pad: 2, groups: 48, epilogue: .relu6),
        conv(9, 3, 4, out: 9, k: 3, pads: [4, 5, 4, 4], groups: 9, residual: true),
        conv(16, 12, 11, out: 16, k: 5, stride: 2, pads: [2, 2, 3, 3], groups: 16),
        // The 5-wide row kernel's groups of 8 outputs with no column outside the image (rows wide enough for
        // them), at strides 1 and 2, with channel tails, and with no padding at all.
        conv(20, 5, 37, out: 20, k: 5, pad: 2, groups: 20, epilogue: .relu6, residual: true),
        conv(24, 6, 45, out: 24, k: 5, stride: 2, pads: [2, 2, 2, 2], groups: 24),
        conv(8, 7, 20, out: 8, k: 5, pad: 0, groups: 8, batch: 7),
    ]

    @Test(arguments: Variant.runnable)
    func denseAndGroupedMatchReference(variant: Variant) {
        for (i, c) in Self.denseCases.enumerated() { check(c, variant: variant, seed: UInt64(i)) }
    }

    @Test(.enabled(if: Variant.avx512Runs, Variant.avx512Skip))
    func denseAndGroupedMatchReferenceAVX512() { denseAndGroupedMatchReference(variant: .avx512) }

    @Test(arguments: Variant.runnable)
    func depthwiseMatchesReference(variant: Variant) {
        for (i, c) in Self.depthwiseCases.enumerated() { check(c, variant: variant, seed: 100 + UInt64(i)) }
    }

    @Test(.enabled(if: Variant.avx512Runs, Variant.avx512Skip))
    func depthwiseMatchesReferenceAVX512() { depthwiseMatchesReference(variant: .avx512) }

    /// The FMA builds sum every output's products in the same order, so they agree to the bit (what makes
    /// a grading's scores independent of the machine's widest instruction set): the AVX2 tiles against the
    /// 16-lane ones, built for AVX2 everywhere and for AVX-512 where the CPU has it.
    @Test(.enabled(if: KernelISA.isSupported(.avx2), "this CPU lacks AVX2 and FMA"))
    func fmaBuildsAgreeBitForBit() {
        let wide: [Variant] = Variant.avx512Runs ? [.wideOnAVX2, .avx512] : [.wideOnAVX2]
        for (i, c) in (Self.denseCases + Self.depthwiseCases).enumerated() {
            let data = Data(c, seed: 200 + UInt64(i))
            let narrow = fastOutput(c, variant: .avx2, data)
            for variant in wide {
                let other = fastOutput(c, variant: variant, data)
                let first = narrow.indices.first { narrow[$0].bitPattern != other[$0].bitPattern }
                #expect(first == nil, "\(variant) differs from avx2 on \(c) at NHWC index \(first ?? -1)")
            }
        }
    }

    /// A case's seeded input, weights, bias and residual (NCHW).
    struct Data {
        var input: [Float], weights: [Float], bias: [Float], residual: [Float]
        init(_ c: Case, seed: UInt64) {
            let s = c.shape
            var rng = SeededGenerator(seed: seed)
            let inCount = s.inputChannels * s.inputHeight * s.inputWidth
            let outCount = s.outputChannels * s.outputHeight * s.outputWidth
            input = rng.floats(c.batch * inCount); weights = rng.floats(s.weightCount); bias = rng.floats(s.outputChannels)
            residual = c.residual ? rng.floats(c.batch * outCount) : [Float](repeating: 0, count: c.batch * outCount)
        }
    }

    func check(_ c: Case, variant: Variant, seed: UInt64) {
        let s = c.shape
        let data = Data(c, seed: seed)
        let (input, weights, bias, residual) = (data.input, data.weights, data.bias, data.residual)
        let inCount = s.inputChannels * s.inputHeight * s.inputWidth
        let outCount = s.outputChannels * s.outputHeight * s.outputWidth

        // Reference in NCHW, then residual and activation; magnitudes from the same sums over |terms|.
        var expected = [Float](repeating: 0, count: c.batch * outCount), magnitude = expected
        let absInput = input.map(abs), absWeights = weights.map(abs), absBias = bias.map(abs)
        for n in 0..<c.batch {
            expected.withUnsafeMutableBufferPointer { out in
                convolutionReference(shape: s, input: input.withUnsafeBufferPointer { $0.baseAddress! + n * inCount },
                                     weights: weights, bias: bias, output: out.baseAddress! + n * outCount)
            }
            magnitude.withUnsafeMutableBufferPointer { out in
                convolutionReference(shape: s, input: absInput.withUnsafeBufferPointer { $0.baseAddress! + n * inCount },
                                     weights: absWeights, bias: absBias, output: out.baseAddress! + n * outCount)
            }
        }
        for i in expected.indices {
            expected[i] = c.epilogue.apply(expected[i] + residual[i])
            magnitude[i] += abs(residual[i])
        }

        let actualNHWC = fastOutput(c, variant: variant, data)
        let actual = Layout.nhwcToNCHW(actualNHWC, channels: s.outputChannels, height: s.outputHeight, width: s.outputWidth)
        let terms = s.inputChannelsPerGroup * s.kernelHeight * s.kernelWidth + 2
        let mismatch = TensorComparison.firstMismatch(
            expected: expected, actual: actual,
            tolerance: TensorComparison.summationTolerance(terms: terms, magnitude: magnitude),
            context: "\(variant) \(c) (NCHW index)")
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    /// The fast path's output (NHWC): packed weights, a padded copy per image where the kernel wants one.
    /// The image sits between NaN guards, so a kernel that reads outside it (instead of the zero border) fails.
    func fastOutput(_ c: Case, variant: Variant, _ data: Data) -> [Float] {
        let s = c.shape
        let (input, weights, bias, residual) = (data.input, data.weights, data.bias, data.residual)
        let inCount = s.inputChannels * s.inputHeight * s.inputWidth
        let outCount = s.outputChannels * s.outputHeight * s.outputWidth
        let inputNHWC = Layout.nchwToNHWC(input, channels: s.inputChannels, height: s.inputHeight, width: s.inputWidth)
        let residualNHWC = Layout.nchwToNHWC(residual, channels: s.outputChannels, height: s.outputHeight, width: s.outputWidth)
        let packed = packConvolutionWeights(weights, shape: s)
        let padded = convolutionNeedsPaddedInput(s)
        let guardCount = 64 + s.paddedWidth * s.inputChannels * 4
        let imageCount = padded ? s.paddedHeight * s.paddedWidth * s.inputChannels : inCount
        var image = [Float](repeating: .nan, count: guardCount + imageCount + guardCount)
        var actualNHWC = [Float](repeating: .nan, count: c.batch * outCount)
        for n in 0..<c.batch {
            inputNHWC.withUnsafeBufferPointer { inp in
                image.withUnsafeMutableBufferPointer { img in
                    let source = inp.baseAddress! + n * inCount, target = img.baseAddress! + guardCount
                    if padded {
                        padNHWC(input: source, height: s.inputHeight, width: s.inputWidth, channels: s.inputChannels,
                                top: s.padTop, left: s.padLeft, bottom: s.padBottom, right: s.padRight, output: target)
                    } else {
                        target.update(from: source, count: inCount)
                    }
                }
            }
            residualNHWC.withUnsafeBufferPointer { res in
                actualNHWC.withUnsafeMutableBufferPointer { out in
                    image.withUnsafeBufferPointer { img in
                        variant.convolution(shape: s, input: img.baseAddress! + guardCount, packedWeights: packed, bias: bias,
                                            residual: c.residual ? res.baseAddress! + n * outCount : nil,
                                            epilogue: c.epilogue, output: out.baseAddress! + n * outCount)
                    }
                }
            }
        }
        return actualNHWC
    }

    @Test func packedDepthwiseWeightsAreChannelLanes() {
        let s = ConvolutionShape(inputHeight: 4, inputWidth: 4, inputChannels: 3, outputChannels: 3,
                                 kernelHeight: 1, kernelWidth: 2, groups: 3)
        // OIHW [3][1][1][2] -> [taps 2][channels padded to 16, the widest kernel's vector]
        let packed = packConvolutionWeights([1, 2, 3, 4, 5, 6], shape: s)
        let zeros = [Float](repeating: 0, count: 13)
        #expect(packed == [1, 3, 5] + zeros + [2, 4, 6] + zeros)
    }
}
