/// How pixel values become network inputs: x = (pixel / 255 − mean[c]) / std[c] per channel.
public struct InputNormalization: Sendable, Equatable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Pixels scaled to 0...1 and left at that: mean 0, std 1.
    public static func unit(channels: Int) -> InputNormalization {
        InputNormalization(mean: .init(repeating: 0, count: channels), std: .init(repeating: 1, count: channels))
    }
}
