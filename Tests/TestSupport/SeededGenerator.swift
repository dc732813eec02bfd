import Deterministic

/// The library's SplitMix64 generator, so randomised tests are reproducible; the name tests use.
public typealias SeededGenerator = SeededRandom

extension SeededRandom {
    /// Uniform floats in [-1, 1).
    public mutating func floats(_ count: Int) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1..<1, using: &self) }
    }
}
