import Foundation

/// SplitMix64: small, fast and fully reproducible. Used for initialisation, sampling and
/// augmentation; per-sample streams are derived with `SeededRandom(seed:stream:)` so parallel
/// workers never share a generator.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// An independent stream for e.g. (epoch, sample index): mixes the inputs before seeding.
    public init(seed: UInt64, stream: UInt64...) {
        var mixer = SeededRandom(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
        for value in stream { mixer.state ^= value &* 0x9E37_79B9_7F4A_7C15; _ = mixer.next() }
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits, the resolution of Float.
    public mutating func nextUnit() -> Float { Float(next() >> 40) * 0x1p-24 }

    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * nextUnit() }

    /// Standard normal (Box-Muller; the second value is discarded to keep the stream simple).
    public mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1p-53, 1e-300), u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

