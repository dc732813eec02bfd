/// Max or average pooling over KxK windows. Padded positions never win a max and are not
/// counted in an average (ONNX's default `count_include_pad = 0`).
public final class PoolingLayer: TrainableLayer {
    public enum Kind: Sendable { case max, average }

    public let kind: Kind
    public let kernelSize: Int, stride: Int, padding: Int
    private var inputShape: BatchShape?
    private var winners: [Int32] = []   // max: flat input index chosen for each output

    public init(_ kind: Kind, kernelSize: Int, stride: Int, padding: Int = 0) {
        self.kind = kind
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding
    }

    public var summary: String { "\(kind == .max ? "maxpool" : "avgpool")\(kernelSize)x\(kernelSize) s\(stride) p\(padding)" }

    public func outputShape(for input: BatchShape) throws -> BatchShape {
        guard padding < kernelSize, input.h + 2 * padding >= kernelSize, input.w + 2 * padding >= kernelSize else {
            throw LayerShapeError(layer: summary, input: input, reason: "smaller than the window")
        }
        return BatchShape(n: input.n, h: (input.h + 2 * padding - kernelSize) / stride + 1,
                           w: (input.w + 2 * padding - kernelSize) / stride + 1, c: input.c)
    }

    public func forward(_ input: BatchTensor, context: ExecutionContext) -> BatchTensor {
        let s = input.shape, o = try! outputShape(for: s), c = s.c
        var output = BatchTensor(zeros: o)
        var chosen = kind == .max && context.isTraining ? [Int32](repeating: 0, count: o.count) : []
        if kind == .max && kernelSize == 2 && stride == 2 && padding == 0 {
            maxPool2x2(input, &output, &chosen)
            inputShape = s
            winners = chosen
            return output
        }
        input.data.withUnsafeBufferPointer { x in
            output.data.withUnsafeMutableBufferPointer { y in
                chosen.withUnsafeMutableBufferPointer { win in
                    for n in 0..<s.n {
                        for oy in 0..<o.h {
                            for ox in 0..<o.w {
                                let y0 = max(oy * stride - padding, 0), y1 = min(oy * stride - padding + kernelSize, s.h)
                                let x0 = max(ox * stride - padding, 0), x1 = min(ox * stride - padding + kernelSize, s.w)
                                let out = ((n * o.h + oy) * o.w + ox) * c
                                for ch in 0..<c {
                                    if kind == .max {
                                        var best = -Float.infinity, bestIndex = 0
                                        for iy in y0..<y1 {
                                            for ix in x0..<x1 {
                                                let index = ((n * s.h + iy) * s.w + ix) * c + ch
                                                if x[index] > best { best = x[index]; bestIndex = index }
                                            }
                                        }
                                        y[out + ch] = best
                                        if !win.isEmpty { win[out + ch] = Int32(bestIndex) }
                                    } else {
                                        var sum: Float = 0
                                        for iy in y0..<y1 {
                                            for ix in x0..<x1 { sum += x[((n * s.h + iy) * s.w + ix) * c + ch] }
                                        }
                                        y[out + ch] = sum / Float((y1 - y0) * (x1 - x0))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        inputShape = s
        winners = chosen
        return output
    }

    /// The common 2x2/2 max pool, channel-vectorised: same result as the general loop
    /// (the first maximum in row-major window order wins).
    private func maxPool2x2(_ input: BatchTensor, _ output: inout BatchTensor, _ chosen: inout [Int32]) {
        let s = input.shape, o = output.shape, c = s.c
        let keep = !chosen.isEmpty
        input.data.withUnsafeBufferPointer { x in
            output.data.withUnsafeMutableBufferPointer { y in
                chosen.withUnsafeMutableBufferPointer { win in
                    for n in 0..<s.n {
                        for oy in 0..<o.h {
                            for ox in 0..<o.w {
                                let out = ((n * o.h + oy) * o.w + ox) * c
                                let i00 = ((n * s.h + 2 * oy) * s.w + 2 * ox) * c, i01 = i00 + c
                                let i10 = i00 + s.w * c, i11 = i10 + c
                                for ch in 0..<c {
                                    var best = x[i00 + ch], index = i00 + ch
                                    if x[i01 + ch] > best { best = x[i01 + ch]; index = i01 + ch }
                                    if x[i10 + ch] > best { best = x[i10 + ch]; index = i10 + ch }
                                    if x[i11 + ch] > best { best = x[i11 + ch]; index = i11 + ch }
                                    y[out + ch] = best
                                    if keep { win[out + ch] = Int32(index) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(_ outputGradient: BatchTensor, context: ExecutionContext) -> BatchTensor {
        guard let s = inputShape else { preconditionFailure("\(summary): backward without a forward") }
        let o = outputGradient.shape, c = s.c
        var inputGradient = BatchTensor(zeros: s)
        outputGradient.data.withUnsafeBufferPointer { dy in
            inputGradient.data.withUnsafeMutableBufferPointer { dx in
                if kind == .max {
                    precondition(winners.count == dy.count, "\(summary): backward without a training forward")
                    for i in 0..<dy.count { dx[Int(winners[i])] += dy[i] }
                    return
                }
                for n in 0..<s.n {
                    for oy in 0..<o.h {
                        for ox in 0..<o.w {
                            let y0 = max(oy * stride - padding, 0), y1 = min(oy * stride - padding + kernelSize, s.h)
                            let x0 = max(ox * stride - padding, 0), x1 = min(ox * stride - padding + kernelSize, s.w)
                            let share = 1 / Float((y1 - y0) * (x1 - x0))
                            let out = ((n * o.h + oy) * o.w + ox) * c
                            for iy in y0..<y1 {
                                for ix in x0..<x1 {
                                    let base = ((n * s.h + iy) * s.w + ix) * c
                                    for ch in 0..<c { dx[base + ch] += dy[out + ch] * share }
                                }
                            }
                        }
                    }
                }
            }
        }
        winners = []
        return inputGradient
    }
}
