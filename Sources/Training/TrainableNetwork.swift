/// A trainable network: layers applied in order to an NHWC image batch, ending in class logits.
public final class TrainableNetwork {
    public let layers: [TrainableLayer]
    /// Per-image input shape (n is 1).
    public let inputShape: BatchShape

    public init(inputShape: BatchShape, layers: [TrainableLayer]) throws {
        self.inputShape = inputShape.with(n: 1)
        self.layers = layers
        _ = try outputShape()
        // The input image never needs a gradient.
        if let first = layers.first as? ConvolutionLayer { first.computesInputGradient = false }
    }

    public func outputShape() throws -> BatchShape {
        var shape = inputShape
        for layer in layers { shape = try layer.outputShape(for: shape) }
        return shape
    }

    public var classCount: Int { (try? outputShape().c) ?? 0 }

    /// Every parameter and buffer, in a fixed order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public var trainableParameterCount: Int { parameters.filter(\.isTrainable).reduce(0) { $0 + $1.value.count } }

    public var multiplyAccumulates: Int {
        var shape = inputShape, total = 0
        for layer in layers {
            total += layer.multiplyAccumulates(for: shape)
            shape = (try? layer.outputShape(for: shape)) ?? shape
        }
        return total
    }

    public func forward(_ input: BatchTensor, context: ExecutionContext) -> BatchTensor {
        var x = input
        for layer in layers { x = layer.forward(x, context: context) }
        return x
    }

    @discardableResult
    public func backward(_ lossGradient: BatchTensor, context: ExecutionContext) -> BatchTensor {
        var gradient = lossGradient
        for layer in layers.reversed() { gradient = layer.backward(gradient, context: context) }
        return gradient
    }

    public func zeroGradients() {
        for parameter in parameters where parameter.isTrainable { parameter.zeroGradient() }
    }
}
