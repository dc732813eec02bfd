/// y = x + body(x): an identity shortcut around a sequence of layers that keeps the shape.
public final class ResidualLayer: TrainableLayer {
    public let body: [TrainableLayer]

    public init(_ body: [TrainableLayer]) { self.body = body }

    public var summary: String { "residual[" + body.map(\.summary).joined(separator: ", ") + "]" }
    public var parameters: [Parameter] { body.flatMap(\.parameters) }

    public func outputShape(for input: BatchShape) throws -> BatchShape {
        var shape = input
        for layer in body { shape = try layer.outputShape(for: shape) }
        guard shape == input else {
            throw LayerShapeError(layer: summary, input: input, reason: "body output \(shape) differs from its input")
        }
        return input
    }

    public func multiplyAccumulates(for input: BatchShape) -> Int {
        var shape = input, total = 0
        for layer in body {
            total += layer.multiplyAccumulates(for: shape)
            shape = (try? layer.outputShape(for: shape)) ?? shape
        }
        return total
    }

    public func forward(_ input: BatchTensor, context: ExecutionContext) -> BatchTensor {
        var output = input
        for layer in body { output = layer.forward(output, context: context) }
        output.data.withUnsafeMutableBufferPointer { y in
            input.data.withUnsafeBufferPointer { x in for i in y.indices { y[i] += x[i] } }
        }
        return output
    }

    public func backward(_ outputGradient: BatchTensor, context: ExecutionContext) -> BatchTensor {
        var gradient = outputGradient
        for layer in body.reversed() { gradient = layer.backward(gradient, context: context) }
        gradient.data.withUnsafeMutableBufferPointer { dx in
            outputGradient.data.withUnsafeBufferPointer { dy in for i in dx.indices { dx[i] += dy[i] } }
        }
        return gradient
    }
}
