import Foundation

/// Softmax followed by cross-entropy against a target distribution, averaged over the batch.
///
/// Grades are ordered, so the target may spread `ordinalSmoothing` of its mass onto the two
/// neighbouring grades (all of it onto the one neighbour at either end): confusing grade 4 with
/// 5 then costs less than confusing it with 9. With smoothing 0 this is plain cross-entropy.
public struct SoftmaxCrossEntropy: Sendable {
    public var ordinalSmoothing: Float

    public init(ordinalSmoothing: Float = 0) { self.ordinalSmoothing = ordinalSmoothing }

    public struct Result: Sendable {
        public var loss: Float
        public var gradient: BatchTensor
        public var probabilities: [[Float]]
    }

    public func targetDistribution(label: Int, classes: Int) -> [Float] {
        var target = [Float](repeating: 0, count: classes)
        let neighbours = [label - 1, label + 1].filter { $0 >= 0 && $0 < classes }
        if ordinalSmoothing > 0 && !neighbours.isEmpty {
            target[label] = 1 - ordinalSmoothing
            for neighbour in neighbours { target[neighbour] = ordinalSmoothing / Float(neighbours.count) }
        } else {
            target[label] = 1
        }
        return target
    }

    public func evaluate(logits: BatchTensor, labels: [Int]) -> Result {
        let classes = logits.shape.c, batch = logits.shape.n
        precondition(labels.count == batch && logits.shape.h == 1 && logits.shape.w == 1)
        var gradient = BatchTensor(zeros: logits.shape)
        var probabilities: [[Float]] = []
        var totalLoss: Double = 0
        for i in 0..<batch {
            let row = Array(logits.data[(i * classes)..<((i + 1) * classes)])
            let p = Self.softmax(row)
            let target = targetDistribution(label: labels[i], classes: classes)
            let maxLogit = row.max()!
            let logSumExp = Double(maxLogit) + log(row.reduce(0.0) { $0 + exp(Double($1 - maxLogit)) })
            for j in 0..<classes where target[j] > 0 {
                totalLoss -= Double(target[j]) * (Double(row[j]) - logSumExp)
            }
            for j in 0..<classes { gradient.data[i * classes + j] = (p[j] - target[j]) / Float(batch) }
            probabilities.append(p)
        }
        return Result(loss: Float(totalLoss / Double(batch)), gradient: gradient, probabilities: probabilities)
    }

    public static func softmax(_ logits: [Float]) -> [Float] {
        let maxLogit = logits.max() ?? 0
        let exps = logits.map { exp(Double($0 - maxLogit)) }
        let sum = exps.reduce(0, +)
        return exps.map { Float($0 / sum) }
    }
}
