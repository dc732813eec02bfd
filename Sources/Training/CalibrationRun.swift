import Foundation
import NeuralNet

/// Calibrates a model on validation photos: fits its temperature, measures calibration before and
/// after, and chooses the review threshold that meets an accuracy target for a class grouping.
/// `agritrace model calibrate` prints `text` and stores `calibration` in the model.
public struct CalibrationRun {
    public struct Measures: Sendable, Equatable {
        public let negativeLogLikelihood: Double
        /// Top class confidence against class accuracy.
        public let classes: Reliability
        /// Confidence of the top class's group (the sum of its classes) against group accuracy:
        /// the probability the review rule thresholds.
        public let groups: Reliability
    }

    public let modelID: String
    public let photos: Int
    public let failures: [(path: String, message: String)]
    public let temperature: Float
    public let before: Measures
    public let after: Measures
    public let classGroups: [Int]
    public let targetBP: Int
    /// Nil when no threshold meets the target on these photos.
    public let choice: ReviewThresholdChoice?
    public let calibration: ModelCalibration

    /// `photos` index `folder` (the validation photos); `classGroups[c]` is the group of class `c`.
    public init(model: Model, folder: LabelledFolder, photos: [Int], classGroups: [Int], targetBP: Int, jobs: Int) throws {
        let run = try ModelOutputs(model: model, folder: folder, photos: photos, jobs: jobs)
        guard !run.outputs.isEmpty else { throw EvaluationError(reason: "no readable validation photos to calibrate on") }
        let logits = run.outputs.map(model.logits(fromOutput:))
        let temperature = TemperatureScaling.fit(logits: logits, truth: run.truth)
        func measures(_ t: Float) -> (Measures, confidenceBP: [Int], groupCorrect: [Bool]) {
            var top: [Double] = [], topRight: [Bool] = [], group: [Double] = [], groupRight: [Bool] = [], groupBP: [Int] = []
            for (output, truth) in zip(run.outputs, run.truth) {
                let p = model.probabilities(fromOutput: output, temperature: t)
                let best = p.indices.max { p[$0] < p[$1] || (p[$0] == p[$1] && $0 > $1) }!
                top.append(Double(p[best]))
                topRight.append(best == truth)
                // Grading's arithmetic: class probabilities rounded to basis points, then summed per group.
                let bp = p.map(ModelCalibration.basisPoints)
                let mine = bp.indices.filter { classGroups[$0] == classGroups[best] }.reduce(0) { $0 + bp[$1] }
                groupBP.append(mine)
                group.append(Double(mine) / 10_000)
                groupRight.append(classGroups[best] == classGroups[truth])
            }
            let nll = TemperatureScaling.negativeLogLikelihood(logits: logits, truth: run.truth, temperature: Double(t))
            return (Measures(negativeLogLikelihood: nll, classes: Reliability(confidences: top, correct: topRight),
                             groups: Reliability(confidences: group, correct: groupRight)), groupBP, groupRight)
        }
        let (before, _, _) = measures(1)
        let (after, confidenceBP, groupCorrect) = measures(temperature)
        choice = ReviewThresholdChoice.choose(confidenceBP: confidenceBP, correct: groupCorrect, targetBP: targetBP)
        let review = choice.map { ModelCalibration.ReviewRule(classGroups: classGroups, targetBP: targetBP, thresholdBP: $0.thresholdBP) }
        calibration = try ModelCalibration(temperature: temperature, review: review, classCount: model.labels.count)
        modelID = model.id
        self.photos = run.outputs.count
        failures = run.failures
        self.temperature = temperature
        self.before = before
        self.after = after
        self.classGroups = classGroups
        self.targetBP = targetBP
    }

    /// The report: temperature, NLL and ECE before and after, the threshold and what it costs,
    /// and the reliability diagrams (Markdown tables, ready for a model card).
    public var text: String {
        func row(_ name: String, _ m: Measures) -> String {
            String(format: "| %@ | %.4f | %.4f | %.4f |", name, m.negativeLogLikelihood,
                   m.classes.expectedCalibrationError, m.groups.expectedCalibrationError)
        }
        var lines = [
            "model \(modelID), \(photos) validation photos, \(failures.count) unreadable",
            String(format: "temperature %.4f (fitted by minimising the negative log-likelihood)", temperature), "",
            "| | NLL | ECE, classes (15 bins) | ECE, grades (15 bins) |", "|---|---|---|---|",
            row("before (T = 1)", before), row(String(format: "after (T = %.4f)", temperature), after), "",
        ]
        let target = String(format: "%.2f %%", Double(targetBP) / 100)
        if let choice {
            lines.append(String(format: "review threshold %d bp: a photo whose grade probability is at least %.2f %% is decided without review; "
                                + "on these photos %d of %d (coverage %.1f %%) are decided, %.1f %% of them in the right grade (target %@)",
                                choice.thresholdBP, Double(choice.thresholdBP) / 100, choice.decided, choice.total,
                                100 * choice.coverage, 100 * choice.decidedAccuracy, target))
        } else {
            lines.append("no review threshold reaches the target \(target) on these photos: every photo will need review")
        }
        lines += ["", "Reliability after calibration, grades (probability of the top class's grade):", after.groups.markdownTable,
                  "", "Reliability after calibration, classes (top class probability):", after.classes.markdownTable,
                  "", "Reliability before calibration, grades:", before.groups.markdownTable]
        return lines.joined(separator: "\n")
    }
}
