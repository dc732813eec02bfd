/// The pointwise activation fused into the end of a kernel:
/// `y = clamp(x >= 0 ? x : x * negativeSlope, lowerBound, upperBound)`.
/// One formula covers identity, ReLU, ReLU6, Clip and LeakyReLU, so kernels need one code path.
public struct Epilogue: Sendable, Hashable {
    public var negativeSlope: Float
    public var lowerBound: Float
    public var upperBound: Float

    public init(negativeSlope: Float, lowerBound: Float, upperBound: Float) {
        self.negativeSlope = negativeSlope
        self.lowerBound = lowerBound
        self.upperBound = upperBound
    }

    public static let identity = Epilogue(negativeSlope: 1, lowerBound: -.infinity, upperBound: .infinity)
    public static let relu = Epilogue(negativeSlope: 0, lowerBound: 0, upperBound: .infinity)
    public static let relu6 = Epilogue(negativeSlope: 0, lowerBound: 0, upperBound: 6)
    public static func clip(min: Float, max: Float) -> Epilogue {
        Epilogue(negativeSlope: 1, lowerBound: min, upperBound: max)
    }
    public static func leakyRelu(alpha: Float) -> Epilogue {
        Epilogue(negativeSlope: alpha, lowerBound: -.infinity, upperBound: .infinity)
    }

    @inlinable public var isIdentity: Bool {
        negativeSlope == 1 && lowerBound == -.infinity && upperBound == .infinity
    }

    /// Whether the activation is clamp(x, lowerBound, upperBound): negatives go to 0 (slope 0) and the lower
    /// bound is not below 0, as for ReLU, ReLU6 and Clip(0, max). The same values for every finite x
    /// (max(x, 0) + 0·min(x, 0) = max(x, 0), then max with a lower bound >= 0); only x = -infinity differs
    /// (the general formula gives 0·-infinity = NaN, the clamp gives the lower bound).
    @inlinable public var isClamp: Bool { negativeSlope == 0 && lowerBound >= 0 }

    /// Applies the activation to one value; the reference kernels use this scalar form.
    @inlinable public func apply(_ x: Float) -> Float {
        let y = x >= 0 ? x : x * negativeSlope
        return Swift.min(Swift.max(y, lowerBound), upperBound)
    }
}
