/// The shape of one image's activations, channels first as in ONNX (NCHW without the batch).
/// Feature vectors (after Flatten, Dense, Softmax) have height and width 1.
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    public static func vector(_ count: Int) -> TensorShape { TensorShape(channels: count, height: 1, width: 1) }

    public var elementCount: Int { channels * height * width }
    public var pixels: Int { height * width }
    public var description: String { "\(channels)x\(height)x\(width)" }
}
