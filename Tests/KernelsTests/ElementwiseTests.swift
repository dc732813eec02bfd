import Foundation
import Testing
import Kernels
import TestSupport

@Suite struct ElementwiseTests {
    static let epilogues: [Epilogue] = [.identity, .relu, .relu6, .clip(min: -0.25, max: 0.5), .leakyRelu(alpha: 0.01)]

    @Test(arguments: Variant.runnable)
    func addAndActivateMatchReference(variant: Variant) {
        var rng = SeededGenerator(seed: 5)
        for count in [1, 7, 8, 9, 17, 64, 1001] {
            let a = rng.floats(count).map { $0 * 8 }, b = rng.floats(count).map { $0 * 8 }
            for e in Self.epilogues {
                var expected = [Float](repeating: 0, count: count), actual = expected
                addActivateReference(count: count, a: a, b: b, epilogue: e, output: &expected)
                variant.addActivate(count: count, a: a, b: b, epilogue: e, output: &actual)
                #expect(actual == expected, "\(variant) add \(e) count \(count)")
                activateReference(count: count, input: a, epilogue: e, output: &expected)
                variant.activate(count: count, input: a, epilogue: e, output: &actual)
                #expect(actual == expected, "\(variant) activate \(e) count \(count)")
            }
        }
    }

    @Test(.enabled(if: Variant.avx512Runs, Variant.avx512Skip))
    func addAndActivateMatchReferenceAVX512() { addAndActivateMatchReference(variant: .avx512) }

    @Test func epiloguesImplementTheirActivations() {
        #expect(Epilogue.relu.apply(-3) == 0 && Epilogue.relu.apply(2.5) == 2.5)
        #expect(Epilogue.relu6.apply(7) == 6 && Epilogue.relu6.apply(-1) == 0)
        #expect(Epilogue.clip(min: -1, max: 1).apply(-3) == -1)
        #expect(Epilogue.leakyRelu(alpha: 0.1).apply(-2) == -0.2)
        #expect(Epilogue.identity.apply(-2) == -2)
    }

    @Test(arguments: Variant.runnable)
    func scaleShiftMatchesBatchNormalisation(variant: Variant) {
        var rng = SeededGenerator(seed: 6)
        for (channels, pixels) in [(1, 1), (3, 5), (17, 9), (33, 4), (64, 3)] {
            let input = rng.floats(channels * pixels)
            let gamma = rng.floats(channels), beta = rng.floats(channels), mean = rng.floats(channels)
            let variance = rng.floats(channels).map { abs($0) + 0.1 }
            var expected = [Float](repeating: 0, count: input.count)
            batchNormalizationReference(channels: channels, pixels: pixels, input: input, gamma: gamma, beta: beta,
                                        mean: mean, variance: variance, epsilon: 1e-5, output: &expected)
            let scale = (0..<channels).map { gamma[$0] / (variance[$0] + 1e-5).squareRoot() }
            let shift = (0..<channels).map { beta[$0] - mean[$0] * scale[$0] }
            var actualNHWC = [Float](repeating: 0, count: input.count)
            variant.scaleShift(pixels: pixels, channels: channels,
                               input: Layout.nchwToNHWC(input, channels: channels, height: pixels, width: 1),
                               scale: scale, shift: shift, epilogue: .identity, output: &actualNHWC)
            let actual = Layout.nhwcToNCHW(actualNHWC, channels: channels, height: pixels, width: 1)
            // |x·s + t| with |s| ≤ 1/sqrt(0.1): a handful of float32 roundings of values below ~10.
            let mismatch = TensorComparison.firstMismatch(expected: expected, actual: actual, absoluteTolerance: 1e-5,
                                                          context: "\(variant) scale-shift C \(channels) pixels \(pixels)")
            #expect(mismatch == nil, "\(mismatch ?? "")")
        }
    }

    @Test(.enabled(if: Variant.avx512Runs, Variant.avx512Skip))
    func scaleShiftMatchesBatchNormalisationAVX512() { scaleShiftMatchesBatchNormalisation(variant: .avx512) }

    @Test func softmaxMatchesReference() {
        var rng = SeededGenerator(seed: 8)
        for count in [1, 2, 10, 1000] {
            let logits = rng.floats(count).map { $0 * 30 }
            var expected = logits, actual = logits
            softmaxReference(&expected, count: count)
            softmax(&actual, count: count)
            let mismatch = TensorComparison.firstMismatch(expected: expected, actual: actual, absoluteTolerance: 1e-6,
                                                          context: "softmax count \(count)")
            #expect(mismatch == nil, "\(mismatch ?? "")")
            #expect(abs(actual.reduce(0, +) - 1) < 1e-5)
        }
    }
}
