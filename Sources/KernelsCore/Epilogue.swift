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

    /// Applies the activation to one value; the reference kernels use this scalar form.
    @inlinable public func apply(_ x: Float) -> Float {
        let y = x >= 0 ? x : x * negativeSlope
        return Swift.min(Swift.max(y, lowerBound), upperBound)
    }
}
