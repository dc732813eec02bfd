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
            // Two passes in Double: one-pass E[x²]−E[x]² loses digits on large activations.
            var sum = [Double](repeating: 0, count: c), squares = [Double](repeating: 0, count: c)
            input.data.withUnsafeBufferPointer { x in
                for p in 0..<positions { for j in 0..<c { sum[j] += Double(x[p * c + j]) } }
                for j in 0..<c { sum[j] /= Double(positions) }
                for p in 0..<positions {
                    for j in 0..<c { let d = Double(x[p * c + j]) - sum[j]; squares[j] += d * d }
                }
            }
            for j in 0..<c {
                let variance = squares[j] / Double(positions)
                mean[j] = Float(sum[j])
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
        var xhat = context.isTraining ? [Float](repeating: 0, count: input.shape.count) : []
        input.data.withUnsafeBufferPointer { x in
            output.data.withUnsafeMutableBufferPointer { y in
                xhat.withUnsafeMutableBufferPointer { xh in
                    for p in 0..<positions {
                        for j in 0..<c {
                            let normalizedValue = (x[p * c + j] - mean[j]) * invStd[j]
                            if context.isTraining { xh[p * c + j] = normalizedValue }
                            y[p * c + j] = normalizedValue * scale.value[j] + offset.value[j]
                        }
                    }
                }
            }
        }
        normalized = xhat
        inverseStd = invStd
        return output
    }

    public func backward(_ outputGradient: BatchTensor, context: ExecutionContext) -> BatchTensor {
        precondition(!normalized.isEmpty, "\(summary): backward without a training forward")
        let c = channels, positions = outputGradient.shape.count / c
        var dScale = [Double](repeating: 0, count: c), dOffset = [Double](repeating: 0, count: c)
        var inputGradient = BatchTensor(zeros: outputGradient.shape)
        outputGradient.data.withUnsafeBufferPointer { dy in
            normalized.withUnsafeBufferPointer { xh in
                for p in 0..<positions {
                    for j in 0..<c {
                        dScale[j] += Double(dy[p * c + j] * xh[p * c + j])
                        dOffset[j] += Double(dy[p * c + j])
                    }
                }
                // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂))
                var k1 = [Float](repeating: 0, count: c), k2 = [Float](repeating: 0, count: c)
                var k0 = [Float](repeating: 0, count: c)
                for j in 0..<c {
                    k0[j] = scale.value[j] * inverseStd[j]
                    k1[j] = Float(dOffset[j] / Double(positions))
                    k2[j] = Float(dScale[j] / Double(positions))
                }
                inputGradient.data.withUnsafeMutableBufferPointer { dx in
                    for p in 0..<positions {
                        for j in 0..<c {
                            dx[p * c + j] = k0[j] * (dy[p * c + j] - k1[j] - xh[p * c + j] * k2[j])
                        }
                    }
                }
            }
        }
        for j in 0..<c {
            scale.gradient[j] += Float(dScale[j])
            offset.gradient[j] += Float(dOffset[j])
        }
        normalized = []
        return inputGradient
    }
}
