/// How pixel values become network inputs: x = (pixel / 255 − mean[c]) / std[c] per channel.
public struct InputNormalization: Sendable, Equatable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Means are pixel values, so on the 0...1 scale. Standard deviations from 1/10,000 to 10,000:
    /// 1/255 gives a model 0...255 inputs, while a tiny one (1e-40) divides pixels into infinity.
    public static let meanRange: ClosedRange<Float> = 0...1
    public static let stdRange: ClosedRange<Float> = 1e-4...1e4

    /// Why these values cannot normalise pixels, or nil.
    public var problem: String? {
        if let mean = mean.first(where: { !Self.meanRange.contains($0) }) {
            return "normalisation mean \(mean) is outside 0...1 (means are on 0...1 pixel values: 123.675 on 0...255 is 0.485)"
        }
        if let std = std.first(where: { !Self.stdRange.contains($0) }) {
            return "normalisation standard deviation \(std) is outside 0.0001...10000"
        }
        return nil
    }

    /// Pixels scaled to 0...1 and left at that: mean 0, std 1.
    public static func unit(channels: Int) -> InputNormalization {
        InputNormalization(mean: .init(repeating: 0, count: channels), std: .init(repeating: 1, count: channels))
    }
}
