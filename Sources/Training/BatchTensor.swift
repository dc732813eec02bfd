// Legend: N images, H rows, W columns, C channels. Training tensors are NHWC, float32, dense:
// channels are contiguous, so a pixel's channels feed a GEMM row directly (im2row).

/// The shape of an NHWC activation; a dense layer's output is N×1×1×C.
public struct BatchShape: Hashable, Sendable, CustomStringConvertible {
    public var n: Int, h: Int, w: Int, c: Int

    public init(n: Int, h: Int, w: Int, c: Int) {
        self.n = n; self.h = h; self.w = w; self.c = c
    }

    public var count: Int { n * h * w * c }
    /// Elements of one image.
    public var perImage: Int { h * w * c }
    public var description: String { "\(n)x\(h)x\(w)x\(c)" }

    public func with(n: Int) -> BatchShape { BatchShape(n: n, h: h, w: w, c: c) }
}

/// An NHWC activation (or its gradient) with value semantics.
public struct BatchTensor: Sendable {
    public var shape: BatchShape
    public var data: [Float]

    public init(shape: BatchShape, data: [Float]) {
        precondition(data.count == shape.count, "tensor data \(data.count) does not match shape \(shape)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: BatchShape) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.count))
    }
}
