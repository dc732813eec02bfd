import Foundation
import NeuralNet
import Testing
import TestSupport
import Training

/// Temperature fitting, calibration error and the review threshold choice, on data whose right
/// answers are known by construction.
@Suite struct CalibrationTests {
    /// Labels drawn from softmax(z): logits z are calibrated at T = 1, so `scale`·z needs T = `scale`.
    static func syntheticSet(scale: Float, count: Int = 4000, classes: Int = 6, seed: UInt64 = 3) -> (logits: [[Float]], truth: [Int]) {
        var rng = SeededGenerator(seed: seed)
        var logits: [[Float]] = [], truth: [Int] = []
        for _ in 0..<count {
            let z = rng.floats(classes).map { $0 * 2.5 }
            let weights = z.map { exp(Double($0)) }
            var draw = Double(rng.nextUnit()) * weights.reduce(0, +)
            var label = 0
            while label < classes - 1 && draw >= weights[label] { draw -= weights[label]; label += 1 }
            logits.append(z.map { $0 * scale })
            truth.append(label)
        }
        return (logits, truth)
    }

    @Test func anOverConfidentModelGetsATemperatureAboveOneAndALowerNLL() {
        let (logits, truth) = Self.syntheticSet(scale: 3)
        let t = TemperatureScaling.fit(logits: logits, truth: truth)
        #expect(abs(t - 3) < 0.3, "fitted \(t), data made over-confident by 3")
        let before = TemperatureScaling.negativeLogLikelihood(logits: logits, truth: truth, temperature: 1)
        let after = TemperatureScaling.negativeLogLikelihood(logits: logits, truth: truth, temperature: Double(t))
        #expect(after < before - 0.1, "NLL \(before) -> \(after)")
        // It is the minimum: 2 % either side is worse.
        for other in [Double(t) * 1.02, Double(t) / 1.02] {
            #expect(TemperatureScaling.negativeLogLikelihood(logits: logits, truth: truth, temperature: other) > after)
        }
    }

    @Test func anUnderConfidentModelGetsATemperatureBelowOne() {
        let (logits, truth) = Self.syntheticSet(scale: 0.4)
        let t = TemperatureScaling.fit(logits: logits, truth: truth)
        #expect(abs(t - 0.4) < 0.05, "fitted \(t)")
    }

    @Test func aCalibratedModelKeepsATemperatureNearOneAndItsECEFalls() {
        let (logits, truth) = Self.syntheticSet(scale: 1)
        #expect(abs(TemperatureScaling.fit(logits: logits, truth: truth) - 1) < 0.1)
        // ECE of the over-confident set falls after fitting.
        let (hot, hotTruth) = Self.syntheticSet(scale: 3)
        func ece(_ t: Float) -> Double {
            var confidence: [Double] = [], correct: [Bool] = []
            for (z, label) in zip(hot, hotTruth) {
                let w = z.map { exp(Double($0 / t) - Double(z.max()! / t)) }
                let best = w.indices.max { w[$0] < w[$1] }!
                confidence.append(w[best] / w.reduce(0, +))
                correct.append(best == label)
            }
            return Reliability(confidences: confidence, correct: correct).expectedCalibrationError
        }
        let fitted = TemperatureScaling.fit(logits: hot, truth: hotTruth)
        #expect(ece(fitted) < ece(1) / 3, "ECE \(ece(1)) -> \(ece(fitted))")
    }

    @Test func fittedTemperaturesStayWithinTheStoredLimits() {
        // Labels that contradict confident logits drive T up; a perfect separation drives it down.
        let wrong = (0..<50).map { i -> [Float] in [Float(i % 2 == 0 ? 30 : -30), 0] }
        let truth = (0..<50).map { $0 % 2 == 0 ? 1 : 0 }
        #expect(TemperatureScaling.fit(logits: wrong, truth: truth) == ModelCalibration.temperatureRange.upperBound)
        #expect(TemperatureScaling.fit(logits: wrong, truth: truth.map { 1 - $0 }) == ModelCalibration.temperatureRange.lowerBound)
    }

    @Test func expectedCalibrationErrorMatchesAHandComputation() {
        // 0.9 and 0.9 fall in bin (0.867, 0.933] with accuracy 1/2; 0.3 in (0.267, 0.333] with accuracy 1.
        let r = Reliability(confidences: [0.9, 0.9, 0.3], correct: [true, false, true])
        #expect(abs(r.expectedCalibrationError - (2.0 / 3 * 0.4 + 1.0 / 3 * 0.7)) < 1e-12)
        #expect(r.bins.count == 15 && r.bins[13].count == 2 && r.bins[4].count == 1)
        // Bin edges: (lower, upper], 0 in the first bin, 1 in the last.
        let edges = Reliability(confidences: [0, 1.0 / 15, 1, 14.0 / 15 + 1e-9], correct: [true, true, true, true])
        #expect(edges.bins[0].count == 2 && edges.bins[14].count == 2)
        #expect(r.markdownTable.contains("| 0.87–0.93 | 2 | 0.900 | 0.500 | -0.400 |"))
    }

    @Test func theReviewThresholdDecidesTheMostPhotosThatMeetTheTarget() throws {
        let confidence = [9000, 8000, 7000, 6000, 5000, 5000]
        let correct = [true, true, false, true, false, true]
        // At 6000: 3 of 4 right = exactly 75 %; at 5000 (both photos) 4 of 6; at 7000 2 of 3, though 6000 meets it again.
        let choice = try #require(ReviewThresholdChoice.choose(confidenceBP: confidence, correct: correct, targetBP: 7500))
        #expect(choice.thresholdBP == 6000 && choice.decided == 4 && choice.decidedCorrect == 3 && choice.total == 6)
        #expect(choice.coverage == 4.0 / 6 && choice.decidedAccuracy == 0.75)
        // One basis point more and only the top two photos qualify.
        #expect(ReviewThresholdChoice.choose(confidenceBP: confidence, correct: correct, targetBP: 7501)?.thresholdBP == 8000)
        // Equal confidences go together: a threshold cannot decide one and not the other.
        #expect(ReviewThresholdChoice.choose(confidenceBP: [5000, 5000], correct: [true, false], targetBP: 6000) == nil)
        #expect(ReviewThresholdChoice.choose(confidenceBP: [9000, 8000], correct: [false, false], targetBP: 1) == nil)
        #expect(ReviewThresholdChoice.choose(confidenceBP: [9000, 8000], correct: [true, true], targetBP: 10_000)?.thresholdBP == 8000)
    }
}
