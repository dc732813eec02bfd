// SIMD helpers shared by the compiled kernel variants. They are `@inlinable` so their bodies are
// compiled inside each variant with that variant's code generation flags (and inlined even in debug
// builds, which compile file by file).

public typealias Vector8 = SIMD8<Float>
public typealias Vector16 = SIMD16<Float>

@inlinable @inline(__always)
public func load8(_ p: UnsafePointer<Float>) -> Vector8 {
    UnsafeRawPointer(p).loadUnaligned(as: Vector8.self)
}

@inlinable @inline(__always)
public func store8(_ v: Vector8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector8.self)
}

/// Loads `count` (clamped to 0...8) floats; the other lanes are zero. Never reads past `p + count`.
@inlinable @inline(__always)
public func loadPartial8(_ p: UnsafePointer<Float>, _ count: Int) -> Vector8 {
    var v = Vector8()
    for i in 0..<min(max(count, 0), 8) { v[i] = p[i] }
    return v
}

/// Stores the first `count` (clamped to 0...8) lanes.
@inlinable @inline(__always)
public func storePartial8(_ v: Vector8, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<min(max(count, 0), 8) { p[i] = v[i] }
}

/// Lane-wise minimum. The standard library's `pointwiseMin` compiles to a call into a prespecialised
/// (baseline-ISA) copy; a compare-and-select inlines to one `vminps`.
@inlinable @inline(__always)
public func minimum8(_ a: Vector8, _ b: Vector8) -> Vector8 { a.replacing(with: b, where: b .< a) }

/// Lane-wise maximum (see `minimum8`).
@inlinable @inline(__always)
public func maximum8(_ a: Vector8, _ b: Vector8) -> Vector8 { a.replacing(with: b, where: b .> a) }

/// Loads a whole vector of any width from unaligned memory.
@inlinable @inline(__always)
public func loadLanes<V: SIMD>(_ p: UnsafePointer<Float>, as _: V.Type = V.self) -> V where V.Scalar == Float {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inlinable @inline(__always)
public func storeLanes<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>) where V.Scalar == Float {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

/// Loads `count` (clamped to 0...width) floats; the other lanes are zero. Never reads past `p + count`.
@inlinable @inline(__always)
public func loadPartialLanes<V: SIMD>(_ p: UnsafePointer<Float>, _ count: Int, as _: V.Type = V.self) -> V
where V.Scalar == Float {
    var v = V()
    for i in 0..<min(max(count, 0), V.scalarCount) { v[i] = p[i] }
    return v
}

/// Stores the first `count` (clamped to 0...width) lanes.
@inlinable @inline(__always)
public func storePartialLanes<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>, _ count: Int) where V.Scalar == Float {
    for i in 0..<min(max(count, 0), V.scalarCount) { p[i] = v[i] }
}

/// An `Epilogue` splatted into vectors once per kernel call, at the width of the kernel that applies it.
public struct LaneEpilogue<V: SIMD> where V.Scalar == Float {
    public let slope: V
    public let lower: V
    public let upper: V
    public let isIdentity: Bool

    @inlinable @inline(__always)
    public init(_ e: Epilogue) {
        slope = V(repeating: e.negativeSlope)
        lower = V(repeating: e.lowerBound)
        upper = V(repeating: e.upperBound)
        isIdentity = e.isIdentity
    }

    /// clamp(x >= 0 ? x : slope * x, lower, upper), written as max(x,0) + slope*min(x,0): exact, branch-free.
    /// Minimum and maximum are compare-and-select, which inline to one `vminps`/`vmaxps` (the standard
    /// library's `pointwiseMin` calls a prespecialised baseline-ISA copy). Transparent (always inlined):
    /// `@inline(__always)` alone was not honoured in some callers, which then ran a baseline-ISA copy.
    @_transparent
    public func apply(_ x: V) -> V {
        if isIdentity { return x }
        let zero = V()
        let positive = x.replacing(with: zero, where: zero .> x)
        let negative = x.replacing(with: zero, where: zero .< x)
        let ramp = positive + slope * negative
        let raised = ramp.replacing(with: lower, where: lower .> ramp)
        return raised.replacing(with: upper, where: upper .< raised)
    }
}

/// The eight-lane epilogue of the AVX2-width kernels.
public typealias EpilogueVectors = LaneEpilogue<Vector8>
