/// A trainable network: layers applied in order to an NHWC image batch, ending in class logits.
public final class Network {
    public let layers: [Layer]
    /// Per-image input shape (n is 1).
    public let inputShape: TensorShape

    public init(inputShape: TensorShape, layers: [Layer]) throws {
        self.inputShape = inputShape.with(n: 1)
        self.layers = layers
        _ = try outputShape()
        // The input image never needs a gradient.
        if let first = layers.first as? Conv2D { first.computesInputGradient = false }
    }

    public func outputShape() throws -> TensorShape {
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

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        var x = input
        for layer in layers { x = layer.forward(x, context: context) }
        return x
    }

    @discardableResult
    public func backward(_ lossGradient: Tensor, context: ExecutionContext) -> Tensor {
        var gradient = lossGradient
        for layer in layers.reversed() { gradient = layer.backward(gradient, context: context) }
        return gradient
    }

    public func zeroGradients() {
        for parameter in parameters where parameter.isTrainable { parameter.zeroGradient() }
    }
}
