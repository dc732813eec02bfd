import Foundation
import NeuralNet

/// Accuracy figures of a model on labelled photos, for 10 classes and any coarser groupings.
public struct Evaluation {
    public struct Metrics: Sendable {
        public var labels: [String]
        public var matrix: ConfusionMatrix

        public var json: [String: Any] {
            [
                "accuracy": matrix.accuracy,
                "balanced_accuracy": matrix.balancedAccuracy,
                "macro_f1": matrix.macroF1,
                "per_class": (0..<matrix.classes).map { c in
                    ["label": labels[c], "precision": matrix.precision(c), "recall": matrix.recall(c),
                     "f1": matrix.f1(c), "support": matrix.support(c)] as [String: Any]
                },
                "confusion": matrix.counts,
            ]
        }

        public var text: String {
            var lines = [String(format: "accuracy %.4f  balanced accuracy %.4f  macro-F1 %.4f  (%d photos)",
                                matrix.accuracy, matrix.balancedAccuracy, matrix.macroF1, matrix.total)]
            let width = max(labels.map(\.count).max() ?? 5, 5)
            func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(n - s.count, 0)) + s }
            lines.append(pad("class", width) + "  precision  recall      f1  support")
            for c in 0..<matrix.classes {
                lines.append(pad(labels[c], width) + String(format: "  %9.4f  %6.4f  %6.4f  %7d",
                                                             matrix.precision(c), matrix.recall(c), matrix.f1(c), matrix.support(c)))
            }
            lines.append("confusion matrix (rows: true class, columns: predicted class)")
            let cell = max(String(matrix.counts.flatMap { $0 }.max() ?? 0).count, labels.map(\.count).max() ?? 1) + 1
            lines.append(pad("", width) + labels.map { pad($0, cell) }.joined())
            for c in 0..<matrix.classes {
                lines.append(pad(labels[c], width) + matrix.counts[c].map { pad(String($0), cell) }.joined())
            }
            return lines.joined(separator: "\n")
        }
    }

    public var modelID: String
    public var photoCount: Int
    public var failures: [(path: String, message: String)]
    public var classes: Metrics
    public var groupings: [(grouping: ClassGrouping, metrics: Metrics)]

    /// Runs `model` on the given photos of `folder` (decoded with the grading decoder) on `jobs`
    /// threads, with the model's calibrated probabilities. Folder labels must all be model labels.
    public init(model: Model, folder: LabelledFolder, photos: [Int], groupings: [ClassGrouping], jobs: Int) throws {
        let run = try ModelOutputs(model: model, folder: folder, photos: photos, jobs: jobs)
        var matrix = ConfusionMatrix(classes: model.labels.count)
        var groupMatrices = groupings.map { ConfusionMatrix(classes: $0.groups.count) }
        for (output, truth) in zip(run.outputs, run.truth) {
            let probabilities = model.probabilities(fromOutput: output)
            matrix.add(truth: truth, prediction: probabilities.argmax)
            for (g, grouping) in groupings.enumerated() {
                groupMatrices[g].add(truth: grouping.group(of: truth),
                                     prediction: grouping.mergedProbabilities(probabilities).argmax)
            }
        }
        modelID = model.id
        photoCount = run.outputs.count
        failures = run.failures
        classes = Metrics(labels: model.labels, matrix: matrix)
        self.groupings = zip(groupings, groupMatrices).map { grouping, matrix in
            let names = grouping.groups.map { group in
                group.count == 1 ? model.labels[group[0]] : "\(model.labels[group.first!])-\(model.labels[group.last!])"
            }
            return (grouping, Metrics(labels: names, matrix: matrix))
        }
    }

    public var text: String {
        var parts = ["model \(modelID)", "\(photoCount) photos evaluated, \(failures.count) unreadable", "",
                     "\(classes.labels.count) classes", classes.text]
        for (grouping, metrics) in groupings {
            parts += ["", "\(grouping.groups.count) groups (\(grouping.text))", metrics.text]
        }
        return parts.joined(separator: "\n")
    }

    public var json: String {
        let object: [String: Any] = [
            "model": modelID,
            "photos": photoCount,
            "unreadable": failures.map { ["file": $0.path, "error": $0.message] },
            "classes": classes.json,
            "groupings": groupings.map { grouping, metrics in
                metrics.json.merging(["groups": grouping.text]) { $1 }
            },
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

public struct EvaluationError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
