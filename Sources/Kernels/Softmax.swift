import Foundation

/// Softmax over `count` values in place, in Float with the maximum subtracted first: the engine's version.
public func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
    guard count > 0 else { return }
    var maximum = values[0]
    for i in 1..<count { maximum = max(maximum, values[i]) }
    var sum: Float = 0
    for i in 0..<count {
        let e = expf(values[i] - maximum)
        values[i] = e
        sum += e
    }
    let scale = 1 / sum
    for i in 0..<count { values[i] *= scale }
}

/// log(softmax) over `count` values in place: x − max − log Σ e^(x − max), in Float (the engine's version).
public func logSoftmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
    guard count > 0 else { return }
    var maximum = values[0]
    for i in 1..<count { maximum = max(maximum, values[i]) }
    var sum: Float = 0
    for i in 0..<count { sum += expf(values[i] - maximum) }
    let shift = maximum + logf(sum)
    for i in 0..<count { values[i] -= shift }
}

/// log(softmax) by definition, in Double: the twin `logSoftmax` is tested against.
public func logSoftmaxReference(_ values: UnsafeMutablePointer<Float>, count: Int) {
    guard count > 0 else { return }
    let maximum = (0..<count).map { Double(values[$0]) }.max()!
    let sum = (0..<count).map { Foundation.exp(Double(values[$0]) - maximum) }.reduce(0, +)
    for i in 0..<count { values[i] = Float(Double(values[i]) - maximum - Foundation.log(sum)) }
}

/// Softmax by definition, in Double: the twin `softmax` is tested against.
public func softmaxReference(_ values: UnsafeMutablePointer<Float>, count: Int) {
    guard count > 0 else { return }
    let maximum = (0..<count).map { Double(values[$0]) }.max()!
    let exps = (0..<count).map { Foundation.exp(Double(values[$0]) - maximum) }
    let sum = exps.reduce(0, +)
    for i in 0..<count { values[i] = Float(exps[i] / sum) }
}
