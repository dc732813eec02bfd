import Deterministic

// Legend: N images, I = H·W·C inputs per image (NHWC order), O outputs.

/// Fully connected layer: Y[N×O] = X[N×I] · W[I×O] + b. The output is N×1×1×O.
public final class DenseLayer: TrainableLayer {
    public let inputs: Int, outputs: Int
    public let weight: Parameter   // [I][O]
    public let bias: Parameter
    private var cachedInput: BatchTensor?

    public init(inputs: Int, outputs: Int, random: inout SeededRandom) {
        self.inputs = inputs; self.outputs = outputs
        // LeCun-style scale: the logits start small so the first losses are near log(classes).
        let scale = (1 / Float(inputs)).squareRoot()
        weight = Parameter(name: "weight", value: (0..<(inputs * outputs)).map { _ in random.normal() * scale }, decays: true)
        bias = Parameter(name: "bias", value: [Float](repeating: 0, count: outputs))
    }

    public var summary: String { "dense \(inputs)->\(outputs)" }
    public var parameters: [Parameter] { [weight, bias] }

    public func outputShape(for input: BatchShape) throws -> BatchShape {
        guard input.perImage == inputs else {
            throw LayerShapeError(layer: summary, input: input, reason: "expects \(inputs) values per image")
        }
        return BatchShape(n: input.n, h: 1, w: 1, c: outputs)
    }

    public func multiplyAccumulates(for input: BatchShape) -> Int { inputs * outputs }

    public func forward(_ input: BatchTensor, context: ExecutionContext) -> BatchTensor {
        let n = input.shape.n
        var output = BatchTensor(zeros: BatchShape(n: n, h: 1, w: 1, c: outputs))
        input.data.withUnsafeBufferPointer { x in
            weight.value.withUnsafeBufferPointer { w in
                output.data.withUnsafeMutableBufferPointer { y in
                    for i in 0..<n { (y.baseAddress! + i * outputs).update(from: bias.value, count: outputs) }
                    matmul(m: n, n: outputs, k: inputs, a: x.baseAddress!, lda: inputs,
                           b: w.baseAddress!, ldb: outputs, c: y.baseAddress!, ldc: outputs, accumulate: true)
                }
            }
        }
        cachedInput = context.isTraining ? input : nil
        return output
    }

    public func backward(_ outputGradient: BatchTensor, context: ExecutionContext) -> BatchTensor {
        guard let input = cachedInput else { preconditionFailure("\(summary): backward without a training forward") }
        let n = input.shape.n
        var inputGradient = BatchTensor(zeros: input.shape)
        var xT = [Float](repeating: 0, count: inputs * n), wT = [Float](repeating: 0, count: inputs * outputs)
        outputGradient.data.withUnsafeBufferPointer { dy in
            for i in 0..<n { for o in 0..<outputs { bias.gradient[o] += dy[i * outputs + o] } }
            input.data.withUnsafeBufferPointer { x in
                xT.withUnsafeMutableBufferPointer { t in transpose(rows: n, cols: inputs, x.baseAddress!, ldSrc: inputs, t.baseAddress!, ldDst: n) }
            }
            weight.value.withUnsafeBufferPointer { w in
                wT.withUnsafeMutableBufferPointer { t in transpose(rows: inputs, cols: outputs, w.baseAddress!, ldSrc: outputs, t.baseAddress!, ldDst: inputs) }
            }
            // dW[I×O] += Xᵀ · dY ; dX[N×I] = dY · Wᵀ
            xT.withUnsafeBufferPointer { t in
                weight.gradient.withUnsafeMutableBufferPointer { dw in
                    matmul(m: inputs, n: outputs, k: n, a: t.baseAddress!, lda: n, b: dy.baseAddress!, ldb: outputs,
                           c: dw.baseAddress!, ldc: outputs, accumulate: true)
                }
            }
            wT.withUnsafeBufferPointer { t in
                inputGradient.data.withUnsafeMutableBufferPointer { dx in
                    matmul(m: n, n: inputs, k: outputs, a: dy.baseAddress!, lda: outputs, b: t.baseAddress!, ldb: inputs,
                           c: dx.baseAddress!, ldc: inputs, accumulate: false)
                }
            }
        }
        cachedInput = nil
        return inputGradient
    }
}
