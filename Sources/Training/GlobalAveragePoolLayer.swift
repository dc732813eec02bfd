/// Mean over H and W per channel: N×H×W×C → N×1×1×C.
public final class GlobalAveragePoolLayer: TrainableLayer {
    private var inputShape: BatchShape?

    public init() {}

    public var summary: String { "globalavgpool" }

    public func outputShape(for input: BatchShape) throws -> BatchShape {
        BatchShape(n: input.n, h: 1, w: 1, c: input.c)
    }

    public func forward(_ input: BatchTensor, context: ExecutionContext) -> BatchTensor {
        let s = input.shape, positions = s.h * s.w
        var output = BatchTensor(zeros: BatchShape(n: s.n, h: 1, w: 1, c: s.c))
        input.data.withUnsafeBufferPointer { x in
            output.data.withUnsafeMutableBufferPointer { y in
                for n in 0..<s.n {
                    for p in 0..<positions {
                        for ch in 0..<s.c { y[n * s.c + ch] += x[(n * positions + p) * s.c + ch] }
                    }
                    for ch in 0..<s.c { y[n * s.c + ch] /= Float(positions) }
                }
            }
        }
        inputShape = s
        return output
    }

    public func backward(_ outputGradient: BatchTensor, context: ExecutionContext) -> BatchTensor {
        guard let s = inputShape else { preconditionFailure("\(summary): backward without a forward") }
        let positions = s.h * s.w, share = 1 / Float(positions)
        var inputGradient = BatchTensor(zeros: s)
        outputGradient.data.withUnsafeBufferPointer { dy in
            inputGradient.data.withUnsafeMutableBufferPointer { dx in
                for n in 0..<s.n {
                    for p in 0..<positions {
                        for ch in 0..<s.c { dx[(n * positions + p) * s.c + ch] = dy[n * s.c + ch] * share }
                    }
                }
            }
        }
        return inputGradient
    }
}
