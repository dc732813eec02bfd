// Legend: P = N·H·W positions per channel, C channels (contiguous in NHWC).

/// Batch normalisation over N, H and W per channel. Training uses the batch's statistics and
/// updates running averages (PyTorch convention: momentum 0.1, unbiased running variance);
/// inference uses the running averages, which is what gets folded into the exported convolution.
public final class BatchNormLayer: TrainableLayer {
    public let channels: Int
    public let epsilon: Float
    public let momentum: Float
    public let scale: Parameter, offset: Parameter
    public let runningMean: Parameter, runningVariance: Parameter

    private var normalized: [Float] = []
    private var inverseStd: [Float] = []

    public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
        scale = Parameter(name: "scale", value: [Float](repeating: 1, count: channels))
        offset = Parameter(name: "offset", value: [Float](repeating: 0, count: channels))
        runningMean = Parameter(name: "running_mean", value: [Float](repeating: 0, count: channels), isTrainable: false)
        runningVariance = Parameter(name: "running_var", value: [Float](repeating: 1, count: channels), isTrainable: false)
    }

    public var summary: String { "batchnorm \(channels)" }
    public var parameters: [Parameter] { [scale, offset, runningMean, runningVariance] }

    public func outputShape(for input: BatchShape) throws -> BatchShape {
        guard input.c == channels else { throw LayerShapeError(layer: summary, input: input, reason: "expects \(channels) channels") }
        return input
    }

    public func forward(_ input: BatchTensor, context: ExecutionContext) -> BatchTensor {
        let c = channels, positions = input.shape.count / c
        var output = BatchTensor(zeros: input.shape)
        var mean = [Float](repeating: 0, count: c), invStd = [Float](repeating: 0, count: c)
        if context.isTraining {
            // Two passes (mean, then squared deviations): one-pass E[x²]−E[x]² loses digits.
            let sums = Self.channelSums(input.data, channels: c) { x, _ in x }
            for j in 0..<c { mean[j] = Float(sums[j] / Double(positions)) }
            let squares = Self.channelSums(input.data, channels: c) { x, j in (x - mean[j]) * (x - mean[j]) }
            for j in 0..<c {
                let variance = squares[j] / Double(positions)
                invStd[j] = Float(1 / (variance + Double(epsilon)).squareRoot())
                let unbiased = positions > 1 ? squares[j] / Double(positions - 1) : variance
                runningMean.value[j] = (1 - momentum) * runningMean.value[j] + momentum * mean[j]
                runningVariance.value[j] = (1 - momentum) * runningVariance.value[j] + momentum * Float(unbiased)
            }
        } else {
            for j in 0..<c {
                mean[j] = runningMean.value[j]
                invStd[j] = 1 / (runningVariance.value[j] + epsilon).squareRoot()
            }
        }
        let gamma = scale.value, beta = offset.value
        if context.isTraining {
            if normalized.count != input.shape.count { normalized = [Float](repeating: 0, count: input.shape.count) }
        } else {
            normalized = []
        }
        let keep = context.isTraining
        input.data.withUnsafeBufferPointer { x in
            output.data.withUnsafeMutableBufferPointer { y in
                normalized.withUnsafeMutableBufferPointer { xh in
                    for p in 0..<positions {
                        let row = p * c
                        for j in 0..<c {
                            let normalizedValue = (x[row + j] - mean[j]) * invStd[j]
                            y[row + j] = normalizedValue * gamma[j] + beta[j]
                        }
                        if keep {
                            for j in 0..<c { xh[row + j] = (x[row + j] - mean[j]) * invStd[j] }
                        }
                    }
                }
            }
        }
        inverseStd = invStd
        return output
    }

    /// Σ over positions of f(x, channel) per channel: Float partial sums over blocks of 64
    /// positions (vectorisable), added up in Double so long batches lose no precision.
    static func channelSums(_ data: [Float], channels c: Int, _ f: (Float, Int) -> Float) -> [Double] {
        let positions = data.count / c
        var total = [Double](repeating: 0, count: c)
        var partial = [Float](repeating: 0, count: c)
        data.withUnsafeBufferPointer { x in
            var p = 0
            while p < positions {
                let end = min(p + 64, positions)
                for j in 0..<c { partial[j] = 0 }
                for q in p..<end {
                    for j in 0..<c { partial[j] += f(x[q * c + j], j) }
                }
                for j in 0..<c { total[j] += Double(partial[j]) }
                p = end
            }
        }
        return total
    }

    public func backward(_ outputGradient: BatchTensor, context: ExecutionContext) -> BatchTensor {
        precondition(normalized.count == outputGradient.data.count, "\(summary): backward without a training forward")
        let c = channels, positions = outputGradient.shape.count / c
        let xhat = normalized
        var inputGradient = BatchTensor(zeros: outputGradient.shape)
        let dOffset = Self.channelSums(outputGradient.data, channels: c) { g, _ in g }
        var dScale = [Double](repeating: 0, count: c)
        outputGradient.data.withUnsafeBufferPointer { dy in
            xhat.withUnsafeBufferPointer { xh in
                var partial = [Float](repeating: 0, count: c)
                var p = 0
                while p < positions {
                    let end = min(p + 64, positions)
                    for j in 0..<c { partial[j] = 0 }
                    for q in p..<end { for j in 0..<c { partial[j] += dy[q * c + j] * xh[q * c + j] } }
                    for j in 0..<c { dScale[j] += Double(partial[j]) }
                    p = end
                }
                // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂))
                var k0 = [Float](repeating: 0, count: c), k1 = k0, k2 = k0
                for j in 0..<c {
                    k0[j] = scale.value[j] * inverseStd[j]
                    k1[j] = Float(dOffset[j] / Double(positions))
                    k2[j] = Float(dScale[j] / Double(positions))
                }
                inputGradient.data.withUnsafeMutableBufferPointer { dx in
                    for p in 0..<positions {
                        let row = p * c
                        for j in 0..<c { dx[row + j] = k0[j] * (dy[row + j] - k1[j] - xh[row + j] * k2[j]) }
                    }
                }
            }
        }
        for j in 0..<c {
            scale.gradient[j] += Float(dScale[j])
            offset.gradient[j] += Float(dOffset[j])
        }
        return inputGradient
    }
}
