import Foundation
import NeuralNet

/// Temperature scaling (Guo et al., "On Calibration of Modern Neural Networks", 2017): one number T
/// divides the logits, so probabilities soften (T > 1) or sharpen (T < 1) while the most likely
/// class stays the same. One parameter cannot over-fit a validation set of a few hundred photos,
/// which vector or matrix scaling (10 or 110 parameters here) and isotonic regression can.
public enum TemperatureScaling {
    /// Mean negative log-likelihood (natural log) of the true classes under softmax(logits / T).
    public static func negativeLogLikelihood(logits: [[Float]], truth: [Int], temperature: Double) -> Double {
        precondition(logits.count == truth.count && !logits.isEmpty)
        var total = 0.0
        for (z, label) in zip(logits, truth) {
            let scaled = z.map { Double($0) / temperature }
            let best = scaled.indices.max { scaled[$0] < scaled[$1] }!
            // log Σ exp = top + log1p(Σ of the others): exact for tiny others, so the loss of a
            // confidently right model keeps falling towards T → 0 instead of rounding to a flat 0.
            let others = scaled.indices.reduce(0.0) { $1 == best ? $0 : $0 + exp(scaled[$1] - scaled[best]) }
            total += scaled[best] + log1p(others) - scaled[label]
        }
        return total / Double(logits.count)
    }

    /// The temperature within `ModelCalibration.temperatureRange` that minimises the negative
    /// log-likelihood. NLL is convex in β = 1/T (a log-sum-exp of lines in β minus a line), so a
    /// golden-section search on β finds the minimum; 80 steps shrink the interval below 1e-15 of its width.
    public static func fit(logits: [[Float]], truth: [Int]) -> Float {
        let range = ModelCalibration.temperatureRange
        var low = 1 / Double(range.upperBound), high = 1 / Double(range.lowerBound)
        let ratio = (sqrt(5.0) - 1) / 2
        func loss(_ beta: Double) -> Double { negativeLogLikelihood(logits: logits, truth: truth, temperature: 1 / beta) }
        var a = high - ratio * (high - low), b = low + ratio * (high - low)
        var fa = loss(a), fb = loss(b)
        for _ in 0..<80 {
            if fa <= fb {
                high = b; b = a; fb = fa
                a = high - ratio * (high - low); fa = loss(a)
            } else {
                low = a; a = b; fa = fb
                b = low + ratio * (high - low); fb = loss(b)
            }
        }
        let temperature = Float(1 / ((low + high) / 2))
        return min(max(temperature, range.lowerBound), range.upperBound)
    }
}

/// A reliability diagram as numbers: predictions binned by confidence, each bin's mean confidence
/// against its accuracy. The expected calibration error is the photo-weighted mean gap.
public struct Reliability: Sendable, Equatable {
    public struct Bin: Sendable, Equatable {
        /// Confidences in (lower, upper]; the first bin also holds 0.
        public let lower: Double
        public let upper: Double
        public let count: Int
        public let meanConfidence: Double
        public let accuracy: Double
    }

    public let bins: [Bin]
    public let expectedCalibrationError: Double

    /// `binCount` equal-width bins over 0...1 (15 as in Guo et al.).
    public init(confidences: [Double], correct: [Bool], binCount: Int = 15) {
        precondition(confidences.count == correct.count && binCount > 0)
        var sums = [(count: Int, confidence: Double, correct: Int)](repeating: (0, 0, 0), count: binCount)
        for (confidence, right) in zip(confidences, correct) {
            let index = min(max(Int((confidence * Double(binCount)).rounded(.up)) - 1, 0), binCount - 1)
            sums[index].count += 1
            sums[index].confidence += confidence
            sums[index].correct += right ? 1 : 0
        }
        bins = sums.enumerated().map { index, sum in
            Bin(lower: Double(index) / Double(binCount), upper: Double(index + 1) / Double(binCount), count: sum.count,
                meanConfidence: sum.count == 0 ? 0 : sum.confidence / Double(sum.count),
                accuracy: sum.count == 0 ? 0 : Double(sum.correct) / Double(sum.count))
        }
        let total = Double(max(confidences.count, 1))
        expectedCalibrationError = bins.reduce(0) { $0 + Double($1.count) / total * abs($1.accuracy - $1.meanConfidence) }
    }

    /// A Markdown table of the non-empty bins.
    public var markdownTable: String {
        var lines = ["| confidence | photos | mean confidence | accuracy | gap |", "|---|---|---|---|---|"]
        for bin in bins where bin.count > 0 {
            lines.append(String(format: "| %.2f–%.2f | %d | %.3f | %.3f | %+.3f |", bin.lower, bin.upper, bin.count,
                                bin.meanConfidence, bin.accuracy, bin.accuracy - bin.meanConfidence))
        }
        return lines.joined(separator: "\n")
    }
}

/// The review threshold that meets an accuracy target on validation photos.
public struct ReviewThresholdChoice: Sendable, Equatable {
    /// Photos whose grade probability (basis points) is at least this are decided without review.
    public let thresholdBP: Int
    public let decided: Int
    public let decidedCorrect: Int
    public let total: Int

    public var coverage: Double { Double(decided) / Double(total) }
    public var decidedAccuracy: Double { Double(decidedCorrect) / Double(decided) }

    /// The lowest threshold (so the most photos decided) at which the photos at or above it are
    /// right at least `targetBP` of the time, compared exactly in integers; nil when no threshold
    /// reaches the target. Candidates are the photos' own confidences: between two of them every
    /// threshold decides the same photos.
    public static func choose(confidenceBP: [Int], correct: [Bool], targetBP: Int) -> ReviewThresholdChoice? {
        precondition(confidenceBP.count == correct.count)
        let order = confidenceBP.indices.sorted { confidenceBP[$0] > confidenceBP[$1] }
        var best: ReviewThresholdChoice?
        var decided = 0, right = 0, position = 0
        while position < order.count {
            // Take every photo at this confidence: a threshold cannot separate equal confidences.
            let level = confidenceBP[order[position]]
            while position < order.count, confidenceBP[order[position]] == level {
                decided += 1
                right += correct[order[position]] ? 1 : 0
                position += 1
            }
            if right * 10_000 >= targetBP * decided {
                best = ReviewThresholdChoice(thresholdBP: level, decided: decided, decidedCorrect: right, total: order.count)
            }
        }
        return best
    }
}
