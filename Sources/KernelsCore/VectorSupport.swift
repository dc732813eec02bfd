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

/// An `Epilogue` splatted into vectors once per kernel call.
public struct EpilogueVectors {
    public let slope: Vector8
    public let lower: Vector8
    public let upper: Vector8
    public let isIdentity: Bool
    /// ReLU, ReLU6 and Clip with a lower bound >= 0: the activation is clamp(x, lower, upper).
    public let isClamp: Bool

    @inlinable @inline(__always)
    public init(_ e: Epilogue) {
        slope = Vector8(repeating: e.negativeSlope)
        lower = Vector8(repeating: e.lowerBound)
        upper = Vector8(repeating: e.upperBound)
        isIdentity = e.isIdentity
        isClamp = e.isClamp
    }

    /// clamp(x >= 0 ? x : slope * x, lower, upper), written as max(x,0) + slope*min(x,0): exact, branch-free;
    /// two instructions when it is a clamp (see `Epilogue.isClamp`).
    /// Transparent (always inlined): `@inline(__always)` alone was not honoured in some callers, which then
    /// ran this copy, compiled for the baseline ISA.
    @_transparent
    public func apply(_ x: Vector8) -> Vector8 {
        if isIdentity { return x }
        if isClamp { return minimum8(maximum8(x, lower), upper) }
        let zero = Vector8()
        let ramp = maximum8(x, zero) + slope * minimum8(x, zero)
        return minimum8(maximum8(ramp, lower), upper)
    }
}

// Sixteen-lane twins of the helpers above, for the AVX-512 copy. Written per width, not generic over
// `SIMD`: a generic comparison-and-select was compiled lane by lane through the stack (measured: the
// AVX2 element-wise kernels doubled in size and gained 179 stack accesses).

@inlinable @inline(__always)
public func load16(_ p: UnsafePointer<Float>) -> Vector16 {
    UnsafeRawPointer(p).loadUnaligned(as: Vector16.self)
}

@inlinable @inline(__always)
public func store16(_ v: Vector16, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector16.self)
}

/// Loads `count` (clamped to 0...16) floats; the other lanes are zero. Never reads past `p + count`.
@inlinable @inline(__always)
public func loadPartial16(_ p: UnsafePointer<Float>, _ count: Int) -> Vector16 {
    var v = Vector16()
    for i in 0..<min(max(count, 0), 16) { v[i] = p[i] }
    return v
}

/// Stores the first `count` (clamped to 0...16) lanes.
@inlinable @inline(__always)
public func storePartial16(_ v: Vector16, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<min(max(count, 0), 16) { p[i] = v[i] }
}

@inlinable @inline(__always)
public func minimum16(_ a: Vector16, _ b: Vector16) -> Vector16 { a.replacing(with: b, where: b .< a) }

@inlinable @inline(__always)
public func maximum16(_ a: Vector16, _ b: Vector16) -> Vector16 { a.replacing(with: b, where: b .> a) }

/// `EpilogueVectors` at sixteen lanes.
public struct EpilogueVectors16 {
    public let slope: Vector16
    public let lower: Vector16
    public let upper: Vector16
    public let isIdentity: Bool
    public let isClamp: Bool

    @inlinable @inline(__always)
    public init(_ e: Epilogue) {
        slope = Vector16(repeating: e.negativeSlope)
        lower = Vector16(repeating: e.lowerBound)
        upper = Vector16(repeating: e.upperBound)
        isIdentity = e.isIdentity
        isClamp = e.isClamp
    }

    @_transparent
    public func apply(_ x: Vector16) -> Vector16 {
        if isIdentity { return x }
        if isClamp { return minimum16(maximum16(x, lower), upper) }
        let zero = Vector16()
        let ramp = maximum16(x, zero) + slope * minimum16(x, zero)
        return minimum16(maximum16(ramp, lower), upper)
    }
}
