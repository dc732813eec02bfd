import Foundation

/// Linear warm-up from near zero to `peak` over `warmupSteps`, then cosine decay to `floor`.
public struct LearningRateSchedule: Sendable, Equatable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var floor: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, floor: Float = 0) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = max(totalSteps, 1); self.floor = floor
    }

    public func rate(atStep step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let span = max(totalSteps - warmupSteps, 1)
        let progress = min(Double(step - warmupSteps) / Double(span), 1)
        return floor + (peak - floor) * Float(0.5 * (1 + cos(Double.pi * progress)))
    }
}
