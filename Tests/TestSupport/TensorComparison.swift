/// Element-wise comparison of a fast result against its reference, for kernel tests.
public enum TensorComparison {
    /// Describes the first element where |expected − actual| exceeds `tolerance[i]` (and how many do),
    /// or returns nil when all are within tolerance. `context` (the shape) goes into the message.
    public static func firstMismatch(expected: [Float], actual: [Float], tolerance: [Float], context: String) -> String? {
        guard expected.count == actual.count else {
            return "\(context): expected \(expected.count) values, got \(actual.count)"
        }
        var first: Int?
        var count = 0
        for i in expected.indices {
            let e = expected[i], a = actual[i]
            let bad = e.isNaN != a.isNaN || abs(e - a) > tolerance[i] || (a.isNaN && !e.isNaN)
            if bad {
                count += 1
                if first == nil { first = i }
            }
        }
        guard let i = first else { return nil }
        return "\(context): \(count) of \(expected.count) values differ; first at index \(i): "
            + "expected \(expected[i]), actual \(actual[i]), tolerance \(tolerance[i])"
    }

    /// Same with one absolute tolerance for every element.
    public static func firstMismatch(expected: [Float], actual: [Float], absoluteTolerance: Float, context: String) -> String? {
        firstMismatch(expected: expected, actual: actual,
                      tolerance: [Float](repeating: absoluteTolerance, count: expected.count), context: context)
    }

    /// The rounding bound for a float32 sum of `terms` products whose absolute values sum to
    /// `magnitude[i]`: γ_n = n·u/(1 − n·u) with u = 2⁻²⁴ holds for any summation order, fused or not
    /// (Higham, Accuracy and Stability of Numerical Algorithms, §3.1). A small floor covers results near 0.
    public static func summationTolerance(terms: Int, magnitude: [Float]) -> [Float] {
        let u = Double(Float.ulpOfOne) / 2
        let n = Double(terms + 2)
        let gamma = n * u / (1 - n * u)
        return magnitude.map { Float(gamma * Double($0)) + 1e-6 }
    }
}

/// Layout changes for tests that compare NCHW reference kernels with NHWC fast kernels.
public enum Layout {
    public static func nchwToNHWC(_ x: [Float], channels: Int, height: Int, width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        let images = x.count / max(channels * height * width, 1)
        for n in 0..<images {
            let base = n * channels * height * width
            for c in 0..<channels {
                for p in 0..<(height * width) { out[base + p * channels + c] = x[base + c * height * width + p] }
            }
        }
        return out
    }

    public static func nhwcToNCHW(_ x: [Float], channels: Int, height: Int, width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        let images = x.count / max(channels * height * width, 1)
        for n in 0..<images {
            let base = n * channels * height * width
            for c in 0..<channels {
                for p in 0..<(height * width) { out[base + c * height * width + p] = x[base + p * channels + c] }
            }
        }
        return out
    }
}
