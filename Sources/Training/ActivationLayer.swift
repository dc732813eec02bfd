/// Element-wise activations. The backward pass only needs the input's sign/range, so the input
/// is kept from the training forward.
public final class ActivationLayer: TrainableLayer {
    public enum Kind: Equatable, Sendable {
        case relu
        case relu6
        case leakyReLU(slope: Float)
    }

    public let kind: Kind
    private var cachedInput: [Float] = []

    public init(_ kind: Kind) { self.kind = kind }

    public var summary: String {
        switch kind {
        case .relu: "relu"
        case .relu6: "relu6"
        case .leakyReLU(let slope): "leakyrelu \(slope)"
        }
    }

    public func outputShape(for input: BatchShape) throws -> BatchShape { input }

    public func forward(_ input: BatchTensor, context: ExecutionContext) -> BatchTensor {
        var output = input
        output.data.withUnsafeMutableBufferPointer { y in
            switch kind {
            case .relu: for i in y.indices { y[i] = max(y[i], 0) }
            case .relu6: for i in y.indices { y[i] = min(max(y[i], 0), 6) }
            case .leakyReLU(let slope): for i in y.indices where y[i] < 0 { y[i] *= slope }
            }
        }
        cachedInput = context.isTraining ? input.data : []
        return output
    }

    public func backward(_ outputGradient: BatchTensor, context: ExecutionContext) -> BatchTensor {
        precondition(cachedInput.count == outputGradient.data.count, "\(summary): backward without a training forward")
        var inputGradient = outputGradient
        inputGradient.data.withUnsafeMutableBufferPointer { d in
            cachedInput.withUnsafeBufferPointer { x in
                switch kind {
                case .relu: for i in d.indices where x[i] <= 0 { d[i] = 0 }
                case .relu6: for i in d.indices where x[i] <= 0 || x[i] >= 6 { d[i] = 0 }
                case .leakyReLU(let slope): for i in d.indices where x[i] < 0 { d[i] *= slope }
                }
            }
        }
        cachedInput = []
        return inputGradient
    }
}
