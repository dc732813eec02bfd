/// y = x + body(x): an identity shortcut around a sequence of layers that keeps the shape.
public final class ResidualBlock: Layer {
    public let body: [Layer]

    public init(_ body: [Layer]) { self.body = body }

    public var summary: String { "residual[" + body.map(\.summary).joined(separator: ", ") + "]" }
    public var parameters: [Parameter] { body.flatMap(\.parameters) }

    public func outputShape(for input: TensorShape) throws -> TensorShape {
        var shape = input
        for layer in body { shape = try layer.outputShape(for: shape) }
        guard shape == input else {
            throw ShapeError(layer: summary, input: input, reason: "body output \(shape) differs from its input")
        }
        return input
    }

    public func multiplyAccumulates(for input: TensorShape) -> Int {
        var shape = input, total = 0
        for layer in body {
            total += layer.multiplyAccumulates(for: shape)
            shape = (try? layer.outputShape(for: shape)) ?? shape
        }
        return total
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        var output = input
        for layer in body { output = layer.forward(output, context: context) }
        output.data.withUnsafeMutableBufferPointer { y in
            input.data.withUnsafeBufferPointer { x in for i in y.indices { y[i] += x[i] } }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        var gradient = outputGradient
        for layer in body.reversed() { gradient = layer.backward(gradient, context: context) }
        gradient.data.withUnsafeMutableBufferPointer { dx in
            outputGradient.data.withUnsafeBufferPointer { dy in for i in dx.indices { dx[i] += dy[i] } }
        }
        return gradient
    }
}
