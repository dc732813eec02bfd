/// A trainable network: layers applied in order to an NHWC image batch, ending in class logits.
public final class TrainableNetwork {
    public let layers: [TrainableLayer]
    /// Per-image input shape (n is 1).
    public let inputShape: BatchShape

    /// The first `frozenLayerCount` layers keep their weights: they run in inference mode (no
    /// cached activations, batch norms use their running statistics) and backward stops before them.
    public let frozenLayerCount: Int

    public init(inputShape: BatchShape, layers: [TrainableLayer], frozenLayerCount: Int = 0) throws {
        precondition((0...layers.count).contains(frozenLayerCount), "frozen layers out of range")
        self.inputShape = inputShape.with(n: 1)
        self.layers = layers
        self.frozenLayerCount = frozenLayerCount
        _ = try outputShape()
        // Neither the input image nor a frozen layer's output needs a gradient.
        if frozenLayerCount < layers.count, let first = layers[frozenLayerCount] as? ConvolutionLayer {
            first.computesInputGradient = false
        }
    }

    public func outputShape() throws -> BatchShape {
        var shape = inputShape
        for layer in layers { shape = try layer.outputShape(for: shape) }
        return shape
    }

    public var classCount: Int { (try? outputShape().c) ?? 0 }

    /// Every parameter and buffer, in a fixed order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    /// The parameters and buffers of the layers that are not frozen, in the same order; the optimiser's.
    public var updatedParameters: [Parameter] { layers[frozenLayerCount...].flatMap(\.parameters) }
    public var trainableParameterCount: Int { updatedParameters.filter(\.isTrainable).reduce(0) { $0 + $1.value.count } }

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
        let frozen = ExecutionContext(isTraining: false, jobs: context.jobs)
        for (index, layer) in layers.enumerated() {
            x = layer.forward(x, context: index < frozenLayerCount ? frozen : context)
        }
        return x
    }

    @discardableResult
    public func backward(_ lossGradient: BatchTensor, context: ExecutionContext) -> BatchTensor {
        var gradient = lossGradient
        for layer in layers[frozenLayerCount...].reversed() { gradient = layer.backward(gradient, context: context) }
        return gradient
    }

    public func zeroGradients() {
        for parameter in updatedParameters where parameter.isTrainable { parameter.zeroGradient() }
    }
}
